"""The Suzhou report (苏州市级财政支出项目绩效自评价报告, 2020): its 92 indicators scored by the
rules of its own 填表说明, out of 80 with no grade; its fund tables' identities; its variants
with changed actuals, scored by the same rules; and what the CLI, site, PDF and XLSX make of it.

The expected rule scores below are worked out by hand from the 填表说明 (产出: 100%–130% full,
5% of the weight lost per point below, 1% per point above; 结果 and 影响力: 100% or more full,
5% lost per point below; a value that cannot be given, with no explanation, 0)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.rules import registry
from generator.checking.checks import compared, equal_shares
from generator.loading.model import Value
from generator.building.pipeline import process_file, run
from generator.render.printing import print_outputs
from generator.checking.scoring import score

from .conftest import CONTENT, ROOT

FILE = CONTENT / "suzhou-gxj" / "2020" / "01-xianjin-zhizao.yml"
SEED = FILE.read_text(encoding="utf-8")
CATEGORIES = {"投入目标": (26, 10), "产出目标": (20, 53), "结果目标": (28, 20), "影响力目标": (6, 9)}


@pytest.fixture(scope="module")
def seed():
    result = process_file(FILE)
    assert result.ok, result.findings
    return result


def _variant(write, old: str, new: str, count: int = 1):
    """The seed file with one text changed, in a throw-away project beside the seed's defaults."""
    assert SEED.count(old) == count, old
    for defaults in ("_defaults.yml", "2020/_defaults.yml"):
        write(f"content/suzhou-gxj/{defaults}", (CONTENT / "suzhou-gxj" / defaults).read_text(encoding="utf-8"))
    result = process_file(write("content/suzhou-gxj/2020/a.yml", SEED.replace(old, new)))
    assert result.ok, [str(f) for f in result.findings if f.severity == "error"]
    return result


def _leaf(result, name: str):
    return next(leaf for leaf in result.scores.leaves if leaf.node.name == name)


def _codes(result) -> list[str]:
    return sorted(f.code for f in result.findings)


# --- the transcription --------------------------------------------------------------------------

def test_the_seed_has_92_indicators_in_four_categories_with_their_points(seed):
    ev = seed.evaluation
    assert {c.name: (int(c.weight.value), len(c.children)) for c in ev.indicators} == CATEGORIES
    published = sum((leaf.score for leaf in seed.scores.leaves), D(0))
    assert published == ev.published.total.value == D("77.38")
    fund_tables = [t.title for t in ev.tables]
    assert fund_tables == ["市级预算执行情况（万元）", "市级财政资金使用情况（万元）", "项目资金构成（详细列出各子项目名称和金额）"]
    composition = ev.tables[2].rows
    assert [row.label for row in composition] == ["合计"] and len(composition[0].children) == 58
    titles = [s.title for s in ev.sections[0].children]
    assert titles == ["项目概况", "项目总目标", "年度绩效目标", "项目实施情况", "项目管理成效", "项目管理存在的问题及原因",
                      "进一步加强项目管理的建议"]


def test_targets_are_read_as_written():
    from generator.quantities import parse_quantity
    assert parse_quantity("15%及其以下").direction == "lower" and parse_quantity("15%及其以下").number == 15
    assert parse_quantity("全省第二").direction == "lower" and parse_quantity("全省第二").number == 2
    assert parse_quantity("全省第二").unit != parse_quantity("全国第二").unit  # ranks in other scopes do not compare
    assert parse_quantity("0.5个百分点").direction is None  # the file says higher: `direction: higher`
    assert parse_quantity("高于上年") is None  # no figure: a value that cannot be given


# --- rule scores against the published 自评分 ------------------------------------------------

def test_every_published_score_is_its_rule_score_or_a_departure_naming_both(seed):
    departures = {f.line: f for f in seed.findings if f.code == "formula-departure"}
    unscored = []
    for leaf in seed.scores.leaves:
        if leaf.rule_score is None:
            unscored.append(leaf.node.name)
        elif leaf.rule_score != leaf.score:
            finding = departures.pop(leaf.node.where("score").line)
            assert leaf.node.score.text in finding.message and str(leaf.rule_score) in finding.message
    assert not departures
    assert unscored == ["政府采购规范性"]  # 规范: not one of the 填表说明's levels, nor a figure
    unrated = next(f for f in seed.findings if f.code == "unrated-level")
    assert "政府采购规范性" in unrated.message and "好、较好、一般、较差、差" in unrated.message


def test_the_marked_down_rank_is_the_one_departure(seed):
    """全省第二 met exactly, yet 0.54 of 0.67 printed (the domain primer's example of no stated rule)."""
    leaf = _leaf(seed, "促进我市软件产业高质量发展，保持全省第二的位置")
    assert leaf.rule_score == D("0.67") and leaf.score == D("0.54")
    public = next(f.public for f in seed.findings if f.code == "formula-departure")
    assert "0.67" in public and "0.54" in public


def test_quoted_examples_of_the_rules(seed):
    assert _leaf(seed, "预算执行率").rule_score == D("7.96")  # 99.9% of weight 8
    assert _leaf(seed, "淘汰落后产能节约标煤").rule_score == 0  # 12.33 against ≥16: 77.06%
    assert _leaf(seed, "营造全社会节能氛围，全市开展节能宣传活动").rule_score == D("0.67")  # 13 against 8
    assert _leaf(seed, "市级智能制造车间诊断数量").rule_score == D("0.38")  # 300 against =290: 103%, within 130%
    assert _leaf(seed, "资金节约率").rule_score == 1  # 0.3% within 15%及其以下
    assert _leaf(seed, "规模以上工业增加值率提高").rule_score == 0  # 高于上年: no figure, no explanation
    assert _leaf(seed, "化解玻璃产能重量箱/年").rule_score == 0  # 0 against 660万重量箱/年
    assert _leaf(seed, "项目监督制度健全性").rule_score == 1  # 好: 100% of the weight


def test_total_out_of_80_with_no_grade_and_no_funds_score(seed):
    summary = seed.summary
    assert summary["total"] == 77.38 and summary["published_total"] == 77.38 and summary["weight_total"] == 80
    assert summary["grade"] is None and summary["funds_score"] is None and summary["funds_score_in_total"] is None
    assert summary["execution_rate"] is None
    assert summary["rule_total"] == pytest.approx(77.38 - 0.54 + 0.67)
    assert [s["weight"] for s in summary["subtotals"]] == [points for points, _ in CATEGORIES.values()]
    assert "published-mismatch" not in _codes(seed) and "weight-total" not in _codes(seed)


# --- checks --------------------------------------------------------------------------------------

def test_the_seeds_mistakes_are_reported_once_each(seed):
    assert _codes(seed) == ["formula-departure", "narrative-figure", "narrative-figure", "narrative-figure",
                            "narrative-omits", "table-identity", "unrated-level", "weight-share"]


def test_the_input_weights_depart_from_the_equal_share_rule_and_the_others_follow_it(seed):
    share = next(f for f in seed.findings if f.code == "weight-share")
    assert "投入目标" in share.message and "3、1、3、2、8、3、1、2、1、2" in share.message and "2.6" in share.message
    assert share.line == seed.evaluation.indicators[0].where("weight").line
    for category in seed.evaluation.indicators[1:]:
        points, count = CATEGORIES[category.name]
        assert [child.weight.value for child in category.children] == equal_shares(D(points), count, 2)


@settings(max_examples=60, deadline=None)
@given(points=st.integers(min_value=1, max_value=100), count=st.integers(min_value=1, max_value=120))
def test_equal_shares_add_up_to_the_points(points, count):
    shares = equal_shares(D(points), count, 2)
    assert sum(shares) == points and len(set(shares[:-1])) <= 1 and len(shares) == count


def test_weights_that_do_not_add_up_are_a_level_weight_finding_not_a_share_one(write):
    result = _variant(write, "target: =9个, weight: 0.24, actual: =9个, score: 0.24",
                      "target: =9个, weight: 0.38, actual: =9个, score: 0.24")
    level = next(f for f in result.findings if f.code == "level-weight")
    assert "产出目标" in level.message and "20.14" in level.message and "20" in level.message
    assert _codes(result).count("weight-share") == 1  # 投入 only


def test_the_fund_identities_hold_in_the_seed_and_the_composition_total_does_not(seed):
    identity = [f for f in seed.findings if f.code == "table-identity"]
    assert len(identity) == 1
    message = identity[0].message
    assert "项目资金构成" in message and "57559.49" in message and "57572.29" in message and "12.80" in message
    assert "财政拨款数" in identity[0].public and ".财政拨款数" not in identity[0].public


def test_a_broken_identity_names_both_sides(write):
    result = _variant(write, "values: [50660.00, 6962.80, 57572.29, 50.51]", "values: [50660.00, 6962.80, 57572.29, 50.00]")
    found = [f for f in result.findings if f.code == "table-identity"]
    balance = next(f for f in found if "市级预算执行情况" in f.message)
    assert "指标结余数为 50.00" in balance.message and "50660.00 + 6962.80 − 57572.29 = 50.51" in balance.message
    assert "相差 0.51" in balance.message


def test_each_equals_sign_is_checked(write):
    result = _variant(write, "values: [57572.29, 56974.96, 597.33, 597.33, 0.00]",
                      "values: [57572.29, 56974.96, 597.33, 590.00, 0.00]")
    found = [f.message for f in result.findings if f.code == "table-identity" and "资金使用情况（万元）”" in f.message]
    assert len(found) == 1  # 597.33 = 57572.29 − 56974.96 holds; 597.33 ≠ 590.00 + 0.00
    assert "结转数 + 财政收回数为 590.00 + 0.00 = 590.00" in found[0] and "相差 7.33" in found[0]


def test_an_identity_naming_no_column_is_an_error(write):
    result_text = SEED.replace("- 指标结余数 = 年初预算数", "- 指标余数 = 年初预算数")
    for defaults in ("_defaults.yml", "2020/_defaults.yml"):
        write(f"content/suzhou-gxj/{defaults}", (CONTENT / "suzhou-gxj" / defaults).read_text(encoding="utf-8"))
    result = process_file(write("content/suzhou-gxj/2020/a.yml", result_text))
    error = next(f for f in result.findings if f.severity == "error")
    assert error.code == "unknown-choice" and "指标余数" in error.message and "指标结余数" in error.message


def test_sub_projects_that_do_not_add_up_are_a_table_sum_finding(write):
    result = _variant(write, "{label: 信创规划和软件系统, values: [120]}", "{label: 信创规划和软件系统, values: [12]}")
    total = next(f for f in result.findings if f.code == "table-sum")
    assert "合计" in total.message and "57559.49" in total.message and "57451.49" in total.message


# --- the narrative against the tables (claims:) ------------------------------------------------

def _claims(result):
    def walk(sections):
        for section in sections:
            yield from section.claims
            yield from walk(section.children)
    return list(walk(result.evaluation.sections))


def test_the_narrative_figures_that_disagree_with_the_tables_are_found_naming_both(seed):
    found = [f for f in seed.findings if f.code == "narrative-figure"]
    assert len(_claims(seed)) == 69 and len(found) == 3  # every other restated figure agrees
    funds, workshops = (next(f for f in found if text in f.message) for text in ("57508.48万元", "53个"))
    assert "财政拨款数" in funds.message and "57572.29" in funds.message and "资金下达情况" in funds.message
    assert "相差 63.81" in funds.message and "市级财政资金使用情况（万元）" in funds.public
    assert "获评省级示范智能车间数量53个" in workshops.public and "=131个" in workshops.public
    assert "目标值" in workshops.public and "相差 78" in workshops.public
    for finding in found:
        assert not re.search(r"[A-Za-z]|\.目标值|\.财政拨款数|\.实际金额", finding.public)


def test_the_exhibition_payments_count_one_34_twice_against_the_sub_project(seed):
    """企业开拓市场项目 is 193.71 = 90.585 + 34 + 69.12; the text lists 34万 on 6月11日 twice."""
    [fairs] = [f for f in seed.findings if f.code == "narrative-figure" and "企业开拓市场项目" in f.public]
    assert "90.585万元、34万、34万、69.12万元 合计 227.705万元" in fairs.public
    assert "193.71" in fairs.public and "相差 33.995" in fairs.public


def test_the_payments_restating_sub_projects_agree_in_their_units_and_sums(seed, write):
    """1亿元 is the 10000 (万元) of 企业智能化技术改造奖补; 1.1亿元 would not be, nor a diagnosis
    payment other than the sum of its three sub-projects."""
    assert not [f for f in seed.findings if "技术改造" in f.message or "诊断" in f.message]
    tenfold = SEED.replace("奖补资金1亿元", "奖补资金1.1亿元").replace("figure: 1亿元", "figure: 1.1亿元")
    diagnosis = SEED.replace("监理费用2054.5万元", "监理费用2045.5万元").replace("figure: 2054.5万元", "figure: 2045.5万元")
    for text, figures in ((tenfold, "1.1亿元"), (diagnosis, "400 + 154.5 + 1500 = 2054.5")):
        [finding] = [f for f in _variant(write, SEED, text).findings
                     if f.code == "narrative-figure" and ("技术改造" in f.message or "诊断" in f.message)]
        assert figures in finding.message


def test_the_annual_goals_leave_out_two_output_indicators(seed):
    """The 年度绩效目标 (generated from the goals' declaration) lists 51 of the 53 产出 indicators."""
    [omits] = [f for f in seed.findings if f.code == "narrative-omits"]
    assert "53 项" in omits.public and "51 项" in omits.public and "年度绩效目标" in omits.public
    assert "“中小微企业公共服务平台扶持个数”" in omits.public and "“首次入围世界500强企业数”" in omits.public


def test_a_rate_stated_in_the_narrative_is_compared_with_the_one_scoring_computes(write):
    result = _variant(write, "77.06%", "77.6%", 3)  # the text, and the claim quoting it
    [finding] = [f for f in result.findings if f.code == "narrative-figure" and "节约标煤" in f.message]
    assert "77.6%" in finding.message and "完成率" in finding.message and "77.06%" in finding.message
    assert "相差 0.54" in finding.message  # 12.33 ÷ 16 = 77.0625%, compared at the text's one place


def test_a_narrative_that_agrees_with_the_table_gives_no_finding(write):
    result = _variant(write, "{name: 获评省级示范智能车间数量, target: =131个",
                      "{name: 获评省级示范智能车间数量, target: =53个")
    assert not [f for f in result.findings if f.code == "narrative-figure" and "智能车间" in f.message]
    paid = _variant(write, "values: [57572.29, 56974.96, 597.33, 597.33, 0.00]",
                    "values: [57572.29, 56975.96, 596.33, 596.33, 0.00]")
    assert any("56974.96万元" in f.message and "56975.96" in f.message for f in paid.findings
               if f.code == "narrative-figure")


def test_a_claim_not_found_in_its_text_or_naming_nothing_is_an_error(write):
    missing = _variant_with_errors(write, "figure: 56974.96万元", "figure: 56974.69万元")
    assert [f.code for f in missing if f.severity == "error"] == ["claim-not-in-text"]
    assert "56974.69万元" in missing[0].message and "资金下达情况" in missing[0].message
    unknown = _variant_with_errors(write, "restates: 淘汰落后产能节约标煤.目标值", "restates: 淘汰落后产能节约标准煤.目标值")
    error = next(f for f in unknown if f.severity == "error")
    assert error.code == "unknown-choice" and "淘汰落后产能节约标煤.目标值" in error.message


def _variant_with_errors(write, old: str, new: str):
    assert SEED.count(old) == 1, old
    for defaults in ("_defaults.yml", "2020/_defaults.yml"):
        write(f"content/suzhou-gxj/{defaults}", (CONTENT / "suzhou-gxj" / defaults).read_text(encoding="utf-8"))
    findings = process_file(write("content/suzhou-gxj/2020/a.yml", SEED.replace(old, new))).findings
    return sorted(findings, key=lambda f: f.severity != "error")


# --- 预算执行率 read from the budget table, the printed rate compared with it -------------------

BUDGET_ROW = "values: [50660.00, 6962.80, 57572.29, 50.51]"


def test_the_budget_execution_rate_is_computed_from_the_budget_table(seed):
    leaf = _leaf(seed, "预算执行率")
    assert leaf.computed == D("57572.29") / (D("50660.00") + D("6962.80"))
    assert leaf.rule_score == D("7.96") and "computed-actual" not in _codes(seed)  # 99.91% printed as 99.9%


def test_a_changed_budget_table_rescores_the_rate_and_the_printed_one_is_a_finding(write):
    result = _variant(write, BUDGET_ROW, "values: [50660.00, 6962.80, 54741.66, 2881.14]")  # 95.00%
    leaf = _leaf(result, "预算执行率")
    assert leaf.rule_score == D("6.00")  # 5 points below 100%: 5 × 5% of 8 lost
    finding = next(f for f in result.findings if f.code == "computed-actual")
    assert "=99.9%" in finding.message and "95.00%" in finding.message and "54741.66" in finding.message
    assert "年初预算数" in finding.public and "54741.66 ÷ （50660.00 + 6962.80）" in finding.public
    assert "）.财政拨款数" not in finding.public  # the tables named as a reader names them


def test_the_comparison_table_shows_the_computed_rate_beside_the_printed_one(seed, write):
    form = registry.forms(())["suzhou-2020"]
    row = next(r for r in compared(seed.evaluation, form, seed.scores) if r.label.startswith("预算执行率"))
    assert (row.computed, row.published, row.differs) == ("99.91%", "=99.9%", False)
    changed = _variant(write, BUDGET_ROW, "values: [50660.00, 6962.80, 54741.66, 2881.14]")
    row = next(r for r in compared(changed.evaluation, form, changed.scores) if r.label.startswith("预算执行率"))
    assert (row.computed, row.differs) == ("95.00%", True)


def test_the_printed_rate_is_not_typed_twice(write):
    result = _variant(write, "actual: =99.9%", "actual: =95%")
    assert _leaf(result, "预算执行率").rule_score == D("7.96")  # still 99.91% from the table
    finding = next(f for f in result.findings if f.code == "computed-actual")
    assert "=95%" in finding.message and "99.91%" in finding.message


def test_an_input_naming_no_column_is_an_error(write):
    findings = _variant_with_errors(write, "numerator: 市级预算执行情况（万元）.财政拨款数",
                                    "numerator: 市级预算执行情况（万元）.财政拨付数")
    error = findings[0]
    assert error.severity == "error" and error.code == "unknown-choice" and "财政拨付数" in error.message
    assert "市级预算执行情况（万元）.财政拨款数" in error.message  # the suggestion


# --- variants with changed actuals, scored by the published rules ----------------------------

VARIANTS = [  # (indicator, written as, changed to, rule score by hand)
    ("人工智能企业做大做强项目", "weight: 0.38, actual: =5家", "weight: 0.38, actual: =7家", D("0.34")),  # 140%: 10 × 1%
    ("人工智能企业做大做强项目", "weight: 0.38, actual: =5家", "weight: 0.38, actual: =6家", D("0.38")),  # 120%: full
    ("人工智能企业做大做强项目", "weight: 0.38, actual: =5家", "weight: 0.38, actual: =4家", D("0.00")),  # 80%: 20 × 5%
    ("淘汰落后产能节约标煤", "actual: =12.33万吨", "actual: =15.2万吨", D("1.05")),           # 95%: 5 × 5% of 1.4
    ("淘汰落后产能节约标煤", "actual: =12.33万吨", "actual: =30万吨", D("1.4")),              # 结果 has no ceiling
    ("资金节约率", "actual: =0.3%", "actual: =16%", D("0.69")),                               # 15 ÷ 16 = 93.75%
    ("促进我市软件产业高质量发展，保持全省第二的位置", "actual: 全省第二", "actual: 全省第一", D("0.67")),
    ("促进我市软件产业高质量发展，保持全省第二的位置", "actual: 全省第二", "actual: 全省第三", D("0")),  # 2 ÷ 3
    ("财务制度健全性", "actual: 好, score: 3}", "actual: 较好, score: 3}", D("2.4")),          # 80% of 3
    ("规模以上工业增加值率提高", "actual: 高于上年", "actual: 0.6个百分点", D("0.67")),
    ("规模以上工业增加值率提高", "actual: 高于上年", "actual: 0.45个百分点", D("0.34")),       # 90%: 10 × 5%
]


@pytest.mark.parametrize("name, old, new, expected", VARIANTS)
def test_a_changed_actual_scores_by_the_published_rules(write, name, old, new, expected):
    count = SEED.count(old)
    result = _variant(write, old, new, count)
    leaf = _leaf(result, name)
    assert leaf.rule_score == expected
    departs = leaf.rule_score != leaf.score
    lines = {f.line for f in result.findings if f.code == "formula-departure"}
    assert (leaf.node.where("score").line in lines) == departs


def test_a_value_that_cannot_be_given_scores_nothing_unless_explained(write):
    result = _variant(write, "actual: 高于上年, score: 0", "actual: 高于上年, score: 0, reason: 统计局尚未公布")
    assert _leaf(result, "规模以上工业增加值率提高").rule_score is None
    blank = _variant(write, "actual: =13个, score: 0.67", "actual: ~, score: 0.67")
    assert _leaf(blank, "营造全社会节能氛围，全市开展节能宣传活动").rule_score == 0


# --- the rules as properties -------------------------------------------------------------------

@pytest.fixture(scope="module")
def rules():
    return registry.forms(())["suzhou-2020"], registry.schemes(())["suzhou-2020"]


def _score_actual(seed, rules, name: str, actual: str):
    """The rule score of one indicator of the seed with its actual rewritten."""
    form, scheme = rules
    ev = seed.evaluation
    categories = [replace(category, children=[replace(child, actual=Value(actual)) if child.name == name else child
                                              for child in category.children]) for category in ev.indicators]
    leaf = next(leaf for leaf in score(replace(ev, indicators=categories), form, scheme).leaves
                if leaf.node.name == name)
    return leaf.weight, leaf.rule_score


def _amount(value: D) -> str:
    return format(value.normalize(), "f")


OUTPUT, RESULT = ("扶持生物医药产业项目个数", 6, "个"), ("2019年新增省级专精特新产品", 10, "个")


@settings(max_examples=80, deadline=None)
@given(completion=st.decimals(min_value=1, max_value=D("1.3"), places=3))
def test_outputs_between_100_and_130_percent_score_full(seed, rules, completion):
    name, target, unit = OUTPUT
    weight, points = _score_actual(seed, rules, name, f"={_amount(completion * target)}{unit}")
    assert points == weight


@settings(max_examples=80, deadline=None)
@given(low=st.decimals(min_value=0, max_value=40, places=2), rise=st.decimals(min_value=0, max_value=40, places=2))
def test_a_higher_outcome_never_scores_less(seed, rules, low, rise):
    name, _, unit = RESULT
    _, lower = _score_actual(seed, rules, name, f"={_amount(low)}{unit}")
    _, higher = _score_actual(seed, rules, name, f"={_amount(low + rise)}{unit}")
    assert lower <= higher


@settings(max_examples=120, deadline=None)
@given(category=st.sampled_from(sorted(CATEGORIES)), index=st.integers(min_value=0, max_value=8),
       actual=st.decimals(min_value=0, max_value=100_000, places=2))
def test_every_rule_score_is_within_zero_and_the_weight(seed, rules, category, index, actual):
    node = next(c for c in seed.evaluation.indicators if c.name == category).children[index]
    unit = node.target.text.lstrip("=≥").lstrip("0123456789.")
    weight, points = _score_actual(seed, rules, node.name, f"={_amount(actual)}{unit}")
    assert points is None or 0 <= points <= weight


# --- the CLI -------------------------------------------------------------------------------------

def jixiao(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_score_json_gives_77_38_of_80_no_grade_and_each_rule_score():
    [row] = json.loads(jixiao("score", "--format", "json", "--no-cache", FILE).stdout)
    assert row["total"] == 77.38 and row["weight_total"] == 80 and row["grade"] is None
    assert len(row["indicators"]) == 92 and all("rule_score" in item and "score" in item for item in row["indicators"])
    rank = next(i for i in row["indicators"] if "全省第二" in i["indicator"])
    assert rank["score"] == 0.54 and rank["rule_score"] == 0.67
    text = jixiao("score", "--no-cache", FILE).stdout
    assert "总分 77.38" in text and "不评等级" in text and "None" not in text


def test_validate_reports_the_seeds_mistakes():
    out = jixiao("validate", "--no-cache", FILE).stdout
    for code in ("formula-departure", "weight-share", "table-identity", "unrated-level", "narrative-figure"):
        assert f"[{code}]" in out
    assert "0 个错误" in out


def test_a_new_file_in_the_suzhou_form_has_no_funds_block_and_its_own_scheme(tmp_path):
    (tmp_path / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    target = tmp_path / "content" / "u" / "2020" / "a.yml"
    assert jixiao("new", target, "--form", "suzhou-2020", "--project", "示例项目").returncode == 0
    text = target.read_text(encoding="utf-8")
    assert "scheme: suzhou-2020" in text and "funds:" not in text and "- name: 影响力目标" in text
    assert "0 个错误" in jixiao("validate", "--no-cache", target).stdout


# --- printed: PDF and XLSX -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    root = tmp_path_factory.mktemp("suzhou")
    (root / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    content = root / "content" / "suzhou-gxj"
    (content / "2020").mkdir(parents=True)
    for name in ("_defaults.yml", "2020/_defaults.yml", "2020/01-xianjin-zhizao.yml"):
        (content / name).write_text((CONTENT / "suzhou-gxj" / name).read_text(encoding="utf-8"), encoding="utf-8")
    print_outputs(run([root / "content"], use_cache=False, full=True), root / "content", root / "out")
    return root / "out" / "units" / "suzhou-gxj" / "2020" / "01-xianjin-zhizao"


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def test_the_pdf_reads_in_the_published_order(printed):
    pages = _pdf_pages(printed / "table.pdf")
    squeezed = re.sub(r"\s+", "", "".join(pages))
    # the first column's labels wrap over several lines of the page's text: their table's head is looked for
    order = ["苏州市级财政支出项目绩效自评价报告", "苏州市级财政支出项目绩效自评表", "项目名称", "项目年份", "2020",
             "年初预算数", "50660.00", "实际支付数", "56974.96", "子项目名称", "57559.49",
             "投入目标", "产出目标", "结果目标", "影响力目标", "合计77.38", "填表说明：1.",
             "项目基本情况", "项目概况", "项目实施情况", "资金下达情况", "进一步加强项目管理的建议", "（标注："]
    positions = [squeezed.find(text) for text in order]
    assert all(p >= 0 for p in positions), [t for t, p in zip(order, positions) if p < 0]
    assert positions == sorted(positions)


def test_the_long_indicator_table_repeats_its_head_and_category_labels(printed):
    pages = _pdf_pages(printed / "table.pdf")
    indicator_pages = [n for n, page in enumerate(pages) if "自评分" in page]
    assert len(indicator_pages) >= 3  # the 92 rows run over several A4 pages
    for n in indicator_pages:
        page = re.sub(r"\s+", "", pages[n])
        assert all(head in page for head in ("类别", "指标名称", "目标值", "权重", "实际完成值", "自评分")), n
    second = re.sub(r"\s+", "", pages[indicator_pages[1]])
    assert "项目绩效实" in second and "目标" in second  # the labels printed again below the break


def test_the_xlsx_computes_the_identities_the_composition_and_the_total(printed):
    formulas = openpyxl.load_workbook(printed / "table.xlsx").active
    values = openpyxl.load_workbook(printed / "table.xlsx", data_only=True).active
    cells = {(c.row, c.column): c for row in formulas.iter_rows() for c in row}
    by_formula = {c.value: values[c.coordinate].value for c in cells.values() if c.data_type == "f"}
    balance = next(f for f in by_formula if re.fullmatch(r"=B\d+\+C\d+-D\d+", f))
    assert by_formula[balance] == pytest.approx(50.51)
    assert any(re.fullmatch(r"=B\d+-C\d+", f) and v == pytest.approx(597.33) for f, v in by_formula.items())
    composition = next(f for f in by_formula if re.fullmatch(r"=SUM\([A-Z]+\d+:[A-Z]+\d+\)", f)
                       and by_formula[f] == pytest.approx(57559.49))
    assert composition
    total_row = next(r for (r, c), cell in cells.items() if cell.value == "合计" and c == 1)
    total = formulas.cell(total_row, 7)
    assert total.value.startswith("=SUM(") and values.cell(total_row, 7).value == pytest.approx(77.38)
    weights, scores = ([values.cell(r, col).value for r in range(1, total_row) if formulas.cell(r, col).data_type == "f"]
                       for col in (9, 10))  # the category subtotals, beside the print area
    assert weights == [points for points, _ in CATEGORIES.values()]
    assert scores == [pytest.approx(x) for x in (25.96, 19.62, 26.6, 5.2)]
    assert not any(str(cell.value).startswith("注 ") for cell in cells.values())  # nothing departs from the original
