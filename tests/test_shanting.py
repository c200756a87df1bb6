"""The Shanting department report (2021年度枣庄市山亭区工业和信息化局部门整体绩效评价报告): its
four-level indicator system (7 / 14 / 26 / 41) scored from its inputs by the 评分标准 of each row,
84.48 and 良; the rates worked out from the amounts of tables 1-1 and 1-2; the score tables
4-1 to 4-8 derived from the rows; the report's own mistakes as findings; variants with changed
inputs scored by the same rules.

The expected scores below are the appendix's 得分 column as printed (two rows are cut off at a
page break there: 资产管理规范性 3 and 队伍建设 2, from tables 4-4 and 4-7 and chapter 4)."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D

import pytest

from generator.building.pipeline import process_file
from generator.layout.document import FigureTable, Section, evaluation_blocks
from generator.loading.model import Expression, Reference
from generator.rules import registry

from .conftest import CONTENT, ROOT

FILE = CONTENT / "shanting-gxj" / "2021" / "01-bumen-zhengti.yml"
SEED = FILE.read_text(encoding="utf-8")

# The appendix's 得分, row by row.
PUBLISHED = {
    "绩效目标合理性": "4", "绩效指标科学性": "4", "预算支出结构与部门职能匹配性": "2", "项目支出结构与履职需求相符性": "2",
    "项目资金安排合理性": "4", "收入预算编制完整性": "2", "基本支出预算编制规范性": "1", "项目预算编制规范性": "1",
    "预算编制细化程度": "1", "政府采购执行率": "0", "预算执行率": "2.97", "结余结转资金变动率": "2",
    "支出预算调整率": "0.51", "预决算差异率": "0", "资金管理制度建设情况": "2", "预算绩效管理机制": "2",
    "预决算公开情况": "1", "资产管理规范性": "3", "固定资产利用率": "2", "人均公用经费变动率": "1",
    "“三公”经费控制率": "2", "培训费、会议费变动率": "0", "机关运行经费控制率": "0",
    "瞪羚企业、专精特新完成率": "3", "“一企一技”研发中心完成率": "3", "5G基站建立是否达到规格数量": "2",
    "云用云上线企业完成率": "2", "“两化融会”管理体系贯标试点完成率": "2", "入选融合发展试点示范名单单位数量是否达标": "2",
    "省级工业互联网平台建设完成率": "2", "规上企业完成率": "3", "规上工业企业产值增长率": "3",
    "技改项目纳入技改基金储备库完成率": "3", "办理不动产权证完成率": "3", "企业厂长补助，省劳模，局退休遗属发放补助覆盖率": "2",
    "制定扶持政策，推动企业提档、产业提质、工业提效": "4", "产业数字化的发展，加快推进智能制造和工业互联网发展": "4",
    "队伍建设": "2", "工信局制度体系建设": "2", "中长期规划建设": "0", "受益对象满意度": "3"}


@pytest.fixture(scope="module")
def seed():
    result = process_file(FILE)
    assert result.ok, [str(f) for f in result.findings]
    return result


def _variant(write, *changes: tuple[str, str]):
    """The seed file with some texts changed, in a throw-away project beside the seed's defaults."""
    text = SEED
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    write("content/shanting-gxj/_defaults.yml", (CONTENT / "shanting-gxj" / "_defaults.yml").read_text(encoding="utf-8"))
    result = process_file(write("content/shanting-gxj/2021/a.yml", text))
    assert result.ok, [str(f) for f in result.findings if f.severity == "error"]
    return result


def _leaf(result, name: str):
    return next(leaf for leaf in result.scores.leaves if leaf.node.name == name)


def _subtotal(result, name: str):
    return next(s for s in result.scores.subtotals if s.node.name == name)


def _messages(result, code: str) -> list[str]:
    return [f.message for f in result.findings if f.code == code]


# --- the indicator system and its scores -------------------------------------------------------

def test_four_levels_of_7_14_26_41_indicators_worth_100(seed):
    depths = [s.depth for s in seed.scores.subtotals]
    assert [depths.count(depth) for depth in (1, 2, 3)] == [7, 14, 26]
    assert len(seed.scores.leaves) == 41 and all(len(leaf.path) == 3 for leaf in seed.scores.leaves)
    assert seed.scores.weight_total == 100
    assert not [f for f in seed.findings if f.code in ("indicator-count", "level-weight", "weight-total")]


def test_every_fourth_level_row_carries_its_definition_criteria_and_published_score(seed):
    for leaf in seed.scores.leaves:
        node = leaf.node
        assert node.definition and node.criteria and node.score is not None, node.name
        assert leaf.score == D(PUBLISHED[node.name]), node.name


def test_all_41_scores_are_computed_from_the_inputs_by_the_rows_own_criteria(seed):
    for leaf in seed.scores.leaves:
        assert leaf.rule is not None, leaf.node.name
        assert leaf.rule_score == D(PUBLISHED[leaf.node.name]), (leaf.node.name, leaf.rule_score)
    assert not _messages(seed, "formula-departure")


def test_total_84_48_and_grade_liang_from_the_rule_scores(seed):
    scores = seed.scores
    assert scores.from_rules and scores.total == scores.rule_total == D("84.48")
    assert scores.grade == "良"
    assert seed.summary["total"] == 84.48 and seed.summary["grade"] == "良"


def test_rates_come_from_the_tables_amounts(seed):
    figures = seed.scores.figures
    assert figures["1-2.总计.支出决算数"] == D("2163.32") and figures["1-2.总计.调整预算数"] == D("2183.41")
    execution = _leaf(seed, "预算执行率")
    assert isinstance(execution.node.inputs.numerator, Reference)
    assert execution.rule_score == D("2.97")  # 2163.32 ÷ 2183.41 × 3 = 2.9724
    adjustment = _leaf(seed, "支出预算调整率")  # (2183.41 − 477.50 − 74.97) ÷ 2183.41 = 74.70% → (1 − 0.7470) × 2
    numerator = adjustment.node.inputs.numerator  # cells of two tables, added and taken away
    assert isinstance(numerator, Reference) and figures[numerator.name] == D("1630.94")
    assert adjustment.rule_score == D("0.51")
    per_head = _leaf(seed, "人均公用经费变动率").node.inputs  # 33.36 ÷ 35 against 32.13 ÷ 32
    assert isinstance(per_head.current, Expression) and isinstance(per_head.previous, Expression)
    assert _leaf(seed, "预决算差异率").rule_score == 0  # (2163.32 − 477.50) ÷ 477.50 = 353.05%: floored at 0


def test_a_zero_denominator_scores_the_rules_explicit_result(seed):
    purchase = _leaf(seed, "政府采购执行率")  # no 政府采购 budget, 0.90 spent
    assert purchase.rule_score == 0 and purchase.rule is not None
    scheme = registry.schemes()["shanting-2021"]
    rule = scheme.rule_for(purchase.node, purchase.path)
    assert rule.zero_denominator is not None and rule.zero_denominator.value == 0


# --- the report's mistakes -----------------------------------------------------------------

def test_table_4_7_prints_5_where_its_rows_give_4(seed):
    messages = _messages(seed, "score-table")
    assert any("4-7" in m and "可持续发展能力" in m and "5" in m and "为 4" in m for m in messages)
    assert all("4-7" in m for m in messages)  # table 4-1 prints 4: no finding there


def test_table_1_2_basic_expenditure_726_16_against_parts_726_15(seed):
    messages = _messages(seed, "table-sum")
    assert any("1-2" in m and "一、基本支出" in m and "726.16" in m and "726.15" in m for m in messages)
    # the 总计 that adds 726.16 is not reported again: the one mistake gives one finding
    assert not any("总计" in m for m in messages)


def test_table_2_2_lists_12_goals_where_the_text_says_10(seed):
    assert any("2-2" in m and "10 项" in m and "12 项" in m for m in _messages(seed, "table-count"))


def test_the_other_tables_add_up_as_printed(seed):
    assert not [m for m in _messages(seed, "table-sum") if "1-1" in m or "1-3" in m]


def test_a_total_row_its_rows_do_not_give_is_reported(write):
    total = '      - {label: 合 计, values: [~, ~, 4, "11,920.00", ~]}'
    result = _variant(write, (total, total.replace("11,920.00", "11,900.00")))
    assert any("1-3" in m and "11,900.00" in m and "11920.00" in m for m in _messages(result, "table-sum"))


@pytest.mark.parametrize("name, printed, computed", [
    ("培训费、会议费变动率", "367.91%", "367.59%"),
    ("机关运行经费控制率", "401.98%", "401.93%"),
    ("“三公”经费控制率", "69.87%", "69.76%"),
    ("人均公用经费变动率", "-5.06%", "-5.07%"),
    ("支出预算调整率", "1,630.93", "1630.94"),
])
def test_printed_rates_compared_with_the_amounts(seed, name, printed, computed):
    assert any(name in m and printed in m and computed in m for m in _messages(seed, "printed-rate"))


def test_rates_printed_as_their_amounts_give_are_not_reported(seed):
    messages = " ".join(_messages(seed, "printed-rate"))
    for name in ("预算执行率", "预决算差异率", "结余结转资金变动率", "固定资产利用率"):
        assert f"“{name}”" not in messages


# --- the derived score tables ------------------------------------------------------------------

def _placed(blocks) -> dict[str, FigureTable]:
    found = {}

    def visit(section: Section):
        found.update({table.table.id: table for table in section.tables})
        for child in section.children:
            visit(child)

    for block in blocks:
        if isinstance(block, Section):
            visit(block)
    return found


def _blocks(result):
    form, scheme = registry.forms()["shanting-2021"], registry.schemes()["shanting-2021"]
    return evaluation_blocks(result.evaluation, result.scores, form, scheme)


def _row_figures(table, label: str) -> list[str]:
    rows = list(table.rows)
    while rows:
        row = rows.pop(0)
        if row.label == label:
            return [cell.text if cell is not None else "" for cell in row.values]
        rows += row.children
    raise AssertionError(label)


def test_each_section_places_its_tables_and_the_score_tables_are_derived(seed):
    placed = _placed(_blocks(seed))
    assert sorted(placed) == ["1-1", "1-2", "1-3", "2-1", "2-2", "3-1", *(f"4-{n}" for n in range(1, 9))]
    summary = placed["4-1"].table
    assert _row_figures(summary, "管理效率") == ["25", "18.48", "73.92%"]
    assert _row_figures(summary, "可持续发展能力") == ["9", "4", "44.44%"]
    assert _row_figures(summary, "得分") == ["100", "84.48", "84.48%"]
    assert _row_figures(summary, "评价等级")[0] == "良"
    sustainable = placed["4-7"].table
    assert _row_figures(sustainable, "可持续发展能力") == ["9", "4"]  # the report prints 5
    assert [row.label for row in sustainable.rows[0].children[0].children] == ["队伍建设", "工信局制度体系建设", "规划建设"]
    assert _row_figures(placed["4-4"].table, "预算执行效率") == ["5", "4.97"]


def test_a_total_row_printed_after_its_rows_is_their_sum_in_the_grid(seed):
    table = next(block for block in _placed(_blocks(seed)).values() if block.table.id == "1-2")
    cells = {(row.cells[0].text, cell.col): cell for row in table.grid.rows if row.cells for cell in row.cells}
    total = cells[("总计", 2)]  # 调整预算数
    assert total.formula is not None and total.number is None
    rows = {row.cells[0].text.strip(): r for r, row in enumerate(table.grid.rows) if row.cells}
    named = {arg.row for arg in total.formula.args}
    assert named == {rows["一、基本支出"], rows["二、项目支出"]}  # not 三、年末结转结余


def test_score_json_gives_84_48_and_liang_with_every_row_and_the_score_tables():
    run = subprocess.run([sys.executable, "-m", "generator", "score", "--format", "json", "--no-cache", str(FILE)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    [row] = json.loads(run.stdout)
    assert row["total"] == 84.48 and row["grade"] == "良" and row["weight_total"] == 100
    assert len(row["indicators"]) == 41
    assert all(item["rule_score"] == float(PUBLISHED[item["indicator"]]) and item["score"] is not None
               for item in row["indicators"])
    tables = {table["id"]: table for table in row["score_tables"]}
    assert sorted(tables) == [f"4-{n}" for n in range(1, 9)]
    assert [(r["name"], r["depth"]) for r in tables["4-7"]["rows"]][:2] == [("可持续发展能力", 1), ("可持续发展", 2)]
    assert {r["name"]: r["score"] for r in tables["4-1"]["rows"]}["得分"] == 84.48


# --- variants: changed inputs scored by the same rules -------------------------------------------

EXECUTED = '      - {label: 总计, values: [477.50, "2,183.41", "2,163.32"]}'


def test_a_changed_executed_amount_flows_through_rate_row_subtotals_tables_total_and_grade(write):
    result = _variant(write, (EXECUTED, EXECUTED.replace("2,163.32", "1,900.00")))
    execution = _leaf(result, "预算执行率")
    assert execution.rule_score == D("2.61")  # 1900.00 ÷ 2183.41 = 87.02% × 3 = 2.61
    assert execution.score == D("2.97")  # the published score stays beside it
    assert _subtotal(result, "预算执行效率").score == D("4.61")
    assert _subtotal(result, "预算管理").score == D("13.12")
    assert _subtotal(result, "管理效率").score == D("18.12")
    assert result.scores.total == D("84.12") and result.scores.grade == "良"
    placed = _placed(_blocks(result))
    assert _row_figures(placed["4-4"].table, "预算执行效率") == ["5", "4.61"]
    assert _row_figures(placed["4-1"].table, "管理效率") == ["25", "18.12", "72.48%"]
    assert _row_figures(placed["4-1"].table, "得分") == ["100", "84.12", "84.12%"]
    # the entered 2.97 is only compared
    assert any("预算执行率" in m and "2.61" in m and "2.97" in m for m in _messages(result, "formula-departure"))
    # the printed 99.08% now departs from the amounts
    assert any("预算执行率" in m and "99.08%" in m and "87.02%" in m for m in _messages(result, "printed-rate"))


def test_changed_inputs_that_lower_the_total_below_80_give_zhong(write):
    result = _variant(write, (EXECUTED, EXECUTED.replace("2,163.32", "0")),
                      ("inputs: {rate: 89.66%}", "inputs: {rate: 70%}"))
    assert _leaf(result, "预算执行率").rule_score == 0
    assert _leaf(result, "受益对象满意度").rule_score == 0  # below 80%
    assert result.scores.total == D("78.51") and result.scores.grade == "中"
    assert _row_figures(_placed(_blocks(result))["4-1"].table, "评价等级")[0] == "中"


@pytest.mark.parametrize("rate, points", [("95%", "5"), ("94.5%", "3"), ("94%", "3"), ("80%", "3"), ("79.99%", "0")])
def test_satisfaction_bands_and_the_gap_the_scheme_fills(write, rate, points):
    result = _variant(write, ("inputs: {rate: 89.66%}", f"inputs: {{rate: {rate}}}"))
    assert _leaf(result, "受益对象满意度").rule_score == D(points)


def test_government_purchase_with_a_budget_loses_0_2_per_point_or_part_of_one(write):
    purchase = "inputs: {numerator: 0.90, denominator: 0}"
    assert _leaf(_variant(write, (purchase, "inputs: {numerator: 0.90, denominator: 0.90}")),
                 "政府采购执行率").rule_score == 2
    # 0.90 ÷ 1.00 = 90%: 10 points below; 0.905 ÷ 1.00 = 90.5%: 9.5 points, counted as 10
    assert _leaf(_variant(write, (purchase, "inputs: {numerator: 0.90, denominator: 1.00}")),
                 "政府采购执行率").rule_score == 0
    assert _leaf(_variant(write, (purchase, "inputs: {numerator: 0.995, denominator: 1.00}")),
                 "政府采购执行率").rule_score == D("1.8")


def test_a_judged_level_and_its_reason_give_the_rows_score(write):
    old = "judgement: 没有效果：通过评价小组现场调查发现"
    result = _variant(write, (old, old.replace("没有效果", "效果一般")))
    assert _leaf(result, "中长期规划建设").rule_score == 2
    assert _subtotal(result, "可持续发展能力").score == 6
    assert result.scores.total == D("86.48")


def test_a_listed_problem_deducts_its_points(write):
    old = "inputs: {problems: 0}\n                judgement: 未发现所列问题：通过现场核查"
    result = _variant(write, (old, old.replace("problems: 0", "problems: 2")))
    assert _leaf(result, "资产管理规范性").rule_score == 1


def test_a_reference_to_a_missing_cell_is_an_error(write):
    old = "numerator: 1-2.公用经费.支出决算数, denominator: 1-2.公用经费.支出预算数"
    write("content/shanting-gxj/_defaults.yml", (CONTENT / "shanting-gxj" / "_defaults.yml").read_text(encoding="utf-8"))
    result = process_file(write("content/shanting-gxj/2021/a.yml", SEED.replace(old, old.replace("支出决算数", "决算数"))))
    assert any(f.code == "unknown-choice" and "1-2.公用经费.决算数" in f.message for f in result.findings)
    assert not result.ok


def test_a_section_placing_a_missing_table_is_reported(write):
    result = _variant(write, ("      - 4-7\n", "      - 4-9\n"))
    assert any("4-9" in m for m in _messages(result, "unknown-table"))
