"""The pipeline for a set of files: discover → load → convert → score → check.

Files are independent, so they are processed in parallel on every core, and a
file whose bytes (and whose directory defaults) have not changed since the last
run is not read again: its result comes from the cache.
"""
from __future__ import annotations

import gc
import os
import pickle
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import checks
from . import findings as F
from . import registry
from .cache import ResultCache
from .export import summary
from .findings import Finding, Pos
from .limits import check_evaluation, check_index
from .loader import (DEFAULTS_NAME, INDEX_NAME, LoadError, Mapping, Sequence, deepest, inside, load_file, merge,
                     node_pos, parse, read_source, shown, too_deep)
from .model import BundleIndex, Evaluation
from .schema import Converter
from .scoring import Scores, score
from .structure import check_urls

ROOT_MARKERS = ("site_config.yml", ".git")
CHUNK_FILES = (16, 100)  # the fewest and the most files a worker is given at a time


@dataclass
class Result:
    file: str
    evaluation: Evaluation | None = None
    scores: Scores | None = None
    findings: list[Finding] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # what a later stage derived in the worker (search text…)
    indicators_packed: bytes | None = None  # a light result's indicator rows, pickled
    source: bytes | None = None  # the file's bytes as read, until a later stage has seen them

    def light(self) -> "Result":
        """The same result without its model: what validate, score and the cache need.

        Its indicator rows travel packed in one bytes object: as dicts, 10,000 results'
        360,000 rows would be most of what workers send back and what the cache loads."""
        if self.indicators_packed is not None:
            return self
        summary = dict(self.summary)
        indicators = summary.pop("indicators", [])
        return Result(self.file, findings=self.findings, summary=summary, extra=self.extra,
                      indicators_packed=pickle.dumps(indicators, pickle.HIGHEST_PROTOCOL))

    def full_summary(self) -> dict:
        """The summary with its indicator rows."""
        if self.indicators_packed is None:
            return self.summary
        return {**self.summary, "indicators": pickle.loads(self.indicators_packed)}

    def counts(self) -> dict[str, int]:
        counted = {F.ERROR: 0, F.WARNING: 0, F.INFO: 0}
        for finding in self.findings:
            counted[finding.severity] += 1
        return counted

    @property
    def ok(self) -> bool:
        return self.summary.get("name") is not None and not any(f.severity == F.ERROR for f in self.findings)


@dataclass
class Report:
    results: list[Result]
    bundle_findings: list[Finding] = field(default_factory=list)
    indexes: dict[str, BundleIndex] = field(default_factory=dict)

    def all_findings(self) -> list[Finding]:
        seen, ordered = set(), []
        for finding in [f for r in self.results for f in r.findings] + self.bundle_findings:
            if finding not in seen:
                seen.add(finding)
                ordered.append(finding)
        return ordered

    def count(self, severity: str) -> int:
        return sum(1 for f in self.all_findings() if f.severity == severity)


# --- discovery -----------------------------------------------------------------------

def discover(paths: list[str | Path]) -> list[Path]:
    """Evaluation files under the given paths, in a stable order; `_*.yml` are not evaluations,
    and hidden directories are not entered. Symlinked directories are not entered either;
    one that leaves the project is listed, so that loading refuses it by name."""
    files = set()
    for path in map(Path, paths):
        if path.is_dir():
            files.update(_yaml_files(str(path)))
        else:
            files.add(str(path))
    return [Path(f) for f in sorted(files, key=lambda f: f.split(os.sep))]


def _yaml_files(top: str):
    root = boundary(Path(os.path.abspath(top)))
    for directory, subdirs, names in os.walk(top):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        yield from (os.path.join(directory, n) for n in names if n.endswith(".yml") and not n.startswith(("_", ".")))
        yield from (path for path in (os.path.join(directory, d) for d in subdirs if not d.startswith("_"))
                    if os.path.islink(path) and not inside(path, root))


@lru_cache(maxsize=65536)
def project_root(start: Path) -> Path:
    for directory in [start, *start.parents]:
        if any((directory / marker).exists() for marker in ROOT_MARKERS):
            return directory
    return Path(start.anchor)


@lru_cache(maxsize=65536)
def boundary(directory: Path) -> Path:
    """What a symlink in an (absolute) directory may point into: the project; without a
    project (no site_config.yml or .git above), the working directory or else the directory."""
    root = project_root(directory)
    if root != Path(root.anchor):
        return root
    cwd = Path.cwd()
    return cwd if directory == cwd or cwd in directory.parents else directory


@lru_cache(maxsize=65536)
def defaults_chain(directory: Path) -> tuple[Path, ...]:
    """The `_defaults.yml` files that apply in a directory, outermost first. They are looked
    for up to the project root even from a relative path such as `.`, and named relative
    to the working directory when the directory was."""
    absolute = directory.absolute()
    root = project_root(absolute)
    chain = []
    for current in [absolute, *absolute.parents]:
        candidate = current / DEFAULTS_NAME
        if os.path.lexists(candidate):  # a broken link too: loading it says what is wrong
            chain.append(candidate if directory.is_absolute() else Path(os.path.relpath(candidate)))
        if current == root:
            break
    return tuple(reversed(chain))


@lru_cache(maxsize=4096)
def _defaults_node(path: Path):
    node = load_file(path, _boundary_of(path))
    if node is not None and type(node) is not Mapping:
        raise LoadError(F.NOT_A_MAPPING.at(node_pos(node), actual=_kind_of(node)))
    return node


def _boundary_of(path: Path) -> Path:
    return _directory_boundary(os.path.dirname(path))


@lru_cache(maxsize=4096)
def _directory_boundary(directory: str) -> Path:
    return boundary(Path(os.path.abspath(directory)))


def _kind_of(node) -> str:
    """A node that should have been a mapping, as a message names it (a text only by its start)."""
    if type(node) is Sequence:
        return "列表"
    text = node.value if len(node.value) <= 20 else node.value[:20] + "……"
    return f"文字“{text}”"


# --- one file --------------------------------------------------------------------------

def process_file(path: Path, extra_dirs: tuple[Path, ...] = ()) -> Result:
    result = _process(path, extra_dirs)
    result.summary = summary(result.file, result.evaluation, result.scores, result.counts())
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
        result.source = read_source(path, _boundary_of(path))
        node = _merged_node(result.source, file)
        forms, schemes = registry.forms(extra_dirs), registry.schemes(extra_dirs)
        converter = Converter(_choices(extra_dirs))
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
    result.findings += check_evaluation(evaluation)
    if any(f.severity == F.ERROR for f in result.findings):
        return result
    if not evaluation.indicators and evaluation.funds is None:
        result.findings.append(F.MISSING_FIELD.at(evaluation.pos, where="文件顶层", key="indicators",
                                                  title="绩效指标"))
        return result
    form, scheme = forms[evaluation.form], schemes[evaluation.scheme]
    scores = score(evaluation, form, scheme)
    result.findings += _leaf_requirements(scores)
    if any(f.severity == F.ERROR for f in result.findings):
        return result
    result.evaluation, result.scores = evaluation, scores
    result.findings += checks.check(evaluation, form, scheme, scores, forms)
    return result


@lru_cache(maxsize=None)
def _choices(extra_dirs: tuple[Path, ...]) -> dict[str, list[str]]:
    return {"forms": list(registry.forms(extra_dirs)), "schemes": list(registry.schemes(extra_dirs))}


def _merged_node(source: bytes, file: str) -> Mapping:
    node = parse(source, file)
    if node is None:
        raise LoadError(F.EMPTY_FILE.at(Pos(file, 1, 1)))
    if type(node) is not Mapping:
        raise LoadError(F.NOT_A_MAPPING.at(node_pos(node), actual=_kind_of(node)))
    return merge(_directory_defaults(os.path.dirname(file)), node)


@lru_cache(maxsize=4096)
def _directory_defaults(directory: str) -> Mapping | None:
    """The `_defaults.yml` files that apply in a directory, merged (once for all its files)."""
    merged = None
    for defaults in defaults_chain(Path(directory)):
        merged = merge(merged, _defaults_node(defaults))
    return merged


def _leaf_requirements(scores: Scores) -> list[Finding]:
    """Rows at the form's last level must carry a weight and a score: a figure left out is an
    error, one written blank (`weight: ~`) is a blank cell as printed, which the checks judge."""
    found = []
    for leaf in scores.leaves:
        node = leaf.node
        if node.weight is None or node.score is None:
            found += [F.MISSING_FIELD.at(node.pos, where=f"指标 {node.name}", key=key, title=title,
                                         blank=f"原表该格空白时写 `{key}: ~`。")
                      for key, title in (("weight", "分值"), ("score", "得分"))
                      if getattr(node, key) is None and key not in node.marks]
    return found


# --- many files ------------------------------------------------------------------------

def _process_many(paths: list[Path], extra_dirs: tuple[Path, ...], full: bool, after=None) -> list[Result]:
    results = []
    with _gc_paused():
        for path in paths:
            result = process_file(path, extra_dirs)
            if after is not None:
                after(result)
            result.source = None
            results.append(result if full else result.light())  # a model is dropped as soon as it is done
    return results


@contextmanager
def _gc_paused():
    """Results are long-lived trees with no cycles to collect: the cyclic collector,
    rescanning them on every allocation burst, would cost a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(paths: list[str | Path], jobs: int | None = None, use_cache: bool = True,
        extra_dirs: tuple[Path, ...] = (), full: bool = False, after=None, reuse=None,
        progress=None, discovered: bool = False, content_root: Path | None = None) -> Report:
    """Results for every file. With `full`, files read this time keep their model and
    scores; results from the cache (unchanged files) never do.

    `after(result)` runs in the worker right after a file is processed (a later stage
    renders its page there, while the model is at hand); a cached result is used only
    when `reuse(path, cached)` agrees. `progress(n)` is told as each batch of n files is done.
    With `discovered`, `paths` is already the sorted list of evaluation files. The files'
    site URLs, from their paths under `content_root` (by default that of the project's
    site_config.yml, else the one directory given), must be distinct and fit a file system."""
    with _gc_paused():
        files = list(paths) if discovered else discover(paths)
        report = _run(files, jobs, use_cache, extra_dirs, full, after, reuse, progress)
    root = content_root or (None if discovered else _content_root(paths))
    if root is not None:
        published = [(r.file, r.summary["year"]) for r in report.results if r.summary.get("name")]
        report.bundle_findings += check_urls(published, root)
    return report


def _content_root(paths: list[str | Path]) -> Path | None:
    """The content directory the site would be built from, for files given on the command line."""
    from .config import CONFIG_NAME, load_config  # the configuration reads the schema: only when needed

    directories = [Path(p) for p in paths if Path(p).is_dir()]
    if not directories:
        return None
    config_path = project_root(Path(os.path.abspath(directories[0]))) / CONFIG_NAME
    site = load_config(config_path)[0] if config_path.is_file() else None
    if site is not None:
        return site.content_path
    return directories[0] if len(directories) == 1 else None


def _run(files, jobs, use_cache, extra_dirs, full, after, reuse, progress) -> Report:
    for cached in (project_root, boundary, _directory_boundary, defaults_chain, _defaults_node, _directory_defaults):
        cached.cache_clear()  # a long `serve` sees new files
    cache = ResultCache.for_files(files) if use_cache else None
    parents = _parents(files)
    results: list[Result | None] = [None] * len(files)
    todo = []
    for index, (path, parent) in enumerate(zip(files, parents)):
        cached = cache.get(path, parent, defaults_chain(parent)) if cache else None
        if cached is not None and (reuse is None or reuse(path, cached)):
            results[index] = cached
        else:
            todo.append(index)
    if progress is not None and len(todo) < len(files):
        progress(len(files) - len(todo))  # the files the cache answered for
    unfinished = Counter(parents[index] for index in todo)  # files still to come, by directory
    for index, result in _process_parallel(files, todo, jobs, extra_dirs, full, after, progress):
        results[index] = result
        parent = parents[index]
        unfinished[parent] -= 1
        if cache:
            _remember(cache, files[index], parent, result)
            if not unfinished[parent]:  # written while the workers go on, not all at the end
                cache.save(only=parent)
    if cache:
        cache.save()
    report = Report(results)
    _check_bundles(report, parents)
    return report


def _remember(cache: ResultCache, path: Path, parent: Path, result: Result) -> None:
    """Caches a result; one whose file or defaults cannot even be looked at (a broken
    symlink) is worked out again next time."""
    try:
        cache.put(path, parent, defaults_chain(parent), result.light())
    except OSError:
        pass


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
        yield from zip(todo, _process_many([files[i] for i in todo], extra_dirs, full, after))
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    chunks = _chunks(todo, jobs)
    with ProcessPoolExecutor(jobs) as pool:
        futures = {pool.submit(_process_many, [files[i] for i in chunk], extra_dirs, full, after): chunk
                   for chunk in chunks}
        for future in as_completed(futures):
            part = future.result()
            yield from zip(futures[future], part)
            if progress is not None:
                progress(len(part))


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


def _check_bundles(report: Report, parents: list[Path]) -> None:
    """Each unit directory's `_index.yml` against the evaluations found there."""
    by_dir: dict[Path, list[Result]] = {}
    for parent, result in zip(parents, report.results):
        by_dir.setdefault(parent, []).append(result)
    for directory, results in sorted(by_dir.items()):
        index_path = directory / INDEX_NAME
        if not os.path.lexists(index_path):
            continue
        try:
            node = load_file(index_path, _boundary_of(index_path))
        except LoadError as exc:
            report.bundle_findings.append(exc.finding)
            continue
        if node is not None and type(node) is not Mapping:
            report.bundle_findings.append(F.NOT_A_MAPPING.at(node_pos(node), actual=_kind_of(node)))
            continue
        converter = Converter({})
        index = converter.to_object(BundleIndex, node) if type(node) is Mapping else None
        report.bundle_findings += converter.findings
        if index is None:
            continue
        limits = check_index(index)
        report.bundle_findings += limits
        if limits:
            continue
        report.indexes[str(directory)] = index
        names = {r.summary["name"]: r for r in results if r.summary.get("name")}
        listed = {entry.project for entry in index.entries}
        for entry in index.entries:
            if entry.project not in names:
                report.bundle_findings.append(F.INDEX_MISSING_TABLE.at(entry.pos, no=entry.no,
                                                                      project=entry.project))
        for name, result in names.items():
            if name not in listed:
                report.bundle_findings.append(F.INDEX_MISSING_ENTRY.at(
                    Pos(result.file, 1, 1), project=name))
