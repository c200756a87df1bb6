"""A table's grid (see `generator/layout/`) as the HTML template draws it, for the site's
evaluation page and the PDF: the title lines, then each table part with its head rows
(repeated on every page) and its body, cut at the PDF's page breaks. Columns beyond
the printed ones (the spreadsheet's subtotals) are left out."""
from __future__ import annotations

from dataclasses import dataclass

from ..layout import Cell, Grid, Part, Row, project_table
from ..model import Evaluation
from ..registry import Form, Scheme
from ..scoring import Scores


@dataclass
class DrawnPart:
    part: Part
    head: list[Row]
    body: list[Row]


@dataclass
class TableView:
    evaluation: Evaluation
    form: Form
    grid: Grid
    breaks: frozenset[int] = frozenset()

    @property
    def project(self) -> str:
        return self.evaluation.project

    @property
    def widths(self) -> tuple[float, ...]:
        return self.grid.widths

    def lines(self) -> list[Cell]:
        """The title lines above the tables: 标题, 年度, 单位."""
        part = self.grid.part("title")
        return [cell for row in self.grid.rows[part.first:part.end] for cell in row.cells] if part else []

    def tables(self) -> list[DrawnPart]:
        printed = len(self.grid.widths)
        drawn = []
        for part in self.grid.parts:
            if part.kind != "table":
                continue
            rows = [Row([c for c in row.cells if c.col < printed], row.role, row.line, row.page_start)
                    for row in self.grid.rows[part.first:part.end]]
            drawn.append(DrawnPart(part, rows[:part.head], rows[part.head:]))
        return drawn


def table_view(ev: Evaluation, scores: Scores, form: Form, scheme: Scheme,
               breaks: frozenset[int] = frozenset()) -> TableView:
    """The table laid out, with a page break before each indicator row in `breaks`."""
    grid = project_table(ev, scores, form, scheme)
    return TableView(ev, form, grid.split(breaks) if breaks else grid, breaks)
