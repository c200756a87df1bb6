from generator.pipeline import process_file

from .conftest import MINIMAL


def _codes(write, text):
    return [f.code for f in process_file(write("content/u/2020/t.yml", text)).findings]


def test_clean_file_has_no_findings(write):
    assert _codes(write, MINIMAL) == []


def test_qualitative_level_outside_its_band(write):
    text = MINIMAL.replace("actual: 95%, weight: 10, score: 10", "actual: 达成预期指标, weight: 10, score: 5, reason: 有")
    assert "qualitative-band" in _codes(write, text)


def test_shortfall_without_reason(write):
    text = MINIMAL.replace("actual: 提高, weight: 30, score: 30", "actual: 提高, weight: 30, score: 25")
    codes = _codes(write, text)
    assert "missing-reason" in codes and "published-mismatch" in codes


def test_not_applicable_indicator_carrying_weight(write):
    text = MINIMAL.replace("name: 管理水平, target: 提高", "name: 本指标不适用, target: 不适用")
    assert "not-applicable-weighted" in _codes(write, text)


def test_published_rate_compared_at_printed_precision(write):
    assert "published-mismatch" not in _codes(write, MINIMAL)
    assert "published-mismatch" in _codes(write, MINIMAL.replace("89.88%", "89.87%"))


def test_published_block_without_rates_is_checked(write):
    """A `published` block may give the total alone: no execution rates to compare."""
    text = MINIMAL[:MINIMAL.index("published:")] + "published:\n  total: 98.99\n"
    assert _codes(write, text) == []
    assert "published-mismatch" in _codes(write, text.replace("98.99", "98"))


def test_low_total_needs_explanation_where_the_form_asks(write):
    text = (MINIMAL.replace("form: zibo-2020", "form: zibo-2021")
            .replace("actual: 提高, weight: 30, score: 30", "actual: 降低, weight: 30, score: 0, reason: 未完成"))
    assert "missing-explanation" in _codes(write, text)
    assert "missing-explanation" not in _codes(write, text + 'explanation: 原因是…\n')


def test_row_not_printed_by_the_form(write):
    text = MINIMAL.replace("    fiscal:", "    carryover: {}\n    fiscal:")
    assert "form-row" in _codes(write, text)


def test_defaults_are_inherited_and_overridden(write):
    write("content/u/_defaults.yml", "department: {name: 默认局, code: '9'}\nform: zibo-2020\n")
    body = MINIMAL.replace('department: {name: 测试局, code: "902001"}\n', "").replace("form: zibo-2020\n", "")
    result = process_file(write("content/u/2020/t.yml", body))
    assert result.evaluation.department.name == "默认局" and result.evaluation.form == "zibo-2020"
