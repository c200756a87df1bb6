"""Formula kinds: each one on the published examples of the seeds, and properties that hold
for any parameters and inputs (scores within 0…weight; more is never worse where it should not be)."""
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.rules import formulas, registry
from generator.rules.formulas import (Band, BandsParams, CapParams, CeilingMinusParams, CompletionPenaltyParams,
                                DeductionsParams, JudgedParams, Level, NoParams, StepsParams, TargetMinusParams,
                                ZERO_DENOMINATOR)
from generator.loading.model import Expression, Indicator, Inputs, Reference, Value
from generator.quantities import Num, parse_num, round_to
from generator.rules.registry import Rule


def _rule(kind: str, params=None, **more) -> Rule:
    return Rule(rule=kind, params=params if params is not None else formulas.PARAMS[kind](), **more)


def _score(rule: Rule, weight, value):
    points = rule.points(D(weight), value)
    return None if points is None else round_to(points, 2)


def _award(text: str) -> Num:
    return parse_num(text)


def test_every_kind_is_declared_with_a_chinese_title_an_input_and_a_description():
    assert set(formulas.KINDS) >= {"proportional", "completion_penalty", "rate_points", "one_minus_rate",
                                   "target_minus", "ceiling_minus", "steps", "bands", "judged", "deductions"}
    for kind in formulas.KINDS.values():
        assert kind.title and kind.reads.title and kind.template
        assert formulas.PARAMS[kind.name] is kind.params


def test_rate_times_points_on_the_department_report():
    assert _score(_rule("rate_points"), 3, D("0.9908")) == D("2.97")  # 预算执行率 99.08% × 3
    assert _score(_rule("rate_points"), 3, D("1.2")) == D(3)  # capped at 100%


def test_one_minus_rate_floored_at_zero():
    assert _score(_rule("one_minus_rate"), 2, D("0.7470")) == D("0.51")  # 支出预算调整率 74.70%
    assert _score(_rule("one_minus_rate"), 2, D("3.5305")) == D(0)  # 预决算差异率 353.05%


def test_bands_with_a_gap_on_the_satisfaction_rate():
    bands = BandsParams(bands=[Band(min=D("0.95"), score=_award("5")),
                               Band(min=D("0.80"), max=D("0.94"), score=_award("3")),
                               Band(under=D("0.80"), score=_award("0"))], gap=_award("1"))
    rule = _rule("bands", bands)
    assert _score(rule, 5, D("0.8966")) == D(3)  # 满意度 89.66% → 3
    assert _score(rule, 5, D("0.97")) == D(5) and _score(rule, 5, D("0.5")) == D(0)
    assert _score(rule, 5, D("0.945")) == D(1)  # between 94% and 95%: the explicit gap result
    assert bands.uncovered() == D("0.945") and bands.problems() == []
    without_gap = BandsParams(bands=bands.bands)
    assert [name for name, _, _ in without_gap.problems()] == ["gap"]
    assert _score(_rule("bands", without_gap), 5, D("0.945")) is None


def test_bands_that_meet_need_no_gap_and_may_give_a_share():
    bands = BandsParams(bands=[Band(min=D("0.8"), score=_award("100%")), Band(under=D("0.8"), score=_award("60%"))])
    assert bands.uncovered() is None and bands.problems() == []
    assert _score(_rule("bands", bands), 5, D("0.79")) == D(3)


def test_suzhou_completion_penalties_from_its_scheme_file():
    suzhou = registry.schemes(())["suzhou-2020"]
    inputs, results = (suzhou.rule_for(Indicator(name="x"), (Indicator(name=n),)) for n in ("投入目标", "结果目标"))
    assert _score(inputs, 8, D("0.999")) == D("7.96")  # 预算执行率 99.9% of weight 8
    assert _score(inputs, 8, D("1.2")) == D(8) and _score(inputs, 8, D("1.35")) == D("7.6")  # 5 points over 130%
    assert _score(results, 16, D("12.33") / D(16)) == D(0)  # 77.06%: 22.94 points short × 5% each
    assert _score(results, 6, D(13) / D(8)) == D(6)  # 13 against 8: no ceiling for 结果/影响力


def test_target_minus_and_ceiling_minus_take_a_fixed_amount_per_point():
    below = _rule("target_minus", TargetMinusParams(per_point=D("0.2")))
    assert _score(below, 3, D("0.97")) == D("2.4") and _score(below, 3, D("1.01")) == D(3)
    assert _score(below, 3, D("0.5")) == D(0)
    above = _rule("ceiling_minus", CeilingMinusParams(per_point=D("0.2")))
    assert _score(above, 2, D("1.03")) == D("1.4") and _score(above, 2, D("0.8")) == D(2)


def test_target_minus_counts_a_part_of_a_point_as_a_whole_one_when_asked():
    # 政府采购执行率: “100%得满分，每降低1%以内（含1%）扣0.2分”
    whole = _rule("target_minus", TargetMinusParams(per_point=D("0.2"), partial="whole"))
    assert _score(whole, 2, D("0.995")) == D("1.8") and _score(whole, 2, D("0.99")) == D("1.8")
    assert _score(whole, 2, D("0.989")) == D("1.6") and _score(whole, 2, D(1)) == D(2)
    linear = _rule("target_minus", TargetMinusParams(per_point=D("0.2")))
    assert _score(linear, 2, D("0.995")) == D("1.9")


def test_a_change_rate_is_current_less_previous_over_previous():
    change = Indicator(name="培训费、会议费变动率", inputs=Inputs(current=parse_num("20.20"), previous=parse_num("4.32")))
    assert formulas.rate_of(change, {}) == (D("20.20") - D("4.32")) / D("4.32")
    nothing_before = Indicator(name="变动率", inputs=Inputs(current=parse_num("1"), previous=parse_num("0")))
    assert formulas.rate_of(nothing_before, {}) is ZERO_DENOMINATOR


def test_coarser_steps_count_whole_steps_or_parts_as_asked():
    half_per_ten = _rule("steps", StepsParams(step=D("0.1"), per_step=D("0.5")))
    assert _score(half_per_ten, 3, D("0.25")) == D(2)  # 0.5 off per full 10% of change
    assert _score(half_per_ten, 3, D("-0.25")) == D(2)  # a fall counts as a rise
    part_is_whole = _rule("steps", StepsParams(free=D("0.01"), step=D("0.01"), per_step=D("0.5"), partial="whole"))
    assert _score(part_is_whole, 2, D("0.01")) == D(2)  # 1% 以内（含 1%）
    assert _score(part_is_whole, 2, D("0.012")) == D("1.5")  # a part of a percent is a whole step
    assert [name for name, _, _ in StepsParams(step=D(0), per_step=D(1)).problems()] == ["step"]


def test_judged_levels_take_the_longest_label_and_leave_the_reason():
    levels = JudgedParams(levels=[Level(labels=["完善"], score=_award("100%")),
                                  Level(labels=["较为完善"], score=_award("80%")),
                                  Level(labels=["不健全"], score=_award("0"))])
    rule = _rule("judged", levels)
    assert _score(rule, 5, "较为完善：制度齐全，个别未执行") == D(4)
    assert _score(rule, 5, "完善") == D(5) and _score(rule, 5, "不健全，缺少内控制度") == D(0)
    assert _score(rule, 5, "尚可") is None  # no level: no rule score, and no guess


def test_deductions_per_problem_down_to_zero():
    rule = _rule("deductions", DeductionsParams(per_problem=D("0.5")))
    assert _score(rule, 2, D(3)) == D("0.5") and _score(rule, 2, D(5)) == D(0)


def test_a_zero_denominator_scores_only_with_an_explicit_result():
    spent_without_budget = Indicator(name="政府采购执行率", inputs=Inputs(numerator=parse_num("0.90"),
                                                                     denominator=parse_num("0")))
    assert formulas.rate_of(spent_without_budget, {}) is ZERO_DENOMINATOR
    explicit = _rule("target_minus", TargetMinusParams(per_point=D("0.2")), zero_denominator=_award("0"))
    assert _score(explicit, 2, ZERO_DENOMINATOR) == D(0)
    assert _score(_rule("target_minus", TargetMinusParams(per_point=D("0.2"))), 2, ZERO_DENOMINATOR) is None


def test_the_rate_input_is_written_referred_to_or_read_from_the_actual():
    referred = Indicator(name="预算执行率", inputs=Inputs(rate=Reference("funds.total.rate")))
    assert formulas.rate_of(referred, {"funds.total.rate": D("0.9908")}) == D("0.9908")
    assert formulas.rate_of(Indicator(name="满意度", actual=Value("89.66%")), {}) == D("0.8966")
    assert formulas.rate_of(Indicator(name="培训人数", actual=Value("57 人")), {}) is None


def test_descriptions_are_filled_with_the_parameters():
    suzhou = registry.schemes(())["suzhou-2020"]
    texts = registry.rule_descriptions(suzhou)
    assert any("完成率在 100% 至 130% 之间得满分；低于 100% 时每低 1 个百分点扣分值的 5%；"
               "高于 130% 时每高 1 个百分点扣分值的 1%" in text for text in texts)
    assert any("完成率达到 100% 得满分；低于 100% 时每低 1 个百分点扣分值的 5%" in text for text in texts)
    steps = _rule("steps", StepsParams(step=D("0.1"), per_step=D("0.5")))
    assert steps.description() == "比率（取绝对值）每 10% 扣 0.5 分；不足一档的部分不扣分，扣完为止"
    gap = _rule("bands", BandsParams(bands=[Band(min=D("0.95"), score=_award("5"))], gap=_award("0")))
    assert gap.description() == "比率：95% 及以上得 5 分；不在以上各档的得 0 分"


# --- properties -------------------------------------------------------------------------------

shares = st.decimals(min_value=0, max_value=1, places=3)
rates = st.decimals(min_value=-1, max_value=5, places=4)
points = st.decimals(min_value=0, max_value=2, places=2)
weights = st.decimals(min_value=0, max_value=50, places=2)
awards = st.one_of(st.decimals(min_value=0, max_value=60, places=1).map(lambda v: Num(v, str(v))),
                   shares.map(lambda v: Num(v, f"{v * 100}%", True)))
bounded_bands = st.lists(st.builds(Band, min=st.none() | shares, max=st.none() | shares, score=awards),
                         min_size=1, max_size=4)
PARAMS = {
    "proportional": st.builds(CapParams, cap=shares),
    "completion_penalty": st.builds(CompletionPenaltyParams, full_from=shares, full_to=st.none() | rates,
                                    below_per_point=st.none() | shares, above_per_point=st.none() | shares),
    "rate_points": st.builds(CapParams, cap=shares),
    "one_minus_rate": st.builds(NoParams),
    "target_minus": st.builds(TargetMinusParams, target=shares, per_point=points,
                              partial=st.sampled_from(["linear", "whole"])),
    "ceiling_minus": st.builds(CeilingMinusParams, ceiling=shares, per_point=points),
    "steps": st.builds(StepsParams, free=st.none() | shares, step=shares.filter(bool), per_step=points,
                       partial=st.sampled_from(["whole", "none"])),
    "bands": st.builds(BandsParams, bands=bounded_bands, gap=st.none() | awards),
    "deductions": st.builds(DeductionsParams, per_problem=points),
}
NUMERIC = sorted(PARAMS)


def test_the_properties_cover_every_kind_with_a_number_for_input():
    assert set(NUMERIC) | {"judged"} == set(formulas.KINDS)


@pytest.mark.parametrize("kind", NUMERIC)
@settings(max_examples=150, deadline=None)
@given(data=st.data(), weight=weights, value=rates)
def test_a_score_stays_within_zero_and_the_weight(kind, data, weight, value):
    rule = _rule(kind, data.draw(PARAMS[kind]))
    score = rule.points(weight, abs(value) * 10 if kind == "deductions" else value)
    assert score is None or 0 <= score <= weight


@given(weight=weights, labels=st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=4, unique=True),
       scores=st.lists(awards, min_size=4, max_size=4), text=st.text(max_size=8))
def test_a_judged_score_stays_within_zero_and_the_weight(weight, labels, scores, text):
    levels = [Level(labels=[label], score=score) for label, score in zip(labels, scores)]
    rule = _rule("judged", JudgedParams(levels=levels))
    score = rule.points(weight, text)
    assert score is None or 0 <= score <= weight


@pytest.mark.parametrize("kind", ["proportional", "completion_penalty", "rate_points", "target_minus"])
@settings(max_examples=150, deadline=None)
@given(data=st.data(), weight=weights, low=rates, rise=st.decimals(min_value=0, max_value=3, places=4))
def test_more_is_better_kinds_never_score_less_for_a_higher_completion(kind, data, weight, low, rise):
    params = data.draw(PARAMS[kind])
    rule = _rule(kind, params)
    if not rule.kind.more_is_better(params):
        return
    assert rule.points(weight, low) <= rule.points(weight, low + rise)


def test_a_penalty_above_the_ceiling_is_declared_not_more_is_better():
    kind = formulas.KINDS["completion_penalty"]
    assert not kind.more_is_better(CompletionPenaltyParams(full_to=D("1.3"), above_per_point=D("0.01")))
    assert kind.more_is_better(CompletionPenaltyParams(below_per_point=D("0.05")))


@settings(max_examples=150, deadline=None)
@given(weight=weights, per_point=points, rate=rates)
def test_a_part_of_a_point_counted_whole_never_scores_more_than_counted_in_part(weight, per_point, rate):
    whole = _rule("target_minus", TargetMinusParams(per_point=per_point, partial="whole"))
    linear = _rule("target_minus", TargetMinusParams(per_point=per_point))
    assert whole.points(weight, rate) <= linear.points(weight, rate)


figures = st.decimals(min_value=D("-1000"), max_value=D("1000"), places=2)


@settings(max_examples=150, deadline=None)
@given(a=figures, b=figures, c=figures, d=figures)
def test_an_expression_multiplies_and_divides_before_it_adds_and_takes_away(a, b, c, d):
    numbers = [Num(value, str(value)) for value in (a, b, c, d)]
    expression = Expression("a - b + c ÷ d", tuple(numbers), ("-", "+", "/"))
    assert formulas.evaluate(expression, {}) == (ZERO_DENOMINATOR if d == 0 else a - b + c / d)
    by_reference = Expression("x × y", (Reference("x"), numbers[1]), ("*",))
    assert formulas.evaluate(by_reference, {"x": a}) == a * b
    assert formulas.evaluate(by_reference, {}) is None
