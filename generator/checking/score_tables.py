"""The score tables of a department report (表 4-1 to 4-8): each first-level indicator's points,
score and score rate (4-1), and each one's second- and third-level indicators (4-2…), derived
from the scored indicator tree, never typed. The report's own printed figures
(`published.score_tables`) give each table its number and title, and are compared with the
derived ones: a printed subtotal that its rows do not give is a finding.

A derived table is a figure table (`model.Table`) whose rows nest as the indicators do, so
every renderer lays it out like the report's other tables, its subtotals as sums of its rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import findings as F
from ..findings import Finding
from ..loading.model import Evaluation, Indicator, ScoreRow, ScoreTable, Table, TableRow, Value
from ..quantities import Num, format_number, format_rate, round_to
from .scoring import Scores

SUMMARY_COLUMNS = ["分值", "评价得分", "得分率"]
DETAIL_COLUMNS = ["分值", "得分"]
DEEPEST = 3  # a first-level indicator's table lists its indicators down to the third level
TOTAL_LABEL, GRADE_LABEL = "得分", "评价等级"
RATE_PLACES = 2


@dataclass(frozen=True)
class Line:
    """One indicator of a score table (or its total): figures derived from the tree."""

    name: str
    depth: int
    weight: Decimal
    score: Decimal
    node: Indicator | None = None

    @property
    def rate(self) -> Decimal | None:
        return self.score / self.weight if self.weight else None


def _figures(scores: Scores) -> dict[int, tuple[Decimal, Decimal]]:
    """(points, score) of each indicator: a category's subtotal, an assessed row's own."""
    found = {id(s.node): (s.weight, s.score) for s in scores.subtotals}
    found.update({id(leaf.node): (leaf.weight, leaf.counted(scores.from_rules)) for leaf in scores.leaves})
    return found


def lines(evaluation: Evaluation, scores: Scores, table: ScoreTable) -> list[Line]:
    """The indicators a score table lists, in the report's order: every first-level one for the
    summary (4-1), else the named one and its indicators below it down to the third level."""
    figures = _figures(scores)

    def line(node: Indicator, depth: int) -> Line:
        return Line(node.name, depth, *figures.get(id(node), (Decimal(0), Decimal(0))), node=node)

    if table.indicator is None:
        return [line(node, 1) for node in evaluation.indicators]
    top = next((node for node in evaluation.indicators if node.name == table.indicator), None)
    found: list[Line] = []

    def walk(node: Indicator, depth: int) -> None:
        found.append(line(node, depth))
        if depth < DEEPEST:
            for child in node.children:
                walk(child, depth + 1)

    if top is not None:
        walk(top, 1)
    return found


def total_line(scores: Scores) -> Line:
    return Line(TOTAL_LABEL, 0, scores.weight_total, scores.total)


# --- as figure tables -----------------------------------------------------------------------

def _num(value: Decimal) -> Num:
    return Num(value, format_number(value, 2))


def _rate(value: Decimal | None) -> Num | None:
    return None if value is None else Num(value, format_rate(value, RATE_PLACES, False), True)


def derived_tables(evaluation: Evaluation, scores: Scores) -> list[Table]:
    """Each score table the report prints, derived from the scored indicators."""
    published = evaluation.published
    return [derived_table(evaluation, scores, table) for table in (published.score_tables if published else [])]


def derived_table(evaluation: Evaluation, scores: Scores, table: ScoreTable) -> Table:
    found = lines(evaluation, scores, table)
    if table.indicator is None:
        total = total_line(scores)
        rows = [TableRow(label=line.name, values=[_num(line.weight), _num(line.score), _rate(line.rate)])
                for line in (*found, total)]
        rows.append(TableRow(label=GRADE_LABEL, values=[Value(scores.grade or ""), None, None]))
        return Table(id=table.id, title=table.title, label_heading="指标", columns=list(SUMMARY_COLUMNS),
                     text_columns=[], rows=rows)
    return Table(id=table.id, title=table.title, label_heading="指标", columns=list(DETAIL_COLUMNS),
                 rows=_nested(found))


def _nested(found: list[Line]) -> list[TableRow]:
    """The lines as rows whose parts are the indicators one level down."""
    top: list[TableRow] = []
    open_rows: list[TableRow] = []  # the last row at each depth
    for line in found:
        row = TableRow(label=line.name, values=[_num(line.weight), _num(line.score)])
        del open_rows[line.depth - 1:]
        (open_rows[-1].children if open_rows else top).append(row)
        open_rows.append(row)
    return top


# --- compared with the printed figures --------------------------------------------------------

_WHAT = (("weight", "分值"), ("score", "得分"), ("rate", "得分率"))


def check(evaluation: Evaluation, scores: Scores) -> list[Finding]:
    """Each printed figure of each score table against the derived one, at its printed precision."""
    published = evaluation.published
    found: list[Finding] = []
    for table in published.score_tables if published else []:
        derived = lines(evaluation, scores, table)
        if len(derived) != len(table.rows):
            found.append(F.SCORE_TABLE.at(table.where("rows"), table=table.id, name=table.indicator or "一级指标",
                                          what="行数", published=str(len(table.rows)), computed=str(len(derived))))
        pairs = list(zip(table.rows, derived))
        if table.total is not None:
            pairs.append((table.total, total_line(scores)))
        for printed, line in pairs:
            found += _row_findings(table, printed, line)
        if table.grade and scores.grade and table.grade != scores.grade:
            found.append(F.SCORE_TABLE.at(table.where("grade"), table=table.id, name=GRADE_LABEL, what="等级",
                                          published=table.grade, computed=scores.grade))
    return found


def _row_findings(table: ScoreTable, printed: ScoreRow, line: Line) -> list[Finding]:
    found = []
    for key, what in _WHAT:
        num: Num | None = getattr(printed, key)
        value = getattr(line, key)
        if num is None or value is None:
            continue
        places = num.places + (2 if num.percent else 0)
        if round_to(value, places) != round_to(num.value, places):
            text = format_rate(value, max(num.places, RATE_PLACES), False) if num.percent else format_number(value, 2)
            found.append(F.SCORE_TABLE.at(printed.where(key), table=table.id, name=printed.name, what=what,
                                          published=num.text, computed=text))
    return found
