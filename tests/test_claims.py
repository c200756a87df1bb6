"""Narrative figures tied to the figures they restate (`claims:`), on the Suzhou report's tables:
each kind of reference, the precision and units they are compared at, and what cannot be read."""
from __future__ import annotations

from dataclasses import replace

import pytest

from generator.building.pipeline import process_file
from generator.checking import claims
from generator.loading.model import Claim, Section
from generator.rules import registry

from .conftest import CONTENT

FILE = CONTENT / "suzhou-gxj" / "2020" / "01-xianjin-zhizao.yml"
BUDGET = "市级预算执行情况（万元）"
COMPOSITION = "项目资金构成（详细列出各子项目名称和金额）"


@pytest.fixture(scope="module")
def seed():
    result = process_file(FILE)
    assert result.ok
    return result


def _check(seed, body: str, *tied: Claim):
    """The findings of one section written with the given text and claims, on the seed's tables."""
    section = Section(title="测试小节", body=body, claims=list(tied))
    evaluation = replace(seed.evaluation, sections=[section])
    return claims.check(evaluation, registry.forms(())["suzhou-2020"], seed.scores)


def test_a_sum_of_columns_is_restated_and_compared_at_the_less_precise_figure(seed):
    budget = f"{BUDGET}.年初预算数 + {BUDGET}.当年使用上年结余、结转及当年调整预算数"
    assert _check(seed, "全年预算57622.8万元。", Claim(figure="57622.8万元", restates=budget)) == []
    assert _check(seed, "全年预算57623万元。", Claim(figure="57623万元", restates=budget)) == []  # rounded
    [finding] = _check(seed, "全年预算57624万元。", Claim(figure="57624万元", restates=budget))
    assert finding.code == "narrative-figure" and "50660.00 + 6962.80 = 57622.80" in finding.message
    assert "相差 1.20" in finding.message and "年初预算数 + 当年使用上年结余" in finding.public


def test_an_indicator_figure_in_another_money_unit_is_converted(seed):
    value = Claim(figure="93870000万元", restates="2019年全市规模以上装备制造业产值.实际完成值")  # =9387亿元
    assert _check(seed, "产值93870000万元。", value) == []
    [finding] = _check(seed, "产值9000万元。", replace(value, figure="9000万元"))
    assert "=9387亿元" in finding.message


def test_the_completion_a_text_states_is_the_one_scoring_works_out(seed):
    rate = Claim(figure="77.06%", restates="淘汰落后产能节约标煤.完成率")
    assert _check(seed, "完成率为77.06%。", rate) == []
    assert _check(seed, "完成率为77.1%。", replace(rate, figure="77.1%")) == []  # 77.0625% at one place
    [finding] = _check(seed, "完成率为78%。", replace(rate, figure="78%"))
    assert "77.06%" in finding.public and "相差 0.94" in finding.public


def test_the_words_around_a_figure_tell_which_of_its_occurrences_is_meant(seed):
    body = "甲项目1个；乙项目2个。"
    tied = Claim(figure="1个", text="甲项目1个", restates="支持集成电路公共平台个数.目标值")  # =1个
    assert _check(seed, body, tied) == []
    [error] = _check(seed, body, replace(tied, text="丙项目1个"))
    assert error.code == "claim-not-in-text" and error.severity == "error" and "丙项目1个" in error.message
    [error] = _check(seed, body, replace(tied, figure="2个"))
    assert error.code == "claim-not-in-text" and "原话中的数字" in error.message


def test_references_that_name_nothing_or_no_figure_are_errors(seed):
    [unknown] = _check(seed, "下达57572.29万元。", Claim(figure="57572.29万元", restates=f"{BUDGET}.财政拨付数"))
    assert unknown.code == "unknown-choice" and f"{BUDGET}.财政拨款数" in unknown.message
    [qualitative] = _check(seed, "制度健全3项。", Claim(figure="3项", restates="财务制度健全性.目标值"))  # 健全
    assert qualitative.code == "wrong-type" and "健全" in qualitative.message
    [units] = _check(seed, "标煤16万吨。", Claim(figure="16万吨", restates="2019年全市规模以上装备制造业产值.目标值"))
    assert units.code == "wrong-type" and "亿元" in units.message
    [prose] = _check(seed, "约两成。", Claim(figure="两成", restates=f"{BUDGET}.财政拨款数"))
    assert prose.code == "wrong-type"


def test_a_section_restating_a_whole_category_names_each_of_its_indicators(seed):
    body = "扶持生物医药产业项目6个。"
    tied = Claim(figure="6个", restates="扶持生物医药产业项目个数.目标值")
    section = Section(title="年度目标", body=body, claims=[tied], restates_all="产出目标")
    form = registry.forms(())["suzhou-2020"]
    [omits] = claims.check(replace(seed.evaluation, sections=[section]), form, seed.scores)
    assert omits.code == "narrative-omits" and "53 项" in omits.message and "只有 1 项" in omits.message
    assert "“人工智能企业做大做强项目”" in omits.message and "“扶持生物医药产业项目个数”" not in omits.message
    [unknown] = claims.check(replace(seed.evaluation, sections=[replace(section, restates_all="产出指标")]), form,
                             seed.scores)
    assert unknown.code == "unknown-choice" and "产出目标" in unknown.message


def test_a_row_below_the_head_is_named_by_its_label_and_amounts_convert_by_the_tables_unit(seed):
    row = f"{COMPOSITION}.信创规划和软件系统.实际金额（万元）"  # 120, the table in 万元
    assert _check(seed, "信创120万元。", Claim(figure="120万元", restates=row)) == []
    assert _check(seed, "信创0.012亿元。", Claim(figure="0.012亿元", restates=row)) == []
    [finding] = _check(seed, "信创0.02亿元。", Claim(figure="0.02亿元", restates=row))
    assert "“信创规划和软件系统”的实际金额（万元）" in finding.public and "相差 0.008" in finding.public
    [unknown] = _check(seed, "信创120万元。", Claim(figure="120万元", restates=row.replace("软件系统", "软件")))
    assert unknown.code == "unknown-choice" and f"{COMPOSITION}.信创规划和软件系统" in unknown.message


def test_several_figures_of_the_text_add_up_to_the_one_they_restate(seed):
    body = "1月下达100万元，12月下达20万。"
    row = f"{COMPOSITION}.信创规划和软件系统.实际金额（万元）"
    assert _check(seed, body, Claim(figure="100万元 + 20万", restates=row)) == []
    [finding] = _check(seed, body.replace("20万", "30万"), Claim(figure="100万元 + 30万", restates=row))
    assert "写的 100万元、30万 合计 130万元" in finding.public and "相差 10" in finding.public
    [missing] = _check(seed, body, Claim(figure="100万元 + 30万", restates=row))
    assert missing.code == "claim-not-in-text" and "30万" in missing.message


def test_an_evaluation_without_claims_costs_nothing(seed):
    evaluation = replace(seed.evaluation, sections=[Section(title="甲", body="57508.48万元")])
    assert claims.check(evaluation, registry.forms(())["suzhou-2020"], seed.scores) == []
