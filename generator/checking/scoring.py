"""Scoring: execution rates, rule scores, subtotals, total and grade.

The rules come from a scheme file (`schemes/*.yml`) and their formulas from
`formulas.py`; this module walks an indicator tree of any depth and applies them.
Entered scores are what the total adds up, as the published tables do; the rule
score stands beside each one for comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter

from . import identities
from ..rules.formulas import ZERO_DENOMINATOR, award, percent_text, rate_of
from ..loading.model import (FIGURES, FUNDS_FIGURES, FUNDS_ROW_KEYS, Evaluation, Expression, Indicator, Reference,
                             every_indicator, walk)
from ..quantities import EQUAL, HIGHER, LOWER, Quantity, direction_in_name, parse_quantity, round_to
from ..rules.registry import Form, QualitativeLevel, Scheme

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
NO_VALUE_RULE = "“无法提供具体数值且无说明”的规定"


@dataclass
class LeafScore:
    node: Indicator
    path: tuple[Indicator, ...]  # its ancestors, outermost first
    applicable: bool
    weight: Decimal  # the node's, or 0 when it has none
    score: Decimal   # the entered score, or 0
    level: QualitativeLevel | None = None
    target: Quantity | None = None
    actual: Quantity | None = None
    direction: str | None = None
    completion: Decimal | None = None
    # The actual as its inputs compute it from the report's tables (预算执行率 from the budget
    # table), a fraction; scored in place of the printed actual, which is compared with it.
    computed: Decimal | None = None
    rule: str | None = None  # the title of the formula that gave rule_score
    rule_score: Decimal | None = None

    @property
    def level1(self) -> Indicator | None:
        return self.path[0] if self.path else None

    def counted(self, from_rules: bool) -> Decimal:
        """The score that enters the subtotals: the rule score where the scheme adds those up
        and the row has one, else the entered score."""
        return self.rule_score if from_rules and self.rule_score is not None else self.score

    @property
    def level2(self) -> Indicator | None:
        return self.path[1] if len(self.path) > 1 else None


@dataclass
class Subtotal:
    node: Indicator
    depth: int
    weight: Decimal
    score: Decimal  # of the scores that enter the total (see Scheme.scores_from)
    rule_score: Decimal
    path: tuple[Indicator, ...] = ()  # the node's ancestors, outermost first


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
    # What an indicator's inputs may refer to (`funds.total.rate`, `1-2.总计.支出决算数`): a
    # number, None when it cannot be computed, or ZERO_DENOMINATOR.
    figures: dict[str, object] = field(default_factory=dict)
    from_rules: bool = False  # whether the total adds up rule scores (Scheme.scores_from)


def is_not_applicable(node: Indicator) -> bool:
    if node.applicable is not None:
        return not node.applicable
    return "不适用" in node.name or (node.target is not None and "不适用" in node.target.text)


def score(evaluation: Evaluation, form: Form, scheme: Scheme) -> Scores:
    result = Scores(from_rules=scheme.scores_from == "rules")
    _score_funds(evaluation, scheme, result)
    result.figures.update(table_figures(evaluation))
    weight, score_, rule = _Walk(result, scheme, len(form.levels)).indicators(evaluation.indicators)
    result.weight_total = result.funds_weight + weight
    result.total = result.funds_score_used + score_
    result.rule_total = result.funds_score_used + rule
    result.grade = scheme.grade(result.total)
    return result


class _Walk:
    """One pass over the indicator tree, of any depth: each assessed row is scored (document
    order), and each row above them gets its subtotal (after its children). A row without
    children is assessed when it has a weight or a score, or stands at the form's last level;
    above that it is an empty category."""

    def __init__(self, result: Scores, scheme: Scheme, depth_of_leaves: int):
        self.result, self.scheme, self.depth_of_leaves = result, scheme, depth_of_leaves

    def indicators(self, nodes: list[Indicator], path: tuple[Indicator, ...] = ()) -> tuple:
        """The (weight, score, rule score) sums of the nodes."""
        weight = score_ = rule = ZERO
        depth = len(path) + 1
        for node in nodes:
            if not node.children and (depth >= self.depth_of_leaves or node.weight is not None
                                      or node.score is not None):
                leaf = _score_leaf(node, path, self.scheme, self.result.figures)
                self.result.leaves.append(leaf)
                sums = (leaf.weight, leaf.counted(self.result.from_rules),
                        leaf.score if leaf.rule_score is None else leaf.rule_score)
            else:
                sums = self.indicators(node.children, path + (node,))
                self.result.subtotals.append(Subtotal(node, depth, *sums, path=path))
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
        _funds_figures(key, row, result)
    result.funds_weight = funds.weight.value if funds.weight else ZERO
    rate = result.figures.get("funds.total.rate")
    points = scheme.funds.points(result.funds_weight, rate) if scheme.funds is not None else None
    if points is not None:
        result.funds_score = round_to(points, scheme.score_places)
        result.funds_score_used = result.funds_score
    elif evaluation.published and evaluation.published.funds_score is not None:
        result.funds_score_used = evaluation.published.funds_score.value


# Each funds row's amounts, by the name an input refers to them with (`funds.total.budget`).
_AMOUNTS = {row: [(name, f"funds.{row}.{name}") for name in FUNDS_FIGURES if name != "rate"] for row in FUNDS_ROW_KEYS}


def _funds_figures(key: str, row, result: Scores) -> None:
    figures = result.figures
    for name, figure in _AMOUNTS[key]:
        amount = getattr(row, name)
        figures[figure] = amount.value if amount is not None else None
    zero_budget = row.budget is not None and row.budget.value == 0
    figures[f"funds.{key}.rate"] = ZERO_DENOMINATOR if zero_budget and row.executed is not None else result.rates[key]


_INPUTS_OF = attrgetter("inputs")


def input_references(evaluation: Evaluation):
    """(indicator, input field, reference) for each input that names a figure of the report's tables."""
    if not any(map(_INPUTS_OF, every_indicator(evaluation.indicators))):
        return  # nearly every file: told in C calls, without walking the tree in document order
    for node, _, _ in walk(evaluation.indicators):
        if node.inputs is None:
            continue
        for key in ("rate", "numerator", "denominator", "current", "previous", "problems"):
            value = getattr(node.inputs, key)
            for operand in value.operands if isinstance(value, Expression) else (value,):
                if isinstance(operand, Reference) and operand.name not in FIGURES:
                    yield node, key, operand


def table_figures(evaluation: Evaluation) -> dict[str, Decimal | None]:
    """The figures of the report's tables that indicators' inputs name (`表名.栏目 + 表名.栏目`),
    None where one names nothing there (a finding of the checks) or a cell is blank."""
    tables, found = None, {}
    for _, _, reference in input_references(evaluation):
        tables = tables or identities.Tables(evaluation.tables)
        side = identities.table_figure(reference.name)
        named = side is not None and tables.outside_problem(side) is None
        found[reference.name] = tables.figure(side) if named else None
    return found


def _score_leaf(node: Indicator, path: tuple[Indicator, ...], scheme: Scheme, figures: dict) -> LeafScore:
    leaf = LeafScore(node, path, not is_not_applicable(node),
                     node.weight.value if node.weight else ZERO, node.score.value if node.score else ZERO)
    if not leaf.applicable:
        return leaf
    divides_by_zero = False
    if node.actual is not None:
        leaf.level = scheme.level(node.actual.text)
        if leaf.level is not None:
            return _score_level(leaf, scheme)
    leaf.target = parse_quantity(node.target.text) if node.target else None
    leaf.actual = parse_quantity(node.actual.text) if node.actual is not None else None
    leaf.computed = _computed_rate(node, leaf.target, figures)
    if leaf.target is not None and node.weight is not None and (leaf.actual is not None or leaf.computed is not None):
        actual = leaf.computed * HUNDRED if leaf.computed is not None else leaf.actual.in_unit_of(leaf.target)
        leaf.direction = _direction(node, leaf.target, path, scheme)
        leaf.completion = _completion(leaf.target.number, actual, leaf.direction)
        divides_by_zero = _divides_by_zero(leaf.target.number, actual, leaf.direction)
    if _without_value(leaf, scheme):
        leaf.rule = NO_VALUE_RULE
        leaf.rule_score = round_to(award(scheme.no_value, leaf.weight), scheme.score_places)
        return leaf
    rule = scheme.rule_for(node, path)
    if rule is None or node.weight is None:
        return leaf
    points = rule.points(leaf.weight, rule.value(node, leaf.completion, divides_by_zero, figures))
    if points is not None:
        leaf.rule = rule.kind.title
        leaf.rule_score = round_to(points, scheme.score_places)
    return leaf


def _score_level(leaf: LeafScore, scheme: Scheme) -> LeafScore:
    """A qualitative actual: a level that gives one share of the weight (苏州：较好 80%) is its
    rule score; a level with a range of shares (达成预期指标 80%–100%) only bounds the score."""
    level = leaf.level
    if level.low == level.high and leaf.node.weight is not None:
        leaf.rule = f"定性等级“{leaf.node.actual.text}”（得分值的 {percent_text(level.low)}）"
        leaf.rule_score = round_to(leaf.weight * level.low, scheme.score_places)
    return leaf


def _without_value(leaf: LeafScore, scheme: Scheme) -> bool:
    """A quantitative target whose actual gives no figure (`高于上年`, or nothing), with no
    explanation: the scheme's score for a value that cannot be given, where it has one."""
    node = leaf.node
    return (scheme.no_value is not None and node.weight is not None and leaf.target is not None
            and leaf.actual is None and leaf.computed is None and not (node.reason or "").strip())


def _computed_rate(node: Indicator, target: Quantity | None, figures: dict) -> Decimal | None:
    """The rate an indicator's inputs give for a target written as a percentage (`=100%`)."""
    given = node.inputs
    if given is None or target is None or target.unit != "%" or (
            given.rate is None and (given.numerator is None or given.denominator is None)):
        return None
    rate = rate_of(node, figures)
    return rate if isinstance(rate, Decimal) else None


def _direction(node: Indicator, target: Quantity, path: tuple[Indicator, ...], scheme: Scheme) -> str:
    if node.direction:
        return node.direction
    if target.direction == EQUAL and scheme.equal_sign == HIGHER:
        return HIGHER  # `=5家`: the amount to reach, as the scheme reads a target written with =
    if target.direction:
        return target.direction
    named = direction_in_name(node.name)
    if named:
        return named
    if any(ancestor.name in scheme.lower_is_better_categories for ancestor in path):
        return LOWER
    return HIGHER


def _divides_by_zero(target: Decimal, actual: Decimal | None, direction: str) -> bool:
    """Whether the completion's ratio has a zero denominator (its value is then a convention)."""
    if actual is None:
        return False
    return (direction == HIGHER and not target) or (direction == LOWER and not actual)


def _completion(target: Decimal, actual: Decimal | None, direction: str) -> Decimal | None:
    """How far the actual meets the target: 1 is exactly met. A ceiling (lower is better) is
    met in full by any actual within it: staying far below it is no overshoot."""
    if actual is None:
        return None
    if direction == HIGHER:
        return actual / target if target else (ONE if actual >= 0 else None)
    if direction == LOWER:
        return min(target / actual, ONE) if actual > 0 else ONE
    if direction == EQUAL:
        if actual == target:
            return ONE
        if not target or not actual:
            return ZERO
        return min(actual / target, target / actual)
    return None
