"""Every field of a real table, removed or given a value of the wrong kind, gives findings, never an exception."""
import copy

import pytest
import yaml

from generator.building.pipeline import process_file
from generator.project.tree import defaults_chain

from .conftest import ROOT

SEEDS = ["content/zibo-gxj/2020/01-baiqiang-qiyejia.yml", "content/zibo-gxj/2021/03-guquan-touzi.yml",
         "content/anqing-jxj/2023/01-feigong-dangjian.yml"]
WRONG_VALUES = [None, [], {}, "文字", -5, {"x": 1}]
DELETE = object()


def _standalone(seed: str) -> dict:
    """The table with its directory's defaults written in, so that it can stand anywhere."""
    path = ROOT / seed
    data = {}
    for defaults in defaults_chain(path.parent):
        data.update(yaml.safe_load(defaults.read_text(encoding="utf-8")) or {})
    data.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    return data


def _places(data, path=()):
    """Every key of every mapping, and the first items of every list, as paths."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield path + (key,)
            yield from _places(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data[:2]):
            yield path + (index,)
            yield from _places(value, path + (index,))


def _changed(data, path, value):
    changed = copy.deepcopy(data)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return changed


@pytest.mark.parametrize("seed", SEEDS)
def test_every_field_removed_or_of_the_wrong_kind_gives_findings(seed, write):
    data = _standalone(seed)
    variants = 0
    for path in _places(data):
        for value in [DELETE, *WRONG_VALUES]:
            if value is DELETE and isinstance(path[-1], int):
                continue
            text = yaml.safe_dump(_changed(data, path, value), allow_unicode=True)
            result = process_file(write("content/u/2020/t.yml", text))  # must not raise
            result.light().full_summary()
            variants += 1
    assert variants > 500


def test_chunks_cover_every_file_once_and_shrink_towards_the_end():
    from generator.building.pipeline import CHUNK_FILES, _chunks

    chunks = _chunks(list(range(1000)), jobs=2)
    assert [i for chunk in chunks for i in chunk] == list(range(1000))
    sizes = [len(chunk) for chunk in chunks]
    assert sizes[0] == CHUNK_FILES[1] and sizes[-2] == CHUNK_FILES[0] and sizes == sorted(sizes, reverse=True)


def _later_stage(result) -> None:
    """A later stage that does nothing (at module level: it goes to the workers by name)."""


def test_files_spread_over_workers_give_the_results_of_one_process(tmp_path, monkeypatch):
    """The seed tables four times over (enough for worker processes), in chunks over two
    workers, their indicator rows packed straight away (no later stage) or from
    dicts (with one): the same results, findings and order as in one process. The files
    are read ahead of the workers, in the order they are given them."""
    import shutil

    from generator.building import pipeline

    (tmp_path / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    for copy_number in range(4):
        shutil.copytree(ROOT / "content", tmp_path / "content" / f"copy{copy_number}")

    def outcome(jobs: int, after=None) -> list:
        report = pipeline.run([tmp_path / "content"], jobs=jobs, use_cache=False, after=after)
        return [(r.file, r.full_summary(), [f.as_dict() for f in r.findings], r.indicators_packed)
                for r in report.results]

    in_one_process = outcome(1)
    assert len(in_one_process) >= 64  # fewer are done in this process
    asked = []
    monkeypatch.setattr(pipeline, "read_ahead", asked.append)
    assert outcome(2) == in_one_process and outcome(2, _later_stage) == in_one_process
    assert asked == [pipeline.discover([tmp_path / "content"])] * 2


@pytest.mark.parametrize("rule", ["不存在的规则", '""'])
def test_a_rule_an_indicator_names_that_its_scheme_lacks_is_an_error(write, rule):
    from .conftest import MINIMAL

    text = MINIMAL.replace("weight: 10, score: 10}", f"weight: 10, score: 10, rule: {rule}}}", 1)
    line = next(number for number, row in enumerate(text.splitlines(), start=1) if "rule:" in row)
    result = process_file(write("content/u/2020/a.yml", text))
    assert [(f.code, f.line) for f in result.findings if f.severity == "error"] == [("unknown-choice", line)]


def test_packed_indicator_rows_read_back_as_written_and_an_integer_beyond_64_bits_too():
    from generator.building.pipeline import pack_rows, unpack_rows

    rows = [{"indicator": "满意度", "weight": 10, "score": 9.5, "applicable": True, "reason": None},
            {"indicator": "“引号”与 \\ 斜杠", "weight": 10 ** 30, "score": 0.1, "applicable": False, "reason": "偏差"}]
    assert unpack_rows(pack_rows(rows)) == rows
    assert pack_rows(rows[:1]) == '[["indicator","weight","score","applicable","reason"],["满意度",10,9.5,true,null]]'.encode()
