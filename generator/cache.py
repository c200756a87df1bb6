"""A cache of per-file results, so that unchanged files are never read again.

A result is reused when the file, every `_defaults.yml` it inherits and the
code of jixiao itself (its modules, forms and schemes) have the same size and
modification time as when it was computed.
"""
from __future__ import annotations

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
    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, tuple] = {}
        self.dirty = False
        try:
            with open(path, "rb") as handle:
                stamp, entries = pickle.load(handle)
            if stamp == code_stamp():
                self.entries = entries
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError, ImportError):
            self.entries = {}

    @classmethod
    def for_files(cls, files: list[Path]) -> "ResultCache":
        from .pipeline import project_root

        root = project_root(files[0].resolve().parent) if files else Path.cwd()
        return cls(root / CACHE_DIR / "results.pickle")

    def _signature(self, path: Path, defaults: tuple[Path, ...]) -> tuple:
        return tuple(_stamp(p) for p in (path, *defaults)) + (len(defaults),)

    def get(self, path: Path, defaults: tuple[Path, ...]):
        entry = self.entries.get(str(path))
        if entry is None:
            return None
        try:
            signature = self._signature(path, defaults)
        except OSError:
            return None
        return entry[1] if entry[0] == signature else None

    def put(self, path: Path, defaults: tuple[Path, ...], result) -> None:
        self.entries[str(path)] = (self._signature(path, defaults), result)
        self.dirty = True

    def save(self) -> None:
        """Written to a temporary file and renamed, so a crash never leaves half a cache."""
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump((code_stamp(), self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written only costs time
