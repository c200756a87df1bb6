"""A document's blocks as the HTML templates draw them, for the site's evaluation page and
the PDF. A grid (see `generator/layout/`: the project table, a figure table) is drawn as
its title lines, then each table part with its head rows (repeated on every page) and its
body, cut at the PDF's page breaks; columns beyond the printed ones (the spreadsheet's
subtotals) are left out. A section's Markdown comes as HTML with raw HTML escaped."""
from __future__ import annotations

from dataclasses import dataclass

import jinja2
from markupsafe import Markup, escape

from ...layout import Cell, Grid, Part, ProjectTable, Row
from ...loading.model import Evaluation
from ...rules.registry import Form, Scheme
from ...checking.scoring import Scores
from ..templating import table_template

REPORT_TEMPLATES = {"cover": "print/report-front.html", "contents": "print/report-front.html",
                    "chapter": "print/chapter.html", "score-sheet": "print/score-sheet.html"}
SECTION_LEVEL = 2  # a section's heading below the form's title (h1 in the PDF, h2 on the site)


# Each cell's role gives its tag, its scope and its class; a category's label (`level-N`)
# is a row group's heading.
CELL_TAGS = {
    "label": ("th", "row", ""), "field": ("td", "", "left"), "group": ("th", "rowgroup", ""),
    "column": ("th", "col", ""), "row-label": ("th", "row", "left"), "number": ("td", "", "num"),
    "text": ("td", "", "text"), "value": ("td", "", ""), "name": ("td", "", "left"), "note": ("td", "", "left"),
    "section-head": ("td", "", "section"), "section": ("th", "rowgroup", "section"),
    "total-label": ("th", "row", ""), "explanation-label": ("th", "row", "left"),
}
LEVEL_TAG, OTHER_TAG = ("th", "rowgroup", ""), ("td", "", "")


def _tag_parts(tag: str, scope: str, class_: str) -> tuple[str, str]:
    """A role's opening tag up to its spans, and its closing tag."""
    return f"<{tag}" + (f' scope="{scope}"' if scope else "") + (f' class="{class_}"' if class_ else ""), f"</{tag}>"


_TAG_PARTS = {role: _tag_parts(*tag) for role, tag in CELL_TAGS.items()}
_LEVEL_PARTS, _OTHER_PARTS = _tag_parts(*LEVEL_TAG), _tag_parts(*OTHER_TAG)
# markupsafe's escaping, as one C call: it runs for each of an evaluation page's 250 cells
_ESCAPED = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def cell_html(cell: Cell, anchor: str = "") -> str:
    role = cell.role
    opening, closing = _TAG_PARTS.get(role) or (_LEVEL_PARTS if role.startswith("level-") else _OTHER_PARTS)
    spans = ((f' rowspan="{cell.rows}"' if cell.rows > 1 else "")
             + (f' colspan="{cell.cols}"' if cell.cols > 1 else ""))
    return f"{opening}{spans}>{anchor}{cell.text.translate(_ESCAPED)}{closing}"


def _row_html(line: Row, prefix: str) -> str:
    """A row and its cells. An indicator row's anchor (to find where pages break) sits in its
    last cell: an id on the row itself would keep WeasyPrint from sharing computed styles
    between the rows and their cells."""
    *cells, last = line.cells or [None]
    anchor = f'<span id="{escape(prefix)}r{line.line}"></span>' if line.line is not None else ""
    drawn = "".join([cell_html(cell) for cell in cells]) + (cell_html(last, anchor) if last is not None else "")
    classes = " ".join(filter(None, (line.role, "page-start" if line.page_start else "")))
    return (f'<tr class="{classes}">' if classes else "<tr>") + drawn + "</tr>"


@dataclass
class DrawnPart:
    part: Part
    head: list[Row]
    body: list[Row]


@dataclass
class GridView:
    grid: Grid
    breaks: frozenset[int] = frozenset()

    @property
    def widths(self) -> tuple[float, ...]:
        return self.grid.widths

    @staticmethod
    def rows_html(lines: list[Row], prefix: str = "") -> Markup:
        """Rows with their cells: drawn here rather than by a loop in the template, whose call
        per row cost as much as drawing the row's cells (measured)."""
        return Markup("".join([_row_html(line, prefix) for line in lines]))

    def lines(self) -> list[Cell]:
        """The title lines above the tables: 标题, 年度, 单位; a figure table's caption."""
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


@dataclass
class TableView(GridView):
    evaluation: Evaluation | None = None
    form: Form | None = None

    @property
    def project(self) -> str:
        return self.evaluation.project


def block_view(block: ProjectTable, breaks: frozenset[int] = frozenset()) -> TableView:
    """The table laid out, with a page break before each indicator row in `breaks`."""
    grid = block.drawn_grid
    return TableView(grid.split(breaks) if breaks else grid, breaks, block.evaluation, block.form)


def table_view(ev: Evaluation, scores: Scores, form: Form, scheme: Scheme,
               breaks: frozenset[int] = frozenset()) -> TableView:
    return block_view(ProjectTable(ev, scores, form, scheme), breaks)


def block_html(block, env: jinja2.Environment, prefix: str = "", breaks: frozenset[int] = frozenset(),
               heading: str = "h1", number: int = 1) -> Markup:
    """A table, section or figure table as HTML. A table is drawn by its form's own template
    (print/<form>.html) when the project has one; `prefix` names its anchors in a PDF of
    several tables; `heading` is the tag of its title (h2 on the site, under the page's h1).
    A section's heading is anchored by its place: `s2` for the evaluation's second section,
    `s2-1` for the first below it (see `section_anchors`)."""
    if block.kind == "table":
        template = table_template(env, block.form.id)
        return Markup(template.render(view=block_view(block, breaks), prefix=prefix, heading=heading))
    if block.kind == "section":
        return Markup(env.get_template("print/section.html").render(
            section=block, level=SECTION_LEVEL, prefix=prefix, number=str(number),
            table_html=lambda table: block_html(table, env, prefix)))
    if block.kind == "figure-table":
        return Markup(env.get_template("print/figure-table.html").render(view=GridView(block.grid), prefix=prefix))
    if block.kind in REPORT_TEMPLATES:
        return report_block_html(block, env, prefix, breaks)
    raise ValueError(f"no HTML for a {block.kind} block here: the front matter is drawn by print/bundle.html")


def report_block_html(block, env: jinja2.Environment, prefix: str = "", breaks: frozenset[int] = frozenset()) -> Markup:
    """A block of a department report (layout/report.py): its cover or contents, a chapter with
    its tables, or the score sheet, laid out with a page break before each of its rows in `breaks`."""
    view = None
    if block.kind == "score-sheet":
        view = GridView(block.grid.split(breaks) if breaks else block.grid, breaks)
    template = env.get_template(REPORT_TEMPLATES[block.kind])
    return Markup(template.render(block=block, prefix=prefix, level=1, view=view, view_of=_grid_view))


def _grid_view(block) -> GridView:
    return GridView(block.grid)


def blocks_html(blocks: list, env: jinja2.Environment, prefix: str = "", breaks: frozenset[int] = frozenset(),
                heading: str = "h1") -> list[Markup]:
    numbers = section_numbers(blocks)
    return [block_html(block, env, prefix, breaks, heading, numbers.get(id(block), 1)) for block in blocks]


def section_numbers(blocks: list) -> dict[int, int]:
    """Each section block's place among the sections of its evaluation (from 1), by id: the
    sections after a table are numbered again from 1."""
    numbers, count = {}, 0
    for block in blocks:
        if block.kind == "table":
            count = 0
        elif block.kind == "section":
            count += 1
            numbers[id(block)] = count
    return numbers


def section_anchors(sections: list, prefix: str = "s") -> list[tuple[str, str, list]]:
    """(anchor, title, the same for its subsections) of each titled section, as section.html
    anchors them: a contents list of the report."""
    found = []
    for number, section in enumerate(sections, start=1):
        anchor = f"{prefix}{number}"
        children = section_anchors(section.children, f"{anchor}-")
        if section.title:
            found.append((anchor, section.title, children))
        else:
            found += children
    return found
