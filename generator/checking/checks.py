"""Validation beyond structure: arithmetic and the scheme's rules, as findings.

Reads a converted evaluation and its computed scores; never changes either.

One mistake gives one finding. Each check records the figures its findings call
into question (`Doubts`); a figure computed from one of them (the execution rate
of a row whose budget does not add up, the weight total of a table whose row has
a score above its weight) is not compared again, since the first finding already
explains the difference. The comparison table of the public page (`compared`)
still shows every figure that differs, beside the published one.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

from .. import findings as F
from . import claims, identities, score_tables
from ..findings import Finding
from ..rules.formulas import figure, rate_of
from ..loading.model import (FUNDS_FIGURES, FUNDS_ROW_KEYS, Evaluation, Expression, FundsRows, Indicator, Reference,
                             Section, Table, TableRow, Value, walk)
from ..quantities import Num, format_number, format_rate, normalize, parse_quantity, round_to
from ..rules.registry import Form, Scheme
from ..loading.schema import suggest
from .scoring import LeafScore, Scores, input_references

_COLUMNS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数"}
_PARTS = tuple(key for key in FUNDS_ROW_KEYS if key != "total")
_ROW_TITLES = {f.name: f.metadata["title"] for f in dataclasses.fields(FundsRows) if not f.metadata.get("internal")}
COST_CATEGORY = "成本指标"
FUNDS_UNIT = "万元"  # every amount of the funds block


def _fmt(value: Decimal) -> str:
    return format_number(value, 2)


def _text(figure: Num | Value | None) -> str:
    return "空白" if figure is None else figure.text


def row_label(form: Form, row: str) -> str:
    """A funds row as a reader names it: `其中：财政拨款` → 财政拨款."""
    label = form.funds_row_label(row) or _ROW_TITLES.get(row, row)
    return re.sub(r"^其中\s*[:：]\s*", "", label).rstrip(":：").strip()


class Doubts:
    """Figures a finding has already called into question, by key: ("funds", row, column),
    ("weight", leaf), ("score", leaf), and ("weights",) for the table's weight total."""

    def __init__(self) -> None:
        self.keys: set[tuple] = set()

    def add(self, *keys: tuple) -> None:
        self.keys.update(keys)

    def any(self, keys) -> bool:
        return bool(self.keys) and not self.keys.isdisjoint(keys)


def _rate_inputs(row: str) -> tuple[tuple, ...]:
    return ("funds", row, "budget"), ("funds", row, "executed")


def _leaf_keys(kind: str, leaves) -> list[tuple]:
    return [(kind, id(leaf.node)) for leaf in leaves]


def check(evaluation: Evaluation, form: Form, scheme: Scheme, scores: Scores,
          all_forms: dict[str, Form]) -> list[Finding]:
    doubts = Doubts()
    found: list[Finding] = []
    found += check_funds(evaluation, form, all_forms, doubts)
    for leaf in scores.leaves:
        problems = _leaf_problems(leaf, scheme)
        if problems:  # most leaves have none
            found += _leaf_findings(leaf, problems, doubts)
    found += check_weights(evaluation, form, scheme, scores, doubts)
    found += check_weight_shares(form, scheme, scores)
    found += check_published(evaluation, form, scores, doubts)
    found += check_cost(evaluation, scores, doubts)
    found += check_duplicates(scores)
    found += check_explanation(evaluation, form, scores)
    tables = identities.Tables(evaluation.tables)
    for table in evaluation.tables:
        found += check_table(table, tables)
    found += check_input_references(evaluation, tables)
    found += check_computed_actuals(scores, tables)
    found += claims.check(evaluation, form, scores)
    found += check_sections(evaluation)
    found += check_printed_rates(evaluation, scores)
    found += check_indicator_counts(evaluation, form, scores)
    found += score_tables.check(evaluation, scores)
    return found


# --- the funds block --------------------------------------------------------------------

def check_funds(evaluation: Evaluation, form: Form, all_forms: dict[str, Form], doubts: Doubts) -> list[Finding]:
    funds = evaluation.funds
    if funds is None or funds.rows is None:
        return []
    found = []
    labels = form.funds_rows  # (`form.funds_row_label` counts its fields on each call: this runs for every file)
    for key, _ in funds.rows.present():
        if labels is None or labels.get(key) is None:
            having = "、".join(f.id for f in all_forms.values() if f.funds_row_label(key) is not None)
            found.append(F.FORM_ROW.at(funds.rows.where(key), form=form.id, row=key, title=_ROW_TITLES[key],
                                       forms=having))
    total = funds.rows.total
    if total is None:
        return found
    for column, column_zh in _COLUMNS.items():
        found += _check_column_sum(funds.rows, column, column_zh, form, doubts)
    if total.budget is not None and total.budget.value == 0:
        found.append(F.FUNDS_ZERO_BUDGET.at(total.where("budget")))
    elif total.executed is None and total.budget is not None:
        found.append(F.FUNDS_EXECUTED_MISSING.at(total.pos, published=_published_funds(evaluation)))
    return found


def _published_funds(evaluation: Evaluation) -> str:
    published = evaluation.published
    if published is None:
        return ""
    shown = []
    if "total" in published.rates:
        shown.append(f"执行率 {published.rates['total'].text}")
    if published.funds_score is not None:
        shown.append(f"得分 {published.funds_score.text}")
    return f"，原表却印出{'、'.join(shown)}" if shown else ""


def _check_column_sum(rows: FundsRows, column: str, column_zh: str, form: Form, doubts: Doubts) -> list[Finding]:
    total: Num | None = getattr(rows.total, column)
    parts = [(key, getattr(getattr(rows, key), column)) for key in _PARTS
             if getattr(rows, key) is not None and getattr(getattr(rows, key), column) is not None]
    if not parts:
        return []
    parts_sum = sum((num.value for _, num in parts), Decimal(0))
    total_value = total.value if total else Decimal(0)
    if parts_sum == total_value:
        return []
    if len(parts) == 1:  # the one part is the figure in question
        key, num = parts[0]
        where = getattr(rows, key).where(column)
        parts_text = f"唯一的分项{row_label(form, key)}为 {num.text}"
        doubts.add(("funds", key, column))
    else:
        where = rows.total.where(column)
        parts_text = "各分项之和 " + " + ".join(num.text for _, num in parts) + f" = {_fmt(parts_sum)}"
        doubts.add(("funds", "total", column), *(("funds", key, column) for key, _ in parts))
    effect = "，由这一栏算出的执行率也不可靠" if column in ("budget", "executed") else ""
    return [F.FUNDS_SUM.at(where, column=column_zh, parts=parts_text,
                           total=total.text if total else "（空白）", effect=effect)]


# --- the indicator rows -------------------------------------------------------------------

def _leaf_findings(leaf: LeafScore, problems: list[tuple], doubts: Doubts) -> list[Finding]:
    """The findings of a leaf's problems (`_leaf_problems`: most leaves have none, and no message is formatted)."""
    node = leaf.node
    names = {"name": node.name, "weight": _text(node.weight), "score": _text(node.score)}
    found = []
    for kind, key, params, doubted in problems:
        found.append(kind.at(node.where(key), **{**names, **params}))
        doubts.add(*((figure, id(node)) for figure in doubted))
    return found


_FIGURE_TITLES = {"weight": "分值", "score": "得分"}
ZERO, ONE = Decimal(0), Decimal(1)
_BOTH = ("weight", "score")


def _leaf_problems(leaf: LeafScore, scheme: Scheme) -> list[tuple[F.FindingType, str, dict, tuple[str, ...]]]:
    """(finding type, the field it points at, its message's figures, the row's figures it calls
    into question) for each problem of a leaf. A row found wrong (a blank or an out-of-range
    figure) is not scored against the rules as well."""
    node, weight, score = leaf.node, leaf.weight, leaf.score
    if not leaf.applicable:
        return [(F.NOT_APPLICABLE_WEIGHTED, "weight", {}, _BOTH)] if weight or score else []
    if node.weight is None or node.score is None:
        return [(F.BLANK_FIGURE, key, {"title": title}, (key,)) for key, title in _FIGURE_TITLES.items()
                if getattr(node, key) is None]
    if not 0 <= score <= weight:
        return [(F.SCORE_RANGE, "score", {}, _BOTH)]
    found = []
    level, rule_score = leaf.level, leaf.rule_score
    # (Full marks and a rule score equal to the entered one, the usual rows, skip a division and a rounding.)
    if level is not None and rule_score is None and weight and not level.admits(ONE if score == weight else score / weight):
        found.append((F.QUALITATIVE_BAND, "score", {
            "level": node.actual.text, "band": f"{_fmt(level.low * 100)}%–{_fmt(level.high * 100)}%",
            "low": _fmt(weight * level.low), "high": _fmt(weight * level.high)}, ()))
    if rule_score is not None and rule_score != score and rule_score != round_to(score, scheme.score_places):
        found.append((F.FORMULA_DEPARTURE, "score", {
            "target": _text(node.target), "actual": _text(node.actual), "rule": leaf.rule,
            "rule_score": _fmt(leaf.rule_score)}, ()))
    if scheme.levels_only and _unrated(leaf, scheme):
        levels = "、".join(label for level in scheme.qualitative_levels for label in level.labels)
        found.append((F.UNRATED_LEVEL, "actual", {"actual": node.actual.text, "levels": levels}, ()))
    if scheme.shortfall_needs_reason and score < weight and not (node.reason or "").strip():
        found.append((F.MISSING_REASON, "score", {}, ()))
    return found


def _unrated(leaf: LeafScore, scheme: Scheme) -> bool:
    """A qualitative row (neither target nor actual a figure) whose actual is none of the
    levels, where the scheme rates qualitative rows by its levels only."""
    return (scheme.levels_only and leaf.level is None and leaf.rule_score is None and leaf.node.actual is not None
            and leaf.target is None and leaf.actual is None)


def check_weights(evaluation: Evaluation, form: Form, scheme: Scheme, scores: Scores, doubts: Doubts) -> list[Finding]:
    found = []
    weights = _WeightsBelow(scores)
    for subtotal in scores.subtotals:
        node = subtotal.node
        expected = node.weight.value if node.weight else (
            form.level1_weight(node.name) if subtotal.depth == 1 else None)
        if expected is None:
            continue
        actual = _declared_sum(node)
        if actual == expected:
            continue
        parts = weights.parts(node, subtotal.depth)
        if doubts.any(_leaf_keys("weight", [leaf for leaf in scores.leaves if _under(leaf, node)])):
            continue
        levels = "、".join(form.level_name(depth) for depth in sorted({depth for depth, _ in parts}))
        found.append(F.LEVEL_WEIGHT.at(node.where("weight"), name=node.name, level=levels or "指标",
                                       actual=_fmt(actual), expected=_fmt(expected)))
        doubts.add(("weights",))
    # The weights make the full marks with the funds block's, or alone where the scheme scores no funds.
    if ((evaluation.funds is not None or scheme.funds is None) and scores.weight_total != scheme.total_points
            and not doubts.any([("weights",), *_leaf_keys("weight", scores.leaves)])):
        found.append(F.WEIGHT_TOTAL.at(evaluation.where("indicators"), actual=_fmt(scores.weight_total),
                                       expected=_fmt(scheme.total_points)))
        doubts.add(("weights",))
    return found


def check_weight_shares(form: Form, scheme: Scheme, scores: Scores) -> list[Finding]:
    """Where the scheme shares each category's points equally (`weights: equal-share`): the
    weights of each level-1 category's indicators are its points ÷ their number, rounded, the
    last taking the remainder. A category whose weights do not even add up to its points is
    left to the level-weight check."""
    if scheme.weights != "equal-share":
        return []
    found = []
    for subtotal in scores.subtotals:
        node = subtotal.node
        points = node.weight.value if node.weight else form.level1_weight(node.name)
        leaves = [leaf for leaf in scores.leaves if leaf.applicable and _under(leaf, node)]
        if subtotal.depth != 1 or points is None or not leaves or subtotal.weight != points:
            continue
        expected = equal_shares(points, len(leaves), scheme.score_places)
        differ = sum(1 for leaf, share in zip(leaves, expected) if leaf.weight != share)
        if differ:
            found.append(F.WEIGHT_SHARE.at(node.where("weight"), name=node.name, count=len(leaves),
                                           weights="、".join(_text(leaf.node.weight) for leaf in leaves),
                                           expected=_shares_text(expected), points=_fmt(points), differ=differ))
    return found


def equal_shares(points: Decimal, count: int, places: int) -> list[Decimal]:
    """`points` shared by `count` indicators, rounded to `places`, the remainder on the last."""
    share = round_to(points / count, places)
    return [share] * (count - 1) + [points - share * (count - 1)]


def _shares_text(shares: list[Decimal]) -> str:
    if len(set(shares)) == 1:
        return f"各 {_fmt(shares[0])} 分"
    return f"各 {_fmt(shares[0])} 分、最后一项 {_fmt(shares[-1])} 分"


def _under(leaf: LeafScore, node: Indicator) -> bool:
    return any(parent is node for parent in leaf.path)


def _declared_sum(node: Indicator) -> Decimal:
    """The sum of `_WeightsBelow.parts` without making them (it runs for every category of every
    file): each child's weight as written (an assessed row's is its entered one, or 0 when blank),
    else the weights below it."""
    total = ZERO
    for child in node.children:
        weight = child.weight
        total += weight.value if weight is not None else _declared_sum(child)
    return total


class _WeightsBelow:
    """The weights a category's declared weight should be the sum of: each child's own,
    written or (for an assessed row) entered, and for a child category that declares none,
    the weights below it, down to the assessed rows. So one wrong figure gives one finding:
    at the nearest category above it that declares its weight."""

    def __init__(self, scores: Scores):
        self.leaves = {id(leaf.node): leaf for leaf in scores.leaves}

    def parts(self, node: Indicator, depth: int) -> list[tuple[int, Decimal]]:
        found = []
        for child in node.children:
            leaf = self.leaves.get(id(child))
            if leaf is not None:
                found.append((depth + 1, leaf.weight))
            elif child.weight is not None:
                found.append((depth + 1, child.weight.value))
            else:
                found += self.parts(child, depth + 1)
        return found


# --- figures the original printed ---------------------------------------------------------

_FIGURE_NAMES = {"funds_score": "资金得分", "weight_total": "分值合计", "total": "总分"}


def _printed_figures(evaluation: Evaluation, scores: Scores):
    """(published field, funds row of a rate, printed, computed, whether they differ) for each
    figure the original prints that the table's own numbers also give. A printed rate is
    compared at its own precision; nothing is formatted here (this runs for every file)."""
    published = evaluation.published
    if published is None:
        return
    for row, printed in published.rates.items():
        computed = scores.rates.get(row)
        if computed is not None:
            places = printed.places + 2  # a printed percentage's places, as a fraction's
            yield "rates", row, printed, computed, round_to(computed, places) != round_to(printed.value, places)
    for field, computed in (("funds_score", scores.funds_score), ("weight_total", scores.weight_total),
                            ("total", scores.total)):
        printed = getattr(published, field)
        if printed is not None and computed is not None:
            yield field, None, printed, computed, printed.value != computed


def _inputs(field: str, row: str | None, scores: Scores) -> list[tuple]:
    """The figures a compared figure is computed from, as Doubts keys."""
    if field == "rates":
        return list(_rate_inputs(row))
    if field == "funds_score":
        return list(_rate_inputs("total"))
    if field == "weight_total":
        return [("weights",), *_leaf_keys("weight", scores.leaves)]
    return [*_rate_inputs("total"), *_leaf_keys("score", scores.leaves)]


def _rate_text(form: Form, computed: Decimal, printed: Num | None, strip_zeros: bool) -> str:
    """A computed rate at the form's precision, or the printed one's where it prints more places."""
    places = max(printed.places, form.rate_places) if printed is not None else form.rate_places
    return format_rate(computed, places, strip_zeros)


def check_published(evaluation: Evaluation, form: Form, scores: Scores, doubts: Doubts) -> list[Finding]:
    found = []
    for field, row, printed, computed, differs in _printed_figures(evaluation, scores):
        if not differs or doubts.any(_inputs(field, row, scores)):
            continue
        if field == "rates":
            what, text = f"{row_label(form, row)}执行率", _rate_text(form, computed, printed, False)
        else:
            what, text = _FIGURE_NAMES[field], _fmt(computed)
        found.append(F.PUBLISHED_MISMATCH.at(evaluation.published.where(field), what=what, published=printed.text,
                                             computed=text))
    return found


@dataclass(frozen=True)
class Comparison:
    """A row of an evaluation page's comparison table: a figure computed from the table's own
    numbers beside the one the original prints."""

    label: str
    computed: str
    published: str
    differs: bool = False
    numeric: bool = True  # figures, aligned as numbers; a grade or a note is text


def compared(evaluation: Evaluation, form: Form, scores: Scores) -> list[Comparison]:
    """Execution rates, funds score, weight total, total, rule total and grade, each computed
    and as printed; `differs` where they disagree, as check_published judges. An evaluation
    without a funds block has no rates or funds score to compare, and one whose scheme gives
    no grade (and whose original prints none) no grade."""
    figures = {(field, row): (printed, differs)
               for field, row, printed, _, differs in _printed_figures(evaluation, scores)}
    published = evaluation.published
    rows = []
    if evaluation.funds is not None:
        rows.append(_rate_comparison(form, scores, published, "total", figures))
        rows += [_rate_comparison(form, scores, published, row, figures)
                 for row in (published.rates if published else {}) if row != "total" and ("rates", row) in figures]
        rows.append(_funds_score_comparison(scores, published, figures))
    for field in ("weight_total", "total"):
        printed, differs = figures.get((field, None), (None, False))
        rows.append(Comparison(_FIGURE_NAMES[field], _fmt(getattr(scores, field)), printed.text if printed else "",
                               differs))
    rows += [Comparison(f"{leaf.node.name}（由数据表算出）", computed, leaf.node.actual.text, differs)
             for leaf, computed, differs in computed_actuals(scores)]
    rows.append(Comparison("按评分规则计算的总分", _fmt(scores.rule_total), ""))
    printed_grade = (published.grade or "") if published else ""
    if scores.grade or printed_grade:
        rows.append(Comparison("等级", scores.grade or "", printed_grade,
                               bool(printed_grade and scores.grade and printed_grade != scores.grade), numeric=False))
    return rows


def _rate_comparison(form: Form, scores: Scores, published, row: str, figures: dict) -> Comparison:
    computed = scores.rates.get(row)
    printed: Num | None = published.rates.get(row) if published else None
    label = "执行率" if row == "total" else f"{row_label(form, row)}执行率"
    text = "" if computed is None else _rate_text(form, computed, printed, form.rate_strip_zeros)
    return Comparison(label, text, printed.text if printed else "", figures.get(("rates", row), (None, False))[1])


def _funds_score_comparison(scores: Scores, published, figures: dict) -> Comparison:
    printed: Num | None = published.funds_score if published else None
    printed_text = printed.text if printed else ""
    if scores.funds_score is None:
        note = f"无法计算（缺少执行数），总分计入原表的 {printed.text}" if printed else ""
        return Comparison("资金得分", note, printed_text, numeric=not note)
    return Comparison("资金得分", _fmt(scores.funds_score), printed_text,
                      figures.get(("funds_score", None), (None, False))[1])


# --- what a reader of the table expects to agree ------------------------------------------

def check_cost(evaluation: Evaluation, scores: Scores, doubts: Doubts) -> list[Finding]:
    """The 成本指标 rows whose 实际完成值 are amounts measure the money spent: their sum
    should be the 全年执行数, compared at the precision the funds block prints it."""
    funds = evaluation.funds
    executed = funds.rows.total.executed if funds and funds.rows and funds.rows.total else None
    if executed is None or doubts.any([("funds", "total", "executed")]):
        return []
    costs = [leaf for leaf in scores.leaves
             if leaf.applicable and len(leaf.path) > 1 and leaf.path[1].name == COST_CATEGORY]  # its level2
    if not costs:
        return []
    amounts = []
    for leaf in costs:
        amount = _cost_amount(leaf.node)
        if amount is None:
            return []  # one of them is not an amount: the sum would mean nothing
        amounts.append(amount)
    spent = sum((value for value, _ in amounts), Decimal(0))
    if round_to(spent, executed.places) == executed.value:
        return []
    phrases = "、".join(phrase for _, phrase in amounts)
    indicators = phrases if len(amounts) == 1 else f"{phrases}，合计 {_fmt(spent)} 万元"
    return [F.COST_ACTUAL.at(costs[0].node.where("actual"), indicators=indicators, executed=executed.text)]


def _cost_amount(node: Indicator) -> tuple[Decimal, str] | None:
    """A cost row's 实际完成值 in 万元, with the words that quote it; None when it is no amount.
    A bare number takes the target's unit (`≤30000 元` / `30000`), else the funds block's."""
    actual = parse_quantity(node.actual.text) if node.actual else None
    if actual is None:
        return None
    unit = actual.unit or _target_unit(node) or FUNDS_UNIT
    value = actual.in_money(FUNDS_UNIT, unit)
    if value is None:
        return None
    quoted = f"“{node.name}”的实际完成值为 {node.actual.text}"
    if unit != FUNDS_UNIT:
        quoted += f"（{unit}，合 {_fmt(value)} 万元）"
    elif not actual.unit:
        quoted += " 万元"
    return value, quoted


def _target_unit(node: Indicator) -> str:
    target = parse_quantity(node.target.text) if node.target else None
    return target.unit if target else ""


@lru_cache(maxsize=8192)  # the same names recur from year to year
def _name_key(name: str) -> str:
    return "".join(normalize(name).split())


_NAME_OF = attrgetter("name")


def check_duplicates(scores: Scores) -> list[Finding]:
    """Two applicable rows of one table with the same name (spaces and full-width forms aside)."""
    nodes = [leaf.node for leaf in scores.leaves if leaf.applicable]
    keys = list(map(_name_key, map(_NAME_OF, nodes)))
    if len(set(keys)) == len(keys):  # nearly every table
        return []
    rows: dict[str, list[Indicator]] = {}
    for key, node in zip(keys, nodes):
        rows.setdefault(key, []).append(node)
    return [F.DUPLICATE_INDICATOR.at(nodes[1].where("name"), name=nodes[1].name, count=len(nodes),
                                     first_line=nodes[0].where("name").line)
            for nodes in rows.values() if len(nodes) > 1]


def check_explanation(evaluation: Evaluation, form: Form, scores: Scores) -> list[Finding]:
    threshold = form.explanation_below
    if threshold is None or scores.total >= threshold or (evaluation.explanation or "").strip():
        return []
    return [F.MISSING_EXPLANATION.at(evaluation.where("explanation"), total=_fmt(scores.total),
                                     threshold=_fmt(threshold))]


# --- a report's figure tables ---------------------------------------------------------------

def table_name(table: Table) -> str:
    """A figure table as a reader names it: 表 1-1“项目资金构成”, or 表“…” when it has no number."""
    return f"表 {table.id}“{table.title}”" if table.id else f"表“{table.title}”"


def column_name(table: Table, column: int) -> str:
    return table.columns[column] if column < len(table.columns) and table.columns[column] else f"第 {column + 1} 栏"


def parts_sum(row: TableRow, column: int) -> tuple[Decimal, list[Num]] | None:
    """The sum of a row's parts in one column and the parts written there; None where the row
    prints nothing to compare (no figure of its own, or no part with one)."""
    if column >= len(row.values) or not isinstance(row.values[column], Num):
        return None
    parts = [child.values[column] for child in row.children
             if column < len(child.values) and isinstance(child.values[column], Num)]
    if not parts:
        return None
    return sum((num.value for num in parts), Decimal(0)), parts


def check_table(table: Table, tables: identities.Tables | None = None) -> list[Finding]:
    """Each row's parts add up to it, in every column; each row has a figure per column; the
    column groups name adjacent columns; the identities hold."""
    found = []
    rows = list(_table_rows(table.rows))
    for number, row in enumerate(rows, start=1):
        if row.values and len(row.values) != len(table.columns) and table.columns:
            found.append(F.TABLE_ROW_WIDTH.at(row.where("values"), table=table_name(table), label=_row_name(row, number),
                                              count=len(row.values), columns=len(table.columns)))
    for number, row in enumerate(rows, start=1):
        for column in range(len(row.values)):
            summed = parts_sum(row, column)
            if summed is None or summed[0] == row.values[column].value:
                continue
            total, parts = summed
            text = f"唯一的分项为 {parts[0].text}" if len(parts) == 1 else \
                "各分项之和 " + " + ".join(num.text for num in parts) + f" = {_sum_text(total, (*parts, row.values[column]))}"
            found.append(F.TABLE_SUM.at(row.where("values"), table=table_name(table), label=_row_name(row, number),
                                        column=column_name(table, column), total=row.values[column].text,
                                        parts=text))
    found += _check_groups(table)
    found += check_identities(table, tables or identities.Tables([table]))
    found += check_totals(table, rows)
    if table.stated_rows is not None and table.stated_rows != len(rows):
        found.append(F.TABLE_COUNT.at(table.where("stated_rows"), table=table_name(table), stated=table.stated_rows,
                                      counted=len(rows)))
    return found


def _row_name(row: TableRow, number: int) -> str:
    return row.label or f"第 {number} 行"


def _sum_text(value: Decimal, figures) -> str:
    """A computed sum to as many places as the most precise figure it is compared with."""
    return format_number(value, max(num.places for num in figures), False)


def _table_rows(rows: list[TableRow]):
    for row in rows:
        yield row
        yield from _table_rows(row.children)


def _check_groups(table: Table) -> list[Finding]:
    found = []
    for group in table.groups:
        unknown = next((name for name in group.columns if name not in table.columns), None)
        if unknown is not None:
            found.append(F.UNKNOWN_CHOICE.at(group.where("columns"), key=f"{table.title}.groups.columns", value=unknown,
                                             suggestion=suggest(unknown, table.columns), allowed="、".join(table.columns)))
            continue
        places = sorted(table.columns.index(name) for name in group.columns)
        if places and places != list(range(places[0], places[0] + len(places))):
            found.append(F.WRONG_TYPE.at(group.where("columns"), key=f"{table.title}.groups.columns", title="栏目",
                                         expected="columns 中相邻的几栏", actual="不相邻的几栏",
                                         fix="把同组的栏目在 columns 中写在一起。"))
    return found


def check_totals(table: Table, rows: list[TableRow]) -> list[Finding]:
    """Each total row (`总计 = 一、基本支出 + 二、项目支出`) is the sum of the rows it names, in
    every column where it prints a figure. A column where a named row's own parts do not add
    up is left out: that row's finding already explains the difference."""
    found = []
    by_label = {row.label: row for row in rows if row.label}
    for text in table.totals:
        identity = identities.parse(text)
        if identity is None or len(identity.sides) != 2 or len(identity.sides[0]) != 1:
            found.append(F.WRONG_TYPE.at(table.where("totals"), key=f"{table.title}.totals", title="合计行",
                                         expected="“行名 = 行名 + 行名”的写法", actual=f"“{text}”",
                                         fix="如 总计 = 一、基本支出 + 二、项目支出（运算符两边留空格）。"))
            continue
        names = [term.text for term in identity.sides[0] + identity.sides[1]]
        unknown = next((name for name in names if name not in by_label), None)
        if unknown is not None:
            found.append(F.UNKNOWN_CHOICE.at(table.where("totals"), key=f"{table.title}.totals", value=unknown,
                                             suggestion=suggest(unknown, by_label), allowed="、".join(by_label)))
            continue
        total = by_label[names[0]]
        parts = [(term.sign, by_label[term.text]) for term in identity.sides[1]]
        for column in range(len(table.columns)):
            found += _total_findings(table, total, parts, column)
    return found


def _total_findings(table: Table, total: TableRow, parts: list[tuple[int, TableRow]], column: int) -> list[Finding]:
    printed = total.values[column] if column < len(total.values) else None
    cells = [(sign, row.values[column]) for sign, row in parts
             if column < len(row.values) and isinstance(row.values[column], Num)]
    if not isinstance(printed, Num) or not cells:
        return []
    if any((summed := parts_sum(row, column)) is not None and summed[0] != row.values[column].value
           for _, row in parts):
        return []
    value = sum((sign * num.value for sign, num in cells), Decimal(0))
    if value == printed.value:
        return []
    terms = identities.signed([(sign, num.text) for sign, num in cells])
    named = identities.signed([(sign, row.label) for sign, row in parts
                     if column < len(row.values) and isinstance(row.values[column], Num)])
    return [F.TABLE_SUM.at(total.where("values"), table=table_name(table), label=total.label,
                           column=column_name(table, column), total=printed.text,
                           parts=f"{named}为 {terms} = {_sum_text(value, [printed, *(num for _, num in cells)])}")]


# --- a department report: inputs from the tables, printed rates, the indicator system --------

def check_sections(evaluation: Evaluation) -> list[Finding]:
    """Each table a section places is one of the file's figure or score tables."""
    known = {table.id for table in evaluation.tables if table.id}
    known |= {table.id for table in (evaluation.published.score_tables if evaluation.published else [])}
    return [F.UNKNOWN_TABLE.at(section.where("tables"), where=f"小节“{section.title or ''}”", name=name,
                               suggestion=suggest(name, known))
            for section in _sections(evaluation.sections) for name in section.tables if name not in known]


def _sections(sections: list[Section]):
    for section in sections:
        yield section
        yield from _sections(section.children)


def check_printed_rates(evaluation: Evaluation, scores: Scores) -> list[Finding]:
    """A rate (or its numerator) the report prints, against the one its amounts give, at the
    printed precision."""
    found = []
    tables = None
    for leaf in scores.leaves:
        inputs = leaf.node.inputs
        if inputs is None or (inputs.printed is None and inputs.printed_numerator is None):
            continue
        tables = tables or identities.Tables(evaluation.tables)
        computed = rate_of(leaf.node, scores.figures)
        formula = _formula_text(inputs, scores.figures, tables)
        printed = inputs.printed
        if printed is not None and isinstance(computed, Decimal) \
                and round_to(computed, printed.places + 2) != round_to(printed.value, printed.places + 2):
            found.append(F.PRINTED_RATE.at(inputs.where("printed"), name=leaf.node.name, what="比率",
                                           published=printed.text, formula=formula,
                                           computed=format_rate(computed, max(printed.places, 2), False)))
        numerator = figure(inputs.numerator, scores.figures)
        printed = inputs.printed_numerator
        if printed is not None and isinstance(numerator, Decimal) \
                and round_to(numerator, printed.places) != printed.value:
            found.append(F.PRINTED_RATE.at(inputs.where("printed_numerator"), name=leaf.node.name, what="分子",
                                           published=printed.text, formula=_amount_text(inputs.numerator, scores.figures, tables),
                                           computed=format_number(numerator, max(printed.places, 2), False)))
    return found


def _formula_text(inputs, figures: dict, tables: identities.Tables) -> str:
    """`(20.20 − 4.32) ÷ 4.32`, `2,163.32 ÷ 2,183.41`: the amounts a rate is computed from."""
    def shown(value) -> str:
        return _amount_text(value, figures, tables)

    if inputs.numerator is not None and inputs.denominator is not None:
        return f"{shown(inputs.numerator)} ÷ {shown(inputs.denominator)}"
    if inputs.current is not None and inputs.previous is not None:
        previous = shown(inputs.previous)
        divisor = f"({previous})" if isinstance(inputs.previous, Expression) else previous
        return f"({shown(inputs.current)} {identities.MINUS} {previous}) ÷ {divisor}"
    return str(inputs.rate)


_SYMBOLS = {"+": "+", "-": identities.MINUS, "*": "×", "/": "÷"}


def _amount_text(value, figures: dict, tables: identities.Tables) -> str:
    """An input as its figures: `4.32`, the cells a reference names as printed (`2,183.41`,
    `2,183.41 − 477.50 − 74.97`), an expression's (`33.36 ÷ 35`)."""
    if isinstance(value, Expression):
        parts = [_amount_text(value.operands[0], figures, tables)]
        for operator, operand in zip(value.operators, value.operands[1:]):
            parts += [_SYMBOLS[operator], _amount_text(operand, figures, tables)]
        return " ".join(parts)
    if isinstance(value, Num):
        return value.text
    side = identities.table_figure(value.name) if isinstance(value, Reference) else None
    if side is not None and tables.outside_problem(side) is None:
        cells = tables.cells(side)
        if all(cell.num is not None for cell in cells):
            return identities.signed([(cell.term.sign, cell.num.text) for cell in cells])
    number = figure(value, figures)
    return format_number(number, 2, False) if isinstance(number, Decimal) else str(value)


def check_indicator_counts(evaluation: Evaluation, form: Form, scores: Scores) -> list[Finding]:
    """The number of indicators at each level the report states, against its indicator system."""
    published = evaluation.published
    if published is None or not published.indicator_counts:
        return []
    counted: dict[int, int] = {}
    for _, depth, _ in walk(evaluation.indicators):
        counted[depth] = counted.get(depth, 0) + 1
    return [F.INDICATOR_COUNT.at(published.where("indicator_counts"), level=form.level_name(depth), published=stated,
                                 computed=counted.get(depth, 0))
            for depth, stated in enumerate(published.indicator_counts, start=1) if counted.get(depth, 0) != stated]


# Identities (指标结余数 = 年初预算数 + 调整数 − 财政拨款数): see identities.py.

def check_identities(table: Table, tables: identities.Tables) -> list[Finding]:
    """Each identity of the table, for each of its top-level rows: every side equals the first.
    An identity that cannot be read, or names a column or table there is not, is an error."""
    found = []
    key = f"{table.title}.identities"
    for text in table.identities:
        identity = identities.parse(text)
        if identity is None:
            found.append(F.WRONG_TYPE.at(table.where("identities"), key=key, title="勾稽关系",
                                         expected="“栏目 = 算式”的写法", actual=f"“{text}”",
                                         fix="如 指标结余数 = 年初预算数 + 调整预算数 - 财政拨款数（运算符两边留空格）。"))
            continue
        problems = [p for side in identity.sides for term in side if (p := tables.problem(table, term))]
        if problems:
            value, allowed = problems[0]
            found.append(F.UNKNOWN_CHOICE.at(
                table.where("identities"), key=key, value=value, suggestion=suggest(value, allowed),
                allowed="、".join(allowed) or "只有一个最上层行的表的栏目"))
            continue
        for row in table.rows:
            found += _identity_findings(table, tables, identity, row)
    return found


def _identity_findings(table: Table, tables: identities.Tables, identity: identities.Identity,
                       row: TableRow) -> list[Finding]:
    sides = [tables.resolve(table, row, side) for side in identity.sides]
    if not all(side.complete for side in sides):
        return []  # a blank figure: nothing to compare
    first = sides[0]
    found = []
    for side in sides[1:]:
        if side.value == first.value:
            continue
        nums = [_cell_num(tables, table, row, term) for resolved in (first, side) for term, _ in resolved.cells]
        found.append(F.TABLE_IDENTITY.at(
            row.where("values"), table=table_name(table), left=_side_phrase(tables, table, row, first),
            right=_side_phrase(tables, table, row, side), identity=_identity_words(tables, table, identity),
            difference=_sum_text(abs(side.value - first.value), nums)))
    return found


def _identity_words(tables: identities.Tables, table: Table, identity: identities.Identity) -> str:
    """The identity as a reader says it: another table's column is 表名的栏目, not 表名.栏目."""
    return " = ".join(_side_words(tables, table, side) for side in identity.sides)


def _side_words(tables: identities.Tables, table: Table, side: tuple[identities.Term, ...]) -> str:
    def word(term: identities.Term) -> str:
        source = tables.table(table, term)
        return term.column if source is table else f"{source.title}的{term.column}"

    return identities.signed([(term.sign, word(term)) for term in side])


def _cell_num(tables: identities.Tables, table: Table, row: TableRow, term: identities.Term) -> Num:
    source_table = tables.table(table, term)
    source = row if source_table is table else source_table.rows[0]
    return source.values[source_table.columns.index(term.column)]


def _term_name(tables: identities.Tables, table: Table, row: TableRow, term: identities.Term) -> str:
    source = tables.table(table, term)
    if source is not table:
        return f"{source.title}的{term.column}"
    return f"{row.label}的{term.column}" if row.label else term.column


def _side_phrase(tables: identities.Tables, table: Table, row: TableRow, side: identities.Resolved) -> str:
    """`指标结余数为 50.51`; `年初预算数 + 调整数 − 财政拨款数为 50660.00 + 6962.80 − 57572.29 = 50.51`."""
    terms = [term for term, _ in side.cells]
    nums = [_cell_num(tables, table, row, term) for term in terms]
    if len(terms) == 1:
        return f"{_term_name(tables, table, row, terms[0])}为 {nums[0].text}"
    figures = identities.signed([(term.sign, num.text) for term, num in zip(terms, nums)])
    return f"{_side_words(tables, table, tuple(terms))}为 {figures} = {_sum_text(side.value, nums)}"


# --- indicators whose actual is computed from the tables (inputs: {numerator: 表名.栏目}) ----------

def check_input_references(evaluation: Evaluation, tables: identities.Tables) -> list[Finding]:
    """Each input naming a figure of the report's tables names one there is: an error otherwise."""
    found = []
    for node, key, reference in input_references(evaluation):
        side = identities.table_figure(reference.name)
        problem = tables.outside_problem(side) if side is not None else (reference.name, [])
        if problem is not None:
            value, allowed = problem
            found.append(F.UNKNOWN_CHOICE.at(
                node.inputs.where(key), key=f"inputs.{key}", value=value, suggestion=suggest(value, allowed),
                allowed="、".join(allowed) or "数据表的栏目（表名.栏目，该表只有一个最上层的行）"))
    return found


def computed_actuals(scores: Scores):
    """(leaf, the rate its inputs compute as text, whether the printed actual differs) for each
    actual printed as a rate that its inputs also compute; compared at the printed precision."""
    for leaf in scores.leaves:
        printed = leaf.actual
        if leaf.computed is None or printed is None or printed.unit != "%":
            continue
        computed = leaf.computed * 100
        places = claims.places_of(printed.number)
        yield leaf, format_number(computed, max(places, 2), False) + "%", round_to(computed, places) != printed.number


def check_computed_actuals(scores: Scores, tables: identities.Tables) -> list[Finding]:
    return [F.COMPUTED_ACTUAL.at(leaf.node.where("actual"), name=leaf.node.name, printed=leaf.node.actual.text,
                                 basis=_basis(leaf.node, scores, tables), computed=computed)
            for leaf, computed, differs in computed_actuals(scores) if differs]


def _basis(node: Indicator, scores: Scores, tables: identities.Tables) -> str:
    """How an indicator's inputs compute its rate, in words and figures."""
    given = node.inputs
    if given.rate is not None:
        return " ".join(_input_parts(given.rate, scores, tables))
    (top, top_figures), (bottom, bottom_figures) = (_input_parts(value, scores, tables)
                                                    for value in (given.numerator, given.denominator))
    return f"{top} ÷ {_grouped(bottom)} = {top_figures} ÷ {_grouped(bottom_figures)}"


def _grouped(text: str) -> str:
    return f"（{text}）" if " + " in text or f" {identities.MINUS} " in text else text


def _input_parts(value, scores: Scores, tables: identities.Tables) -> tuple[str, str]:
    """(words, figures) of one input: a number as written, a funds figure, or a table figure."""
    if not isinstance(value, Reference):
        return "", value.text
    if value.name in scores.figures and value.name.startswith("funds."):
        _, row, figure = value.name.split(".")
        computed = scores.figures[value.name]
        return f"{_ROW_TITLES[row]}的{FUNDS_FIGURES[figure]}", _fmt(computed) if isinstance(computed, Decimal) else "空白"
    cells = tables.cells(identities.table_figure(value.name))
    return identities.cells_words(cells), identities.cells_printed(cells).split(" = ")[0]


def leaf_requirements(scores: Scores) -> list[Finding]:
    """Rows at the form's last level must carry a weight and a score: a figure left out is an
    error, one written blank (`weight: ~`) is a blank cell as printed, which the checks judge."""
    found = []
    for leaf in scores.leaves:
        node = leaf.node
        if node.weight is None or node.score is None:
            found += [F.MISSING_FIELD.at(node.pos, where=f"指标 {node.name}", key=key, title=title,
                                         blank=f"原表该格空白时写 `{key}: ~`。")
                      for key, title in (("weight", "分值"), ("score", "得分"))
                      if getattr(node, key) is None and key not in node.marks]
    return found
