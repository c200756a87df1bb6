"""Formula kinds: the vocabulary a scheme scores indicators with.

Each kind is declared once, the way findings are: a name, a Chinese title, the one
input it reads, its typed parameters (a dataclass of spec() fields, so that a
scheme's `params:` are converted and checked like content) and a Chinese
description template that the data page prints with the scheme's own numbers.
A kind gives points for a weight; the rule that uses it keeps the result within
0…weight.

A description template is clauses separated by “；”. A clause may offer
alternatives separated by “|”: the first whose parameters are all given is
printed, and a clause none of whose alternatives can be filled is left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Callable

from ..loading.model import AWARD, DECIMAL, TEXT, Choice, Expression, ListOf, Located, Reference, spec
from ..quantities import Num, format_number, parse_num
from ..loading.schema import fields_of

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)

# How a parameter is printed in a description: a percentage, points, a score (points or
# a share of the weight), one of a choice's texts (a dict), or a list of parts (each its text()).
AS_PERCENT, AS_POINTS, AS_AWARD, AS_PARTS = "percent", "points", "award", "parts"


class _ZeroDenominator:
    """A ratio whose denominator is zero: scored by the rule's explicit result, if it has one."""

    def __repr__(self) -> str:
        return "ZERO_DENOMINATOR"

    def __reduce__(self):
        return "ZERO_DENOMINATOR"  # pickles as this module's one instance


ZERO_DENOMINATOR = _ZeroDenominator()


# --- the inputs a formula reads -----------------------------------------------------------------

def figure(value: Num | Reference | Expression | None, figures: dict):
    """An input as a number: written, computed elsewhere in the file, or an expression of them
    (None when absent or a part is; ZERO_DENOMINATOR when an expression divides by zero)."""
    if value is None:
        return None
    if isinstance(value, Reference):
        return figures.get(value.name)
    if isinstance(value, Expression):
        return evaluate(value, figures)
    return value.value


def evaluate(expression: Expression, figures: dict):
    """× and ÷ first, then + and −, each from left to right."""
    operands = [figure(operand, figures) for operand in expression.operands]
    if not all(isinstance(operand, Decimal) for operand in operands):
        return None
    terms, signs = [operands[0]], []
    for operator, operand in zip(expression.operators, operands[1:]):
        if operator == "*":
            terms[-1] *= operand
        elif operator == "/":
            if operand == 0:
                return ZERO_DENOMINATOR
            terms[-1] /= operand
        else:
            terms.append(operand)
            signs.append(operator)
    result = terms[0]
    for sign, term in zip(signs, terms[1:]):
        result = result + term if sign == "+" else result - term
    return result


def ratio(numerator, denominator):
    """numerator ÷ denominator; ZERO_DENOMINATOR for a zero one; None when either is missing."""
    if denominator is ZERO_DENOMINATOR or numerator is ZERO_DENOMINATOR:
        return ZERO_DENOMINATOR
    if not isinstance(numerator, Decimal) or not isinstance(denominator, Decimal):
        return None
    return ZERO_DENOMINATOR if denominator == 0 else numerator / denominator


def rate_of(node, figures: dict):
    """The rate an indicator gives: `inputs.rate`, or numerator ÷ denominator, or the change
    (current − previous) ÷ previous, or an actual written as a percentage."""
    given = node.inputs
    if given is not None and given.rate is not None:
        return figure(given.rate, figures)
    if given is not None and given.numerator is not None and given.denominator is not None:
        return ratio(figure(given.numerator, figures), figure(given.denominator, figures))
    if given is not None and given.current is not None and given.previous is not None:
        current, previous = figure(given.current, figures), figure(given.previous, figures)
        if not isinstance(current, Decimal) or not isinstance(previous, Decimal):
            return ratio(current, previous)
        return ratio(current - previous, previous)
    actual = parse_num(node.actual.text) if node.actual is not None else None
    return actual.value if actual is not None and actual.percent else None


def level_text(node, figures: dict) -> str | None:
    if node.judgement:
        return node.judgement
    return node.actual.text if node.actual is not None else None


def problems_of(node, figures: dict):
    return figure(node.inputs.problems if node.inputs is not None else None, figures)


@dataclass(frozen=True)
class Input:
    name: str
    title: str
    description: str
    read: Callable | None  # (indicator, figures) -> value; None: scoring works it out


COMPLETION = Input("completion", "完成率",
                   "实际完成值 ÷ 年度指标值；越小越好的指标为 年度指标值 ÷ 实际完成值（不超过年度指标值即为 100%）。", None)
RATE = Input("rate", "比率",
             "指标 inputs 中的 rate（数字，或引用同一文件中算出的数，如 funds.total.rate），"
             "或 numerator ÷ denominator，或写成百分数的实际完成值。", rate_of)
LEVEL = Input("level", "评价等级", "评价结论 judgement 开头写的等级（其后写理由）；没有评价结论时取实际完成值。",
              level_text)
PROBLEMS = Input("problems", "问题个数", "指标 inputs 中的 problems：发现并列出的问题个数。", problems_of)


def clamp(points: Decimal, weight: Decimal) -> Decimal:
    return max(ZERO, min(points, weight))


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    reads: Input
    params: type
    template: str
    compute: Callable  # (weight, input value, params) -> points, or None when it cannot say
    more_is_better: Callable  # (params) -> True when a higher input never lowers the points

    def describe(self, params, input_title: str | None = None) -> str:
        return fill(self.template, params, input_title or self.reads.title)


KINDS: dict[str, Kind] = {}
PARAMS: dict[str, type] = {}  # the parameters' class of each kind, for the converter


def declare(name: str, title: str, reads: Input, params: type, template: str, more_is_better=False):
    """Declares a kind; `more_is_better` is a bool, or a function of the parameters."""
    def register(compute):
        assert name not in KINDS, name
        monotone = more_is_better if callable(more_is_better) else (lambda _: more_is_better)
        KINDS[name] = Kind(name, title, reads, params, template, compute, monotone)
        PARAMS[name] = params
        return compute
    return register


def award(value: Num, weight: Decimal) -> Decimal:
    """A score written as points (`3`) or as a share of the weight (`60%`)."""
    return weight * value.value if value.percent else value.value


def award_text(value: Num) -> str:
    """`得 3 分`, `得分值的 60%`."""
    return f"得分值的 {value.text}" if value.percent else f"得 {value.text} 分"


def percent_text(value: Decimal) -> str:
    return f"{format_number(value * HUNDRED, 2)}%"


# --- describing ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, params, input_title: str) -> str:
    shown = {"input": input_title}
    for name, meta in fields_of(type(params)):
        value = getattr(params, name)
        if value is not None and value != []:
            shown[name] = _show(value, meta.get("show", AS_PERCENT))
    clauses = []
    for clause in template.split("；"):
        filled = next((alternative.format(**shown) for alternative in clause.split("|")
                       if all(name in shown for name in _PLACEHOLDER.findall(alternative))), None)
        if filled:
            clauses.append(filled)
    return "；".join(clauses)


def _show(value, show) -> str:
    if isinstance(show, dict):
        return show[value]
    if show == AS_PERCENT:
        return percent_text(value)
    if show == AS_POINTS:
        return f"{format_number(value, 2)} 分"
    if show == AS_AWARD:
        return award_text(value)
    return "，".join(part.text() for part in value)


# --- the kinds ---------------------------------------------------------------------------

@dataclass
class NoParams(Located):
    """one_minus_rate（一减比率乘分值）没有参数。"""


@dataclass
class CapParams(Located):
    """proportional（比例计分）与 rate_points（比率乘分值）的参数。"""

    cap: Decimal = spec("上限", "超过此值按此值计，如 100%。", DECIMAL, default=ONE, show=AS_PERCENT)


@declare("proportional", "比例计分", COMPLETION, CapParams,
         "越大越好的按“实际完成值 ÷ 年度指标值 × 分值”计分，越小越好的按“年度指标值 ÷ 实际完成值 × 分值”计分；"
         "完成率超过 {cap} 按 {cap} 计", more_is_better=True)
def _proportional(weight: Decimal, completion: Decimal, p: CapParams) -> Decimal:
    return weight * min(completion, p.cap)


@dataclass
class CompletionPenaltyParams(Located):
    """completion_penalty（完成率扣分）的参数。"""

    full_from: Decimal = spec("满分下限", "完成率达到此值（含）得满分，如 100%。", DECIMAL, default=ONE, show=AS_PERCENT)
    full_to: Decimal | None = spec("满分上限", "完成率超过此值开始扣分，如 130%；不写则不设上限。", DECIMAL,
                                   show=AS_PERCENT)
    below_per_point: Decimal | None = spec("低于下限每个百分点扣分", "占分值的比例，如 5%。", DECIMAL, show=AS_PERCENT)
    above_per_point: Decimal | None = spec("高于上限每个百分点扣分", "占分值的比例，如 1%。", DECIMAL, show=AS_PERCENT)


@declare("completion_penalty", "完成率扣分", COMPLETION, CompletionPenaltyParams,
         "完成率在 {full_from} 至 {full_to} 之间得满分|完成率达到 {full_from} 得满分；"
         "低于 {full_from} 时每低 1 个百分点扣分值的 {below_per_point}；"
         "高于 {full_to} 时每高 1 个百分点扣分值的 {above_per_point}",
         more_is_better=lambda p: p.full_to is None or not p.above_per_point)
def _completion_penalty(weight: Decimal, completion: Decimal, p: CompletionPenaltyParams) -> Decimal:
    """Full marks between two completion rates; a fixed share of the weight lost per point outside."""
    if completion < p.full_from:
        return weight * (ONE - (p.below_per_point or ZERO) * (p.full_from - completion) * HUNDRED)
    if p.full_to is not None and completion > p.full_to:
        return weight * (ONE - (p.above_per_point or ZERO) * (completion - p.full_to) * HUNDRED)
    return weight


@declare("rate_points", "比率乘分值", RATE, CapParams,
         "得分 = 分值 × {input}；{input}超过 {cap} 按 {cap} 计", more_is_better=True)
def _rate_points(weight: Decimal, rate: Decimal, p: CapParams) -> Decimal:
    return weight * min(rate, p.cap)


# "|" separates a template's alternatives: the absolute value is said in words
@declare("one_minus_rate", "一减比率乘分值", RATE, NoParams, "得分 = (1 − {input}的绝对值) × 分值，最低为 0")
def _one_minus_rate(weight: Decimal, rate: Decimal, p: NoParams) -> Decimal:
    return weight * (ONE - abs(rate))


@dataclass
class TargetMinusParams(Located):
    """target_minus（达标得满分、不足按点扣分）的参数。"""

    target: Decimal = spec("达标值", "比率达到此值（含）得满分，如 100%。", DECIMAL, default=ONE, show=AS_PERCENT)
    per_point: Decimal | None = spec("每个百分点扣分", "比率每低于达标值 1 个百分点扣的分数，如 0.1。", DECIMAL,
                                     required=True, show=AS_POINTS)
    partial: str = spec("不足一个百分点", "linear：按比例扣（低 0.5 个百分点扣一半）；whole：按一个百分点扣"
                        "（“每降低 1% 以内（含 1%）”的写法）。", Choice(("linear", "whole")), default="linear",
                        show={"linear": "不足 1 个百分点的按比例扣分", "whole": "不足 1 个百分点的按 1 个百分点扣分"})


@declare("target_minus", "达标得满分、不足按点扣分", RATE, TargetMinusParams,
         "{input}达到 {target} 得满分，每低 1 个百分点扣 {per_point}；{partial}，扣完为止", more_is_better=True)
def _target_minus(weight: Decimal, rate: Decimal, p: TargetMinusParams) -> Decimal:
    if rate >= p.target:
        return weight
    points_below = (p.target - rate) * HUNDRED
    if p.partial == "whole":
        points_below = points_below.to_integral_value(rounding=ROUND_CEILING)
    return weight - p.per_point * points_below


@dataclass
class CeilingMinusParams(Located):
    """ceiling_minus（不超上限得满分、超出按点扣分）的参数。"""

    ceiling: Decimal = spec("上限", "比率不超过此值（含）得满分，如 100%。", DECIMAL, default=ONE, show=AS_PERCENT)
    per_point: Decimal | None = spec("每个百分点扣分", "比率每超过上限 1 个百分点扣的分数，如 0.2。", DECIMAL,
                                     required=True, show=AS_POINTS)


@declare("ceiling_minus", "不超上限得满分、超出按点扣分", RATE, CeilingMinusParams,
         "{input}不超过 {ceiling} 得满分，每高 1 个百分点扣 {per_point}，扣完为止")
def _ceiling_minus(weight: Decimal, rate: Decimal, p: CeilingMinusParams) -> Decimal:
    return weight if rate <= p.ceiling else weight - p.per_point * (rate - p.ceiling) * HUNDRED


@dataclass
class StepsParams(Located):
    """steps（按档扣分）的参数。"""

    free: Decimal | None = spec("不扣分幅度", "比率（取绝对值）在此值以内（含）得满分，如 1%；不写为 0。", DECIMAL,
                                show=AS_PERCENT)
    step: Decimal | None = spec("每档幅度", "超出部分每满这一幅度扣一次分，如 10%。", DECIMAL, required=True,
                                show=AS_PERCENT)
    per_step: Decimal | None = spec("每档扣分", "如 0.5。", DECIMAL, required=True, show=AS_POINTS)
    partial: str = spec("不足一档", "whole：不足一档按一档扣（如“1% 以内（含 1%）”的写法）；none：不足一档的部分不扣。",
                        Choice(("whole", "none")), default="none",
                        show={"whole": "不足一档的按一档计", "none": "不足一档的部分不扣分"})

    def problems(self) -> list[tuple[str, str, str]]:
        if self.step is not None and self.step <= 0:
            return [("step", "应大于 0", "写每档的幅度，如 10%。")]
        return []


@declare("steps", "按档扣分", RATE, StepsParams,
         "{input}（取绝对值）在 {free} 以内（含）得满分；超出 {free} 的部分每 {step} 扣 {per_step}|"
         "{input}（取绝对值）每 {step} 扣 {per_step}；{partial}，扣完为止")
def _steps(weight: Decimal, rate: Decimal, p: StepsParams) -> Decimal:
    excess = abs(rate) - (p.free or ZERO)
    if excess <= 0:
        return weight
    rounding = ROUND_CEILING if p.partial == "whole" else ROUND_FLOOR
    return weight - p.per_step * (excess / p.step).to_integral_value(rounding=rounding)


@dataclass
class Band(Located):
    """一档：比率的范围及其得分。"""

    min: Decimal | None = spec("下限（含）", "如 95%；不写则不设下限。", DECIMAL)
    max: Decimal | None = spec("上限（含）", "如 94%；不写则不设上限。", DECIMAL)
    under: Decimal | None = spec("上限（不含）", "如 80% 表示低于 80%；与 max 只写一个。", DECIMAL)
    score: Num | None = spec("得分", "分数（如 3），或占分值的百分比（如 60%）。", AWARD, required=True)

    def admits(self, value: Decimal) -> bool:
        return ((self.min is None or value >= self.min) and (self.max is None or value <= self.max)
                and (self.under is None or value < self.under))

    def bounds(self) -> list[Decimal]:
        return [bound for bound in (self.min, self.max, self.under) if bound is not None]

    def text(self) -> str:
        low = None if self.min is None else percent_text(self.min)
        high = percent_text(self.max) if self.max is not None else None
        under = percent_text(self.under) if self.under is not None else None
        if low and high:
            span = f"{low} 至 {high}"
        elif low and under:
            span = f"{low}（含）至 {under}（不含）"
        elif low:
            span = f"{low} 及以上"
        elif high:
            span = f"{high} 及以下"
        elif under:
            span = f"低于 {under}"
        else:
            span = "任何值"
        return f"{span}{award_text(self.score)}" if self.score else span


@dataclass
class BandsParams(Located):
    """bands（分档计分）的参数。"""

    bands: list[Band] = spec("各档", "从上到下逐档比较，落入的第一档给分；档与档之间可以有空隙。", ListOf(Band),
                             required=True, default=[], show=AS_PARTS)
    gap: Num | None = spec("空隙得分", "不落入任何一档时的得分；各档首尾相接时可不写。", AWARD, show=AS_AWARD)

    def problems(self) -> list[tuple[str, str, str]]:
        found = [("bands", "中有一档同时写了 max 和 under", "上限只写一个：含上限写 max，不含写 under。")
                 for band in self.bands if band.max is not None and band.under is not None][:1]
        hole = self.uncovered()
        if self.gap is None and hole is not None:
            found.append(("gap", f"没有写：各档之间有空隙（如 {percent_text(hole)} 不落入任何一档）",
                          "用 gap 写明落在空隙时的得分，如 gap: 0。"))
        return found

    def uncovered(self) -> Decimal | None:
        """A value from 0 up that falls in no band, if there is one. Checking every bound, a
        point between each two and one beyond the last is enough: each band is an interval
        with its ends among the bounds."""
        points = sorted({ZERO, *(bound for band in self.bands for bound in band.bounds() if bound >= 0)})
        candidates = points + [(a + b) / 2 for a, b in zip(points, points[1:])] + [points[-1] + 1]
        return next((value for value in sorted(candidates)
                     if not any(band.admits(value) for band in self.bands)), None)


@declare("bands", "分档计分", RATE, BandsParams, "{input}：{bands}；不在以上各档的{gap}")
def _bands(weight: Decimal, rate: Decimal, p: BandsParams) -> Decimal | None:
    band = next((band for band in p.bands if band.admits(rate)), None)
    if band is not None:
        return award(band.score, weight)
    return None if p.gap is None else award(p.gap, weight)


@dataclass
class Level(Located):
    """一个评价等级及其得分。"""

    labels: list[str] = spec("等级", "如 [效果显著]；同一等级的几种写法可以并列。", ListOf(TEXT), required=True,
                             default=[])
    score: Num | None = spec("得分", "分数（如 4），或占分值的百分比（如 80%）。", AWARD, required=True)

    def text(self) -> str:
        return f"{'或'.join(self.labels)}{award_text(self.score)}" if self.score else "或".join(self.labels)


@dataclass
class JudgedParams(Located):
    """judged（按评价等级计分）的参数。"""

    levels: list[Level] = spec("各等级", "评价结论写成“等级：理由”，如“较为完善：制度齐全，个别未执行”。",
                               ListOf(Level), required=True, default=[], show=AS_PARTS)

    def level_of(self, text: str) -> Level | None:
        """The level the text begins with (the longest label that fits)."""
        text = text.strip()
        fitting = [(len(label), level) for level in self.levels for label in level.labels if text.startswith(label)]
        return max(fitting, key=lambda pair: pair[0])[1] if fitting else None


@declare("judged", "按评价等级计分", LEVEL, JudgedParams, "{levels}；按评价结论开头写明的等级计分")
def _judged(weight: Decimal, text: str, p: JudgedParams) -> Decimal | None:
    level = p.level_of(text)
    return None if level is None else award(level.score, weight)


@dataclass
class DeductionsParams(Located):
    """deductions（按问题扣分）的参数。"""

    per_problem: Decimal | None = spec("每个问题扣分", "如 0.5。", DECIMAL, required=True, show=AS_POINTS)


@declare("deductions", "按问题扣分", PROBLEMS, DeductionsParams, "每发现 1 个问题扣 {per_problem}，扣完为止")
def _deductions(weight: Decimal, problems: Decimal, p: DeductionsParams) -> Decimal:
    return weight - p.per_problem * problems
