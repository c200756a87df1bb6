"""Validation beyond structure: arithmetic and the scheme's rules, as findings.

Reads a converted evaluation and its computed scores; never changes either.
"""
from __future__ import annotations

from decimal import Decimal

from . import findings as F
from .findings import Finding
from .model import FUNDS_ROW_KEYS, Evaluation
from .quantities import Num, format_number, format_rate, round_to
from .registry import Form, Scheme
from .scoring import LeafScore, Scores

_COLUMNS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数"}
_PARTS = tuple(key for key in FUNDS_ROW_KEYS if key != "total")


def _fmt(value: Decimal) -> str:
    return format_number(value, 2)


def check(evaluation: Evaluation, form: Form, scheme: Scheme, scores: Scores,
          all_forms: dict[str, Form]) -> list[Finding]:
    found: list[Finding] = []
    found += check_funds(evaluation, form, all_forms)
    found += check_weights(evaluation, form, scheme, scores)
    for leaf in scores.leaves:
        found += check_leaf(leaf, scheme)
    found += check_published(evaluation, form, scores)
    found += check_explanation(evaluation, form, scores)
    return found


def check_funds(evaluation: Evaluation, form: Form, all_forms: dict[str, Form]) -> list[Finding]:
    funds = evaluation.funds
    if funds is None or funds.rows is None:
        return []
    found = []
    for key, _ in funds.rows.present():
        if key not in form.funds_rows:
            having = "、".join(f.id for f in all_forms.values() if key in f.funds_rows)
            found.append(F.FORM_ROW.at(funds.rows.where(key), form=form.id, row=key, forms=having))
    total = funds.rows.total
    if total is None:
        return found
    for column, column_zh in _COLUMNS.items():
        found += _check_column_sum(funds.rows, column, column_zh, form)
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


def _check_column_sum(rows, column: str, column_zh: str, form: Form) -> list[Finding]:
    total: Num | None = getattr(rows.total, column)
    parts = [(key, getattr(getattr(rows, key), column)) for key in _PARTS
             if getattr(rows, key) is not None and getattr(getattr(rows, key), column) is not None]
    if not parts:
        return []
    parts_sum = sum((num.value for _, num in parts), Decimal(0))
    total_value = total.value if total else Decimal(0)
    if parts_sum == total_value:
        return []
    if len(parts) == 1:
        key, num = parts[0]
        label = form.funds_rows.get(key, key)
        where = getattr(rows, key).where(column)
        parts_text = f"{label} {num.text}"
    else:
        where = rows.total.where(column)
        parts_text = " + ".join(num.text for _, num in parts) + f" = {_fmt(parts_sum)}"
    return [F.FUNDS_SUM.at(where, column=column_zh, parts=parts_text,
                           total=total.text if total else "（空白）")]


def check_weights(evaluation: Evaluation, form: Form, scheme: Scheme, scores: Scores) -> list[Finding]:
    found = []
    if evaluation.funds is not None and scores.weight_total != scheme.total_points:
        found.append(F.WEIGHT_TOTAL.at(evaluation.where("indicators"), actual=_fmt(scores.weight_total),
                                       expected=_fmt(scheme.total_points)))
    for subtotal in scores.subtotals:
        if subtotal.depth != 1:
            continue
        node = subtotal.node
        expected = node.weight.value if node.weight else form.level1_weight(node.name)
        if expected is not None and subtotal.weight != expected:
            found.append(F.LEVEL_WEIGHT.at(node.where("weight"), name=node.name,
                                           actual=_fmt(subtotal.weight), expected=_fmt(expected)))
    return found


def check_leaf(leaf: LeafScore, scheme: Scheme) -> list[Finding]:
    node = leaf.node
    if node.weight is None or node.score is None:
        return []
    problems = _leaf_problems(leaf, scheme)
    if not problems:  # most leaves: no message is formatted
        return []
    names = {"name": node.name, "weight": node.weight.text, "score": node.score.text}
    return [kind.at(node.where(key), **params, **names) for kind, key, params in problems]


def _leaf_problems(leaf: LeafScore, scheme: Scheme) -> list[tuple[F.FindingType, str, dict]]:
    """(finding type, the field it points at, its message's figures) for each problem of a leaf."""
    node, weight, score = leaf.node, leaf.weight, leaf.score
    if not leaf.applicable:
        return [(F.NOT_APPLICABLE_WEIGHTED, "weight", {})] if weight or score else []
    found = []
    if not 0 <= score <= weight:
        found.append((F.SCORE_RANGE, "score", {}))
    elif leaf.level is not None and weight and not leaf.level.admits(score / weight):
        level = leaf.level
        found.append((F.QUALITATIVE_BAND, "score", {
            "level": node.actual.text, "band": f"{_fmt(level.low * 100)}%–{_fmt(level.high * 100)}%",
            "low": _fmt(weight * level.low), "high": _fmt(weight * level.high)}))
    if leaf.rule_score is not None and leaf.rule_score != round_to(score, scheme.score_places):
        found.append((F.FORMULA_DEPARTURE, "score", {
            "target": node.target.text, "actual": node.actual.text, "rule": leaf.rule,
            "rule_score": _fmt(leaf.rule_score)}))
    if scheme.shortfall_needs_reason and score < weight and not (node.reason or "").strip():
        found.append((F.MISSING_REASON, "score", {}))
    return found


def check_published(evaluation: Evaluation, form: Form, scores: Scores) -> list[Finding]:
    published = evaluation.published
    if published is None:
        return []
    found = []
    figures = [("total", "总分", scores.total),
               ("weight_total", "分值合计", scores.weight_total),
               ("funds_score", "资金得分", scores.funds_score)]
    for key, what, computed in figures:
        printed: Num | None = getattr(published, key)
        if printed is not None and computed is not None and printed.value != computed:
            found.append(F.PUBLISHED_MISMATCH.at(published.where(key), what=what, published=printed.text,
                                                 computed=_fmt(computed)))
    rates_pos = published.where("rates")
    for row, printed in published.rates.items():
        computed = scores.rates.get(row)
        if computed is None:
            continue
        places = printed.places + 2  # a printed percentage's places, as a fraction's
        if round_to(computed, places) != round_to(printed.value, places):
            label = form.funds_rows.get(row, row).rstrip(":：")
            found.append(F.PUBLISHED_MISMATCH.at(
                rates_pos, what=f"{label}执行率", published=printed.text,
                computed=format_rate(computed, max(printed.places, form.rate_places), False)))
    return found


def check_explanation(evaluation: Evaluation, form: Form, scores: Scores) -> list[Finding]:
    threshold = form.explanation_below
    if threshold is None or scores.total >= threshold or (evaluation.explanation or "").strip():
        return []
    return [F.MISSING_EXPLANATION.at(evaluation.where("explanation"), total=_fmt(scores.total),
                                     threshold=_fmt(threshold))]
