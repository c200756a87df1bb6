"""Scoring: execution rates, rule scores, subtotals, total and grade.

The rules come from a scheme file (`schemes/*.yml`); this module is the small
engine that applies them. Entered scores are what the total adds up, as the
published tables do; the rule score stands beside each one for comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .model import Evaluation, Indicator
from .quantities import EQUAL, HIGHER, LOWER, Quantity, direction_in_name, parse_quantity, round_to
from .registry import Form, QualitativeLevel, Scheme

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


# The rules' parameters arrive as Decimals (registry._exact).

def _proportional(completion: Decimal, cap=ONE) -> Decimal:
    return min(completion, cap)


def _completion_penalty(completion: Decimal, full_from=ONE, full_to=None, below_per_point=ZERO,
                        above_per_point=ZERO) -> Decimal:
    """Full marks between two completion rates; a fixed share lost per point outside."""
    if completion < full_from:
        return max(ZERO, ONE - below_per_point * (full_from - completion) * HUNDRED)
    if full_to is not None and completion > full_to:
        return max(ZERO, ONE - above_per_point * (completion - full_to) * HUNDRED)
    return ONE


def _bands(completion: Decimal, bands=()) -> Decimal:
    """Step scores: the first band whose `from` the completion reaches gives its share."""
    for band in bands:
        if completion >= band["from"]:
            return band["share"]
    return ZERO


RULES = {"proportional": _proportional, "completion_penalty": _completion_penalty, "bands": _bands}
RULE_NAMES_ZH = {"proportional": "比例计分", "completion_penalty": "完成率扣分", "bands": "分档计分"}


@dataclass
class LeafScore:
    node: Indicator
    level1: Indicator | None
    level2: Indicator | None
    applicable: bool
    weight: Decimal  # the node's, or 0 when it has none
    score: Decimal   # the entered score, or 0
    level: QualitativeLevel | None = None
    target: Quantity | None = None
    actual: Quantity | None = None
    direction: str | None = None
    completion: Decimal | None = None
    rule: str | None = None
    rule_score: Decimal | None = None


@dataclass
class Subtotal:
    node: Indicator
    depth: int
    weight: Decimal
    score: Decimal
    rule_score: Decimal


@dataclass
class Scores:
    rates: dict[str, Decimal | None] = field(default_factory=dict)
    funds_weight: Decimal = ZERO
    funds_score: Decimal | None = None  # computed from the amounts
    funds_score_used: Decimal = ZERO    # what enters the total
    leaves: list[LeafScore] = field(default_factory=list)
    subtotals: list[Subtotal] = field(default_factory=list)
    weight_total: Decimal = ZERO
    total: Decimal = ZERO
    rule_total: Decimal = ZERO
    grade: str | None = None


def is_not_applicable(node: Indicator) -> bool:
    if node.applicable is not None:
        return not node.applicable
    return "不适用" in node.name or (node.target is not None and "不适用" in node.target.text)


def score(evaluation: Evaluation, form: Form, scheme: Scheme) -> Scores:
    result = Scores()
    _score_funds(evaluation, scheme, result)
    weight, score_, rule = _Walk(result, scheme, len(form.levels)).indicators(evaluation.indicators)
    result.weight_total = result.funds_weight + weight
    result.total = result.funds_score_used + score_
    result.rule_total = result.funds_score_used + rule
    result.grade = scheme.grade(result.total)
    return result


class _Walk:
    """One pass over the indicator tree: each assessed row is scored (document order),
    and each row above them gets its subtotal (after its children)."""

    def __init__(self, result: Scores, scheme: Scheme, depth_of_leaves: int):
        self.result, self.scheme, self.depth_of_leaves = result, scheme, depth_of_leaves

    def indicators(self, nodes: list[Indicator], depth: int = 1, level1=None, level2=None) -> tuple:
        """The (weight, score, rule score) sums of the nodes."""
        weight = score_ = rule = ZERO
        for node in nodes:
            if depth == 1:
                level1 = node
            elif depth == 2:
                level2 = node
            if not node.children and (depth >= self.depth_of_leaves or node.weight is not None
                                      or node.score is not None):
                leaf = _score_leaf(node, level1 if depth > 1 else None, level2 if depth > 2 else None,
                                   self.scheme)
                self.result.leaves.append(leaf)
                sums = leaf.weight, leaf.score, leaf.score if leaf.rule_score is None else leaf.rule_score
            else:
                sums = self.indicators(node.children, depth + 1, level1, level2)
                self.result.subtotals.append(Subtotal(node, depth, *sums))
            weight, score_, rule = weight + sums[0], score_ + sums[1], rule + sums[2]
        return weight, score_, rule


def _score_funds(evaluation: Evaluation, scheme: Scheme, result: Scores) -> None:
    funds = evaluation.funds
    if funds is None or funds.rows is None:
        return
    for key, row in funds.rows.present():
        if row.budget is not None and row.executed is not None and row.budget.value != 0:
            result.rates[key] = row.executed.value / row.budget.value
        else:
            result.rates[key] = None
    result.funds_weight = funds.weight.value if funds.weight else ZERO
    rate = result.rates.get("total")
    if rate is not None:
        result.funds_score = round_to(result.funds_weight * min(rate, scheme.funds_cap), scheme.score_places)
        result.funds_score_used = result.funds_score
    elif evaluation.published and evaluation.published.funds_score is not None:
        result.funds_score_used = evaluation.published.funds_score.value


def _score_leaf(node: Indicator, level1, level2, scheme: Scheme) -> LeafScore:
    leaf = LeafScore(node, level1, level2, not is_not_applicable(node),
                     node.weight.value if node.weight else ZERO, node.score.value if node.score else ZERO)
    if not leaf.applicable or node.actual is None:
        return leaf
    leaf.level = scheme.level(node.actual.text)
    if leaf.level is not None:
        return leaf
    leaf.target = parse_quantity(node.target.text) if node.target else None
    leaf.actual = parse_quantity(node.actual.text)
    if leaf.target is None or leaf.actual is None or node.weight is None:
        return leaf
    actual = leaf.actual.in_unit_of(leaf.target)
    leaf.direction = _direction(node, leaf.target, level2, scheme)
    leaf.completion = _completion(leaf.target.number, actual, leaf.direction)
    rule = scheme.rule_for(level1.name if level1 else "")
    if leaf.completion is None or rule is None:
        return leaf
    share = RULES[rule.rule](leaf.completion, **rule.params)
    leaf.rule = RULE_NAMES_ZH[rule.rule]
    leaf.rule_score = round_to(node.weight.value * share, scheme.score_places)
    return leaf


def _direction(node: Indicator, target: Quantity, level2, scheme: Scheme) -> str:
    if node.direction:
        return node.direction
    if target.direction:
        return target.direction
    named = direction_in_name(node.name)
    if named:
        return named
    if level2 is not None and level2.name in scheme.lower_is_better_categories:
        return LOWER
    return HIGHER


def _completion(target: Decimal, actual: Decimal | None, direction: str) -> Decimal | None:
    """How far the actual meets the target: 1 is exactly met."""
    if actual is None:
        return None
    if direction == HIGHER:
        return actual / target if target else (ONE if actual >= 0 else None)
    if direction == LOWER:
        return target / actual if actual else ONE
    if direction == EQUAL:
        if actual == target:
            return ONE
        if not target or not actual:
            return ZERO
        return min(actual / target, target / actual)
    return None
