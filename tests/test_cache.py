import os

from generator.pipeline import run

from .conftest import MINIMAL


def test_unchanged_files_come_from_the_cache_and_changed_ones_are_reread(write, monkeypatch):
    a = write("content/u/2020/a.yml", MINIMAL)
    write("content/u/2020/b.yml", MINIMAL.replace("测试项目", "乙项目"))
    first = run([a.parent])
    calls = []
    import generator.pipeline as pipeline

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
