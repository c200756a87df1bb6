"""The 项目支出绩效自评表 laid out from its form's declaration, as a grid (see `grid.py`).

Printing policy: the table reproduces the published form. Entered figures print their
own text (`5.00`, `08`); an execution rate, the funds score, the 分值 total and the
总分 print as published when the YAML records a published figure (`published:`), and
as jixiao computes them where nothing was published. A computed cell keeps its formula
either way: where its value prints otherwise than the published figure, the grid says
so (`Grid.departures`); where nothing can be computed (a blank 全年执行数), the cell holds
the published figure, marked `copied`.

The indicator columns follow the tree: one column per level (the form's `levels`, more
if the tree is deeper), then the form's `indicator_columns` (by default 年度指标值,
实际完成值, 分值, 得分, 偏差原因分析及改进措施). Each category is one cell over its rows,
at every level, with its subtotals in the columns after the printed ones (the spreadsheet's).

A form may print the evaluation's figure tables inside its table, after the header
(`tables_position: after-header`, the Suzhou 自评表's fund tables): each takes the rows
below the header, its title in the first column over them, its columns spread over the
others (see `figures.py`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from decimal import Decimal

from ..loading.model import Evaluation, FundsRow, Indicator, Party, Table
from ..quantities import Num, figure, rate, reduce_html
from ..rules.registry import DEFAULT_INDICATOR_COLUMNS, Form, Scheme
from ..checking.scoring import Scores
from .figures import FigureRows, needs, printed_columns, spans_over
from .grid import (Area, Cell, Formula, Grid, Part, Ref, Row, call, divided, number_format, plus, prints_as,
                   times)

DASH = "—"
EMPTY_CATEGORY_TEXT = {"row": "", "not-applicable": "不适用"}  # "omit": no row
HEADER_LABELS = {"project": "项目名称", "contact": "联系电话"}
FUNDS_FIGURES = 6     # 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分
ASIDE_GAP, ASIDE_WIDTH = 2.0, 16.0
_PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?")
_COLUMN = attrgetter("col")


def rate_format(form: Form) -> str:
    """The number format of an execution rate at the form's precision, zeros kept."""
    return "0" + ("." + "0" * form.rate_places if form.rate_places else "") + "%"


# --- the indicator tree, row by row ---------------------------------------------------------

@dataclass
class Line:
    """One indicator row: the categories it lies in, from level 1 down, and its leaf
    (None for a row that stands for an empty category, the last of `path`)."""

    path: tuple[Indicator, ...]
    leaf: Indicator | None


def tree_depth(nodes: list[Indicator]) -> int:
    return max((1 + tree_depth(node.children) for node in nodes), default=0)


def _is_leaf(node: Indicator, depth: int, levels: int) -> bool:
    """A childless node is an assessed indicator at the leaf level, or above it when it
    has a weight or a score (an indicator written at level 2); else an empty category."""
    return not node.children and (depth >= levels or node.weight is not None or node.score is not None)


def indicator_lines(indicators: list[Indicator], levels: int, empty_category: str) -> list[Line]:
    lines: list[Line] = []
    for level1 in indicators:
        block = _lines_under(level1, 1, (), levels, empty_category)
        lines += block or [Line((level1,), None)]  # a level-1 category always prints its label
    return lines


def _lines_under(node: Indicator, depth: int, parents: tuple, levels: int, empty: str) -> list[Line]:
    if _is_leaf(node, depth, levels):
        return [Line(parents, node)]
    path = parents + (node,)
    if not node.children:
        return [] if empty == "omit" else [Line(path, None)]
    return [line for child in node.children for line in _lines_under(child, depth + 1, path, levels, empty)]


# --- the project table ------------------------------------------------------------------

@dataclass(frozen=True)
class Columns:
    """The column numbers of a table whose indicator tree has `levels` levels, after the
    indicator area's own column (`section`: 1, or 0 where the form prints none), followed by
    the indicator columns `trailing` (target, actual, weight, score, reason: the form's order)."""

    levels: int
    trailing: tuple[str, ...] = DEFAULT_INDICATOR_COLUMNS
    section: int = 1

    @property
    def count(self) -> int:
        return self.section + self.levels + len(self.trailing)

    def level(self, depth: int) -> int:
        return self.section + depth - 1

    @property
    def leaf(self) -> int:
        return self.level(self.levels)

    def of(self, key: str) -> int | None:
        """The column of an indicator column (target, actual…), None when the form prints none."""
        return self._trailing_at.get(key)

    @cached_property  # asked for every cell of every indicator row
    def _trailing_at(self) -> dict[str, int]:
        return {key: self.section + self.levels + offset for offset, key in enumerate(self.trailing)}

    @property
    def target(self) -> int:
        return self.of("target")

    @property
    def actual(self) -> int:
        return self.of("actual")

    @property
    def weight(self) -> int:
        return self.of("weight")

    @property
    def score(self) -> int:
        return self.of("score")

    @cached_property
    def keyed(self) -> list[tuple[str, int]]:
        """(key, column) of each indicator column, in print order."""
        return list(self._trailing_at.items())

    @property
    def funds_figures(self) -> int:
        return self.count - FUNDS_FIGURES


def columns_of(form: Form, levels: int) -> Columns:
    return Columns(levels, form.indicator_columns, 1 if form.indicators_column else 0)


def column_widths(form: Form, levels: int) -> tuple[float, ...]:
    """The form's widths when it declares one per column; else its level columns shared
    out: each upper level as wide as the form's upper levels on average, the leaf level
    as its own, all scaled to 100 %."""
    widths, cols = tuple(form.column_widths), columns_of(form, levels)
    if len(widths) == cols.count:
        return widths
    columns = len(form.indicator_columns)
    lead, declared, trailing = widths[:cols.section], widths[cols.section:-columns], widths[-columns:]
    upper = sum(declared[:-1]) / max(len(declared) - 1, 1) if len(declared) > 1 else declared[0]
    raw = (*lead, *([upper] * (levels - 1)), declared[-1], *trailing)
    return tuple(round(w * 100 / sum(raw), 2) for w in raw)


def level_names(form: Form, levels: int) -> list[str]:
    return [form.level_name(depth) for depth in range(1, levels + 1)]


def _plain(value: Decimal | None) -> str:
    """A number as a spreadsheet's General format shows it: no trailing zeros."""
    return "" if value is None else format(value.normalize(), "f")


def _bare(label: str) -> str:
    """A funds row's name without its printed punctuation: `其中：财政拨款` → `财政拨款`."""
    return re.sub(r"^其中[:：]\s*", "", label).rstrip(":：")


def _party(form: Form, party: Party | None) -> str:
    return form.party(party.name, party.code) if party else ""


def tables_in_form(ev: Evaluation, form: Form) -> list[Table]:
    """The figure tables the form prints inside its table, after the header: all of them when
    it asks so (`tables_position: after-header`), but for any with more columns than fit."""
    if form.tables_position != "after-header":
        return []
    room = columns_of(form, _levels(ev, form)).count - 1  # the first column holds the titles
    return [table for table in ev.tables if 0 < printed_columns(table) <= room]


def _levels(ev: Evaluation, form: Form) -> int:
    return max(len(form.levels), tree_depth(ev.indicators))


class _TableBuilder:
    """Lays the project table out row by row; each method adds one block of rows."""

    def __init__(self, ev: Evaluation, scores: Scores, form: Form, scheme: Scheme):
        self.ev, self.scores, self.form, self.scheme = ev, scores, form, scheme
        self.levels = _levels(ev, form)
        self.cols = columns_of(form, self.levels)
        self.widths = column_widths(form, self.levels)
        self.rows: list[Row] = []
        self.parts: list[Part] = []
        self.funds_total: int | None = None  # the grid row of 年度资金总额

    # -- helpers

    def _row(self, role: str = "", line: int | None = None) -> int:
        self.rows.append(Row([], role, line))
        return len(self.rows) - 1

    def put(self, row: int, col: int, text: str = "", role: str = "blank", **more) -> Cell:
        cell = Cell(row, col, text, role, **more)
        self.rows[row].cells.append(cell)
        return cell

    def put_figure(self, row: int, col: int, num: Num | None, role: str = "number") -> Cell:
        if num is None:
            return self.put(row, col, "", role)
        return self.put(row, col, num.text, role, number=num.value, fmt=number_format(num.text))

    def _part(self, kind: str, name: str, caption: str, first: int, head: int = 0) -> None:
        if first < len(self.rows):  # a form without header rows has no top table
            self.parts.append(Part(kind, name, caption, first, head, len(self.rows)))

    # -- the blocks

    def build(self) -> Grid:
        self.title()
        first = len(self.rows)
        self.header()
        self.figure_tables()
        self.funds()
        self.goals()
        heading = f"{self.ev.project} {self.form.title}（{self.ev.year} 年度）"
        self._part("table", "top", f"{heading}：项目与资金", first)
        first = len(self.rows)
        self.indicators()
        self.total()
        self.explanation()
        self.footnote()
        self._part("table", "indicators", title_line(self.ev, self.form) or f"{self.ev.project}：绩效指标", first,
                   head=1)
        for row in self.rows:
            row.cells.sort(key=_COLUMN)
        subtotals = 2 * (self.levels - 1)
        points = 1 if self.cols.weight is None else 0
        return Grid(self.widths, self.rows, self.parts, (ASIDE_GAP,) + (ASIDE_WIDTH,) * (subtotals + points))

    def title(self) -> None:
        form, span = self.form, self.cols.count
        lines = [(form.report_title, "report"), (form.title, "title"),
                 (form.year_line.format(year=self.ev.year) if form.year_line else None, "year"),
                 (form.unit_line, "unit")]
        if form.title_line:
            lines = [(title_line(self.ev, form), "title")]
        lines = [(text, role) for text, role in lines if text]
        for text, role in lines:
            self.put(self._row(), 0, text, role, cols=span)
        self._part("lines", "title", "", 0)

    def header(self) -> None:
        """Each header row: a label over the first two columns and its field; a second label
        at the 实际完成值 column and its field to the end."""
        ev, form, cols = self.ev, self.form, self.cols
        values = {"project": ev.project, "year": str(ev.year or ""), "department": _party(form, ev.department),
                  "implementer": _party(form, ev.implementer), "contact": ev.contact or ""}
        labels = {**HEADER_LABELS, "year": form.year_label, "department": form.department_label,
                  "implementer": form.implementer_label}
        for keys in form.header_rows:
            r = self._row()
            self.put(r, 0, labels[keys[0]], "label", cols=2)
            if len(keys) == 1:
                self.put(r, 2, values[keys[0]], "field", cols=cols.count - 2)
                continue
            self.put(r, 2, values[keys[0]], "field", cols=cols.actual - 2)
            self.put(r, cols.actual, labels[keys[1]], "label")
            self.put(r, cols.actual + 1, values[keys[1]], "field", cols=cols.count - cols.actual - 1)

    def figure_tables(self) -> None:
        """The figure tables the form prints inside its table: each one's title in the first
        column over its rows, its own columns spread over the others."""
        for table in tables_in_form(self.ev, self.form):
            spans = spans_over(list(self.widths[1:]), 1, needs(table))
            first = len(self.rows)
            _, added = FigureRows(table, self.rows, spans).add()
            self.rows[first].cells.append(Cell(first, 0, table.title, "group", rows=added))

    def funds(self) -> None:
        ev, form, cols = self.ev, self.form, self.cols
        if ev.funds is None or ev.funds.rows is None or not form.funds_block:
            return
        lines = [(key, row) for key, row in ev.funds.rows.present() if key in form.funds_rows]
        r = self._row()
        self.put(r, 0, form.funds_label, "group", rows=len(lines) + 1)
        self.put(r, 1, "", "blank", cols=cols.funds_figures - 1)
        headings = ["年初预算数", form.column("budget", "全年预算数"), form.column("executed", "全年执行数"),
                    "分值", form.column("rate", "执行率"), "得分"]
        for offset, heading in enumerate(headings):
            self.put(r, cols.funds_figures + offset, heading, "column")
        for key, amounts in lines:
            self.funds_line(key, amounts)

    def funds_line(self, key: str, amounts: FundsRow) -> None:
        form, first = self.form, self.cols.funds_figures
        r = self._row()
        label = form.funds_rows[key]
        self.put(r, 1, label, "row-label", cols=first - 1)
        for offset, num in enumerate((amounts.initial, amounts.budget, amounts.executed)):
            self.put_figure(r, first + offset, num)
        dashes = form.funds_dashes.get(key, ())
        if key == "total":
            self.funds_total = r
            self.put_figure(r, first + 3, self.ev.funds.weight)
        else:
            self.put(r, first + 3, DASH if "weight" in dashes else "", "number")
        if key in form.rate_rows:
            self.funds_rate(r, key, label)
        else:
            self.put(r, first + 4, "", "number")
        if key == "total":
            self.funds_score(r)
        else:
            self.put(r, first + 5, DASH if "score" in dashes else "", "number")

    def _amounts(self, r: int) -> tuple[Ref, Ref, str | None]:
        """The budget and executed cells of a funds row, and why they give no rate (or None)."""
        first = self.cols.funds_figures
        budget, executed = Ref(r, first + 1), Ref(r, first + 2)
        cells = {c.col: c for c in self.rows[r].cells}
        if cells[first + 2].number is None:
            return budget, executed, "全年执行数空白"
        if cells[first + 1].number is None:
            return budget, executed, "全年预算数空白"
        if not cells[first + 1].number:
            return budget, executed, "全年预算数为零"
        return budget, executed, None

    def _computed(self, r: int, col: int, formula: Formula, published: Num | None, computed: str,
                  what: str) -> None:
        """A figure the spreadsheet computes: printed as published (else as computed), or,
        where the amounts give nothing, the published figure copied."""
        budget, executed, missing = self._amounts(r)
        if missing is None:
            text = published.text if published is not None else computed
            self.put(r, col, text, "number", formula=formula, fmt=number_format(text), what=what)
        elif published is not None:
            self.put(r, col, published.text, "number", number=published.value, fmt=number_format(published.text),
                     what=what, copied=f"{missing}，无法计算")
        else:
            self.put(r, col, "", "number", what=what)

    def funds_rate(self, r: int, key: str, label: str) -> None:
        first = self.cols.funds_figures
        budget, executed, _ = self._amounts(r)
        rates = self.ev.published.rates if self.ev.published else {}
        self._computed(r, first + 4, divided(executed, budget), rates.get(key),
                       rate(self.scores.rates.get(key), self.form), f"{_bare(label)}执行率")

    def funds_score(self, r: int) -> None:
        first, scheme = self.cols.funds_figures, self.scheme
        budget, executed, _ = self._amounts(r)
        formula = call("ROUND", times(Ref(r, first + 3), call("MIN", divided(executed, budget), scheme.funds_cap)),
                       scheme.score_places)
        published = self.ev.published.funds_score if self.ev.published else None
        self._computed(r, first + 5, formula, published, figure(self.scores.funds_score), "资金得分")

    def goals(self) -> None:
        ev, form, cols = self.ev, self.form, self.cols
        if not ev.goals:
            return
        split = cols.actual
        r = self._row()
        self.put(r, 0, "年度总体目标", "group", rows=2)
        self.put(r, 1, form.goal_labels["expected"], "column", cols=split - 1)
        self.put(r, split, form.goal_labels["actual"], "column", cols=cols.count - split)
        r = self._row()
        self.put(r, 1, reduce_html(ev.goals.expected or ""), "text", cols=split - 1)
        self.put(r, split, reduce_html(ev.goals.actual or ""), "text", cols=cols.count - split)

    def indicators(self) -> None:
        form, cols = self.form, self.cols
        head = self._row()
        if cols.section:
            self.put(head, 0, form.indicators_head, "section-head")
        for depth, name in enumerate(level_names(form, self.levels), start=1):
            self.put(head, cols.level(depth), name, "column")
        for key, col in cols.keyed:
            self.put(head, col, form.column(key), "column")
        for depth in range(1, self.levels):
            for offset, what in enumerate(("分值小计", "得分小计")):
                self.put(head, self._aside(depth) + offset, f"{level_names(form, self.levels)[depth - 1]}{what}",
                         "aside-head")
        if cols.weight is None:
            self.put(head, self._points, form.column("weight"), "aside-head")
        lines = indicator_lines(self.ev.indicators, self.levels, form.empty_category)
        self.first_line = len(self.rows)
        for number, line in enumerate(lines):
            self._line(self._row(line=number), line)
        if lines and cols.section:
            self.put(self.first_line, 0, form.indicators_label, "section", rows=len(lines), repeat=True)
        self._level_cells(lines)

    def _aside(self, depth: int) -> int:
        return self.cols.count + 1 + 2 * (depth - 1)

    @property
    def _points(self) -> int:
        """The column of each row's points where the form prints them in the names, not in a
        column: after the subtotals, which sum it."""
        return self._aside(self.levels)

    @property
    def _weights(self) -> int:
        return self.cols.weight if self.cols.weight is not None else self._points

    def _line(self, r: int, line: Line) -> None:
        cols, leaf = self.cols, line.leaf
        for depth in range(len(line.path) + 1, self.levels):
            self.put(r, cols.level(depth), "", "blank")  # no category at this level
        if leaf is None:
            self.put(r, cols.leaf, EMPTY_CATEGORY_TEXT.get(self.form.empty_category, ""), "name")
            for _, col in cols.keyed:
                self.put(r, col, "", "blank")
            return
        self.put(r, cols.leaf, self.form.label(len(line.path) + 1, leaf.name, leaf.weight.text if leaf.weight else None),
                 "name")
        if cols.weight is None and leaf.weight is not None:
            self.put(r, self._points, leaf.weight.text, "aside", number=leaf.weight.value, fmt="General")
        for key, col in cols.keyed:
            if key in ("target", "actual"):
                value = getattr(leaf, key)
                self._value(r, col, value.text if value else "")
            elif key in ("weight", "score"):
                self.put_figure(r, col, getattr(leaf, key))
            else:  # reason, definition, criteria: texts
                self.put(r, col, getattr(leaf, key) or "", "note")

    def _value(self, r: int, col: int, text: str) -> None:
        """Targets and actuals stay text, except plain numbers (`80`, `0.15`), which a
        spreadsheet would otherwise flag as numbers stored as text."""
        if _PLAIN_NUMBER.fullmatch(text) and not (text.startswith("0") and text[:2] != "0."):
            self.put(r, col, text, "value", number=Decimal(text), fmt=number_format(text))
        else:
            self.put(r, col, text, "value")

    def _level_cells(self, lines: list[Line]) -> None:
        """The merged label of each category, over its rows, with its subtotals aside."""
        cols = self.cols
        for depth in range(1, self.levels):
            start = 0
            while start < len(lines):
                node = lines[start].path[depth - 1] if len(lines[start].path) >= depth else None
                end = start + 1
                while end < len(lines) and node is not None and len(lines[end].path) >= depth \
                        and lines[end].path[depth - 1] is node:
                    end += 1
                if node is not None:
                    self._category(depth, node, self.first_line + start, end - start)
                start = end

    def _category(self, depth: int, node: Indicator, r: int, rows: int) -> None:
        cols = self.cols
        text = self.form.label(depth, node.name, node.weight.text if node.weight else None)
        self.put(r, cols.level(depth), text, f"level-{depth}", rows=rows, repeat=True)
        last = r + rows - 1
        for offset, col in enumerate((self._weights, cols.score)):
            self.put(r, self._aside(depth) + offset, "", "aside", fmt="General",
                     formula=call("SUM", Area(Ref(r, col), Ref(last, col))))

    def total(self) -> None:
        """The 总分 row: its label up to the first figure it prints (the form's `total_columns`),
        each of those a formula, the other columns blank."""
        cols, ev, scores, form = self.cols, self.ev, self.scores, self.form
        r = self._row("total")
        printed = [cols.of(key) for key in form.total_columns]
        label_cols = min(printed)
        self.put(r, 0, form.total_label, "total-label", cols=label_cols)
        published = ev.published
        body = Area(Ref(self.first_line, cols.weight), Ref(r - 1, cols.weight))
        scored = Area(Ref(self.first_line, cols.score), Ref(r - 1, cols.score))
        weights, points = call("SUM", body), call("SUM", scored)
        if self.funds_total is not None:
            first = self.cols.funds_figures
            weights = plus(Ref(self.funds_total, first + 3), weights)
            points = plus(Ref(self.funds_total, first + 5), points)
        totals = {cols.weight: (weights, published.weight_total if published else None, scores.weight_total, "分值合计"),
                  cols.score: (points, published.total if published else None, scores.total, "总分")}
        for col in range(label_cols, cols.count):
            if col not in printed:
                self.put(r, col, "", "blank")
                continue
            formula, shown, computed, what = totals[col]
            text = shown.text if shown is not None else figure(computed)
            self.put(r, col, text, "number", formula=formula, fmt=number_format(text), what=what)

    def explanation(self) -> None:
        form, cols = self.form, self.cols
        if form.explanation_below is None:
            return
        r = self._row("explanation")
        label = f"总分在 {figure(form.explanation_below)} 分以下项目未实现绩效目标的原因分析及拟采取的措施说明"
        self.put(r, 0, label, "explanation-label", cols=cols.target)
        self.put(r, cols.target, self.ev.explanation or "", "text", cols=cols.count - cols.target)


    def footnote(self) -> None:
        if self.form.footnote:
            r = self._row("footnote")
            self.put(r, 0, self.form.footnote, "text", cols=self.cols.count)


def title_line(ev: Evaluation, form: Form) -> str | None:
    """The table's one title line where the form declares it: `2021年度枣庄市山亭区工业和信息化局…得分表`."""
    if not form.title_line:
        return None
    department = ev.department.name if ev.department else ev.project
    return form.title_line.format(year=ev.year, department=department, title=form.title)


def project_table(ev: Evaluation, scores: Scores, form: Form, scheme: Scheme, computed: bool = True) -> Grid:
    """The 项目支出绩效自评表 of an evaluation, as its form prints it; without `computed`, as
    HTML draws it, without what only a spreadsheet shows (see `compute`)."""
    grid = _TableBuilder(ev, scores, form, scheme).build()
    if computed:
        compute(grid, form)
    return grid


def compute(grid: Grid, form: Form) -> None:
    """What only a spreadsheet shows of a laid-out table, worked out from its formulas: the
    figures of the subtotals beside it, and the number format of each computed figure. A
    computed figure shows as printed (`98.99`, `97.50`, `89.88%`), in General where that
    prints it so (a figure changed in the sheet then shows whole); one that departs from the
    printed figure shows whole, beside the note that gives the printed one. (A sixth of laying
    the table out: an evaluation's web page, which draws neither, is spared it.)"""
    for cell in grid.computed:
        value = grid.value((cell.row, cell.col))
        if cell.role == "aside":  # an aside prints its figure in General
            cell.text = figure(value)
            continue
        percent = cell.text.endswith("%")
        if not prints_as(value, cell.text):
            cell.fmt = rate_format(form) if percent else "General"
        elif not percent and _plain(value) == cell.text:
            cell.fmt = "General"
