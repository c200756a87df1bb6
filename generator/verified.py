"""Files that jixiao writes for itself (the result cache, the build manifest): data, never code.

They live in the project's `.cache/`, a directory anyone who can write the project
can write, so they are JSON, never pickle or marshal, and every record carries the
SHA-256 of its bytes and of the version of the code that wrote it. A record that does
not verify (a flipped bit, a truncated write, another version's file, an edit) is
treated as absent, and what it stood for is made again: a damaged file costs time,
never a crash or a changed output.

A file is lines of `<sha-256> <json>`: one record a line, each verified on its own.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def _checksum(version: str, payload: bytes) -> bytes:
    return hashlib.sha256(version.encode("ascii") + b"\n" + payload).hexdigest().encode("ascii")


def line(version: str, record) -> bytes:
    """One record as a verified line."""
    payload = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _checksum(version, payload) + b" " + payload + b"\n"


def records(data: bytes, version: str):
    """The records of a file's bytes that verify, in order; the others are skipped."""
    for raw in data.split(b"\n"):
        checksum, _, payload = raw.partition(b" ")
        if not payload or checksum != _checksum(version, payload):
            continue
        try:
            yield json.loads(payload)
        except ValueError:  # only a forged line could verify and not parse
            continue


def read(path: Path, version: str) -> list:
    """The verified records of a file; none when it is missing or unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    return list(records(data, version))


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
