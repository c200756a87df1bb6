"""Files that jixiao writes for itself (the result cache, the build manifest): data, never code.

They live in the project's `.cache/`, a directory anyone who can write the project
can write, so they are JSON, never pickle or marshal, and every record carries the
BLAKE2b (256-bit) checksum of its bytes and of the version of the code that wrote it
(BLAKE2b rather than SHA-256: as strong, and about twice as fast here without SHA
instructions; a build after a one-file edit verifies about 170 MB of cache). A record that does
not verify (a flipped bit, a truncated write, another version's file, an edit) is
treated as absent, and what it stood for is made again: a damaged file costs time,
never a crash or a changed output.

A file is a sequence of records, each `<checksum> <length>\n<payload>\n`, the payload
`<json>` or `<json>\t<tail>` where a record carries bytes kept as they are (any bytes:
JSON text never holds a tab, and the length says where the payload ends), each record
verified on its own. Reading a record does not decode its tail, nor copy it: a tail is a
view of the bytes read or mapped (a cache entry's page texts and download lines are sliced out
of it; 145 MB of tails copied into new memory cost a build of 10,000 evaluations
about 0.3 s of page faults).

Payloads are parsed by orjson, twice as fast as the standard library: a build after a
one-file edit of 10,000 evaluations parses 16 MB of cache entries and a 3 MB manifest,
0.54 s with `json.loads`, 0.30 s with `orjson.loads` (and the check below). What orjson
refuses (NaN, infinity) or reads otherwise (an integer beyond 64 bits becomes a float) is
parsed by the standard library; they are written by orjson too, but for records it would
write otherwise (see `line`).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import orjson


def _hasher(version: str):
    return hashlib.blake2b(version.encode("ascii") + b"\n", digest_size=32)


def _checksum(version: str, payload) -> bytes:
    hasher = _hasher(version)
    hasher.update(payload)
    return hasher.hexdigest().encode("ascii")


def line(version: str, record, tail: bytes | None = None, floats: bool = True) -> bytes:
    """One record (and its tail, any bytes) as a verified record, written by orjson (five to ten
    times as fast as the standard library: a cache entry, the 3 MB build manifest) unless it
    holds what orjson would write otherwise: a NaN or an infinity (as null; a maker that knows
    its record holds no float says `floats=False`, and it is not looked for) or an integer
    beyond 64 bits (which orjson refuses)."""
    payload = _encoded(record) if not floats or _finite(record) else None
    if payload is None:
        payload = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    pieces = [payload] if tail is None else [payload, b"\t", tail]
    hasher = _hasher(version)
    for piece in pieces:
        hasher.update(piece)
    return b"".join([hasher.hexdigest().encode("ascii"), b" %d\n" % sum(map(len, pieces)), *pieces, b"\n"])


_SCALARS = frozenset({str, int, bool, type(None)})


def _finite(value) -> bool:
    """Whether every float in the data is finite; False, to be safe, for anything but JSON's
    own kinds (a subclass of dict or float: orjson writes some of them, and is not asked to)."""
    kind = type(value)
    if kind is float:
        return value - value == 0.0  # NaN and infinities give NaN
    if kind is dict:
        return all(map(_finite, value.values()))
    if kind is list or kind is tuple:
        return all(map(_finite, value))
    return kind in _SCALARS


def _encoded(record) -> bytes | None:
    try:
        return orjson.dumps(record)
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, a key that is not text
        return None


def records(data: bytes, version: str, tails: bool = False, checked: bool = True, damaged: list | None = None):
    """The records of a file's bytes that verify, in order (with `tails`, (record, tail)
    pairs, the tail a memoryview of `data`, b"" when there is none). A record that does not verify is skipped;
    from a damaged length on, the rest of the file is; `damaged` is told of each (its
    offset). Without `checked`, the checksums are not computed: for bytes known to be
    those of a file all of whose records verified before (see `cache.py`)."""
    view = memoryview(data)
    for start, end in _payloads(data, version, checked, damaged):
        tab = data.find(b"\t", start, end)
        try:
            record = parsed(data[start:tab if tab > 0 else end])
        except ValueError:  # only a forged record could verify and not parse
            continue
        yield (record, view[tab + 1:end] if tab > 0 else b"") if tails else record


def intact(data: bytes, version: str) -> bool:
    """Whether every record of a file's bytes verifies (nothing is parsed)."""
    damaged: list[int] = []
    for _ in _payloads(data, version, True, damaged):
        pass
    return not damaged


def _payloads(data: bytes, version: str, checked: bool, damaged: list | None):
    """Where each record's payload starts and ends, for the records that verify (see `records`)."""
    view = memoryview(data)
    start = 0
    while (header_end := data.find(b"\n", start)) > 0:
        checksum, _, length = data[start:header_end].partition(b" ")
        end = header_end + 1 + int(length) if length.isdigit() else -1
        if end < 0 or data[end:end + 1] != b"\n":
            if damaged is not None:
                damaged.append(start)
            return
        if checked and checksum != _checksum(version, view[header_end + 1:end]):
            if damaged is not None:
                damaged.append(start)
        else:
            yield header_end + 1, end
        start = end + 1
    if start < len(data) and damaged is not None:  # bytes after the last record
        damaged.append(start)


def parsed(text: bytes):
    """JSON text as data, as `json.loads` gives it; ValueError if it is not JSON."""
    if not _may_exceed_64_bits(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _may_exceed_64_bits(text: bytes) -> bool:
    """Whether the text holds a number of 20 digits, or a minus and 19: one that may not fit
    64 bits, which orjson would read as a float (a file's times in nanoseconds have 19 digits).
    Digits masked to NUL, which JSON text never holds unescaped, then searched for as runs
    (10,000 cache entries in 0.04 s, a regular expression 0.6 s); a run is a number only where
    a number can start, after `[`, `,`, `:` or a space: the digests of a 3 MB build manifest
    hold runs every time, and it would always be parsed by the standard library (0.1 s)."""
    masked = text.translate(_DIGITS_AS_NUL)
    for run in (_RUN, _NEGATIVE_RUN):
        at = masked.find(run)
        while at >= 0:
            if at == 0 or masked[at - 1] in _NUMBER_STARTS:
                return True
            at = masked.find(run, at + 1)
    return False


_DIGITS_AS_NUL = bytes.maketrans(b"0123456789", b"\0" * 10)
_RUN, _NEGATIVE_RUN = b"\0" * 20, b"-" + b"\0" * 19
_NUMBER_STARTS = frozenset(b"[,: \t\n\r")


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
