"""What the site made of one folder of evaluations, kept whole from one build to the next.

After a one-file edit of 10,000 evaluations, every other folder is unchanged, and so is
everything the site made of it: its pages, list rows, tallies, download lines and search
texts. A block records that for one folder (a run of files of one directory, in the
order they are discovered), so that a build takes an unchanged folder whole: it stats its
files and links its pages, without loading a result from the cache or making an object
for each file (a one-edit build of 10,000 evaluations loaded 10,000 results: 0.6 s).

A block is kept when nothing it was made from has changed (`SiteBuilder._kept_blocks`):
its files (the same names, each with the identity on disk it had when it was read, taken
a moment after it last changed: by the rule of `cache.py`, a later change shows in it), the
defaults files they inherit, and the inputs of every page (`EvaluationRenderer.key`); its pages are then linked
from the last output. Its facts (each page's URL and fingerprint, each unit
page's tally and digests) are in the build manifest; its bytes (the list rows, the rows,
the download lines: about 6 KB an evaluation) are in a file of their own beside it, named
by the block's digest and read only when a page or download that joins them is written
again. That file is verified when it is read; one that does not verify (`BlockDamaged`)
makes the build start again without blocks.
"""
from __future__ import annotations

import hashlib
import mmap
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import orjson

from ..building import fingerprint, verified
from ..building.cache import racy, stamp
from ..building.pipeline import Kept, Result, finding_data, finding_of
from ..project.structure import unit_year_url
from . import export, search
from .totals import Tally

RENDERED = "list_row"  # a result's 全部评价 row, as the renderer draws it (see site.py)
PAGE = "index.html"
PAGE_FILES = (PAGE, "data.json", "source.yml", search.TEXT_FILE)  # what an evaluation's page directory holds


class BlockDamaged(Exception):
    """A kept block's bytes are gone or do not verify, or its pages are gone from the output:
    the build is made again without blocks."""


@dataclass
class Part:
    """A block's evaluations in one unit's year (a folder's files usually all are)."""

    url: str  # the unit page's
    count: int
    tally: Tally
    list_digest: str  # of their rows on the list of every evaluation, as drawn
    rows_digest: str  # of their rows as the unit page lists them


@dataclass
class Block:
    directory: str  # in full (`fingerprint.canonical`)
    names: list[str]  # the files, in the order they are discovered
    stamps: list | None  # each file's identity when read (`cache.stamp`); None: never kept
    chain: list[str]  # the defaults files they inherit, in full
    chain_stamps: list
    key: str  # the inputs of every page besides its source (`EvaluationRenderer.key`)
    urls: list  # each file's page (None: it has none)
    pages: list  # each page's fingerprint
    chapters: list  # each page's further files (a report's chapters)
    titles: list  # each evaluation's name
    search_versions: list
    parts: list[Part]
    forms: list[str]
    schemes: list[str]
    findings: list  # `finding_data` of each distinct finding
    downloads: str  # a digest of its download lines
    levels: int  # the level columns its indicators.csv lines need at most
    digest: str = ""  # of what its bytes are made from (its pages): names its bytes' file
    spelled: str | None = field(default=None, repr=False, compare=False)  # kept: its directory as this build names it
    _bytes: tuple | None = field(default=None, repr=False, compare=False)

    # --- made from this build's results ----------------------------------------------

    @classmethod
    def of(cls, directory: str, results: list[Result], key: str, parts: list[tuple[str, list[dict]]],
           list_rows: list[bytes], chapters: list[list[str]]) -> "Block":
        """The block of one folder's results, each with its page (`extra`), grouped by unit page
        into `parts` (url, rows) with each part's joined `list_rows`."""
        seen = [r.seen for r in results]
        chain = seen[0][2] if seen and seen[0] is not None else []
        # Kept only on identities taken a moment after the files last changed: a later change shows in them.
        reusable = bool(seen) and all(s is not None and s[2] == chain and s[0][1:] == seen[0][0][1:]
                                      and not racy(s[0], s[1]) for s in seen)
        extras = [r.extra for r in results]
        listed = [r for r in results if r.glance("name")]
        fragments = [x.get("downloads") for x in extras]
        rows_bytes = [_json(rows) for _, rows in parts]
        block = cls(
            directory=directory, names=[os.path.basename(r.file) for r in results],
            stamps=[s[0][0] for s in seen] if reusable else None,
            chain=[fingerprint.canonical(item) for item in chain],
            chain_stamps=list(seen[0][0][1:]) if reusable else [], key=key,
            urls=[x.get("url") for x in extras], pages=[x.get("page") for x in extras], chapters=chapters,
            titles=[r.glance("name") for r in results], search_versions=[x.get("search_version") for x in extras],
            parts=[Part(url, len(rows), Tally.of(rows), _hash(joined), _hash(encoded))
                   for (url, rows), joined, encoded in zip(parts, list_rows, rows_bytes)],
            forms=sorted({r.glance("form") for r in listed}), schemes=sorted({r.glance("scheme") for r in listed}),
            findings=_distinct_findings(results),
            downloads=_hash(b"".join(piece for f in fragments if f for piece in _pieces(f))),
            levels=export.deepest([f for f in fragments if f]))
        block.digest = block._digest()
        block._bytes = (list_rows, rows_bytes, fragments)
        return block

    def _digest(self) -> str:
        """Of its files' names and their pages (each URL says where its file is: one digest
        however the content directory is spelt)."""
        return fingerprint.digest(*self.names, *map(str, self.urls), *map(str, self.pages),
                                  _json(self.chapters).decode("utf-8"))

    def write_bytes(self, directory: Path) -> None:
        """Its bytes, in the file named by its digest (made by a later build, read by it)."""
        list_rows, rows_bytes, fragments = self._bytes
        pieces, parts, members = [], [], []
        for listed, rows in zip(list_rows, rows_bytes):
            pieces += [listed, rows]
            parts.append([len(listed), len(rows)])
        for fragment in fragments:
            if fragment is None:
                members.append(None)
                continue
            members.append([*map(len, _pieces(fragment)), fragment[export.INDICATOR_LEVELS]])
            pieces += _pieces(fragment)
        directory.mkdir(parents=True, exist_ok=True)
        verified.write(directory / self.file_name, [verified.line(
            fingerprint.code_version(), {"block": self.digest, "parts": parts, "members": members}, b"".join(pieces),
            floats=False)])

    @property
    def file_name(self) -> str:
        return f"{self.digest}.block"

    # --- kept from the last build ----------------------------------------------------

    def unchanged(self, files: list[Path], chain: list[str], key: str) -> bool:
        """Whether these files, inheriting `chain`, are the ones it was made from, as they were."""
        if self.stamps is None or key != self.key or chain != self.chain or len(files) != len(self.names):
            return False
        if any(os.path.basename(path) != name for path, name in zip(files, self.names)):
            return False
        try:
            stamps = [stamp(path) for path in files]
            chain_stamps = [stamp(Path(item)) for item in chain]
        except OSError:
            return False
        return stamps == self.stamps and chain_stamps == self.chain_stamps

    @property
    def first(self) -> str:
        """Its first file, in full (`fingerprint.canonical`): it names the block in the manifest."""
        return os.path.join(self.directory, self.names[0])

    @cached_property
    def files(self) -> list[str]:
        """The output's files of its pages (linked, checked and declared to the output: made once)."""
        return [name for _, _, files in self.pages_with_files() for name in files]

    def pages_with_files(self) -> list[tuple[str, str, list[str]]]:
        """(url, fingerprint, files) of each page."""
        return [(url, page, [url + name for name in (*PAGE_FILES, *more)])
                for url, page, more in zip(self.urls, self.pages, self.chapters) if url is not None]

    @property
    def kept_whole(self) -> bool:
        return self.spelled is not None

    def keep(self, spelled: str) -> None:
        """Taken whole by this build, which names its directory `spelled`."""
        self.spelled = spelled

    def kept(self) -> Kept:
        """What the pipeline needs of its files, to check them with the files it reads."""
        files = [os.path.join(self.spelled, name) for name in self.names]
        return Kept(files, list(self.titles), {file: url for file, url in zip(files, self.urls) if url is not None},
                    findings_of(self))

    def listed(self) -> list[tuple[int, str]]:
        """(index, url) of each evaluation the listings show."""
        return [(i, url) for i, (url, title) in enumerate(zip(self.urls, self.titles)) if url is not None and title]

    def listed_fragments(self, directory: Path) -> list[dict]:
        """The download lines of each evaluation the listings show."""
        fragments = self.read_bytes(directory)[2]
        return [fragments[at] for at, _ in self.listed()]

    def read_bytes(self, directory: Path) -> tuple[list, list, list]:
        """(list rows, rows, download fragments): its parts' and its files'; BlockDamaged if its
        file is gone or does not hold them."""
        if self._bytes is None:
            self._bytes = self._load(directory / self.file_name)
        return self._bytes

    def _load(self, path: Path) -> tuple[list, list, list]:
        try:
            with open(path, "rb") as handle:
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise BlockDamaged(path) from exc
        found = list(verified.records(data, fingerprint.code_version(), tails=True))
        try:
            (record, tail), = found
            if record["block"] != self.digest:
                raise ValueError("another block's bytes")
            return _split(record, tail, len(self.parts), len(self.names))
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise BlockDamaged(path) from exc

    # --- as data, in the manifest --------------------------------------------------------

    def to_data(self) -> dict:
        data = {name: getattr(self, name) for name in _FIELDS}
        data["parts"] = [[p.url, p.count, p.tally.to_data(), p.list_digest, p.rows_digest] for p in self.parts]
        return data

    @classmethod
    def from_data(cls, data) -> "Block | None":
        """The block a manifest record holds; None when the record is not of its shape (a
        record of the right checksum and the wrong shape can only have been forged)."""
        try:
            values = {name: data[name] for name in _FIELDS}
            parts = [Part(url, count, Tally.from_data(tally), *digests)
                     for url, count, tally, *digests in data["parts"]]
        except (KeyError, TypeError, ValueError):
            return None
        block = cls(**{**values, "parts": parts})
        return block if block._well_formed() else None

    def _well_formed(self) -> bool:
        count = len(self.names) if type(self.names) is list else -1
        columns = (self.urls, self.pages, self.chapters, self.titles, self.search_versions)
        return (all(type(item) is str for item in (self.directory, self.key, self.downloads, self.digest))
                and type(self.levels) is int and count > 0
                and _strings(self.names) and all(os.sep not in name and name not in ("", ".", "..")
                                                 for name in self.names)
                and all(type(column) is list and len(column) == count for column in columns)
                and _strings(self.chain) and _stamps(self.chain_stamps)
                and (self.stamps is None or (_stamps(self.stamps) and len(self.stamps) == count))
                and all(url is None or _safe_url(url) for url in self.urls)
                and all(type(page) in (str, type(None)) for page in self.pages)
                and all(type(more) is list and all(type(m) is str and _safe_url(m) for m in more)
                        for more in self.chapters)
                and all(type(t) in (str, type(None)) for t in (*self.titles, *self.search_versions))
                and _strings(self.forms) and _strings(self.schemes) and type(self.findings) is list
                and all(_unit_year_url(p.url) and type(p.count) is int and p.count >= 0 and p.tally is not None
                        and type(p.list_digest) is str and type(p.rows_digest) is str for p in self.parts)
                and self.digest == self._digest())


_FIELDS = ("directory", "names", "stamps", "chain", "chain_stamps", "key", "urls", "pages", "chapters",
           "titles", "search_versions", "parts", "forms", "schemes", "findings", "downloads", "levels", "digest")


def remove_unused(directory: Path, blocks: list[Block]) -> None:
    """The bytes files of blocks the manifest no longer lists."""
    wanted = {block.file_name for block in blocks}
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.endswith(".block") and name not in wanted:
            (directory / name).unlink(missing_ok=True)


def findings_of(block: Block) -> list:
    return [finding for finding in map(finding_of, block.findings) if finding is not None]


def _split(record: dict, tail, parts: int, members: int) -> tuple[list, list, list]:
    """The bytes `write_bytes` joined, cut apart again."""
    sizes, fragments_at = record["parts"], record["members"]
    if len(sizes) != parts or len(fragments_at) != members:
        raise ValueError("another block's bytes")
    at, list_rows, rows = 0, [], []

    def take(length) -> memoryview:
        nonlocal at
        if type(length) is not int or length < 0 or at + length > len(tail):
            raise ValueError("bytes beyond the record")
        at += length
        return tail[at - length:at]

    for listed, encoded in sizes:
        list_rows.append(take(listed))
        rows.append(take(encoded))
    fragments = []
    for sizes_of in fragments_at:
        if sizes_of is None:
            fragments.append(None)
            continue
        *lengths, levels = sizes_of
        if type(levels) is not int or len(lengths) != len(_DOWNLOADS):
            raise ValueError("not a fragment")
        fragments.append({**{name: take(n) for name, n in zip(_DOWNLOADS, lengths)}, export.INDICATOR_LEVELS: levels})
    return list_rows, rows, fragments


_DOWNLOADS = ("evaluations.csv", "indicators.csv", "evaluations.json")


def _pieces(fragment: dict) -> list:
    return [fragment[name] for name in _DOWNLOADS]


def _distinct_findings(results: list[Result]) -> list:
    seen, distinct = set(), []
    for result in results:
        if result.has_findings():
            for finding in result.findings:
                if finding not in seen:
                    seen.add(finding)
                    distinct.append(finding_data(finding))
    return distinct


def _json(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def _strings(items) -> bool:
    return type(items) is list and all(type(item) is str for item in items)


def _stamps(items) -> bool:
    return type(items) is list and all(type(s) is list and len(s) == 5 and all(type(n) is int for n in s)
                                       for s in items)


def _unit_year_url(url) -> bool:
    """Whether `url` is a unit's page for a year (`structure.unit_year_url`)."""
    if type(url) is not str or not _safe_url(url):
        return False
    top, unit, year, rest = (url.split("/") + ["", "", ""])[:4]
    return top == "units" and bool(unit) and bool(year) and url == unit_year_url(unit, year) and not rest


def _safe_url(url) -> bool:
    from ..building.output import UnsafePath, safe_relative

    try:
        safe_relative(url + "x")
    except UnsafePath:
        return False
    return True
