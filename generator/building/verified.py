"""Files that jixiao writes for itself (the result cache, the build manifest): data, never code.

They live in the project's `.cache/`, a directory anyone who can write the project
can write, so they are JSON, never pickle or marshal, and every record carries the
SHA-256 of its bytes and of the version of the code that wrote it. A record that does
not verify (a flipped bit, a truncated write, another version's file, an edit) is
treated as absent, and what it stood for is made again: a damaged file costs time,
never a crash or a changed output.

A file is lines of `<sha-256> <json>`, or `<sha-256> <json>\t<tail>` where a record
carries bytes kept as they are (JSON text never holds a tab or a line break): one record
a line, each verified on its own.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def _checksum(version: str, payload) -> bytes:
    hasher = hashlib.sha256(version.encode("ascii") + b"\n")
    hasher.update(payload)
    return hasher.hexdigest().encode("ascii")


def line(version: str, record, tail: bytes | None = None) -> bytes:
    """One record (and its tail, bytes without a line break) as a verified line."""
    payload = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if tail is not None:
        if b"\n" in tail:
            raise ValueError("a tail holds no line break")
        payload += b"\t" + tail
    return _checksum(version, payload) + b" " + payload + b"\n"


def records(data: bytes, version: str, tails: bool = False):
    """The records of a file's bytes that verify, in order (with `tails`, (record, tail)
    pairs, the tail b"" when there is none); the lines that do not verify are skipped."""
    for raw in data.split(b"\n"):
        space = raw.find(b" ")
        if space <= 0 or raw[:space] != _checksum(version, memoryview(raw)[space + 1:]):
            continue
        tab = raw.find(b"\t", space)
        try:
            record = json.loads(raw[space + 1:tab] if tab > 0 else raw[space + 1:])
        except ValueError:  # only a forged line could verify and not parse
            continue
        yield (record, raw[tab + 1:] if tab > 0 else b"") if tails else record


def read(path: Path, version: str, tails: bool = False) -> list:
    """The verified records of a file; none when it is missing or unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    return list(records(data, version, tails))


def write(path: Path, lines: list[bytes]) -> bool:
    """Write verified lines to a temporary file renamed into place: a reader sees the old
    file or the new one, never half of one. A file that cannot be written only costs time."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(lines)
        os.replace(temporary, path)
        return True
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        return False
