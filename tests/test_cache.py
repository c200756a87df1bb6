"""The result cache: unchanged files are not read again; the cache is verified data, and a
damaged or forged one costs time, never a crash, a run of its code or a changed output."""
import json
import os
import pickle
import random
import time
from pathlib import Path

import pytest

from generator.building import fingerprint, verified
from generator.building.pipeline import run
from generator.checking.summary import summary
from generator.rules import registry

from .conftest import MINIMAL


def test_unchanged_files_come_from_the_cache_and_changed_ones_are_reread(write, monkeypatch):
    a = write("content/u/2020/a.yml", MINIMAL)
    write("content/u/2020/b.yml", MINIMAL.replace("测试项目", "乙项目"))
    first = run([a.parent])
    calls = []
    import generator.building.pipeline as pipeline

    original = pipeline.process_file
    monkeypatch.setattr(pipeline, "process_file", lambda *args: calls.append(args[0]) or original(*args))
    second = run([a.parent])
    assert calls == []
    assert [r.summary["total"] for r in second.results] == [r.summary["total"] for r in first.results]
    assert second.results[0].evaluation is None  # the cache keeps no models
    a.write_text(MINIMAL.replace("score: 50", "score: 40, reason: 未完成"), encoding="utf-8")
    os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))
    third = run([a.parent])
    assert calls == [a]
    assert third.results[0].summary["total"] == first.results[0].summary["total"] - 10


def test_a_run_that_names_the_files_otherwise_reuses_their_results(write, monkeypatch, tmp_path):
    """Run from another directory, or given in full, the same files are named otherwise: their
    results come from the cache, each finding named as this run names its file."""
    write("content/u/_defaults.yml", "department: {name: 测试局, code: \"902001\"}\n")
    a = write("content/u/2020/a.yml", MINIMAL.replace("score: 30}", "score: 31}"))  # a score above its weight
    monkeypatch.chdir(tmp_path)
    first = run([Path("content/u")])
    assert first.results[0].findings and {f.file for f in first.results[0].findings} == {"content/u/2020/a.yml"}
    calls = []
    import generator.building.pipeline as pipeline

    original = pipeline.process_file
    monkeypatch.setattr(pipeline, "process_file", lambda *args: calls.append(args[0]) or original(*args))
    for here, given, named in [(tmp_path / "content/u", ".", "2020/a.yml"), (tmp_path, a.parent, str(a))]:
        monkeypatch.chdir(here)
        again = run([Path(given)])
        assert calls == [] and again.results[0].file == named == again.results[0].summary["file"]
        assert [f.file for f in again.results[0].findings] == [named] * len(first.results[0].findings)
        assert [f.message for f in again.results[0].findings] == [f.message for f in first.results[0].findings]


def test_an_edit_that_keeps_size_and_times_is_seen(write, monkeypatch):
    """優 → 良 keeps the file's size; `touch` can give back its modification time (not its
    change time, nor, within moments of the last run, a time the cache trusts)."""
    a = write("content/u/2020/a.yml", MINIMAL)
    assert run([a.parent]).results[0].summary["name"] == "测试项目"
    info = a.stat()
    a.write_text(MINIMAL.replace("测试项目", "测试项甲"), encoding="utf-8")
    os.utime(a, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert a.stat().st_size == info.st_size
    assert run([a.parent]).results[0].summary["name"] == "测试项甲"


def _shards(root: Path) -> list[Path]:
    return sorted((root / ".cache/jixiao/results").glob("*.jsonl"))


def _scores(root: Path) -> str:
    report = run([root / "content"])
    return json.dumps([r.full_summary() for r in report.results], ensure_ascii=False, sort_keys=True)


@pytest.fixture
def cached(write):
    """A project of three evaluations whose results are in the cache."""
    for number in range(3):
        path = write(f"content/u/2020/{number}.yml", MINIMAL.replace("测试项目", f"可持续影响项目{number}"))
    root = path.parents[3]
    expected = json.dumps([r.full_summary() for r in run([root / "content"], use_cache=False).results],
                          ensure_ascii=False, sort_keys=True)
    assert _scores(root) == expected and _shards(root)
    return root, expected


def test_random_bit_flips_never_change_a_result(cached):
    root, expected = cached
    shard = _shards(root)[0]
    original = shard.read_bytes()
    rng = random.Random(20240601)
    for _ in range(40):
        data = bytearray(original)
        position = rng.randrange(len(data))
        data[position] ^= 1 << rng.randrange(8)
        shard.write_bytes(bytes(data))
        assert _scores(root) == expected
        shard.write_bytes(original)


@pytest.mark.parametrize("damage", ["random bytes", "truncated", "empty", "not json", "edited text"])
def test_a_damaged_cache_is_a_miss(cached, damage):
    root, expected = cached
    shard = _shards(root)[0]
    original = shard.read_bytes()
    shard.write_bytes({"random bytes": os.urandom(len(original)), "truncated": original[: len(original) // 2],
                       "empty": b"", "not json": b"abc def\n" * 10,
                       "edited text": original.replace("优".encode(), "良".encode())}[damage])
    assert _scores(root) == expected


SUMMARY_KEYS = [key for key in summary("", None, None, {"error": 0, "warning": 0, "info": 0}) if key != "indicators"]


def _heavy(change):
    """A change to a cache record's summary and findings, which its tail holds as JSON (their
    length in the record) before its indicator rows: `change(findings, values)` gives them anew."""
    def changed(record: dict, tail) -> tuple[dict, bytes]:
        length = record["result"]["heavy"]
        heavy = json.dumps(change(*json.loads(bytes(tail[:length]))), ensure_ascii=False).encode("utf-8")
        return {**record, "result": {**record["result"], "heavy": len(heavy)}}, heavy + bytes(tail[length:])
    return changed


def _with(key: str, value):
    """A change to a cache record whose result's summary (its values, in the order of the keys) says `key: value`."""
    def change(findings: list, values: list) -> tuple[list, list]:
        values = list(values)
        values[SUMMARY_KEYS.index(key)] = value
        return findings, values
    return _heavy(change)


def _record(change):
    """A change to a cache record alone (its tail kept)."""
    return lambda record, tail: (change(record), tail)


def _result(**changes):
    return _record(lambda r: {**r, "result": {**r["result"], **changes}})


def _forged(root: Path, change) -> None:
    """Entries rewritten by `change(record, tail)` with a correct checksum: only their shape can give them away."""
    shard = _shards(root)[0]
    rules = fingerprint.rules_digest([path for _, path in registry.rule_files((root,))])
    version = fingerprint.digest(fingerprint.code_version(), rules)
    records = verified.read(shard, version, tails=True)
    assert records, "the test must forge entries the cache would otherwise accept"
    shard.write_bytes(b"".join(verified.line(version, *change(record, tail)) for record, tail in records))


def test_forged_entries_of_the_right_shape_are_taken_as_written(cached):
    """The checksum is not a signature: an entry rewritten whole, with a new checksum, is read
    as data (what it says is published, as an edit to the content would be) and never run."""
    root, expected = cached
    _forged(root, _with("grade", "伪"))
    assert "伪" in _scores(root) and _scores(root) != expected


@pytest.mark.parametrize("change", [
    _with("total", "九十九"),
    _with("findings", []),
    _heavy(lambda findings, values: (findings, values[1:])),
    _heavy(lambda findings, values: ([["x"]], values)),
    _heavy(lambda findings, values: {"x": 1}),
    _result(glance=[7, 2020, "zibo-2020", "national", {"error": 0, "warning": 0, "info": 0}]),
    _result(glance=["甲", 2020, "zibo-2020", "national", []]),
    _result(heavy=10**9),
    _result(file="/etc/passwd"),
    _result(extra={"search": {"$bytes": 5}}, source=7),
    _result(extra={"json": {"chapters": []}, "bytes": [[["chapters", 5], 3]]}),
    _record(lambda r: {**r, "stamps": "now"}),
    _record(lambda r: {**r, "shown": [["a"]]}),
    _record(lambda r: {**r, "shown": r["shown"] + ["b"]}),
    _record(lambda r: [r]),
], ids=["text for a number", "counts as a list", "a value short", "short finding", "not a pair", "name a number",
        "glanced counts a list", "summary past the end", "another file", "wrong extras", "bytes past a list's end",
        "stamps", "names not text",
        "names too many", "not a mapping"])
def test_entries_of_the_wrong_shape_are_misses(cached, change):
    """Of the wrong shape, an entry is not used; a summary or findings of the wrong shape, found
    when they are decoded, are made again from the file."""
    root, expected = cached
    _forged(root, change)
    assert _scores(root) == expected


@pytest.mark.parametrize("rows", [b"", b"{}", b"7", b"\xff\xfe"])
def test_indicator_rows_of_the_wrong_shape_are_misses(cached, rows):
    root, expected = cached
    _forged(root, lambda record, tail: (record, bytes(tail[:record["result"]["heavy"]]) + rows))
    assert _scores(root) == expected


def test_a_crafted_pickle_in_the_cache_is_never_run(cached, tmp_path):
    root, expected = cached
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    crafted = pickle.dumps(Payload())
    cache = root / ".cache/jixiao"
    for path in [*_shards(root), cache / "results/any.pickle", cache / "templates/__jinja2_x.cache"]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(crafted)
    assert _scores(root) == expected
    assert not marker.exists()


def test_an_edit_in_the_same_tick_of_the_file_clock_is_seen(write, monkeypatch):
    """Times that did not change (two edits within one tick of the file system's clock)
    do not hide an edit made moments after the file was recorded: it is compared by content."""
    import generator.building.cache as cache

    a = write("content/u/2020/a.yml", MINIMAL)
    before = cache.stamp(a)
    with monkeypatch.context() as recording:  # recorded a millisecond after the write, however busy the machine
        recording.setattr(time, "time_ns", lambda: max(before[3], before[4]) + 10**6)
        run([a.parent])
    a.write_text(MINIMAL.replace("测试项目", "测试项乙"), encoding="utf-8")
    real = cache.stamp
    monkeypatch.setattr(cache, "stamp", lambda path: before if path == a else real(path))
    assert run([a.parent]).results[0].summary["name"] == "测试项乙"


def test_files_left_by_earlier_versions_are_deleted_unread(cached, tmp_path):
    """Result shards as pickles, printing's state and compiled templates, as earlier versions
    wrote them into .cache/jixiao: a run removes them without loading them."""
    root, expected = cached
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    cache = root / ".cache/jixiao"
    old = [cache / "0123456789abcdef0123.pickle", cache / "print-00265cd42e45.json",
           cache / "templates/__jinja2_5f2a.cache"]
    for path in old:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(Payload()))
    kept = cache / "notes.txt"
    kept.write_text("not jixiao's", encoding="utf-8")
    assert _scores(root) == expected
    assert not any(path.exists() for path in old) and not (cache / "templates").exists()
    assert kept.exists() and _shards(root) and not marker.exists()


def _checked_once(root: Path, expected: str) -> Path:
    """The project's shard, checked by its checksums in a run long enough after it was written
    (past the moment of doubt) that later runs may trust it by its identity. (The first run
    records again the entries of sources written moments before the last.)"""
    import generator.building.cache as cache

    for _ in range(2):
        time.sleep(cache.RACY_NS / 1e9 * 1.5)
        assert _scores(root) == expected
    time.sleep(cache.RACY_NS / 1e9 * 1.5)
    assert (root / ".cache/jixiao/results" / cache.CHECKED_NAME).is_file()
    return _shards(root)[0]


def _hashed_entries(monkeypatch) -> list[int]:
    """The cache entries whose checksums a run computes as it reads them (their sizes): a
    record read is a view of the file's bytes, one written is bytes."""
    hashed = []
    real = verified._checksum
    monkeypatch.setattr(verified, "_checksum", lambda version, payload: (
        hashed.append(len(payload)) if type(payload) is memoryview and b'"stamps"' in bytes(payload) else None)
        or real(version, payload))
    return hashed


def test_a_shard_that_verified_is_not_hashed_again_while_it_keeps_its_identity(cached, monkeypatch):
    root, expected = cached
    _checked_once(root, expected)
    hashed = _hashed_entries(monkeypatch)
    assert _scores(root) == expected and hashed == []


def test_a_shard_changed_after_it_was_checked_is_checked_again(cached, monkeypatch):
    """A bit flipped after the check, even with the modification time set back, changes the
    shard's change time: its entries are checked again, and the damaged one is a miss."""
    root, expected = cached
    shard = _checked_once(root, expected)
    data, info = bytearray(shard.read_bytes()), shard.stat()
    data[data.index("可持续".encode())] ^= 1
    shard.write_bytes(bytes(data))
    os.utime(shard, ns=(info.st_atime_ns, info.st_mtime_ns))
    hashed = _hashed_entries(monkeypatch)
    assert _scores(root) == expected and len(hashed) == 3


@pytest.mark.parametrize("damage", ["random bytes", "another version", "wrong shape"])
def test_a_damaged_or_stale_record_of_checked_shards_is_not_trusted(cached, monkeypatch, damage):
    import generator.building.cache as cache

    root, expected = cached
    shard = _checked_once(root, expected)
    state = root / ".cache/jixiao/results" / cache.CHECKED_NAME
    (record,) = verified.read(state, verified_version(root))
    state.write_bytes({"random bytes": os.urandom(200), "another version": verified.line("0" * 64, record),
                       "wrong shape": verified.line(verified_version(root), {shard.name: ["x", 1]})}[damage])
    hashed = _hashed_entries(monkeypatch)
    assert _scores(root) == expected and len(hashed) == 3


def verified_version(root: Path) -> str:
    rules = fingerprint.rules_digest([path for _, path in registry.rule_files((root,))])
    return fingerprint.digest(fingerprint.code_version(), rules)


def test_shards_are_mapped_within_a_budget_and_read_beyond_it(cached, monkeypatch):
    import generator.building.cache as cache

    root, expected = cached
    kinds = []
    real = cache.ResultCache._bytes
    monkeypatch.setattr(cache.ResultCache, "_bytes", lambda *args: (
        lambda data: kinds.append(type(data).__name__) or data)(real(*args)))
    assert _scores(root) == expected and kinds == ["mmap"]
    monkeypatch.setattr(cache, "MAPPED_SHARDS", 0)
    kinds.clear()
    assert _scores(root) == expected and kinds == ["bytes"]


def test_results_mapped_from_a_shard_outlive_its_replacement(cached):
    """An edit replaces the shard its directory's other results were mapped from (a rename):
    their rows, read after the run has saved it, are still the ones recorded."""
    root, _ = cached
    edited = root / "content/u/2020/1.yml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("可持续影响项目1", "改名的项目"), encoding="utf-8")
    shard = _shards(root)[0]
    before = shard.stat().st_ino
    scores = _scores(root)
    assert _shards(root)[0].stat().st_ino != before
    assert scores == json.dumps([r.full_summary() for r in run([root / "content"], use_cache=False).results],
                                ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**70, 2**64, -2**63 - 1, 1796019593517848721,
                                   "全年执行数 \u2028 ", {"a": [1.5, None, True]}, ["a,12345678901234567890", 7],
                                   ["9" * 30, 2**64], {"digest": "ab" + "1" * 40, "n": [3, -2**63 - 1]},
                                   {"a": [1.5, None, float("nan")]}, [{"b": {"c": float("-inf")}}], [0.1, 1e300]])
def test_records_hold_what_the_standard_library_writes(value):
    """Records are written and parsed by orjson, which writes NaN and infinity as null, refuses
    to write integers beyond 64 bits and reads them as floats: those are written and parsed by
    the standard library instead, at any depth, never dropped (nor is a record where a long
    run of digits is text, which orjson reads as it is)."""
    data = verified.line("v", {"value": value}, b"tail")
    ((record, tail),) = verified.records(data, "v", tails=True)
    assert json.dumps(record) == json.dumps({"value": value}) and bytes(tail) == b"tail"
    assert type(record["value"]) is type(value)


@pytest.mark.parametrize("record", [{"paths": ["units/a/index.html"], "times": [1796019593517848721]},
                                    {"big": [2**64, -2**63 - 1]}, {1: "a key that is a number"}, {"text": "全年 \u2028"}])
def test_records_without_floats_written_by_orjson_read_back_as_written(record):
    """The manifest and the spare tree's state are written by orjson; what it cannot write (an
    integer beyond 64 bits, a key that is not text) is written by the standard library."""
    (read,) = verified.records(verified.line("v", record, floats=False), "v")
    assert read == json.loads(json.dumps(record))


def test_a_record_that_is_not_json_is_skipped():
    payload = b"{not json"
    data = b"%s %d\n%s\n" % (verified._checksum("v", payload), len(payload), payload)
    assert list(verified.records(data + verified.line("v", [1]), "v")) == [[1]]


@pytest.mark.parametrize("later_ns", [0, 10**9])
def test_a_run_checks_the_shards_it_wrote_once_past_their_moment_of_doubt(write, monkeypatch, later_ns):
    """A run saving its shards `later_ns` after writing them (a cold build checks a directory's
    shard while later directories are done) checks them then: the next run hashes none of
    their entries. Checked within the moment of doubt, they are left to the next run."""
    import generator.building.cache as cache

    for number in range(3):
        path = write(f"content/u/2020/{number}.yml", MINIMAL.replace("测试项目", f"可持续影响项目{number}"))
    root = path.parents[3]
    monkeypatch.setattr(cache, "time", type("Later", (), {"time_ns": staticmethod(lambda: time.time_ns() + later_ns)}))
    expected = _scores(root)
    monkeypatch.undo()
    time.sleep(cache.RACY_NS / 1e9 * 1.5)
    hashed = _hashed_entries(monkeypatch)
    assert _scores(root) == expected and len(hashed) == (0 if later_ns else 3)


def test_a_shard_changed_between_its_writing_and_its_check_is_not_trusted(write, monkeypatch):
    """The run that wrote a shard trusts it, unhashed, only if it reads back as the lines it
    wrote: one changed meanwhile (here, a bit flipped) is checked by its checksums, and the
    next run, finding it not trusted, hashes its entries again."""
    import generator.building.cache as cache

    for number in range(3):
        path = write(f"content/u/2020/{number}.yml", MINIMAL.replace("测试项目", f"可持续影响项目{number}"))
    root = path.parents[3]
    real_write = verified.write

    def write_then_damage(target: Path, lines: list[bytes]) -> bool:
        written = real_write(target, lines)
        if target.suffix == ".jsonl":
            data = bytearray(target.read_bytes())
            data[data.index("可持续".encode())] ^= 1
            target.write_bytes(bytes(data))
        return written

    monkeypatch.setattr(verified, "write", write_then_damage)
    monkeypatch.setattr(cache, "time", type("Later", (), {"time_ns": staticmethod(lambda: time.time_ns() + 10**9)}))
    expected = _scores(root)
    monkeypatch.undo()
    time.sleep(cache.RACY_NS / 1e9 * 1.5)
    hashed = _hashed_entries(monkeypatch)
    assert _scores(root) == expected and len(hashed) == 3
