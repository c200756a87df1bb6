"""The pipeline for a set of files: discover → load → convert → score → check.

Files are independent, so they are processed in parallel on every core, and a
file whose bytes (and whose directory defaults) have not changed since the last
run is not read again: its result comes from the cache.
"""
from __future__ import annotations

import gc
import json
import os
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from functools import lru_cache, partial
from operator import attrgetter
from pathlib import Path

import orjson

from .. import findings as F
from ..checking import bundles, checks
from ..checking.limits import check_evaluation
from ..checking.scoring import Scores, score
from ..checking.summary import indicator_table, summary
from ..findings import Finding, Pos
from ..loading.loader import (LoadError, Mapping, deepest, kind_of, load_file, merge, node_pos, parse, read_ahead,
                              read_source, shown, too_deep)
from ..loading.model import BundleIndex, Evaluation, every_indicator
from ..loading.schema import Converter
from ..project import tree
from ..project.structure import check_urls
from ..project.tree import boundary_of, defaults_chain, discover, project_root
from ..rules import registry
from . import cache as result_cache
from . import fingerprint, verified, workers
from .cache import ResultCache, source_digest, stamp

CHUNK_FILES = (16, 100)  # the fewest and the most files a worker is given at a time


@dataclass
class Result:
    file: str
    evaluation: Evaluation | None = None
    scores: Scores | None = None
    findings: list[Finding] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # what a later stage derived in the worker (search text…)
    indicators_packed: bytes | None = None  # a light result's indicator rows, packed (`pack_rows`)
    source: str | None = None  # the digest of the file and its defaults, as they were read
    seen: tuple | None = None  # (stamps, when taken, defaults): the file as the cache records it
    source_bytes: bytes | None = None  # the file's bytes as read, until a later stage has seen them

    def light(self) -> "Result":
        """The same result without its model: what validate, score and the cache need.

        Its indicator rows travel packed in one bytes object, unpacked only when asked for:
        as dicts, 10,000 results' 360,000 rows would be most of what workers send back and
        what the cache loads."""
        if self.indicators_packed is not None and self.evaluation is None and self.scores is None:
            return self
        summary, packed = self.summary, self.indicators_packed
        if packed is None:
            summary = dict(summary)
            packed = pack_rows(summary.pop("indicators", []))
        return Result(self.file, findings=self.findings, summary=summary, extra=self.extra,
                      indicators_packed=packed, source=self.source, seen=self.seen)

    def full_summary(self) -> dict:
        """The summary with its indicator rows."""
        if self.indicators_packed is None:
            return self.summary
        return {**self.summary, "indicators": unpack_rows(self.indicators_packed)}

    def counts(self) -> dict[str, int]:
        counted = {F.ERROR: 0, F.WARNING: 0, F.INFO: 0}
        for finding in self.findings:
            counted[finding.severity] += 1
        return counted

    @property
    def ok(self) -> bool:
        return self.summary.get("name") is not None and not any(f.severity == F.ERROR for f in self.findings)

    def glance(self, key: str):
        """One of the summary's `GLANCED` values (a cached result gives them without decoding its summary)."""
        return self.summary.get(key)

    def has_findings(self) -> bool:
        return bool(self.findings)

    # --- as data, for the cache ---------------------------------------------------------

    def to_data(self) -> tuple[dict, bytes]:
        """The light result as JSON data, and the bytes it holds as they are: its summary
        and findings (as JSON, decoded only when asked for: `CachedResult`), its packed
        indicator rows, then each bytes value of `extra` (page text, download lines)."""
        light = self.light()
        extra, blobs = _encode_extra(light.extra)
        heavy = _encoded([[finding_data(f) for f in light.findings], [light.summary[key] for key in _SUMMARY_TYPES]])
        return ({"file": light.file, "source": light.source, "glance": [light.summary[key] for key in GLANCED],
                 "heavy": len(heavy), "extra": extra},
                b"".join([heavy, light.indicators_packed, *blobs]))

    def respelt(self, names: dict[str, str]) -> "Result":
        """The result with its files named as `names` maps them: the same files, as a command
        run from another directory names them (relative to it, or in full)."""
        self.file = names.get(self.file, self.file)
        self.summary = {**self.summary, "file": self.file} if "file" in self.summary else self.summary
        self.findings = [replace(f, file=names[f.file]) if f.file in names else f for f in self.findings]
        return self

    @classmethod
    def from_data(cls, data, tail: bytes, file: str, extra_dirs: tuple[Path, ...] = ()) -> "CachedResult | None":
        """The light result a cache entry holds, or None when the entry is not one for `file`
        (an entry of the right checksum and the wrong shape can only have been forged). Its
        summary and findings are checked when they are decoded; of the wrong shape, they
        are made again from the file (read with the rules of `extra_dirs`)."""
        try:
            glanced, heavy = data["glance"], data["heavy"]
            if (data["file"] != file or type(data["source"]) is not str or type(glanced) is not list
                    or len(glanced) != len(GLANCED) or not all(map(_HOLDS, _GLANCED_KINDS, map(type, glanced)))
                    or not _counted(glanced[_COUNTS_AT]) or type(heavy) is not int or heavy < 0):
                return None
            extra, rest = _decode_extra(data["extra"], tail)
            packed = rest[heavy:]
            if packed[:2] != b"[[":
                return None
            return CachedResult(file, dict(zip(GLANCED, glanced)), rest[:heavy], extra, packed, data["source"],
                                extra_dirs)
        except (LookupError, TypeError, ValueError, AttributeError):  # IndexError: a place past a list's end
            return None


class CachedResult(Result):
    """A result from the cache (`Result.from_data`) whose summary and findings are decoded
    when first asked for: a build after a one-file edit of 10,000 evaluations asks for the
    edited file's, and reads of the others only what they give at a glance (`GLANCED`)."""

    def __init__(self, file: str, glanced: dict, heavy, extra: dict, packed, source: str,
                 extra_dirs: tuple[Path, ...] = ()):
        # Result's fields but `summary` and `findings`, made by `__getattr__` when first asked for
        self.file, self.extra, self.indicators_packed, self.source = file, extra, packed, source
        self.evaluation = self.scores = self.seen = self.source_bytes = None
        self._glanced, self._heavy, self._extra_dirs, self._names = glanced, heavy, extra_dirs, {}

    def __getattr__(self, name: str):
        if name not in ("summary", "findings"):
            raise AttributeError(name)
        self.findings, self.summary = self._decoded()
        if self._names:
            Result.respelt(self, self._names)
        return self.__dict__[name]

    def _decoded(self) -> tuple[list[Finding], dict]:
        try:
            findings, values = verified.parsed(bytes(self._heavy))
            findings = [_finding(item) for item in findings]
            summary = _summary_of(values)
            if None not in findings and summary is not None:
                return findings, summary
        except (TypeError, ValueError):
            pass
        made = process_file(Path(self.file), self._extra_dirs, packed=True)  # forged: as a miss would be
        return made.findings, made.summary

    def glance(self, key: str):
        return self.__dict__["summary"].get(key) if "summary" in self.__dict__ else self._glanced[key]

    def has_findings(self) -> bool:
        if "findings" in self.__dict__:
            return bool(self.findings)
        return any(self._glanced["findings"].values())

    def respelt(self, names: dict[str, str]) -> "Result":
        if "summary" in self.__dict__:
            return super().respelt(names)
        self.file = names.get(self.file, self.file)
        self._names = names  # for the summary and findings, when they are decoded
        return self


EMPTY_ROWS = b"[[]]"  # `pack_rows([])`


def pack_rows(rows: list[dict]) -> bytes:
    """Rows of the same keys as JSON: the keys once, then each row's values (a third of the
    size of a list of objects, and faster to write and read)."""
    keys = list(rows[0]) if rows else []
    if any(list(row) != keys for row in rows):
        raise ValueError("indicator rows of different keys")
    return pack_table(keys, [[*row.values()] for row in rows])


def pack_table(keys: list[str], rows: list[list]) -> bytes:
    """`pack_rows` of rows given as their keys and values (`summary.indicator_table`)."""
    return _encoded([keys, *rows])


def _encoded(value) -> bytes:
    """JSON in UTF-8, written by orjson (with the standard library, the indicator rows were a
    tenth of validating a file); a NaN is written null, as the published JSON has it
    (`export.json_bytes`); an integer beyond 64 bits, which orjson refuses, by the standard library."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return _ENCODE(value).encode("utf-8")


# `json.dumps` with these options, made once (`dumps` makes an encoder per call); rows hold
# no cycles, so none is looked for. It runs for every file.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def unpack_rows(packed: bytes) -> list[dict]:
    keys, *rows = json.loads(bytes(packed))  # a cached result's rows are a view of the cache's bytes
    return [dict(zip(keys, row)) for row in rows]


_FINDING_FIELDS = tuple(f.name for f in dataclass_fields(Finding))
_FINDING_TYPES = tuple(f.type for f in dataclass_fields(Finding))


def finding_data(finding: Finding) -> list:
    """A finding as JSON data (`finding_of` makes it again)."""
    return [getattr(finding, name) for name in _FINDING_FIELDS]


def finding_of(item) -> Finding | None:
    """The finding `finding_data` gave; None for data of another shape."""
    return _finding(item)


def _finding(item) -> Finding | None:
    if type(item) is not list or len(item) != len(_FINDING_TYPES):
        return None
    for value, kind in zip(item, _FINDING_TYPES):
        if not _is(value, kind):
            return None
    return Finding(*item) if item[1] in (F.ERROR, F.WARNING, F.INFO) else None


def _is(value, kind: str) -> bool:
    allowed = {"str": (str,), "int": (int,), "str | None": (str, type(None))}[kind]
    return type(value) in allowed


_NUMBER, _TEXT = (int, float, type(None)), (str, type(None))
_TEXT_KEYS = ("file", "name", "unit", "unit_code", "implementer", "form", "scheme", "kind", "grade")


def _summary_types() -> dict[str, tuple]:
    """The kinds of value each key of a light result's summary (`summary.summary`) holds."""
    keys = [k for k in summary("", None, None, {F.ERROR: 0, F.WARNING: 0, F.INFO: 0}) if k != "indicators"]
    special = {"findings": (dict,), "subtotals": (list,), "score_tables": (list,), "year": (int, type(None))}
    return {k: special.get(k) or (_TEXT if k.endswith("_text") or k in _TEXT_KEYS else _NUMBER) for k in keys}


_SUMMARY_TYPES = _summary_types()
GLANCED = ("name", "year", "form", "scheme", "findings")  # what every build reads of every result
_GLANCED_KINDS = tuple(frozenset(_SUMMARY_TYPES[key]) for key in GLANCED)
_COUNTS_AT = GLANCED.index("findings")
_HOLDS = frozenset.__contains__  # `all(map(_HOLDS, kinds, map(type, values)))`: every value of its kind, in C


def _counted(counts) -> bool:
    """Whether `counts` are a summary's counts of findings by severity."""
    return (type(counts) is dict and counts.keys() == {F.ERROR, F.WARNING, F.INFO}
            and all(type(n) is int for n in counts.values()))


def _summary_of(values) -> dict | None:
    """A summary from its values in the order of `_SUMMARY_TYPES`, if each is of its kind:
    figures numbers, texts text (stored without its keys: they would be most of an entry)."""
    if type(values) is not list or len(values) != len(_SUMMARY_TYPES):
        return None
    for value, kinds in zip(values, _SUMMARY_TYPES.values()):
        if type(value) not in kinds:
            return None
    summary = dict(zip(_SUMMARY_TYPES, values))
    if (not _counted(summary["findings"])
            or not all(type(s) is dict and type(s.get("name")) is str for s in summary["subtotals"])):
        return None
    return summary


_SCALARS = frozenset({str, int, float, bool, type(None)})  # what `_encode_extra` need not look into


def _encode_extra(extra: dict) -> tuple[dict, list[bytes]]:
    """JSON for what later stages put in `extra`, and its bytes values, taken out and listed
    by their place and length: they are stored as they are, never decoded when read back."""
    places: list = []
    blobs: list[bytes] = []

    def strip(value, path: list):
        if isinstance(value, (bytes, memoryview)):  # a cached result's are views of the cache's bytes
            places.append([path, len(value)])
            blobs.append(value)
            return None
        if isinstance(value, dict):
            return {key: strip(item, [*path, key]) if type(item) not in _SCALARS else item
                    for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [strip(item, [*path, index]) if type(item) not in _SCALARS else item
                    for index, item in enumerate(value)]
        return value

    return {"json": strip(extra, []), "bytes": places}, blobs


def _decode_extra(data, tail: bytes) -> tuple[dict, bytes]:
    """`extra` with its bytes put back from the end of `tail` (in copies of the containers
    that hold them: the cache keeps the data as read, to write it again), and the rest of
    `tail` (the packed indicator rows); views of `tail` when it is a memoryview."""
    if type(data["json"]) is not dict:
        raise TypeError("extra")
    extra = dict(data["json"])
    lengths = [length for _, length in data["bytes"]]
    if not all(type(length) is int and length >= 0 for length in lengths) or sum(lengths) > len(tail):
        raise ValueError("bytes beyond the entry")
    at = len(tail) - sum(lengths)
    rest = tail[:at]
    for path, length in data["bytes"]:
        holder = extra
        for key in path[:-1]:
            copy = dict(holder[key]) if type(holder[key]) is dict else list(holder[key])
            holder[key] = copy
            holder = copy
        if holder[path[-1]] is not None:
            raise ValueError("bytes where a value is")
        holder[path[-1]] = tail[at:at + length]
        at += length
    return extra, rest


@dataclass
class Kept:
    """Files a later stage answers for whole, from what it made of them before (the site's
    blocks, `render/blocks.py`): `run` neither reads them nor loads their results."""

    files: list[str]
    names: list[str | None]  # each file's evaluation name
    urls: dict[str, str]  # each file's page, checked when it was made (`check_urls`)
    findings: list[Finding]  # each distinct finding of its files


@dataclass
class Report:
    results: list[Result]  # of every file but the kept ones
    bundle_findings: list[Finding] = field(default_factory=list)
    indexes: dict[str, BundleIndex] = field(default_factory=dict)
    rules_digest: str = ""  # the form and scheme files the results were made with (fingerprint.py)
    kept: list[Kept] = field(default_factory=list)

    @property
    def file_count(self) -> int:
        return len(self.results) + sum(len(k.files) for k in self.kept)

    def all_findings(self) -> list[Finding]:
        seen, ordered = set(), []
        read = [f for r in self.results if r.has_findings() for f in r.findings]
        for finding in read + [f for k in self.kept for f in k.findings] + self.bundle_findings:
            if finding not in seen:
                seen.add(finding)
                ordered.append(finding)
        return ordered

    def count(self, severity: str) -> int:
        return sum(1 for f in self.all_findings() if f.severity == severity)


# --- defaults ------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _defaults_node(path: Path):
    node = load_file(path, boundary_of(path))
    if node is not None and type(node) is not Mapping:
        raise LoadError(F.NOT_A_MAPPING.at(node_pos(node), actual=kind_of(node)))
    return node


# --- one file --------------------------------------------------------------------------

def process_file(path: Path, extra_dirs: tuple[Path, ...] = (), packed: bool = False) -> Result:
    """The file's result; with `packed`, its indicator rows are packed straight away (as
    `Result.light` would), without a dict per row, and its summary holds none."""
    result = _process(path, extra_dirs)
    result.summary = summary(result.file, result.evaluation, result.scores, result.counts(), rows=not packed)
    if packed:
        result.indicators_packed = pack_table(*indicator_table(result.scores)) if result.scores else EMPTY_ROWS
    return result


def _process(path: Path, extra_dirs: tuple[Path, ...]) -> Result:
    file = shown(path)
    result = Result(file)
    if file != str(path):
        result.findings.append(F.FILE_NAME.at(Pos(file, 1, 1), problem=f"文件名或目录名不是 UTF-8 编码：{file}",
                                              fix="把文件或目录重命名为 UTF-8 编码的名称（中文、拼音或英文均可）。"))
        return result
    node = None
    try:
        result.source_bytes = read_source(path, boundary_of(path))
        node = _merged_node(result.source_bytes, file)
        rules = registry.load(extra_dirs)
        converter = Converter(rules.choices)
        evaluation = converter.to_object(Evaluation, node)
    except LoadError as exc:
        result.findings.append(exc.finding)
        return result
    except RecursionError:  # nested too deep for the converter: say where
        too_deep_node = deepest(node) if node is not None else None
        result.findings.append(too_deep(node_pos(too_deep_node) if too_deep_node else Pos(file, 1, 1)))
        return result
    result.findings += converter.findings
    if any(f.severity == F.ERROR for f in result.findings):
        return result
    result.findings += check_evaluation(evaluation, converter.tally)
    if any(f.severity == F.ERROR for f in result.findings):
        return result
    if not evaluation.indicators and evaluation.funds is None:
        result.findings.append(F.MISSING_FIELD.at(evaluation.pos, where="文件顶层", key="indicators",
                                                  title="绩效指标"))
        return result
    result.findings += rules.problems_of(evaluation)  # its form or scheme file has errors
    if any(f.severity == F.ERROR for f in result.findings):
        return result
    form, scheme = rules.forms[evaluation.form], rules.schemes[evaluation.scheme]
    if set(map(_RULE_OF, every_indicator(evaluation.indicators))) - {None}:  # few files name a rule: told in C calls
        result.findings += scheme.unknown_rules(evaluation.indicators)
    if any(f.severity == F.ERROR for f in result.findings):
        return result
    scores = score(evaluation, form, scheme)
    result.findings += checks.leaf_requirements(scores)
    if any(f.severity == F.ERROR for f in result.findings):
        return result
    result.evaluation, result.scores = evaluation, scores
    result.findings += checks.check(evaluation, form, scheme, scores, rules.forms)
    return result


_RULE_OF = attrgetter("rule")


def _merged_node(source: bytes, file: str) -> Mapping:
    node = parse(source, file)
    if node is None:
        raise LoadError(F.EMPTY_FILE.at(Pos(file, 1, 1)))
    if type(node) is not Mapping:
        raise LoadError(F.NOT_A_MAPPING.at(node_pos(node), actual=kind_of(node)))
    return merge(_directory_defaults(os.path.dirname(file)), node)


@lru_cache(maxsize=4096)
def _directory_defaults(directory: str) -> Mapping | None:
    """The `_defaults.yml` files that apply in a directory, merged (once for all its files)."""
    merged = None
    for defaults in defaults_chain(Path(directory)):
        merged = merge(merged, _defaults_node(defaults))
    return merged


# --- many files ------------------------------------------------------------------------

def process_many(paths: list[Path], extra_dirs: tuple[Path, ...], full: bool, after=None) -> list[Result]:
    results = []
    with gc_paused(), _older_objects_frozen(after is not None):
        for path in paths:
            chain = defaults_chain(path.parent)
            seen = _observe(path, chain)
            result = process_file(path, extra_dirs, not full and after is None)  # packed: rows not kept as dicts
            result.seen = seen
            result.source = source_digest(path, chain, result.source_bytes)
            if after is not None:
                after(result)
                # A rendered page leaves reference cycles (Jinja's contexts): collected while
                # they are young, they cost less than the memory they would take (measured:
                # a fifth less CPU a page, page faults mostly).
                gc.collect(0)
            result.source_bytes = None
            results.append(result if full else result.light())  # a model is dropped as soon as it is done
    return results


def _observe(path: Path, chain: tuple[Path, ...]) -> tuple | None:
    """The file and its defaults (`chain`) as the cache will know them unchanged, taken before they are read."""
    at = time.time_ns()
    try:
        return [stamp(path), *(_defaults_stamp(item) for item in chain)], at, [str(item) for item in chain]
    except OSError:
        return None


@lru_cache(maxsize=4096)
def _defaults_stamp(path: Path) -> list[int]:
    """A defaults file's stamp, taken once, before its first read: what every file of its
    directory is made with (the file is read once, see `_defaults_node`), even if it
    changes before the last of them is done."""
    return stamp(path)


@contextmanager
def _older_objects_frozen(frozen: bool):
    """With the collector paused, every object made since is young: `gc.collect(0)` after a
    page would scan them all (in a build's main process, 10,000 cached results: seconds).
    Frozen, they are not scanned. A worker froze what it inherited when it started."""
    if not frozen or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def gc_paused():
    """Results are long-lived trees with no cycles to collect: the cyclic collector,
    rescanning them on every allocation burst, would cost a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(paths: list[str | Path], jobs: int | None = None, use_cache: bool = True, project=None,
        full: bool = False, after=None, reuse=None, progress=None, discovered: bool = False,
        content_root: Path | None = None, kept: list[Kept] = ()) -> Report:
    """Results for every file but those `kept` answers for. With `full`, files read this time
    keep their model and scores; results from the cache (unchanged files) never do.

    Forms, schemes and the cache are those of `project` (see `project.py`), by default
    the project the first file belongs to.

    `after(result)` runs in the worker right after a file is processed (a later stage
    renders its page there, while the model is at hand; its `prepare()`, if it has one,
    runs before the workers start); a cached result is used only
    when `reuse(path, cached)` agrees. `progress(n)` is told as each batch of n files is done.
    With `discovered`, `paths` is already the sorted list of evaluation files. The files'
    site URLs, from their paths under `content_root` (by default that of the project's
    site_config.yml, else the one directory given), must be distinct and fit a file system."""
    with gc_paused():
        files = list(paths) if discovered else discover(paths)
        if project is None:
            from ..project.project import Project

            project = Project.find(content=Path(files[0] if files else "."))
        names = {file: name for k in kept for file, name in zip(k.files, k.names)}
        report, results = _run(files, jobs, use_cache, project, full, after, reuse, progress, names)
        report.kept = list(kept)
        root = content_root or (None if discovered else _content_root(paths))
        if root is not None:
            known = {file: url for k in kept for file, url in k.urls.items()}
            published = [(str(path), None) if r is None else (r.file, r.glance("year"))
                         for path, r in zip(files, results) if (names[str(path)] if r is None else r.glance("name"))]
            report.bundle_findings += check_urls(published, root, known)
    return report


def _content_root(paths: list[str | Path]) -> Path | None:
    """The content directory the site would be built from, for files given on the command line."""
    from ..project.config import CONFIG_NAME, load_config  # the configuration reads the schema: only when needed

    directories = [Path(p) for p in paths if Path(p).is_dir()]
    if not directories:
        return None
    config_path = project_root(Path(os.path.abspath(directories[0]))) / CONFIG_NAME
    site = load_config(config_path)[0] if config_path.is_file() else None
    if site is not None:
        return site.content_path
    return directories[0] if len(directories) == 1 else None


def _run(files, jobs, use_cache, project, full, after, reuse, progress, kept: dict) -> tuple[Report, list]:
    """The report, and each file's result (None for a file `kept` names)."""
    tree.forget()  # a long `serve` sees new files
    for cached in (_defaults_node, _directory_defaults, _defaults_stamp):
        cached.cache_clear()
    registry.forget()
    result_cache.forget()
    extra_dirs = project.extension_roots
    rules = registry.activate(extra_dirs)
    rules_digest = fingerprint.rules_digest(project.rule_files())
    cache = None
    if use_cache:
        result_cache.remove_old_versions(project.cache_dir)
        cache = ResultCache(project.cache_dir / "results", fingerprint.code_version(), rules_digest,
                            partial(Result.from_data, extra_dirs=extra_dirs), Result.to_data, Result.respelt)
    parents = _parents(files)
    results: list[Result | None] = [None] * len(files)
    todo = []
    for index, (path, parent) in enumerate(zip(files, parents)):
        if kept and str(path) in kept:
            continue
        cached = cache.get(path, parent, defaults_chain(parent)) if cache else None
        if cached is not None and (reuse is None or reuse(path, cached)):
            results[index] = cached
        else:
            todo.append(index)
    if progress is not None and len(todo) < len(files):
        progress(len(files) - len(todo))  # the files the cache or `kept` answered for
    unfinished = Counter(parents[index] for index in todo)  # files still to come, by directory
    for index, result in _process_parallel(files, todo, jobs, extra_dirs, full, after, progress):
        results[index] = result
        parent = parents[index]
        unfinished[parent] -= 1
        if cache:
            cache.put(files[index], parent, result)
            if not unfinished[parent]:  # written while the workers go on, not all at the end
                cache.save(only=parent)
    if cache:
        cache.save()
    report = Report([r for r in results if r is not None], rules_digest=rules_digest)
    named = [(parent, str(path), kept[str(path)]) if result is None else (parent, result.file, result.glance("name"))
             for path, parent, result in zip(files, parents, results)]
    _check_bundles(report, named)
    report.bundle_findings += rules.unused_problems(report.results)
    return report, results


def _parents(files: list[Path]) -> list[Path]:
    """Each file's directory, as one Path object per directory: a Path works out its hash
    (a dict key, an lru_cache argument) once, and 10,000 new ones would cost a tenth of a second."""
    by_name: dict[str, Path] = {}
    parents = []
    for path in files:
        name = os.path.dirname(path)
        parent = by_name.get(name)
        if parent is None:
            parent = by_name[name] = path.parent
        parents.append(parent)
    return parents


def _process_parallel(files: list[Path], todo: list[int], jobs: int | None, extra_dirs, full: bool, after,
                      progress=None):
    """(index, result) for each file whose index is in `todo`, a chunk at a time as the workers finish them.

    Chunks are small, so that no worker idles long at the end while another finishes
    its last one, and the results of one chunk are taken in while the others run."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(todo) < 64:
        yield from zip(todo, process_many([files[i] for i in todo], extra_dirs, full, after))
        return
    if hasattr(after, "prepare"):
        after.prepare()  # inherited by every worker
    chunks = _chunks(todo, jobs)
    tasks = [(number, [files[i] for i in chunk], extra_dirs, full, after) for number, chunk in enumerate(chunks)]
    # The same workers for every chunk: workers replaced every 500 files, to give back what
    # they held, cost 13 % more CPU to validate or build 10,000 files and saved no memory (measured).
    with workers.pool(min(jobs, len(chunks))) as pool:
        read_ahead([files[i] for i in todo])  # started once the workers are forked: none is forked beside a thread
        for number, part in pool.imap_unordered(_process_chunk, tasks):
            yield from zip(chunks[number], part)
            if progress is not None:
                progress(len(part))


def _process_chunk(task) -> tuple[int, list[Result]]:
    number, paths, extra_dirs, full, after = task
    return number, process_many(paths, extra_dirs, full, after)


def _chunks(todo: list[int], jobs: int) -> list[list[int]]:
    """Chunks that shrink as the work left does (a quarter of each worker's share, within
    CHUNK_FILES), so that at the end the workers finish within a few files of each other."""
    fewest, most = CHUNK_FILES
    chunks, start = [], 0
    while start < len(todo):
        size = min(most, max(fewest, (len(todo) - start) // (jobs * 4)))
        chunks.append(todo[start:start + size])
        start += size
    return chunks


def _check_bundles(report: Report, files: list[tuple[Path, str, str | None]]) -> None:
    """Each unit directory's `_index.yml` against the evaluations found there: (directory, file, name)."""
    named: dict[Path, list[tuple[str, str | None]]] = {}
    for parent, file, name in files:
        named.setdefault(parent, []).append((file, name))
    findings, report.indexes = bundles.check_indexes(named)
    report.bundle_findings += findings
