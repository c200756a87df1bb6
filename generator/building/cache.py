"""A cache of per-file results, so that unchanged files are never read again.

A result is reused when what it depends on (`fingerprint.DEPENDS["result"]`) is
unchanged: the code and the form and scheme files, whose digest is the version of
every entry (another version's entries do not verify), and the source, the file and
every `_defaults.yml` it inherits. They are known unchanged, without reading them,
when their identity on disk (device, inode, size, modification and change times) is
the one recorded; a file changed within moments of being recorded (a second edit in
the same tick of the file system's clock keeps its times) is read and compared by
content instead, as git does. A moment is `RACY_NS`: ten times the coarsest tick of
Linux's file times (10 ms), or two seconds on a file system that keeps whole seconds
(FAT, ext3, some network file systems).

Entries are verified data (`verified.py`): one line each, in one file per content
directory, read when a file of that directory is asked for and written only when
one of its results changed. An entry that does not verify, or does not hold a
result of the right shape, is a miss. A shard all of whose entries verified is
recorded, by its identity on disk, in `CHECKED_NAME`; while it keeps that identity
(and is not racy), its checksums are not computed again, by the rule that spares
reading unchanged sources (a one-file edit of 10,000 evaluations: 168 MB not hashed
again). Any write to a shard gives it another identity (its change time, at the
least), and its entries are checked again: by the run that wrote it, once a moment
has passed (a cold build writes a shard as each directory is done, and checks it
while its workers go on), else by the next run that reads it.
"""
from __future__ import annotations

import hashlib
import mmap
import os
import time
from pathlib import Path

from . import fingerprint, verified

RACY_NS = 10**8
CHECKED_NAME = "checked.state"  # the shards whose entries all verified, by identity
RACY_WHOLE_SECONDS_NS = 2 * 10**9
MAPPED_SHARDS = 256  # a descriptor each (see `ResultCache._bytes`): well within the usual limit of 1,024
assert fingerprint.DEPENDS["result"] == ("code", "rules", "source"), "the cache checks exactly these"


def stamp(path: Path) -> list[int]:
    """What changes whenever a file's bytes do: device, inode, size, modification and change times
    (the change time cannot be set back by `touch` or a copy that keeps times)."""
    return _identity(os.stat(path))


def _identity(info: os.stat_result) -> list[int]:
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def source_digest(path: Path, defaults: tuple[Path, ...], data: bytes | None = None) -> str:
    """The content of a file (its `data` when already read) and of the defaults it inherits
    (with their places)."""
    parts = [fingerprint.file_digest(path) if data is None else hashlib.sha256(data).hexdigest()]
    for item in defaults:
        if item not in _DEFAULTS_DIGESTS:
            _DEFAULTS_DIGESTS[item] = [fingerprint.canonical(item), fingerprint.file_digest(item)]
        parts += _DEFAULTS_DIGESTS[item]
    return fingerprint.digest(*parts)


_DEFAULTS_DIGESTS: dict[Path, list[str]] = {}  # a defaults file serves a whole directory: named and read once a run


def forget() -> None:
    """Forget the defaults files read: a new run may find them changed."""
    _DEFAULTS_DIGESTS.clear()


# What earlier versions kept in the cache directory, never read now: result shards as
# pickles, printing's state, and compiled templates (marshalled code) under templates/.
OLD_VERSIONS = ("*.pickle", "print-*.json", "templates/__jinja2_*.cache")


def remove_old_versions(cache_dir: Path) -> None:
    """Delete the files earlier versions left in the cache directory (unread: loading a
    pickle or compiled code from a directory others may write would run their code)."""
    for pattern in OLD_VERSIONS:
        for path in cache_dir.glob(pattern):
            if path.is_symlink() or path.is_file():
                path.unlink(missing_ok=True)
    try:
        (cache_dir / "templates").rmdir()
    except OSError:  # absent, or holding something else: left as it is
        pass


class ResultCache:
    def __init__(self, directory: Path, code: str, rules: str, decode, encode, respell):
        self.directory = directory
        self.version = fingerprint.digest(code, rules)
        self.decode, self.encode = decode, encode  # a result from (data, tail, file) (None if not one), and back
        self.respell = respell  # the result with its files named otherwise, from {name then: name now}
        self.shards: dict[Path, dict[str, dict]] = {}
        self.dirty: set[Path] = set()
        self.stamps: dict[Path, list[int]] = {}  # a defaults file serves a whole directory
        self.names: dict[tuple[Path, ...], tuple[list[str], list[str]]] = {}  # (in full, as given)
        self.directories: dict[Path, str] = {}  # each content directory in full
        self.checked = _load_checked(directory / CHECKED_NAME, self.version)  # {shard name: [identity, when]}
        self.checked_changed = False
        self.unchecked: dict[Path, list[bytes]] = {}  # shards this run wrote, not yet checked, with their lines
        self.mappable = MAPPED_SHARDS  # shards that may yet be mapped (see `_bytes`)

    def _shard_path(self, content_dir: Path) -> Path:
        name = hashlib.sha1(fingerprint.canonical(content_dir).encode("utf-8", "surrogateescape")).hexdigest()[:20]
        return self.directory / f"{name}.jsonl"

    def _shard(self, content_dir: Path) -> dict[str, dict]:
        if content_dir not in self.shards:
            entries = {}
            for record, tail in self._records(self._shard_path(content_dir)):
                if type(record) is dict and type(record.get("path")) is str:
                    entries[record["path"]] = (record, tail)
            self.shards[content_dir] = entries
        return self.shards[content_dir]

    def _records(self, path: Path) -> list:
        """A shard's (record, tail) pairs that verify: by their checksums, unless the shard is
        the very file, by identity, all of whose records verified in an earlier run."""
        at = time.time_ns()
        try:
            with open(path, "rb") as handle:
                identity = _identity(os.fstat(handle.fileno()))
                data = self._bytes(handle, identity[2])
        except OSError:
            return []
        known = self.checked.get(path.name)
        if known is not None and known[0] == identity and not racy([identity], known[1]):
            return list(verified.records(data, self.version, tails=True, checked=False))
        damaged: list[int] = []
        records = list(verified.records(data, self.version, tails=True, damaged=damaged))
        self._checked_as(path.name, identity, at, intact=not damaged)
        return records

    def _checked_as(self, name: str, identity: list[int], at: int, intact: bool) -> None:
        """Record what checking a shard (read at `at`, of this identity) found: trusted by its
        identity from now on when all its records verified, else no longer trusted at all."""
        if intact:
            self.checked[name] = [identity, at]
            self.checked_changed = True
        else:
            self.checked_changed |= self.checked.pop(name, None) is not None

    def _bytes(self, handle, size: int):
        """A shard's bytes, mapped rather than read: an entry's tails (page text, download lines,
        indicator rows; two thirds of its bytes) are views that most builds never touch, and a
        mapping faults in only the pages touched (a one-file edit of 10,000 evaluations: 0.2 s
        less than reading the 200 MB into memory). Safe because a shard is only ever replaced by
        a rename (`verified.write`), never rewritten in place: the mapped file keeps its bytes.
        Python (before 3.13) keeps a descriptor open for each mapping: at most MAPPED_SHARDS
        shards are mapped, the others read."""
        if size == 0 or self.mappable <= 0:
            return handle.read()
        try:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file system that cannot map files, or no descriptor left
            return handle.read()
        self.mappable -= 1
        return data

    def _stamp(self, path: Path, memo: bool) -> list[int]:
        if not memo:
            return stamp(path)
        if path not in self.stamps:
            self.stamps[path] = stamp(path)
        return self.stamps[path]

    def _names(self, defaults: tuple[Path | str, ...]) -> tuple[list[str], list[str]]:
        """The defaults files as an entry names them, and as this run does (a chain serves its
        whole directory: made once; `put` gives it the names a result was made with)."""
        if defaults not in self.names:
            self.names[defaults] = [fingerprint.canonical(item) for item in defaults], [str(item) for item in defaults]
        return self.names[defaults]

    def _key(self, path: Path, directory: Path) -> str:
        """The file in full: its directory's (made once) and its name."""
        if directory not in self.directories:
            self.directories[directory] = fingerprint.canonical(directory)
        return os.path.join(self.directories[directory], path.name)

    def stamps_of(self, path: Path, defaults: tuple[Path, ...]) -> list[list[int]]:
        return [self._stamp(path, False), *(self._stamp(item, True) for item in defaults)]

    def get(self, path: Path, directory: Path, defaults: tuple[Path, ...]):
        """The result stored for `path` (in `directory`), if nothing it was made from has changed."""
        entry, tail = self._shard(directory).get(self._key(path, directory), (None, b""))
        in_full, given = self._names(defaults)
        if entry is None or entry.get("defaults") != in_full:
            return None
        try:
            stamps = self.stamps_of(path, defaults)
        except OSError:
            return None
        shown = entry.get("shown")
        if (entry.get("stamps") != stamps or type(shown) is not list or len(shown) != len(defaults) + 1
                or not all(type(name) is str for name in shown)):
            return None
        result = self.decode(entry.get("result"), tail, shown[0])
        if result is None:
            return None
        file = str(path)
        if shown[0] != file or shown[1:] != given:  # recorded by a command that named the files otherwise
            result = self.respell(result, dict(zip(shown, [file, *given])))
        if racy(stamps, entry.get("at")):
            if source_digest(path, defaults) != result.source:
                return None
            result.seen = (stamps, time.time_ns(), [str(item) for item in defaults])
            self.put(path, directory, result)  # compared by content: recorded again, no longer racy
        else:
            result.seen = (stamps, entry["at"], given)  # as it was recorded (a later stage keeps it: blocks.py)
        return result

    def put(self, path: Path, directory: Path, result) -> None:
        """Record a result made from the file as it was when `result.seen` says it was stamped
        (before it was read), with the defaults it inherited then."""
        if result.seen is None or type(result.source) is not str or not _utf8(str(path)):
            return  # the file could not be stamped, or its name is not UTF-8 (JSON cannot hold it): read again
        stamps, at, defaults = result.seen
        data, tail = self.encode(result)
        key = self._key(path, directory)
        self._shard(directory)[key] = ({"path": key, "defaults": self._names(tuple(defaults))[0],
                                        "shown": [str(path), *defaults], "stamps": stamps, "at": at,
                                        "result": data}, tail)
        self.dirty.add(directory)

    def save(self, only: Path | None = None) -> None:
        """Writes the shards that changed (or, given `only`, that directory's shard if it changed)."""
        for content_dir in sorted(self.dirty if only is None else self.dirty & {only}):
            lines = [verified.line(self.version, entry, tail) for entry, tail in self.shards[content_dir].values()]
            if verified.write(self._shard_path(content_dir), lines):
                self.unchecked[self._shard_path(content_dir)] = lines
            self.dirty.discard(content_dir)
        self._check_written()
        if only is None and self.checked_changed:
            verified.write(self.directory / CHECKED_NAME, [verified.line(self.version, self.checked, floats=False)])
            self.checked_changed = False

    def _check_written(self) -> None:
        """The shards this run wrote that are past their moment of doubt, read back and checked
        as a later run would check them (`_records`), so that the next run trusts them by
        their identity: after a cold build of 10,000 evaluations, its first edit's build
        would hash 168 MB (0.4 s). A shard that reads back as the lines written is intact
        without its checksums computed again; the others are left to the next run that reads them."""
        waiting = {}
        for path, lines in self.unchecked.items():
            at = time.time_ns()
            try:
                with open(path, "rb") as handle:
                    identity = _identity(os.fstat(handle.fileno()))
                    if racy([identity], at):
                        waiting[path] = lines
                        continue
                    data = handle.read()
            except OSError:
                continue
            intact = data == b"".join(lines) or verified.intact(data, self.version)  # else: written since, by another run
            self._checked_as(path.name, identity, at, intact=intact)
        self.unchecked = waiting


def _load_checked(path: Path, version: str) -> dict[str, list]:
    """The shards known to verify, {name: [identity, when it was taken]}; none from a file that
    does not verify or is not of that shape."""
    records = verified.read(path, version)
    checked = records[0] if len(records) == 1 else None
    if type(checked) is not dict:
        return {}
    return {name: value for name, value in checked.items()
            if type(value) is list and len(value) == 2 and type(value[1]) is int and type(value[0]) is list
            and len(value[0]) == 5 and all(type(n) is int for n in value[0])}


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def racy(stamps: list[list[int]], at) -> bool:
    """Whether a file may have changed since it was recorded without its times showing it."""
    if type(at) is not int:
        return True
    for item in stamps:
        latest = max(item[3], item[4])
        window = RACY_WHOLE_SECONDS_NS if latest % 10**9 == 0 else RACY_NS
        if latest >= at - window:
            return True
    return False
