from decimal import Decimal

from generator import registry
from generator.loader import parse
from generator.model import Evaluation
from generator.schema import Converter
from generator.scoring import score

from .conftest import MINIMAL


def _scores(text):
    converter = Converter({"forms": list(registry.forms()), "schemes": list(registry.schemes())})
    evaluation = converter.to_object(Evaluation, parse(text, "t.yml"), "")
    assert not converter.findings
    return evaluation, score(evaluation, registry.forms()["zibo-2020"], registry.schemes()["national"])


def test_funds_score_is_weight_times_capped_rate_rounded_half_up():
    _, scores = _scores(MINIMAL)
    assert scores.rates["total"] == Decimal("71.9") / Decimal(80)
    assert scores.funds_score == Decimal("8.99")
    assert scores.total == Decimal("98.99") and scores.grade == "优"


def test_rate_above_100_percent_is_capped():
    _, scores = _scores(MINIMAL.replace("executed: 71.9}\n    fiscal", "executed: 90}\n    fiscal"))
    assert scores.funds_score == Decimal(10)


def test_less_is_better_target_scores_target_over_actual():
    text = MINIMAL.replace("培训人数, target: 100 人, actual: 100 人", "规划编制成本, target: ≤80万元, actual: 100万元")
    _, scores = _scores(text)
    leaf = next(l for l in scores.leaves if l.node.name == "规划编制成本")
    assert leaf.rule_score == Decimal(40)  # 80 / 100 × 50


def test_qualitative_actual_is_scored_by_band_not_formula():
    text = MINIMAL.replace("actual: 95%", "actual: 部分达成预期指标并具有一定效果")
    _, scores = _scores(text)
    leaf = next(l for l in scores.leaves if l.node.name == "满意度")
    assert leaf.level is not None and leaf.level.low == Decimal("0.6") and leaf.rule_score is None


def test_grades_follow_the_four_bands():
    national = registry.schemes()["national"]
    assert [national.grade(Decimal(v)) for v in ("90", "89.99", "80", "60", "59.9")] == ["优", "良", "良", "中", "差"]


def test_subtotals_per_level1():
    _, scores = _scores(MINIMAL)
    level1 = {s.node.name: (s.weight, s.score) for s in scores.subtotals if s.depth == 1}
    assert level1["产出指标"] == (Decimal(50), Decimal(50))


def test_a_region_scheme_is_a_data_file_with_its_own_rules():
    suzhou = registry.schemes()["suzhou-2020"]
    rule = suzhou.rule_for("结果目标")
    from generator.scoring import RULES

    share = RULES[rule.rule](Decimal("12.33") / Decimal(16), **rule.params)
    assert share == 0  # 77.06% completion: 22.94 points short × 5% each
    output_rule = suzhou.rule_for("产出目标")
    assert RULES[output_rule.rule](Decimal("1.2"), **output_rule.params) == 1
    assert RULES[output_rule.rule](Decimal("0.98"), **output_rule.params) == Decimal("0.90")
    assert suzhou.level("较好").admits(Decimal("0.8")) and not suzhou.level("较好").admits(Decimal("0.9"))
    assert suzhou.grade(Decimal(77)) is None  # the Suzhou form prints no grade


def test_a_blank_weight_and_score_count_as_zero():
    text = MINIMAL.replace("{name: 管理水平, target: 提高, actual: 提高, weight: 30, score: 30}",
                           "{name: 管理水平, target: 提高, actual: 提高, weight: 30, score: 30}\n"
                           "          - {name: 本指标不适用, target: 不适用, actual: 达成预期指标, weight: ~, score: \"\"}")
    evaluation, scores = _scores(text)
    blank = next(l for l in scores.leaves if l.node.name == "本指标不适用")
    assert blank.node.weight is None and blank.node.score is None and not blank.applicable
    assert (blank.weight, blank.score) == (0, 0)
    level1 = {s.node.name: (s.weight, s.score) for s in scores.subtotals if s.depth == 1}
    assert level1["效益指标"] == (Decimal(30), Decimal(30))
    assert scores.weight_total == 100 and scores.total == Decimal("98.99")
