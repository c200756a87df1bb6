from decimal import Decimal

import pytest

from generator.rules import registry
from generator.loading.loader import parse
from generator.loading.model import Evaluation, Indicator
from generator.building.pipeline import process_file
from generator.loading.schema import Converter
from generator.checking.scoring import score

from .conftest import MINIMAL, ROOT


def _scores(text):
    converter = Converter(registry.load(()).choices)
    evaluation = converter.to_object(Evaluation, parse(text, "t.yml"), "")
    assert not converter.findings
    return evaluation, score(evaluation, registry.forms(())["zibo-2020"], registry.schemes(())["national"])


def test_funds_score_is_weight_times_capped_rate_rounded_half_up():
    _, scores = _scores(MINIMAL)
    assert scores.rates["total"] == Decimal("71.9") / Decimal(80)
    assert scores.funds_score == Decimal("8.99")
    assert scores.total == Decimal("98.99") and scores.grade == "优"


def test_rate_above_100_percent_is_capped():
    _, scores = _scores(MINIMAL.replace("executed: 71.9}\n    fiscal", "executed: 90}\n    fiscal"))
    assert scores.funds_score == Decimal(10)


def test_an_actual_within_a_ceiling_is_complete_however_far_below():
    text = MINIMAL.replace("培训人数, target: 100 人, actual: 100 人", "规划编制成本, target: ≤80万元, actual: 8万元")
    _, scores = _scores(text)
    leaf = next(l for l in scores.leaves if l.node.name == "规划编制成本")
    assert leaf.completion == 1 and leaf.rule_score == 50  # not 1000%: a ceiling is not overshot by saving


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
    national = registry.schemes(())["national"]
    assert [national.grade(Decimal(v)) for v in ("90", "89.99", "80", "60", "59.9")] == ["优", "良", "良", "中", "差"]


def test_subtotals_per_level1():
    _, scores = _scores(MINIMAL)
    level1 = {s.node.name: (s.weight, s.score) for s in scores.subtotals if s.depth == 1}
    assert level1["产出指标"] == (Decimal(50), Decimal(50))


def test_a_region_scheme_is_a_data_file_with_its_own_rules():
    suzhou = registry.schemes(())["suzhou-2020"]
    results = suzhou.rule_for(Indicator(name="x"), (Indicator(name="结果目标"),))
    assert results.points(Decimal(16), Decimal("12.33") / Decimal(16)) == 0  # 77.06%: 22.94 points short × 5%
    outputs = suzhou.rule_for(Indicator(name="x"), (Indicator(name="产出目标"),))
    assert outputs.points(Decimal(10), Decimal("1.2")) == 10
    assert outputs.points(Decimal(10), Decimal("0.98")) == Decimal("9.00")
    assert suzhou.level("较好").admits(Decimal("0.8")) and not suzhou.level("较好").admits(Decimal("0.9"))
    assert suzhou.grade(Decimal(77)) is None  # the Suzhou form prints no grade
    assert suzhou.funds is None and suzhou.total_points == 80


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


FOUR_LEVELS = """\
project: 部门整体绩效评价
year: 2021
form: four-levels
scheme: department
department: {name: 测试局}
funds:
  weight: 3
  rows:
    total: {budget: 100, executed: 99.08}
indicators:
  - name: 决策
    weight: 7
    children:
      - name: 预算编制
        children:
          - name: 预算执行
            children:
              - {name: 预算执行率, weight: 3, score: 2.97, rule: 执行率, inputs: {rate: funds.total.rate}}
              - {name: 支出预算调整率, weight: 2, score: 0.51, rule: 调整率, inputs: {rate: 74.70%}}
          - name: 资产管理
          - {name: 固定资产利用率, weight: 2, score: 2, target: ≥90%, actual: 95%}
  - name: 效果
    weight: 5
    children:
      - name: 满意度
        children:
          - name: 服务对象
            children:
              - {name: 满意度, weight: 5, score: 3, rule: 满意度, actual: 89.66%, reason: 未达 95%}
"""
DEPARTMENT = """\
id: department
title: 部门整体评价评分规则
total_points: 15
funds: {rule: rate_points}
rules:
  - {when: {rule: [执行率]}, rule: rate_points}
  - {when: {rule: [调整率]}, rule: one_minus_rate}
  - when: {rule: [满意度]}
    rule: bands
    params:
      bands: [{min: 95%, score: 5}, {min: 80%, max: 94%, score: 3}, {under: 80%, score: 0}]
      gap: 0
  - rule: proportional
"""


@pytest.fixture
def four_levels(write):
    form = (ROOT / "generator/rules/forms/zibo-2020.yml").read_text(encoding="utf-8")
    write("forms/four-levels.yml", form.replace("id: zibo-2020", "id: four-levels").replace(
        "levels: [一级指标, 二级指标, 三级指标]", "levels: [一级指标, 二级指标, 三级指标, 四级指标]"))
    write("schemes/department.yml", DEPARTMENT)
    path = write("content/u/2021/department.yml", FOUR_LEVELS)
    return process_file(path, registry.extension_roots(path.parent))


def test_a_four_level_tree_scores_with_subtotals_at_every_level(four_levels):
    result = four_levels
    assert [f for f in result.findings if f.severity == "error"] == []
    scores = result.scores
    by_name = {s.node.name: s for s in scores.subtotals}
    assert {s.depth for s in scores.subtotals} == {1, 2, 3}
    assert (by_name["预算执行"].weight, by_name["预算执行"].score) == (Decimal(5), Decimal("3.48"))
    assert (by_name["预算编制"].weight, by_name["预算编制"].score) == (Decimal(7), Decimal("5.48"))
    assert by_name["资产管理"].depth == 3 and by_name["资产管理"].weight == 0  # an empty category, not a leaf
    assert (by_name["决策"].weight, by_name["决策"].score) == (Decimal(7), Decimal("5.48"))
    assert (by_name["服务对象"].depth, by_name["效果"].score) == (3, Decimal(3))
    leaf = next(l for l in scores.leaves if l.node.name == "预算执行率")
    assert [n.name for n in leaf.path] == ["决策", "预算编制", "预算执行"]
    assert (leaf.level1.name, leaf.level2.name) == ("决策", "预算编制")
    assert (scores.funds_score, scores.total, scores.weight_total) == (Decimal("2.97"), Decimal("11.45"), 15)


def test_rules_chosen_by_an_indicators_rule_read_inputs_and_references(four_levels):
    leaves = {l.node.name: l for l in four_levels.scores.leaves}
    assert leaves["预算执行率"].rule_score == Decimal("2.97")  # 99.08% of the funds block × 3
    assert leaves["支出预算调整率"].rule_score == Decimal("0.51")  # (1 − 74.70%) × 2
    assert leaves["满意度"].rule_score == 3  # 89.66%: the 80%–94% band
    assert leaves["固定资产利用率"].rule_score == 2  # no rule named: the scheme's general rule
    assert four_levels.summary["rule_total"] == 11.45


def test_an_indicator_naming_a_rule_the_scheme_lacks_is_located(write, four_levels):
    path = write("content/u/2021/typo.yml", FOUR_LEVELS.replace("rule: 调整率", "rule: 调正率"))
    result = process_file(path, registry.extension_roots(path.parent))
    typo = next(f for f in result.findings if f.code == "unknown-choice")
    assert typo.line == FOUR_LEVELS.splitlines().index(next(
        line for line in FOUR_LEVELS.splitlines() if "调整率, inputs" in line)) + 1
    assert "调正率" in typo.message and "是否想写“调整率”" in typo.message and result.scores is None
