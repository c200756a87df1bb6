"""A report's figure table (收入表, 资金构成, 预算执行情况…) as rows of grid cells: its head
(the rows' names column, then each column; a group of columns under a heading of its own
takes two head rows), then each row and its parts, indented. A figure is printed as
published; a row with parts computes it as their sum, and a column that one of the table's
identities computes from its own row (指标结余数 = 年初预算数 + 调整数 − 财政拨款数) as
that side: formulas that stay beside the printed figure (`Grid.departures`).

The same rows make a figure table's own grid (`document.figure_grid`) and the part of a
form's table that prints the evaluation's figure tables inside it (`table.py`): each
printed column of the figure table is given its first grid column and its span.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..loading import model
from ..checking.identities import Term, own_formulas, parse
from ..quantities import Num
from .grid import Area, Cell, Formula, Ref, Row, call, minus, number_format, plus, times

LABEL_HEADING = "项目"  # a figure table's first column: the rows' names, unless the table names it
INDENT = "\u3000"       # a part's label is indented one ideographic space per level


@dataclass(frozen=True)
class Span:
    col: int
    cols: int = 1


def has_labels(table: model.Table) -> bool:
    return any(row.label for row in all_rows(table.rows))


def width(table: model.Table) -> int:
    """The figure columns: the declared ones, or more where a row gives more figures."""
    return max([len(table.columns), *(len(row.values) for row in all_rows(table.rows))])


def printed_columns(table: model.Table) -> int:
    """How many columns the table prints: its rows' names (when any row has one) and its figures."""
    return width(table) + (1 if has_labels(table) else 0)


def all_rows(rows: list[model.TableRow]):
    for row in rows:
        yield row
        yield from all_rows(row.children)


def text_lengths(table: model.Table) -> list[int]:
    """Each printed column's longest text (its heading's or a cell's), in characters."""
    columns = [table.label_heading] if has_labels(table) else []
    columns += [table.columns[n] if n < len(table.columns) else "" for n in range(width(table))]
    longest = [len(text) for text in columns]
    for row in all_rows(table.rows):
        cells = ([row.label or ""] if has_labels(table) else []) + [
            value.text if value is not None else "" for value in row.values]
        for n, text in enumerate(cells[:len(longest)]):
            longest[n] = max(longest[n], len(text))
    return longest


def caption(table: model.Table) -> str:
    """`表 1-1 项目资金构成`, or the title alone for a table the original does not number."""
    return f"表 {table.id} {table.title}" if table.id else table.title


class FigureRows:
    """Adds a figure table's rows to a grid's rows, from row `len(rows)` on, in the given spans
    (the label column's first, when the table has one)."""

    def __init__(self, table: model.Table, rows: list[Row], spans: list[Span]):
        self.table, self.rows = table, rows
        self.labels = has_labels(table)
        self.label_span = spans[0] if self.labels else None
        self.spans = spans[1:] if self.labels else spans
        self.columns = [table.columns[n] if n < len(table.columns) else "" for n in range(width(table))]
        self.formulas = own_formulas(table)

    def add(self) -> tuple[int, int]:
        """Add the head and the body; return the number of head rows and of all rows added."""
        first = len(self.rows)
        head = self._head()
        self.labelled: dict[str, int] = {}  # the grid row of each labelled table row
        self._body(self.table.rows, 0)
        self._totals()
        return head, len(self.rows) - first

    # -- the head

    def _head(self) -> int:
        groups = {column: group for group in self.table.groups for column in group.columns}
        two = any(column in groups for column in self.columns)
        r = self._row()
        if self.labels:
            self._put(r, self.label_span, self.table.label_heading, "column", rows=2 if two else 1)
        started = set()
        for n, column in enumerate(self.columns):
            group = groups.get(column)
            if group is None:
                self._put(r, self.spans[n], column, "column", rows=2 if two else 1)
            elif id(group) not in started:
                started.add(id(group))
                members = [m for m, name in enumerate(self.columns) if groups.get(name) is group]
                last = self.spans[members[-1]]
                self._put(r, self.spans[n], group.title, "column",
                          cols=last.col + last.cols - self.spans[n].col)
        if not two:
            return 1
        r = self._row()
        for n, column in enumerate(self.columns):
            if column in groups:
                self._put(r, self.spans[n], column, "column")
        return 2

    # -- the body

    def _body(self, source: list[model.TableRow], depth: int) -> list[int]:
        """Add the rows and their parts; return the grid rows of these (not of their parts)."""
        added = []
        for item in source:
            r = self._row()
            added.append(r)
            if item.label:
                self.labelled.setdefault(item.label, r)
            if self.labels:
                self._put(r, self.label_span, INDENT * depth + (item.label or ""), "row-label")
            parts = self._body(item.children, depth + 1)
            for n, column in enumerate(self.columns):
                self.rows[r].cells.append(self._figure(r, n, item, column, parts))
        return added

    def _figure(self, r: int, n: int, item: model.TableRow, column: str, parts: list[int]) -> Cell:
        span = self.spans[n]
        num = item.values[n] if n < len(item.values) else None
        if num is None:
            return Cell(r, span.col, "", "number", cols=span.cols)
        if not isinstance(num, Num):  # a text cell (资产名称, 取得方式)
            return Cell(r, span.col, num.text, "text", cols=span.cols)
        what = f"{item.label}的{column}" if item.label and column else (item.label or column)
        cell = Cell(r, span.col, num.text, "number", cols=span.cols, number=num.value, fmt=number_format(num.text),
                    what=what)
        written = [Ref(p, span.col) for p in parts if self._holds_figure(p, span.col)]
        if written:
            cell.number, cell.formula = None, _sum(written)
        elif n in self.formulas:
            cell.number, cell.formula = None, self._formula(r, self.formulas[n])
        return cell

    def _totals(self) -> None:
        """A total row the table names (`总计 = 一、基本支出 + 二、项目支出`) is, in each column where
        it prints a figure, that formula of the rows it names."""
        for text in self.table.totals:
            identity = parse(text)
            if identity is None or len(identity.sides) != 2 or len(identity.sides[0]) != 1:
                continue  # reported by the checks
            total = self.labelled.get(identity.sides[0][0].text)
            parts = [(term.sign, self.labelled.get(term.text)) for term in identity.sides[1]]
            if total is None or any(r is None for _, r in parts):
                continue
            for span in self.spans:
                cell = next(c for c in self.rows[total].cells if c.col == span.col)
                written = [(sign, Ref(r, span.col)) for sign, r in parts if self._holds_figure(r, span.col)]
                if cell.number is not None and written:
                    cell.number, cell.formula = None, _signed_sum(written)

    def _holds_figure(self, r: int, col: int) -> bool:
        cell = next(c for c in self.rows[r].cells if c.col == col)
        return cell.number is not None or cell.formula is not None

    def _formula(self, r: int, side: tuple[Term, ...]) -> Formula:
        def ref(term: Term):
            return Ref(r, self.spans[self.columns.index(term.column)].col)

        first = side[0]
        formula = ref(first) if first.sign > 0 else times(-1, ref(first))
        for term in side[1:]:
            formula = (plus if term.sign > 0 else minus)(formula, ref(term))
        return formula

    # -- helpers

    def _row(self) -> int:
        self.rows.append(Row([]))
        return len(self.rows) - 1

    def _put(self, r: int, span: Span, text: str, role: str, rows: int = 1, cols: int | None = None) -> None:
        self.rows[r].cells.append(Cell(r, span.col, text, role, rows=rows, cols=cols or span.cols))


def _signed_sum(refs: list[tuple[int, Ref]]) -> Formula:
    """SUM of the parts added, less the parts taken away."""
    added = [ref for sign, ref in refs if sign > 0]
    formula = _sum(added) if added else times(0, refs[0][1])
    for sign, ref in refs:
        if sign < 0:
            formula = minus(formula, ref)
    return formula


def _sum(refs: list[Ref]) -> Formula:
    """SUM of the parts: over their range when they lie one below another (SUM(E13:E70)),
    else each named."""
    if len(refs) > 2 and all(b.row == a.row + 1 for a, b in zip(refs, refs[1:])):
        return call("SUM", Area(refs[0], refs[-1]))
    return call("SUM", *refs)


def spans_over(widths: list[float], first: int, needs: list[float]) -> list[Span] | None:
    """Contiguous runs of the grid columns `first`, `first + 1`… (their widths given), one for
    each printed column of a figure table, as even as their needs allow: the runs that make
    the smallest width-to-need ratio largest. None when there are more columns than runs."""
    count = len(needs)
    if count > len(widths) or count == 0:
        return None
    best: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}

    def split(start: int, column: int) -> tuple[float, tuple[int, ...]]:
        """The best runs of grid columns start… for figure columns column…: (ratio, run lengths)."""
        if (start, column) in best:
            return best[start, column]
        left = count - column
        if left == 1:
            found = (sum(widths[start:]) / needs[column], (len(widths) - start,))
        else:
            found = (-1.0, ())
            for length in range(1, len(widths) - start - left + 2):
                rest, runs = split(start + length, column + 1)
                ratio = min(sum(widths[start:start + length]) / needs[column], rest)
                if ratio > found[0]:
                    found = (ratio, (length,) + runs)
        best[start, column] = found
        return found

    spans, col = [], first
    for length in split(0, 0)[1]:
        spans.append(Span(col, length))
        col += length
    return spans


LABEL_NEED = 2.0  # the rows' names column wants about twice a figure's width


def needs(table: model.Table) -> list[float]:
    return ([LABEL_NEED] if has_labels(table) else []) + [1.0] * width(table)

