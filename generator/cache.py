"""A cache of per-file results, so that unchanged files are never read again.

A result is reused when the file, every `_defaults.yml` it inherits and the
code of jixiao itself (its modules, forms and schemes) have the same size and
modification time as when it was computed.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

CACHE_DIR = Path(".cache") / "jixiao"
_PACKAGE = Path(__file__).parent


def _stamp(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=1)
def code_stamp() -> tuple:
    files = sorted(p for pattern in ("*.py", "forms/*.yml", "schemes/*.yml") for p in _PACKAGE.glob(pattern))
    return tuple((p.name, _stamp(p)) for p in files)


class ResultCache:
    """One pickle per content directory, read when a file of that directory is asked for
    and written only when one of its results changed."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.shards: dict[Path, dict[str, tuple]] = {}
        self.dirty: set[Path] = set()
        self.defaults_stamps: dict[Path, tuple[int, int]] = {}  # a defaults file serves a whole directory

    @classmethod
    def for_files(cls, files: list[Path]) -> "ResultCache":
        from .pipeline import project_root

        root = project_root(files[0].parent.resolve()) if files else Path.cwd()
        return cls(root / CACHE_DIR / "results")

    def _shard_path(self, content_dir: Path) -> Path:
        name = hashlib.sha1(str(content_dir).encode("utf-8", "surrogateescape")).hexdigest()[:20]
        return self.directory / f"{name}.pickle"

    def _shard(self, content_dir: Path) -> dict[str, tuple]:
        if content_dir not in self.shards:
            entries = {}
            try:
                with open(self._shard_path(content_dir), "rb") as handle:
                    stamp, stored = pickle.load(handle)
                if stamp == code_stamp():
                    entries = stored
            except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError, ImportError):
                pass
            self.shards[content_dir] = entries
        return self.shards[content_dir]

    def _signature(self, path: Path, defaults: tuple[Path, ...]) -> tuple:
        return (_stamp(path), *map(self._defaults_stamp, defaults), len(defaults))

    def _defaults_stamp(self, path: Path) -> tuple[int, int]:
        if path not in self.defaults_stamps:
            self.defaults_stamps[path] = _stamp(path)
        return self.defaults_stamps[path]

    def get(self, path: Path, directory: Path, defaults: tuple[Path, ...]):
        """The result stored for `path` (in `directory`), if nothing it was made from has changed."""
        entry = self._shard(directory).get(str(path))
        if entry is None:
            return None
        try:
            signature = self._signature(path, defaults)
        except OSError:
            return None
        return entry[1] if entry[0] == signature else None

    def put(self, path: Path, directory: Path, defaults: tuple[Path, ...], result) -> None:
        self._shard(directory)[str(path)] = (self._signature(path, defaults), result)
        self.dirty.add(directory)

    def save(self, only: Path | None = None) -> None:
        """Writes the shards that changed (or, given `only`, that directory's shard if it changed).
        Each is written to a temporary file and renamed: a crash never leaves half of one."""
        for content_dir in sorted(self.dirty if only is None else self.dirty & {only}):
            self._write(content_dir)
            self.dirty.discard(content_dir)

    def _write(self, content_dir: Path) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((code_stamp(), self.shards[content_dir]), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._shard_path(content_dir))
        except OSError:
            pass  # a cache that cannot be written only costs time
