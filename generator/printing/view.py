"""What each cell of a printed table shows, shared by the PDF and the XLSX.

Printing policy: the printed table reproduces the published form. Entered figures
print their own text (`5.00`, `08`); an execution rate, the funds score, the 分值
total and the 总分 print as published when the YAML records a published figure
(`published:`), and are computed by jixiao only where nothing was published. Where
the two differ, `jixiao validate` reports it (published-mismatch); the XLSX keeps
jixiao's formulas, so the workbook shows what the figures add up to.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..layout import Row, indicator_rows
from ..model import Evaluation, FundsRow, Party
from ..quantities import Num, reduce_html
from ..registry import Form, Scheme
from ..scoring import Scores
from ..templating import figure, rate

DASH = "—"
HEADER_LABELS = {"project": "项目名称", "contact": "联系电话"}


@dataclass
class FundsLine:
    """One row of the funds block: the amounts as entered and the printed weight, rate, score."""

    key: str
    label: str
    amounts: FundsRow
    weight: str
    rate: str
    score: str
    rate_published: Num | None = None


@dataclass
class TableView:
    evaluation: Evaluation
    scores: Scores
    form: Form
    scheme: Scheme
    header: list[list[tuple[str, str]]]
    funds: list[FundsLine]
    goals: tuple[str, str] | None
    rows: list[Row]
    segment_spans: dict[int, int]  # row index → rows of the 绩效指标 cell starting there
    weight_total: str
    total: str
    explanation_label: str | None
    breaks: frozenset[int] = field(default_factory=frozenset)

    @property
    def project(self) -> str:
        return self.evaluation.project

    @property
    def year_line(self) -> str:
        return self.form.year_line.format(year=self.evaluation.year)

    def level1_title(self, row: Row) -> str:
        node = row.level1
        return self.form.level1_title(node.name, node.weight.text if node.weight else None)


def _party(form: Form, party: Party | None) -> str:
    return form.party(party.name, party.code) if party else ""


def _header(ev: Evaluation, form: Form) -> list[list[tuple[str, str]]]:
    values = {"project": ev.project, "department": _party(form, ev.department),
              "implementer": _party(form, ev.implementer), "contact": ev.contact or ""}
    labels = {**HEADER_LABELS, "department": form.department_label, "implementer": form.implementer_label}
    return [[(labels[key], values[key]) for key in row] for row in form.header_rows]


def _published(ev: Evaluation, key: str) -> Num | None:
    return getattr(ev.published, key) if ev.published else None


def _printed(published: Num | None, computed: Decimal | None) -> str:
    return published.text if published is not None else figure(computed)


def _funds(ev: Evaluation, form: Form, scores: Scores) -> list[FundsLine]:
    if ev.funds is None or ev.funds.rows is None:
        return []
    lines = []
    rates = ev.published.rates if ev.published else {}
    for key, row in ev.funds.rows.present():
        if key not in form.funds_rows:
            continue
        dashes = form.funds_dashes.get(key, ())
        printed_rate = ""
        if key in form.rate_rows:
            printed_rate = rates[key].text if key in rates else rate(scores.rates.get(key), form)
        if key == "total":
            weight = figure(ev.funds.weight)
            score = _printed(_published(ev, "funds_score"), scores.funds_score)
        else:
            weight = DASH if "weight" in dashes else ""
            score = DASH if "score" in dashes else ""
        lines.append(FundsLine(key, form.funds_rows[key], row, weight, printed_rate, score,
                               rates.get(key) if key in form.rate_rows else None))
    return lines


def split_at(rows: list[Row], breaks: frozenset[int]) -> list[Row]:
    """Rows whose merged 一级/二级 cells end at each page break and start again after it,
    so every page prints its own labels (a cell spanning a break loses them)."""
    rows = [replace(row) for row in rows]
    for attr in ("level1_span", "level2_span"):
        start = None
        for index, row in enumerate(rows):
            span = getattr(row, attr)
            if span:
                start, end = index, index + span
            elif start is not None and index < end and index in breaks:
                setattr(rows[start], attr, index - start)
                setattr(row, attr, end - index)
                start = index
    return rows


def _segments(count: int, breaks: frozenset[int]) -> dict[int, int]:
    starts = [0] + sorted(b for b in breaks if 0 < b < count)
    ends = starts[1:] + [count]
    return {start: end - start for start, end in zip(starts, ends) if end > start}


def table_view(ev: Evaluation, scores: Scores, form: Form, scheme: Scheme,
               breaks: frozenset[int] = frozenset()) -> TableView:
    rows = split_at(indicator_rows(ev, form), breaks)
    goals = None
    if ev.goals:
        goals = (reduce_html(ev.goals.expected or ""), reduce_html(ev.goals.actual or ""))
    explanation = None
    if form.explanation_below is not None:
        explanation = f"总分在 {figure(form.explanation_below)} 分以下项目未实现绩效目标的原因分析及拟采取的措施说明"
    return TableView(
        ev, scores, form, scheme, _header(ev, form), _funds(ev, form, scores), goals, rows,
        _segments(len(rows), breaks),
        weight_total=_printed(_published(ev, "weight_total"), scores.weight_total),
        total=_printed(_published(ev, "total"), scores.total),
        explanation_label=explanation, breaks=breaks)
