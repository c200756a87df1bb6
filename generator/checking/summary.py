"""The figures of one evaluation as a row: what the pipeline keeps of each result
(`Result.summary`), and what the listings, the data pages and the open data show."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from ..loading.model import Evaluation, Published, is_department_report
from ..quantities import Num, figure, rate
from ..rules import registry
from . import score_tables
from .scoring import Scores

PATH_SEPARATOR = " / "  # between an indicator's ancestors in the `path` of its row


def level_column(depth: int) -> str:
    return f"level{depth}"


@lru_cache(maxsize=8192)  # the same weights and scores recur in every file
def number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    value = value.quantize(Decimal("0.0001")).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _rate(scores: Scores) -> float | None:
    rate = scores.rates.get("total")
    return None if rate is None else number(rate * 100)


def _percent(printed: Num | None) -> float | None:
    return None if printed is None else number(printed.value * 100)


def _text(text: str) -> str | None:
    return text or None


# What an evaluation is: a project's self-evaluation (a table, a report) or a department's
# evaluation report (one with a cover: layout/report.py).
PROJECT_KIND, DEPARTMENT_KIND = "项目自评", "部门整体评价"


def summary(file: str, ev: Evaluation | None, scores: Scores | None, counts: dict[str, int],
            rows: bool = True) -> dict:
    """The figures of one evaluation: a row of evaluations.json (and, flattened, of the CSV).
    Each figure's `_text` is as the table prints it: an entered amount as written, a computed one
    at the precision of its published counterpart, or of the form (`99.00`, `100.0%`).
    Without `rows`, `indicators` is left empty (the pipeline packs `indicator_table` instead)."""
    row = {"file": file, "name": None, "year": None, "unit": None, "unit_code": None,
           "implementer": None, "form": None, "scheme": None, "kind": None, "budget": None, "budget_text": None,
           "executed": None, "executed_text": None, "execution_rate": None, "execution_rate_text": None,
           "funds_score": None, "funds_score_text": None, "funds_score_in_total": None,
           "weight_total": None, "weight_total_text": None, "total": None, "total_text": None,
           "rule_total": None, "published_total": None, "published_total_text": None,
           "published_execution_rate": None, "published_execution_rate_text": None, "grade": None,
           "findings": counts, "subtotals": [], "score_tables": [], "indicators": []}
    if ev is None or scores is None:
        return row
    total_row = ev.funds.rows.total if ev.funds and ev.funds.rows else None
    budget = total_row.budget if total_row else None
    executed = total_row.executed if total_row else None
    published = ev.published or Published()
    form = registry.forms().get(ev.form)
    rate_total = scores.rates.get("total")
    row.update(
        name=ev.project, year=ev.year, unit=ev.department.name, unit_code=ev.department.code,
        implementer=ev.implementer.name if ev.implementer else None, form=ev.form, scheme=ev.scheme,
        kind=DEPARTMENT_KIND if is_department_report(ev) else PROJECT_KIND,
        budget=number(budget.value) if budget else None, budget_text=figure(budget) or None,
        executed=number(executed.value) if executed else None, executed_text=figure(executed) or None,
        execution_rate=_rate(scores),
        execution_rate_text=_text(rate(rate_total, form, published.rates.get("total")) if form else ""),
        funds_score=number(scores.funds_score),
        funds_score_text=_text(figure(scores.funds_score, published.funds_score)),
        funds_score_in_total=number(scores.funds_score_used) if ev.funds else None,
        weight_total=number(scores.weight_total),
        weight_total_text=figure(scores.weight_total, published.weight_total),
        total=number(scores.total), total_text=figure(scores.total, published.total),
        rule_total=number(scores.rule_total),
        published_total=number(published.total.value) if published.total else None,
        published_total_text=_text(figure(published.total)),
        published_execution_rate=_percent(published.rates.get("total")),
        published_execution_rate_text=_text(figure(published.rates.get("total"))),
        grade=scores.grade,
        subtotals=[{"name": s.node.name, "weight": number(s.weight), "score": number(s.score),
                    "rule_score": number(s.rule_score)} for s in scores.subtotals if s.depth == 1],
        score_tables=score_table_rows(ev, scores),
        indicators=indicator_rows(scores) if rows else [])
    return row


def score_table_rows(ev: Evaluation, scores: Scores) -> list[dict]:
    """A report's score tables (表 4-x), derived: each listed indicator's points, score and rate."""
    found = []
    for table in ev.published.score_tables if ev.published else []:
        lines = score_tables.lines(ev, scores, table)
        if table.indicator is None:
            lines.append(score_tables.total_line(scores))
        found.append({"id": table.id, "title": table.title, "indicator": table.indicator, "rows": [
            {"name": line.name, "depth": line.depth, "weight": number(line.weight), "score": number(line.score),
             "rate": number(line.rate)} for line in lines]})
    return found


def indicator_rows(scores: Scores) -> list[dict]:
    """Every assessed indicator with its ancestors, its entered score and, where a rule
    applies, its rule score."""
    keys, rows = indicator_table(scores)
    return [dict(zip(keys, row)) for row in rows]


def indicator_table(scores: Scores) -> tuple[list[str], list[list]]:
    """The indicator rows as their keys and each row's values in that order (what the
    pipeline packs: no dict is made per row when it runs for every file)."""
    if not scores.leaves:
        return [], []
    deepest = max(len(leaf.path) for leaf in scores.leaves)  # every row has the same keys
    starts: dict[int, list] = {}  # by the id of a leaf's path: siblings share one tuple (scoring.py)
    rows = []
    for leaf in scores.leaves:
        node = leaf.node
        start = starts.get(id(leaf.path))
        if start is None:
            start = starts[id(leaf.path)] = _row_start(leaf.path, deepest)
        weight, score, target, actual = node.weight, node.score, node.target, node.actual
        rows.append([
            *start, node.name,
            target.text if target is not None else None,
            actual.text if actual is not None else None,
            # a cell printed blank (`weight: ~`) is blank here too, though it counts as 0 in sums
            number(leaf.weight) if weight is not None else None, weight.text or None if weight is not None else None,
            number(leaf.score) if score is not None else None, score.text or None if score is not None else None,
            number(leaf.rule_score), leaf.applicable,
            node.reason])
    return _indicator_keys(deepest), rows


def _row_start(path: tuple, deepest: int) -> list:
    """A row's `path` and level columns: its ancestors' names, blank below its own depth."""
    names = [parent.name for parent in path]
    return [PATH_SEPARATOR.join(names) or None, *names, *[None] * (deepest - len(names))]


@lru_cache(maxsize=16)
def _indicator_keys(deepest: int) -> list[str]:
    return ["path", *(level_column(depth) for depth in range(1, deepest + 1)), "indicator", "target", "actual",
            "weight", "weight_text", "score", "score_text", "rule_score", "applicable", "reason"]
