import re

import pytest

from generator.building.pipeline import process_file

from .conftest import CONTENT, MINIMAL


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


# --- the seed tables, as published and with one figure changed ---------------------------

def _seed(write, name: str, *changes: tuple[str, str]):
    """A seed table (with its directory defaults) copied into a throw-away project, each
    change applied once; the result of checking it."""
    source = CONTENT / f"{name}.yml"
    unit, year = source.parent.parent, source.parent
    for defaults in (unit / "_defaults.yml", year / "_defaults.yml"):
        if defaults.exists():
            write(f"content/{defaults.relative_to(CONTENT)}", defaults.read_text(encoding="utf-8"))
    text = source.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return process_file(write(f"content/{name}.yml", text))


def _seed_codes(write, name: str, *changes) -> list[str]:
    return [f.code for f in _seed(write, name, *changes).findings]


AI_PLAN = "zibo-gxj/2020/07-rengong-zhineng-guihua"


def test_the_08_typo_gives_one_finding(write):
    """财政拨款 全年预算数 printed 08 beside a total of 80: the rate 71.9 ÷ 08 is not reported again."""
    found = _seed(write, AI_PLAN).findings
    typo = [f for f in found if f.code in ("funds-sum", "published-mismatch")]
    assert [f.code for f in typo] == ["funds-sum"]
    assert "08" in typo[0].public and "80" in typo[0].public
    assert "published-mismatch" not in _seed_codes(write, AI_PLAN, ("budget: 08", "budget: 80"))


def test_a_rate_of_a_row_not_found_wrong_is_still_compared(write):
    codes = _seed_codes(write, AI_PLAN, ("budget: 08", "budget: 80"), ("fiscal: 89.88%", "fiscal: 88.88%"))
    assert "published-mismatch" in codes and "funds-sum" not in codes


def test_a_row_found_wrong_is_not_scored_again(write):
    """Anqing 08: weight 5, score 8 (the printed weight should read 8): one finding, not five."""
    assert _seed_codes(write, "anqing-jxj/2023/08-gongye-hulianwang") == ["score-range"]
    fixed = _seed_codes(write, "anqing-jxj/2023/08-gongye-hulianwang", ("weight: 5, score: 8", "weight: 8, score: 8"))
    assert fixed == []


def test_a_weight_total_off_without_a_wrong_row_is_reported(write):
    codes = _seed_codes(write, "anqing-jxj/2023/08-gongye-hulianwang", ("weight: 5, score: 8", "weight: 5, score: 5"))
    assert {"level-weight", "published-mismatch"} <= set(codes) and "score-range" not in codes


# --- 成本指标 against 全年执行数 ----------------------------------------------------------

def test_cost_indicator_amount_differs_from_the_amount_spent_in_the_seeds(seed_report):
    costs = {r.file.split("content/")[1]: f for r in seed_report.results for f in r.findings if f.code == "cost-actual"}
    assert sorted(costs) == ["zibo-gxj/2020/07-rengong-zhineng-guihua.yml", "zibo-gxj/2021/02-xin-jingji.yml"]
    ai = costs["zibo-gxj/2020/07-rengong-zhineng-guihua.yml"]
    assert "79.9万元" in ai.public and "71.9" in ai.public


@pytest.mark.parametrize("name", [
    "anqing-jxj/2023/01-feigong-dangjian",    # ≤30000 元 / 30000 against 3 万元
    "anqing-jxj/2023/04-mo-suliao-shuaye",    # =10 万元 / 10
    "zibo-gxj/2021/03-guquan-touzi",          # 2000 against 2000
    "zibo-gxj/2021/05-anbao-wuxiandian",      # two cost rows: 0.15 + 1.95 against 2.1
    "anqing-jxj/2023/03-lituixiu-ganbu",      # a qualitative actual (达成预期指标)
])
def test_cost_indicators_that_agree_with_the_amount_spent(write, name):
    assert "cost-actual" not in _seed_codes(write, name)


@pytest.mark.parametrize("actual, executed", [("7", "7.35"), ("40", "42")])
def test_cost_indicator_against_the_amount_spent(write, actual, executed):
    """The cases a reader met: 7 against 7.35 spent, 40 against 42."""
    found = _seed(write, "anqing-jxj/2023/03-lituixiu-ganbu", ("target: 40 万, actual: 达成预期指标",
                                                               f"target: 40 万, actual: {actual}"),
                  ("total:  {initial: 40, budget: 40, executed: 40}",
                   f"total:  {{initial: 40, budget: 42, executed: {executed}}}"),
                  ("fiscal: {initial: 40, budget: 40, executed: 40}",
                   f"fiscal: {{initial: 40, budget: 42, executed: {executed}}}")).findings
    cost = [f for f in found if f.code == "cost-actual"]
    assert len(cost) == 1 and f"{actual}" in cost[0].message and executed in cost[0].public


def test_cost_rows_are_summed_before_the_comparison(write):
    codes = _seed_codes(write, "zibo-gxj/2021/05-anbao-wuxiandian", ("target: 1.95, actual: 1.95", "target: 1.95, actual: 2.95"))
    assert "cost-actual" in codes


# --- two indicators with the same name -----------------------------------------------

def test_two_indicators_with_the_same_name(write):
    found = _seed(write, "anqing-jxj/2023/01-feigong-dangjian", ("name: 活动阵地建设", "name: 开展主题教育")).findings
    duplicate = [f for f in found if f.code == "duplicate-indicator"]
    assert len(duplicate) == 1 and "开展主题教育" in duplicate[0].public and "2 次" in duplicate[0].public
    assert duplicate[0].line == 21 and "第 20 行" in duplicate[0].message and not re.search(r"第 \d+ 行", duplicate[0].public)


def test_same_name_with_other_spacing_is_a_duplicate_and_not_applicable_rows_are_not(write):
    spaced = _seed_codes(write, "anqing-jxj/2023/01-feigong-dangjian", ("name: 活动阵地建设", "name: 开展 主题教育"))
    assert "duplicate-indicator" in spaced
    not_applicable = _seed_codes(write, "anqing-jxj/2023/03-lituixiu-ganbu", ("name: 此指标不适用", "name: 本指标不适用"))
    assert "duplicate-indicator" not in not_applicable


def test_no_seed_table_repeats_an_indicator(seed_report):
    assert not [f for f in seed_report.all_findings() if f.code == "duplicate-indicator"]


# --- a blank 分值 or 得分, as printed -----------------------------------------------------

NOT_APPLICABLE = "{name: 此指标不适用, target: 此指标不适用, actual: 达成预期指标, weight: 0, score: 0}"


@pytest.mark.parametrize("blank", ["weight: ~, score: ~", 'weight: "", score: ""', "weight: null, score: 0"])
def test_a_not_applicable_row_may_print_blank_figures(write, blank):
    result = _seed(write, "anqing-jxj/2023/03-lituixiu-ganbu",
                   (NOT_APPLICABLE, NOT_APPLICABLE.replace("weight: 0, score: 0", blank)))
    assert result.findings == []
    leaf = next(l for l in result.scores.leaves if l.node.name == "此指标不适用")
    assert leaf.node.weight is None and leaf.weight == 0 and result.scores.total == 99


def test_a_blank_figure_of_an_applicable_row_is_reported_once(write):
    found = _seed(write, "anqing-jxj/2023/03-lituixiu-ganbu", ("weight: 5, score: 5}\n  - name: 效益指标",
                                                               "weight: ~, score: 5}\n  - name: 效益指标")).findings
    assert [f.code for f in found] == ["blank-figure"] and "分值" in found[0].public


def test_a_figure_left_out_is_an_error_that_says_how_to_write_a_blank(write):
    found = _seed(write, "anqing-jxj/2023/03-lituixiu-ganbu",
                  (NOT_APPLICABLE, NOT_APPLICABLE.replace("weight: 0, ", ""))).findings
    missing = [f for f in found if f.code == "missing-field"]
    assert len(missing) == 1 and "`weight: ~`" in missing[0].hint


def test_a_blank_figure_is_blank_in_the_open_data_too(write):
    from generator.checking.summary import indicator_rows

    result = _seed(write, "anqing-jxj/2023/03-lituixiu-ganbu",
                   (NOT_APPLICABLE, NOT_APPLICABLE.replace("weight: 0, score: 0", "weight: ~, score: ~")))
    row = next(r for r in indicator_rows(result.scores) if r["indicator"] == "此指标不适用")
    assert row["weight"] is None and row["score"] is None and row["weight_text"] in ("", None)


# --- declared weights against the weights below them, at every level ---------------------

FOUR_LEVELS = MINIMAL.replace("""      - name: 数量指标
        children:
          - {name: 培训人数, target: 100 人, actual: 100 人, weight: 50, score: 50}
""", """      - name: 数量指标
        weight: 50
        children:
          - name: 培训
            weight: 30
            children:
              - {name: 培训人数, target: 100 人, actual: 100 人, weight: 20, score: 20}
              - {name: 培训期数, target: 5 期, actual: 5 期, weight: 10, score: 10}
          - name: 宣传
            weight: 20
            children:
              - {name: 宣传场次, target: 4 场, actual: 4 场, weight: 20, score: 20}
""")

PROMOTION = "宣传场次, target: 4 场, actual: 4 场, weight: 20, score: 20"


def test_a_four_level_tree_whose_weights_agree_gives_no_finding(write):
    assert _codes(write, FOUR_LEVELS) == []


def test_a_declared_weight_is_compared_at_every_level_and_named_by_its_level(write):
    """宣传 says 20, its one row 15: one finding, at 宣传, naming the fourth level; 数量指标 and
    产出指标 add up their children's declared weights, so they are not reported again."""
    text = FOUR_LEVELS.replace(PROMOTION, PROMOTION.replace("20", "15"))
    found = process_file(write("content/u/2020/t.yml", text)).findings
    weights = [f for f in found if f.code in ("level-weight", "weight-total")]
    assert [(f.code, f.line) for f in weights] == [("level-weight", text[:text.index("weight: 20\n")].count("\n") + 1)]
    assert "宣传下四级指标分值合计为 15，应为 20" in weights[0].message
    assert "宣传下各项四级指标的分值加起来是 15" in weights[0].public


def test_a_category_without_a_weight_is_summed_through_to_its_rows(write):
    """数量指标 declares nothing: 产出指标 (50) is compared with 培训's 30 and 宣传's rows, 15."""
    text = (FOUR_LEVELS.replace("        weight: 50\n        children:\n          - name: 培训", "        children:\n          - name: 培训")
            .replace("            weight: 20\n", "").replace(PROMOTION, PROMOTION.replace("20", "15")))
    found = [f for f in process_file(write("content/u/2020/t.yml", text)).findings if f.code == "level-weight"]
    assert [f.message for f in found] == ["产出指标下三级指标、四级指标分值合计为 45，应为 50"]
