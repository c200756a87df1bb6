"""A department's evaluation report (部门整体绩效评价报告) as document blocks, in the order
it is published: the cover, the contents, each chapter (a top-level section of the
evaluation file, its figure tables placed in its text), then the appendix score sheet.

- A figure table prints where a section lists it (`tables: [1-1]`: after the section's
  text, before its subsections); one that no section lists, after the first paragraph that
  refers to it (`详见表 1-1`), else after the first unused paragraph that introduces a table
  (`人员及分工如下：`), else at the end of the last chapter.
- The score tables of the conclusion chapter are derived from the scored indicator tree,
  never typed: the summary (each first-level indicator's points, score and 得分率, the total
  and the grade) and one table per first-level indicator (its second- and third-level points
  and scores). The file's `published.score_tables` give their numbers and titles (and keep
  the printed figures, which the checks compare); without them they are 表 N-1, N-2 …, N
  being the number of the chapter that gives the conclusion (评价结论).
- The appendix score sheet: 一级 / 二级 / 三级 / 四级指标 with their points, 指标解释,
  评分标准 and 得分, each category one cell over its rows, printed landscape after the
  file's own 附件 chapter (or as that chapter); its subtotals are formulas in the columns
  after the printed ones (the spreadsheet's).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import ClassVar

from markupsafe import Markup

from ..checking import score_tables as derived
from ..checking.scoring import Scores
from ..loading import model
from ..loading.model import Evaluation, Indicator, is_department_report
from ..quantities import figure, format_number
from ..rules.registry import Form, Scheme
from .document import Cover, FigureTable, markdown_blocks, markdown_html, markdown_paragraphs
from .grid import Area, Cell, Grid, Part, Ref, Row, call, divided, number_format
from .table import indicator_lines

SCORE_PLACES = 2
APPENDIX = "附件"
CONCLUSION = "评价结论"
DEFAULT_CONCLUSION_CHAPTER = 4
SHEET_LEVELS = 4  # 一级 … 四级指标
SHEET_COLUMNS = ("指标解释", "评分标准", "得分")
SHEET_WIDTHS = (9.0, 11.0, 12.0, 13.0, 22.0, 26.0, 7.0)
ASIDE_WIDTH = 10.0
LEVEL_HEADINGS = ("一级指标", "二级指标", "三级指标", "四级指标")
TABLE_REFERENCE = re.compile(r"表\s*(\d+\s*-\s*\d+)")
INTRODUCES_TABLE = re.compile(r"如下[:：]\s*$")
NUMERALS = "一二三四五六七八九"
CHAPTER_NUMBER = re.compile(r"^\s*([一二三四五六七八九十]+)\s*[、.．]")


# --- blocks of a report ------------------------------------------------------------------------

@dataclass(frozen=True)
class ContentsEntry:
    anchor: str
    title: str
    level: int     # 1: a chapter, 2: a section of it
    chapter: int   # the chapter's place (from 1): its page on the site


@dataclass(frozen=True)
class Contents:
    kind: ClassVar[str] = "contents"

    entries: tuple[ContentsEntry, ...]
    title: str = "目录"


@dataclass(eq=False)
class ReportSection:
    """A section whose text is interleaved with the tables placed in it: `pieces` are
    Markdown texts and table blocks, in reading order."""

    kind: ClassVar[str] = "chapter"

    title: str
    anchor: str
    pieces: list
    children: list

    def html(self, text: str, level: int) -> Markup:
        return markdown_html(text, level)

    def paragraphs(self) -> list[tuple[str, str]]:
        """The text as paragraphs, for a sheet of text (its tables are sheets of their own)."""
        return [p for piece in self.pieces if isinstance(piece, str) for p in markdown_paragraphs(piece)]

    def tables(self) -> list:
        return [piece for piece in self.pieces if not isinstance(piece, str)] + \
            [table for child in self.children for table in child.tables()]


@dataclass(eq=False)
class ScoreTable:
    """A score table derived from the scored tree; drawn as a figure table is."""

    kind: ClassVar[str] = "figure-table"

    id: str
    title: str
    grid: Grid

    @property
    def caption(self) -> str:
        return f"表 {self.id} {self.title}"


@dataclass(eq=False)
class ScoreSheet:
    """The appendix: the indicator system and its scores, printed landscape."""

    kind: ClassVar[str] = "score-sheet"

    heading: str | None  # None: it follows the report's own 附件 chapter
    title: str
    anchor: str
    evaluation: Evaluation
    scores: Scores

    @property
    def project(self) -> str:
        return self.evaluation.project

    @cached_property
    def grid(self) -> Grid:
        return score_sheet(self.evaluation, self.scores, self.title)


# --- the report -----------------------------------------------------------------------------

def is_report(ev: Evaluation) -> bool:
    """A department's evaluation report: a document with a cover, chapters and a score sheet."""
    return is_department_report(ev)


def report_title(ev: Evaluation, form: Form) -> tuple[str, str]:
    """The cover's two lines: `2021年度枣庄市山亭区工业和信息化局`, `部门整体绩效评价报告`: the
    cover's title, cut before the form's report title, else made of the year and the unit."""
    name = form.report_title or form.title
    title = ev.cover.title if ev.cover else None
    if title:
        return (title[:-len(name)], name) if title.endswith(name) and title != name else (title, "")
    return f"{ev.year}年度{_unit(ev)}", name


def _unit(ev: Evaluation) -> str:
    return ev.department.name if ev.department else ev.project


def report_blocks(ev: Evaluation, scores: Scores, form: Form, scheme: Scheme) -> list:
    """Cover, contents, the chapters with their tables, the appendix score sheet."""
    lead, title = report_title(ev, form)
    cover = ev.cover
    details = [("报告编号", cover.report_number), ("委托单位", cover.commissioner),
               ("预算单位", cover.budget_unit or (ev.department.name if ev.department else None)),
               ("评价机构", cover.evaluator), ("报告日期", cover.date)]
    front = Cover(lead, title, None, tuple((label, text) for label, text in details if text))
    sections = list(ev.sections)
    chapters = _place(sections, _tables(ev, scores, sections))
    # The score sheet follows the file's own 附件 chapter, else it is that chapter
    appended = bool(chapters) and APPENDIX in chapters[-1].title
    anchor = f"{chapters[-1].anchor}-sheet" if appended else f"c{len(chapters) + 1}"
    sheet = ScoreSheet(None if appended else APPENDIX, f"{ev.year}年度{_unit(ev)}{form.title}", anchor, ev, scores)
    return [front, Contents(_contents(chapters, sheet)), *chapters, sheet]


def _contents(chapters: list[ReportSection], sheet: ScoreSheet) -> tuple[ContentsEntry, ...]:
    entries = []
    for number, chapter in enumerate(chapters, start=1):
        entries.append(ContentsEntry(chapter.anchor, chapter.title, 1, number))
        if _chapter_number(chapter.title):  # a numbered chapter lists its sections (摘要 does not: it retells them)
            entries += [ContentsEntry(child.anchor, child.title, 2, number) for child in chapter.children
                        if child.title]
    if sheet.heading:
        entries.append(ContentsEntry(sheet.anchor, sheet.heading, 1, len(chapters) + 1))
    return tuple(entries)


# --- placing the tables in the text ------------------------------------------------------------

def _table_id(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _tables(ev: Evaluation, scores: Scores, sections: list[model.Section]) -> dict[str, object]:
    """The tables of the report by number: the file's figure tables, and the derived score
    tables in place of any typed ones of the same number."""
    declared = {_table_id(table.id): table for table in ev.tables if table.id}
    found: dict[str, object] = {key: FigureTable(table) for key, table in declared.items()}
    unnumbered = [FigureTable(table) for table in ev.tables if not table.id]
    for table in score_tables(ev, scores, _conclusion_chapter(sections), {k: t.title for k, t in declared.items()}):
        found[table.id] = table
    for n, table in enumerate(unnumbered):
        found[f"unnumbered-{n}"] = table
    return found


def _conclusion_chapter(sections: list[model.Section]) -> int:
    numbered = [_chapter_number(s.title or "") for s in sections]
    for section, number in zip(sections, numbered):
        if CONCLUSION in (section.title or "") and number:
            return number
    return DEFAULT_CONCLUSION_CHAPTER


def _chapter_number(title: str) -> int | None:
    """The number of a chapter titled `四、评价结论及分析` (一 to 九十九), None for an unnumbered one."""
    match = CHAPTER_NUMBER.match(title)
    if not match:
        return None
    tens, ten, units = match.group(1).rpartition("十")
    if not ten:
        return NUMERALS.index(units) + 1 if len(units) == 1 else None
    return (NUMERALS.index(tens) + 1 if tens else 1) * 10 + (NUMERALS.index(units) + 1 if units else 0)


class _Placer:
    """Places each table once: after the first paragraph naming it, else after the first
    unused paragraph that introduces a table, else at the end."""

    def __init__(self, sections: list[model.Section], tables: dict[str, object]):
        self.tables = tables
        named = set()
        for text in _texts(sections):
            named |= {_table_id(m) for m in TABLE_REFERENCE.findall(text)}
        listed = {_table_id(key) for section in _all(sections) for key in section.tables}
        self.waiting = [key for key in tables if key not in named | listed]  # no paragraph names these
        self.placed: set[str] = set(listed)

    def section(self, source: model.Section, anchor: str) -> ReportSection:
        listed = [self.tables[key] for key in map(_table_id, source.tables) if key in self.tables]
        pieces = self._pieces(source.body or "") + listed
        children = [self.section(child, f"{anchor}-{n}") for n, child in enumerate(source.children, start=1)]
        return ReportSection(source.title or "", anchor, pieces, children)

    def _pieces(self, body: str) -> list:
        lines = body.splitlines(keepends=True)
        pieces, start = [], 0
        for end, text in markdown_blocks(body):
            due = [key for key in self._named(text) if key not in self.placed]
            if not due and INTRODUCES_TABLE.search(text) and self.waiting:
                due = [self.waiting.pop(0)]
            if due:
                pieces.append("".join(lines[start:end]))
                start = end
                for key in due:
                    self.placed.add(key)
                    pieces.append(self.tables[key])
        if start < len(lines):
            pieces.append("".join(lines[start:]))
        return [piece for piece in pieces if not isinstance(piece, str) or piece.strip()]

    def _named(self, text: str) -> list[str]:
        return [key for key in dict.fromkeys(_table_id(m) for m in TABLE_REFERENCE.findall(text))
                if key in self.tables]

    def rest(self) -> list:
        return [table for key, table in self.tables.items() if key not in self.placed]


def _all(sections: list[model.Section]):
    for section in sections:
        yield section
        yield from _all(section.children)


def _texts(sections: list[model.Section]):
    return (section.body or "" for section in _all(sections))


def _place(sections: list[model.Section], tables: dict[str, object]) -> list[ReportSection]:
    placer = _Placer(sections, tables)
    chapters = [placer.section(section, f"c{n}") for n, section in enumerate(sections, start=1)]
    rest = placer.rest()
    if rest and chapters:
        chapters[-1].pieces += rest
    return chapters


# --- the derived score tables ------------------------------------------------------------------

class _Scored:
    """Each node's points and score, from the scored tree."""

    def __init__(self, scores: Scores):
        self.weight: dict[int, Decimal] = {}
        self.score: dict[int, Decimal] = {}
        for leaf in scores.leaves:
            self.weight[id(leaf.node)], self.score[id(leaf.node)] = leaf.weight, leaf.counted(scores.from_rules)
        for subtotal in scores.subtotals:
            self.weight[id(subtotal.node)], self.score[id(subtotal.node)] = subtotal.weight, subtotal.score

    def points(self, node: Indicator) -> Decimal:
        if node.weight is not None:
            return node.weight.value
        return self.weight.get(id(node), Decimal(0))

    def of(self, node: Indicator) -> Decimal:
        return self.score.get(id(node), Decimal(0))


def score_tables(ev: Evaluation, scores: Scores, chapter: int, titles: dict[str, str]) -> list[ScoreTable]:
    """The score tables the file says its report prints (`published.score_tables`: their
    numbers, titles and indicators), else 表 N-1, the summary, then 表 N-2 … one for each
    first-level indicator; their rows as `score_tables.lines` derives them."""
    printed = ev.published.score_tables if ev.published else []
    wanted = list(printed) or [model.ScoreTable(id=f"{chapter}-1", title=titles.get(f"{chapter}-1",
                                                                                    f"{_unit(ev)}部门整体绩效评价得分情况"))]
    if not printed:
        wanted += [model.ScoreTable(id=f"{chapter}-{n}", title=titles.get(f"{chapter}-{n}", f"{node.name}得分情况表"),
                                    indicator=node.name) for n, node in enumerate(ev.indicators, start=2)]
    found = []
    for table in wanted:
        caption = f"表 {_table_id(table.id)} {table.title}"
        rows = derived.lines(ev, scores, table)
        if table.indicator is None:
            grid = _summary_grid(rows, derived.total_line(scores), scores.grade, caption)
        elif rows:
            grid = _level1_grid(rows, caption)
        else:
            continue
        found.append(ScoreTable(_table_id(table.id), table.title, grid))
    return found


def _head(rows: list[Row], caption: str, columns: tuple[str, ...]) -> list[Part]:
    """The caption line and the head row; returns the caption's part."""
    rows.append(Row([Cell(0, 0, caption, "caption", cols=len(columns))]))
    rows.append(Row([Cell(1, col, text, "column") for col, text in enumerate(columns)]))
    return [Part("lines", "title", "", 0, 0, 1)]


def _summary_grid(lines: list, total, grade: str | None, caption: str) -> Grid:
    """指标 / 分值 / 评价得分 / 得分率, a row for each first-level indicator, then 得分 and 评价等级."""
    rows: list[Row] = []
    parts = _head(rows, caption, ("指标", "分值", "评价得分", "得分率"))
    first = len(rows)
    for line in lines:
        r = len(rows)
        rows.append(Row([Cell(r, 0, line.name, "row-label"), _number(r, 1, line.weight, f"{line.name}的分值"),
                         _number(r, 2, line.score, f"{line.name}的评价得分"), _rate(r, line.weight, line.score)]))
    r, last = len(rows), len(rows) - 1
    rows.append(Row([Cell(r, 0, total.name, "row-label"),
                     _sum(r, 1, [Area(Ref(first, 1), Ref(last, 1))], total.weight, "分值合计"),
                     _sum(r, 2, [Area(Ref(first, 2), Ref(last, 2))], total.score, "得分"),
                     _rate(r, total.weight, total.score)], "total"))
    rows.append(Row([Cell(r + 1, 0, derived.GRADE_LABEL, "row-label"), Cell(r + 1, 1, grade or "", "value", cols=3)]))
    parts.append(Part("table", "figure", caption, 1, 1, len(rows)))
    return Grid((34.0, 22.0, 22.0, 22.0), rows, parts)


def _number(r: int, col: int, value: Decimal, what: str, rows: int = 1) -> Cell:
    text = figure(value)
    return Cell(r, col, text, "number", rows=rows, number=value, fmt=number_format(text), what=what)


def _sum(r: int, col: int, terms: list, value: Decimal, what: str, rows: int = 1) -> Cell:
    text = figure(value)
    return Cell(r, col, text, "number", rows=rows, fmt=number_format(text), what=what, formula=call("SUM", *terms))


def _rate(r: int, weight: Decimal, score: Decimal) -> Cell:
    if not weight:
        return Cell(r, 3, "", "number")
    text = format_number(score / weight * 100, 2, strip_zeros=False) + "%"
    return Cell(r, 3, text, "number", fmt="0.00%", what="得分率", formula=divided(Ref(r, 2), Ref(r, 1)))


LEVEL1_COLUMNS = ("一级指标", "分值", "得分", "二级指标", "分值", "得分", "三级指标", "分值", "得分")
LEVEL1_WIDTHS = (13.0, 6.0, 6.0, 17.0, 6.0, 6.0, 34.0, 6.0, 6.0)


def _level1_grid(lines: list, caption: str) -> Grid:
    """One first-level indicator (the first line) and those below it down to the third level,
    as the report prints them: its points and score over all its rows, each second-level one's
    over its third-level rows, a row for each third-level one. A category's score is the SUM
    of the scores below it."""
    rows: list[Row] = []
    parts = _head(rows, caption, LEVEL1_COLUMNS)
    first, starts = len(rows), []
    level1, below = lines[0], lines[1:]
    groups = [[line] for line in below if line.depth == 2]
    for line in below:
        if line.depth == 3 and groups:
            groups[-1].append(line)
    for level2, *level3 in groups:
        start = len(rows)
        starts.append(start)
        for line in level3 or [None]:
            rows.append(Row(_level3_cells(len(rows), line)))
        count, last = len(rows) - start, len(rows) - 1
        score = _sum(start, 5, [Area(Ref(start, 8), Ref(last, 8))], level2.score, f"{level2.name}的得分", count) \
            if level3 else _number(start, 5, level2.score, f"{level2.name}的得分", count)
        rows[start].cells += [Cell(start, 3, level2.name, "level-2", rows=count),
                              _number(start, 4, level2.weight, f"{level2.name}的分值", count), score]
    if not starts:
        rows.append(Row([Cell(first, col, "", "blank") for col in range(3, len(LEVEL1_COLUMNS))]))
    count = len(rows) - first
    score = _sum(first, 2, [Ref(start, 5) for start in starts], level1.score, f"{level1.name}的得分", count) \
        if starts else _number(first, 2, level1.score, f"{level1.name}的得分", count)
    rows[first].cells += [Cell(first, 0, level1.name, "level-1", rows=count),
                          _number(first, 1, level1.weight, f"{level1.name}的分值", count), score]
    for row in rows:
        row.cells.sort(key=lambda c: c.col)
    parts.append(Part("table", "figure", caption, 1, 1, len(rows)))
    return Grid(LEVEL1_WIDTHS, rows, parts)


def _level3_cells(r: int, line) -> list[Cell]:
    if line is None:
        return [Cell(r, col, "", "blank") for col in (6, 7, 8)]
    return [Cell(r, 6, line.name, "name"), _number(r, 7, line.weight, f"{line.name}的分值"),
            _number(r, 8, line.score, f"{line.name}的得分")]


# --- the appendix score sheet ---------------------------------------------------------------

def _label(node: Indicator, scored: _Scored) -> str:
    return f"{node.name}（{figure(scored.points(node))}分）"


def score_sheet(ev: Evaluation, scores: Scores, title: str) -> Grid:
    """The score sheet: its title line, the head (repeated on every page), a row for each
    assessed indicator, 合计. Columns after the printed ones: each row's points, then for
    each level above the rows its points and score subtotals (SUM over its rows)."""
    scored = _Scored(scores)
    levels = SHEET_LEVELS
    lines = indicator_lines(ev.indicators, levels, "row")
    rows: list[Row] = [Row([Cell(0, 0, title, "caption", cols=len(SHEET_WIDTHS))])]
    head = [*LEVEL_HEADINGS, *SHEET_COLUMNS]
    aside_head = ["分值"] + [f"{LEVEL_HEADINGS[d]}{what}" for d in range(levels - 1) for what in ("分值小计", "得分小计")]
    rows.append(Row([Cell(1, col, text, "column") for col, text in enumerate(head)] +
                    [Cell(1, len(head) + n, text, "aside-head") for n, text in enumerate(aside_head)]))
    first = len(rows)
    points_col, score_col = len(head), len(head) - 1
    for number, line in enumerate(lines):
        r = len(rows)
        rows.append(Row(_sheet_line(r, line, scored, levels, points_col), line=number))
    _merge_levels(rows, lines, first, levels, scored, points_col, score_col)
    r = len(rows)
    total = ev.published.total.text if ev.published and ev.published.total else \
        format_number(scores.total, SCORE_PLACES, strip_zeros=False)
    rows.append(Row([Cell(r, 0, "合计", "total-label", cols=score_col),
                     Cell(r, score_col, total, "number", fmt=number_format(total), what="合计得分",
                          formula=call("SUM", Area(Ref(first, score_col), Ref(r - 1, score_col))))], "total"))
    for row in rows:
        row.cells.sort(key=lambda c: c.col)
    parts = [Part("lines", "title", "", 0, 0, 1), Part("table", "score-sheet", title, 1, 1, len(rows))]
    grid = Grid(SHEET_WIDTHS, rows, parts, (ASIDE_WIDTH,) * len(aside_head))
    for cell in grid.cells():
        if cell.role == "aside" and cell.formula is not None:
            cell.text = figure(grid.value(Ref(cell.row, cell.col)))
    return grid


def _sheet_line(r: int, line, scored: _Scored, levels: int, points_col: int) -> list[Cell]:
    """A row's own cells: its name (over the level columns below its depth), 指标解释,
    评分标准, 得分, and its points aside."""
    leaf, depth = line.leaf, len(line.path) + 1
    if leaf is None:
        return [Cell(r, col, "", "blank") for col in range(depth - 1, levels + len(SHEET_COLUMNS))]
    score = scored.of(leaf)
    text = format_number(score, SCORE_PLACES, strip_zeros=False)
    return [Cell(r, depth - 1, _label(leaf, scored), "name", cols=levels - depth + 1),
            Cell(r, levels, leaf.definition or "", "note"), Cell(r, levels + 1, leaf.criteria or "", "note"),
            Cell(r, levels + 2, text, "number", number=score, fmt=number_format(text), what=f"{leaf.name}的得分"),
            Cell(r, points_col, figure(scored.points(leaf)), "aside", number=scored.points(leaf), fmt="General")]


def _merge_levels(rows: list[Row], lines: list, first: int, levels: int, scored: _Scored, points_col: int,
                  score_col: int) -> None:
    """Each category one cell over its rows (printed again on each page it runs onto), its
    points and score subtotals aside."""
    for depth in range(1, levels):
        start = 0
        while start < len(lines):
            path = lines[start].path
            node = path[depth - 1] if len(path) >= depth else None
            end = start + 1
            while end < len(lines) and node is not None and len(lines[end].path) >= depth \
                    and lines[end].path[depth - 1] is node:
                end += 1
            if node is not None:
                r, last = first + start, first + end - 1
                aside = points_col + 1 + 2 * (depth - 1)
                rows[r].cells += [
                    Cell(r, depth - 1, _label(node, scored), f"level-{depth}", rows=end - start, repeat=True),
                    Cell(r, aside, "", "aside", fmt="General",
                         formula=call("SUM", Area(Ref(r, points_col), Ref(last, points_col)))),
                    Cell(r, aside + 1, "", "aside", fmt="General",
                         formula=call("SUM", Area(Ref(r, score_col), Ref(last, score_col))))]
            start = end
