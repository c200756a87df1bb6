import re

from generator.rules import registry
from generator.loading.loader import parse
from generator.loading.model import Evaluation
from generator.loading.schema import Converter, json_schema

from .conftest import MINIMAL


def _convert(text):
    converter = Converter({"forms": list(registry.forms()), "schemes": list(registry.schemes())})
    return converter.to_object(Evaluation, parse(text, "t.yml")), converter.findings


def test_a_valid_file_converts_with_verbatim_numbers_and_field_positions():
    evaluation, findings = _convert(MINIMAL)
    assert findings == []
    leaf = evaluation.indicators[0].children[0].children[0]
    assert leaf.weight.text == "50" and leaf.target.text == "100 人"
    assert evaluation.funds.rows.total.executed.text == "71.9"
    assert (leaf.where("score").line, leaf.where("score").column) == (17, 75)
    assert leaf.where("reason") == leaf.pos  # absent: the indicator's own position


def test_an_unknown_key_names_the_indicator_and_suggests_the_right_key():
    _, findings = _convert(MINIMAL.replace("weight: 30, score: 30", "wieght: 30, score: 30"))
    unknown = [f for f in findings if f.code == "unknown-key"]
    assert len(unknown) == 1 and unknown[0].line == 23
    assert "indicators[1]（效益指标）.children[0]（社会效益指标）.children[0]（管理水平）" in unknown[0].message
    assert "weight" in unknown[0].message


def test_a_repeated_key_is_reported_and_conversion_goes_on():
    text = MINIMAL.replace("weight: 30, score: 30", "weight: 30, score: 30, score: 3").replace(
        "actual: 95%", "actual: 95%, wieght: 1")
    _, findings = _convert(text)
    assert {(f.code, f.line) for f in findings} == {("duplicate-key", 23), ("unknown-key", 29)}


def test_text_where_a_number_belongs_and_a_null_required_field():
    _, findings = _convert(MINIMAL.replace("weight: 50, score: 50", "weight: 五, score: 50").replace(
        "year: 2020", "year: ~"))
    assert {(f.code, f.line) for f in findings} == {("wrong-type", 17), ("missing-field", 2)}
    wrong = next(f for f in findings if f.code == "wrong-type")
    assert "children[0]（培训人数）.weight" in wrong.message and "五" in wrong.message


def test_the_json_schema_carries_chinese_titles():
    schema = json_schema()
    assert schema["properties"]["project"]["title"] == "项目名称"
    assert "Indicator" in schema["$defs"]
    assert all("pos:" not in d["description"] for d in schema["$defs"].values())  # no dataclass signatures


def test_a_text_cut_by_a_comma_in_braces_suggests_quotes():
    _, findings = _convert(MINIMAL.replace("{name: 管理水平,", "{name: 管理水平, 制度建设,"))
    unknown = next(f for f in findings if f.code == "unknown-key")
    assert "制度建设" in unknown.message and "双引号" in unknown.message


def test_a_blank_number_written_as_printed_converts_to_none_without_a_finding():
    for blank in ('""', '" "', "~", "null"):
        evaluation, findings = _convert(MINIMAL.replace("weight: 30, score: 30", f"weight: {blank}, score: 30"))
        assert findings == [], blank
        leaf = evaluation.indicators[1].children[0].children[0]
        assert leaf.weight is None and "weight" in leaf.marks  # written blank, not left out


def test_a_required_number_written_blank_is_missing():
    _, findings = _convert(MINIMAL.replace("funds:\n  weight: 10", 'funds:\n  weight: ""'))
    assert [(f.code, f.line) for f in findings] == [("missing-field", 7)]


def test_the_wrong_type_hint_tells_how_to_write_a_blank_cell():
    _, findings = _convert(MINIMAL.replace("weight: 30, score: 30", "weight: 三十, score: 30"))
    assert "`~`" in findings[0].hint and "省略" not in findings[0].hint


def test_the_json_schema_accepts_a_blank_number():
    number = json_schema()["$defs"]["Indicator"]["properties"]["weight"]
    assert "null" in number["type"]
    assert re.match(number["pattern"], "") and re.match(number["pattern"], "5.00") and not re.match(number["pattern"], "五")
