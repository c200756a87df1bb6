"""A document as a list of blocks that every renderer understands: the HTML templates (the
site's evaluation page and the PDF) and the XLSX writer.

- Cover: the title page (a unit's name, the subtitle, the year; a report's number, the
  commissioning unit, the evaluator, the date).
- Index: the entries of a unit's index (序号 / 项目名称 / 备注), each pointing at a table
  of the document by its project; an entry with no table in it is marked so.
- ProjectTable: an evaluation's 项目支出绩效自评表, laid out as a grid (`table.py`).
- Section: a narrative section in Markdown, the tables it places after its body (figure
  tables and a report's derived score tables, by number), then its subsections. Markdown is
  read by markdown-it-py with raw HTML off: `<script>` in a body is text, never markup.
- FigureTable: a report's table of figures whose rows add up (收入表, 资金构成…), laid out
  as a grid of the same cells as the project table, each total a formula over its parts.

A bundle is a Document: its cover, its index, then each evaluation's blocks (its table,
then its sections and figure tables, as the evaluation file gives them). One evaluation's
printout is a Document of its blocks alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, ClassVar

from markupsafe import Markup

from ..checking import score_tables
from ..checking.scoring import Scores
from ..loading import model
from ..loading.model import BundleIndex, Evaluation, IndexEntry
from ..rules.registry import Form, Scheme
from .figures import FigureRows, Span, caption, has_labels, printed_columns, text_lengths
from .grid import Cell, Grid, Part, Row
from .table import compute, project_table, tables_in_form

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

ABSENT_NOTE = "未收录本汇编"  # an index entry whose table the document does not hold
LABEL_WIDTH = 34.0           # of a figure table's width, in percent
DEEPEST_HEADING = 6


@cache
def _markdown() -> MarkdownIt:
    """The parser, made when a section is first read: importing markdown-it-py costs every
    command 35 ms (its HTML patterns), and most builds print no section."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


# --- the blocks ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Cover:
    kind: ClassVar[str] = "cover"

    title: str
    subtitle: str | None = None
    year: int | None = None
    details: tuple[tuple[str, str], ...] = ()  # (label, text): 报告编号, 委托单位, 评价机构, 报告日期


@dataclass(frozen=True)
class Index:
    kind: ClassVar[str] = "index"

    title: str
    subtitle: str | None
    entries: tuple[IndexEntry, ...]

    @staticmethod
    def note(entry: IndexEntry, present: bool) -> str:
        """The entry's 备注, with the mark of an entry whose table the document does not hold."""
        return "；".join(text for text in (entry.note, None if present else ABSENT_NOTE) if text)


@dataclass(eq=False)
class ProjectTable:
    kind: ClassVar[str] = "table"

    evaluation: Evaluation
    scores: Scores
    form: Form
    scheme: Scheme

    @property
    def project(self) -> str:
        return self.evaluation.project

    @cached_property
    def drawn_grid(self) -> Grid:
        """The table as HTML draws it (`compute`: what only a spreadsheet shows, not worked out yet)."""
        return project_table(self.evaluation, self.scores, self.form, self.scheme, computed=False)

    @cached_property
    def grid(self) -> Grid:
        """The whole table, as the spreadsheet writes it: the same grid, laid out once."""
        compute(self.drawn_grid, self.form)
        return self.drawn_grid


@dataclass(frozen=True)
class Section:
    kind: ClassVar[str] = "section"

    title: str
    body: str = ""  # Markdown
    children: tuple[Section, ...] = ()
    tables: tuple[FigureTable, ...] = ()  # printed after the body, before the subsections

    def html(self, level: int) -> Markup:
        """The body as HTML under a heading of `level` (its own headings below that one)."""
        return markdown_html(self.body, level)

    def paragraphs(self) -> list[tuple[str, str]]:
        return markdown_paragraphs(self.body)


@dataclass(eq=False)
class FigureTable:
    kind: ClassVar[str] = "figure-table"

    table: model.Table

    @property
    def caption(self) -> str:
        return caption(self.table)

    @cached_property
    def grid(self) -> Grid:
        return figure_grid(self.table, self.caption)


Block = Cover | Index | ProjectTable | Section | FigureTable


@dataclass
class Document:
    """Blocks in reading order, and what the document says of itself (a PDF's title)."""

    title: str
    blocks: list = field(default_factory=list)

    def tables(self) -> list[ProjectTable]:
        return [block for block in self.blocks if isinstance(block, ProjectTable)]


# --- documents -----------------------------------------------------------------------------

def evaluation_blocks(ev: Evaluation, scores: Scores, form: Form, scheme: Scheme) -> list:
    """An evaluation's table, then its sections (each with the tables it places) and the
    figure tables neither its form prints inside the table (see `table.tables_in_form`) nor a
    section places. A report's score tables (表 4-x) are derived from the scores."""
    inside = {id(table) for table in tables_in_form(ev, form)}
    own = [FigureTable(table) for table in ev.tables if id(table) not in inside]
    derived = [FigureTable(table) for table in score_tables.derived_tables(ev, scores)]
    numbered = {block.table.id: block for block in (*own, *derived) if block.table.id}
    placed: set[str] = set()
    sections = [section(s, numbered, placed) for s in ev.sections]
    return [ProjectTable(ev, scores, form, scheme), *sections,
            *(block for block in own if block.table.id not in placed)]


def section(source: model.Section, numbered: dict | None = None, placed: set | None = None) -> Section:
    """A section block with the tables it places (by number, each once)."""
    numbered, placed = numbered or {}, placed if placed is not None else set()
    tables = tuple(numbered[name] for name in source.tables if name in numbered and name not in placed)
    placed.update(block.table.id for block in tables)
    return Section(source.title or "", source.body or "",
                   tuple(section(child, numbered, placed) for child in source.children), tables)


def bundle_document(title: str, index: BundleIndex, year: int | None, evaluations: list[list]) -> Document:
    """A unit's bundle: cover, index, then each evaluation's blocks."""
    front = [Cover(index.title, index.subtitle, year), Index(index.title, index.subtitle, tuple(index.entries))]
    return Document(title, front + [block for blocks in evaluations for block in blocks])


# --- Markdown --------------------------------------------------------------------------------

def markdown_html(text: str, level: int = 1) -> Markup:
    """Markdown as HTML, raw HTML escaped; its headings below a heading of `level`, the
    biggest of them (`#` or `##`, as the author wrote) one level down."""
    markdown = _markdown()
    tokens = markdown.parse(text or "")
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    shift = level + 1 - min((int(token.tag[1]) for token in headings), default=1)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + shift, DEEPEST_HEADING)}"
    return Markup(markdown.renderer.render(tokens, markdown.options, {}))


def markdown_blocks(text: str) -> list[tuple[int, str]]:
    """Each top-level block of the Markdown (a paragraph, a list, a table…): (the line after
    it, its text), so that a text can be cut after any of them."""
    found = []
    tokens = _markdown().parse(text or "")
    for n, token in enumerate(tokens):
        if token.level == 0 and token.map and token.nesting >= 0:
            inline = "".join(t.content for t in tokens[n:n + 3] if t.type == "inline")
            found.append((token.map[1], inline or token.content))
    return found


def markdown_paragraphs(text: str) -> list[tuple[str, str]]:
    """Markdown as plain text, one (role, text) a paragraph: "heading", "paragraph", "item"
    (a list item, after its bullet or number), "row" (a table's row, its cells spaced), "code"."""
    found: list[tuple[str, str]] = []
    lists: list[list] = []  # for each open list: [ordered, the next item's number]
    role, bullet, row = "paragraph", "", None
    for token in _markdown().parse(text or ""):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([kind == "ordered_list_open", int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            ordered, number = lists[-1]
            lists[-1][1] += 1
            role, bullet = "item", f"{number}. " if ordered else "• "
        elif kind == "heading_open":
            role = "heading"
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            found.append(("row", "\u3000\u3000".join(row)))
            row = None
        elif kind == "inline" and row is not None:
            row.append(_plain(token))
        elif kind == "inline":
            found.append((role, bullet + _plain(token) if role == "item" else _plain(token)))
            role = "paragraph"
        elif kind in ("fence", "code_block"):
            found.append(("code", token.content.rstrip("\n")))
    return found


def _plain(token: Token) -> str:
    return "".join("\n" if child.type in ("softbreak", "hardbreak") else child.content
                   for child in token.children or ())


# --- a figure table as a grid ------------------------------------------------------------------

def figure_grid(table: model.Table, caption: str) -> Grid:
    """The caption line (then the unit, 单位：万元, and the note over the table, when the
    table has them), then the table's head and rows (see `figures.py`), one grid column for
    each printed column: the rows' names (when the table has them) take LABEL_WIDTH of the
    width, the figures share the rest; a table with text columns shares the width by the
    length of each column's longest text."""
    count = printed_columns(table)
    span = max(count, 1)
    rows: list[Row] = [Row([Cell(0, 0, caption, "caption", cols=span)])]
    for text, role in ((f"单位：{table.unit}" if table.unit else None, "unit"), (table.note, "note")):
        if text:
            rows.append(Row([Cell(len(rows), 0, text, role, cols=span)]))
    lines = len(rows)
    head, _ = FigureRows(table, rows, [Span(col) for col in range(count)]).add()
    parts = [Part("lines", "title", "", 0, 0, lines), Part("table", "figure", caption, lines, head, len(rows))]
    return Grid(_figure_widths(table, count), rows, parts)


TEXT_WIDTHS = (2, 24)  # the fewest and most characters a text table's column is given room for


def _figure_widths(table: model.Table, count: int) -> tuple[float, ...]:
    if not count:
        return (100.0,)
    if table.text_columns:
        needs = [min(max(length, TEXT_WIDTHS[0]), TEXT_WIDTHS[1]) for length in text_lengths(table)]
        return tuple(round(need * 100 / sum(needs), 2) for need in needs)
    figures = count - 1 if has_labels(table) else count
    label = (LABEL_WIDTH,) if has_labels(table) else ()
    share = (100 - sum(label)) / figures if figures else 0
    return (*label, *([round(share, 2)] * figures))
