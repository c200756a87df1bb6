"""Bounds on figures, names and depth: each a located error, before any arithmetic."""
import pytest

from generator.checking import limits
from generator.loading.loader import parse
from generator.loading.model import BundleIndex, Evaluation
from generator.building.pipeline import process_file
from generator.loading.schema import Converter

from .conftest import MINIMAL


def convert(text: str, cls=Evaluation, tally: bool = False):
    converter = Converter({"forms": ["zibo-2020"], "schemes": ["national"]})
    obj = converter.to_object(cls, parse(text, "t.yml"))
    assert not converter.findings, converter.findings
    return (obj, converter.tally) if tally else obj


def bounds(text: str) -> list:
    """The bounds' findings, the same whether or not the conversion's tally of lengths is given."""
    evaluation, tally = convert(text, tally=True)
    found = limits.check_evaluation(evaluation, tally)
    assert found == limits.check_evaluation(evaluation)
    return found


def test_the_seed_tables_are_within_every_bound(seed_report):
    evaluations = [r.evaluation for r in seed_report.results]
    assert len(evaluations) == 23 and all(limits.check_evaluation(ev) == [] for ev in evaluations)


@pytest.mark.parametrize("old, new, code, line", [
    ("fiscal: {initial: 100, budget: 80, executed: 71.9}", "fiscal: {initial: 100, budget: 80, executed: -0.5}",
     "negative-amount", 10),
    ("funds:\n  weight: 10\n", "funds:\n  weight: 10000000000000000\n", "number-range", 7),
    ("total: 98.99", "total: 98.9999999", "number-range", 31),
    ("rates: {total: 89.88%}", "rates: {total: 89.123456789%}", "number-range", 33),
    ("name: 管理水平", "name: '\u3000'", "blank-name", 23),
    ("name: 测试局", "name: ' '", "blank-name", 5),
    ("year: 2020", "year: 20200", "number-range", 2),
])
def test_each_bound_gives_a_located_error(old, new, code, line):
    assert old in MINIMAL
    found = bounds(MINIMAL.replace(old, new))
    assert [(f.code, f.line) for f in found] == [(code, line)]


def test_figures_in_calculation_inputs_and_tables_are_bounded():
    text = MINIMAL.replace("weight: 10, score: 10}", "weight: 10, score: 10, inputs: {rate: 1.12345678}}")
    text += ("tables:\n  - {id: 1-1, title: 收支, columns: [金额], rows: [{label: 合计, values: [1]}, "
             "{label: 收入, values: [12345678901234567890]}]}\n")
    found = bounds(text)
    assert {f.message.split("的数字")[0] for f in found} == {"数据表 1-1 的“收入”", "指标“满意度”的计算依据“比率”"}


def test_trees_deeper_than_ten_levels_are_refused_at_their_first_deep_node():
    sections = "sections:\n" + "".join("  " * i + f"  - title: 第{i + 1}节\n" + "  " * i + "    children:\n"
                                       for i in range(11)) + "  " * 11 + "  - title: 最深\n"
    found = bounds(MINIMAL + sections)
    assert [f.code for f in found] == ["too-deep"] and "小节“第11节”在第 11 级" in found[0].message


def test_an_index_with_a_number_beyond_the_bound_is_refused():
    index = convert("title: 单位\nentries:\n  - {no: 1, project: 甲}\n  - {no: 1000000, project: 乙}\n"
                    "  - {no: 3, project: '  '}\n", BundleIndex)
    assert [(f.code, f.line) for f in limits.check_index(index)] == [("number-range", 4), ("blank-name", 5)]


def test_a_file_with_a_bound_passed_is_not_scored(write):
    path = write("content/u/2020/a.yml", MINIMAL.replace("budget: 80, executed: 71.9", "budget: -80, executed: 71.9"))
    result = process_file(path)
    assert result.scores is None and not result.ok and result.summary["name"] is None


def test_a_text_or_a_table_too_long_to_lay_out_is_refused():
    long_reason = MINIMAL.replace("weight: 30, score: 30}", f"weight: 30, score: 30, reason: {'很长' * 2501}}}")
    found = bounds(long_reason)
    assert [(f.code, f.line) for f in found] == [("too-long", 23)] and "5,002 字" in found[0].message
    rows = "\n".join(f"          - {{name: 指标{i}, weight: 0, score: 0}}" for i in range(limits.MAX_ROWS))
    many = MINIMAL.replace("          - {name: 培训人数, target: 100 人, actual: 100 人, weight: 50, score: 50}", rows)
    found = bounds(many)
    assert [f.code for f in found] == ["too-long"] and f"{limits.MAX_ROWS + 8:,} 行" in found[0].message


def test_what_the_conversion_shows_within_the_bounds_is_not_measured_again(monkeypatch):
    evaluation, tally = convert(MINIMAL, tally=True)
    assert 0 < tally.longest_figure <= 8 and 0 < tally.longest_text < tally.text_chars < limits.MAX_TEXT

    def measured(*args):
        raise AssertionError("measured again")

    monkeypatch.setattr(limits, "_sizes", measured)
    monkeypatch.setattr(limits, "_out_of_range", measured)
    assert limits.check_evaluation(evaluation, tally) == []
