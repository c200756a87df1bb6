"""XLSX: a document's blocks (see `generator/layout/document.py`) in a workbook, as finance
staff use it: the cover and index on the first sheet, each grid (an evaluation's table, a
figure table) on a worksheet of its own, an evaluation's sections on one sheet of text.

The cells, merges and columns are the grid's: the same as the PDF. Each figure the
form computes (执行率, the funds score, each category's subtotals in the columns after
the print area, the 总分 row; a figure table's totals) is a formula over the cells, so
a figure corrected in Excel carries through, and stores its value too, so previewers,
pandas and openpyxl in values mode read the numbers. Where the published table printed another figure
than the formula gives, or a figure could not be computed and the published one is
copied in, a printed note below the table says so, naming the cell.

Printing: A4, one page wide; the page breaks are computed here from the row heights
(set explicitly: LibreOffice does not grow wrapped rows to fit) and the merged level
labels are cut at each break and labelled again, as in the PDF; the indicator head
row repeats on every page and the pages after the first carry the project's name in
their header.

Font: Noto Serif CJK SC, the face LibreOffice renders with Simplified Chinese glyph
shapes, declared with the GB2312 character set and the roman (serif) family, which is
how Excel and WPS on Windows substitute a missing font: 宋体 (SimSun). The workbook's
theme names 宋体 as its East Asian font as well.
"""
from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from copy import copy
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.styles.named_styles import NamedStyleList
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.functions import tostring

from ...layout import Cell, Cover, Document, Grid, Index, Part, Ref, excel
from ...quantities import figure, format_rate, parse_num, rate
from ...rules.registry import Form
from .cells import Formula, set_value

FONT_NAME = "Noto Serif CJK SC"  # the SC face: Chinese, not Japanese, glyph shapes
FALLBACK_FONT = "宋体"           # what Excel and WPS on Windows show without it
GB2312, ROMAN = 134, 1
FONT = Font(name=FONT_NAME, size=10, charset=GB2312, family=ROMAN)
BOLD = Font(name=FONT_NAME, size=10, bold=True, charset=GB2312, family=ROMAN)
TITLE = Font(name=FONT_NAME, size=16, bold=True, charset=GB2312, family=ROMAN)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
OPEN_BOTTOM = Border(left=THIN, right=THIN, top=THIN)
OPEN_TOP = Border(left=THIN, right=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TEXT = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
RIGHT_LINE = Alignment(horizontal="right", vertical="center", wrap_text=True)

# Style of each role of a grid cell: font, alignment, border.
ROLES = {
    "title": (TITLE, CENTER, None), "year": (FONT, CENTER, None), "unit": (FONT, RIGHT_LINE, None),
    "field": (FONT, LEFT, BORDER), "row-label": (FONT, LEFT, BORDER), "name": (FONT, LEFT, BORDER),
    "note": (FONT, LEFT, BORDER), "explanation-label": (FONT, LEFT, BORDER), "text": (FONT, TEXT, BORDER),
    "number": (FONT, RIGHT, BORDER), "section-head": (FONT, CENTER, OPEN_BOTTOM),
    "section": (FONT, CENTER, OPEN_TOP), "aside-head": (BOLD, CENTER, None), "aside": (FONT, RIGHT, None),
    "caption": (BOLD, CENTER, None),
}
DEFAULT_ROLE = (FONT, CENTER, BORDER)  # labels, headings, level labels, values, blanks
NOTE_STYLE = (FONT, LEFT, None)

LINE_POINTS = 14  # one line of 10 pt Noto CJK
PADDING_POINTS = 4
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
# The same sources give the same bytes: no build time in the properties or the archive.
FIXED_TIME = datetime(1980, 1, 1)
CORE_PROPERTIES = "docProps/core.xml"
THEME = "xl/theme/theme1.xml"
# A formula's empty value as openpyxl writes it: `<v/>` with the standard library's writer,
# `<v></v>` with lxml's (used whenever lxml is installed, as pikepdf installs it).
_FORMULA_CELL = re.compile(rb'(<c r="([A-Z]+[0-9]+)"[^>]*><f>[^<]*</f>)(?:<v\s*/>|<v></v>)')

# Page geometry, in points. The sheet is printed one page wide: its scale is the
# printable width over the table's width; breaks leave a margin for the renderer's rounding.
PAPER = {"portrait": (595.3, 841.9), "landscape": (841.9, 595.3)}
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75, "header": 0.3, "footer": 0.3}  # inches
PIXELS_PER_WIDTH_UNIT, PIXELS_PADDING = 7, 5  # an Excel column of width w is 7w + 5 pixels (Calibri 11)
PAGE_FILL = 0.96
MAX_PAGINATIONS = 5


@lru_cache(maxsize=None)  # one object per alignment: `Sheet` knows a style it has seen by its parts' ids
def _shrunk(align: Alignment) -> Alignment:
    """A figure's alignment: a figure never wraps, and one wider than its column (898.75 % from
    the published `08` in a 执行率 column sized for 89.88 %) would show as ### in Excel and
    LibreOffice; it is shrunk to fit instead."""
    return Alignment(horizontal=align.horizontal, vertical=align.vertical, shrink_to_fit=True)


@lru_cache(maxsize=None)
def _char_units(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.85
    return 1.0 if ch.isalnum() else 0.6


def _text_units(text: str) -> float:
    """Width of a text in column units (the width of a digit), measured in LibreOffice."""
    return sum(_char_units(ch) for ch in text)


@lru_cache(maxsize=65536)  # a sheet measures each text again per pagination, and on writing it
def _lines(text: str, width: float) -> int:
    usable = max(width - 1.0, 1.0)
    return sum(max(1, math.ceil(_text_units(part) / usable)) for part in str(text).split("\n"))


def _excel_number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def _a1(ref: Ref) -> str:
    return f"{get_column_letter(ref.col + 1)}{ref.row + 1}"


# --- row heights and page breaks ------------------------------------------------------------

def fit_heights(sizes: list[tuple[int, int, float]], count: int) -> list[float]:
    """Row heights from (first row, rows, points needed) of each cell: each row fits its
    own cells; a merged cell taller than its rows grows the last of them."""
    base = LINE_POINTS + PADDING_POINTS
    heights = [0.0] * count
    for row, rows, need in sizes:
        if rows == 1:
            heights[row] = max(heights[row], need)
    heights = [h or base for h in heights]
    for row, rows, need in sizes:
        have = sum(heights[row:row + rows])
        if rows > 1 and have < need:
            heights[row + rows - 1] += need - have
    return [round(h, 1) for h in heights]


def _need(text: str, width: float, font: Font) -> float:
    return _lines(text, width) * LINE_POINTS * font.size / 10 + PADDING_POINTS


def grid_heights(grid: Grid, widths: list[float]) -> list[float]:
    sizes = []
    for cell in grid.cells():
        if cell.text:
            font = ROLES.get(cell.role, DEFAULT_ROLE)[0]
            sizes.append((cell.row, cell.rows, _need(cell.text, sum(widths[cell.col:cell.col + cell.cols]), font)))
    return fit_heights(sizes, len(grid.rows))


def _points(width: float) -> float:
    return (width * PIXELS_PER_WIDTH_UNIT + PIXELS_PADDING) * 0.75


def page_height(widths: list[float], orientation: str) -> float:
    """The height of a page's printable area, in the sheet's own points (before scaling)."""
    paper_width, paper_height = PAPER[orientation]
    printable_width = paper_width - (MARGINS["left"] + MARGINS["right"]) * 72
    scale = min(1.0, printable_width / sum(_points(w) for w in widths))
    return (paper_height - (MARGINS["top"] + MARGINS["bottom"]) * 72) / scale * PAGE_FILL


def repeated_part(grid: Grid) -> Part | None:
    """The table part whose head rows print again on each page: the indicators (the last part
    with head rows)."""
    return next((part for part in reversed(grid.parts) if part.kind == "table" and part.head), None)


def paginate(grid: Grid, heights: list[float], available: float) -> list[int]:
    """The indicator rows (their `line` numbers) that begin a page: each page is filled
    with whole rows, breaking only before an indicator row; pages after the first repeat
    the head rows of the indicator table."""
    part = repeated_part(grid)
    repeated = sum(heights[part.first:part.first + part.head]) if part else 0.0
    lines, start, used, room = [], 0, 0.0, available
    for index, height in enumerate(heights):
        used += height
        if used <= room:
            continue
        candidates = [i for i in range(start + 1, index + 1) if grid.rows[i].line]
        if not candidates:
            continue  # nothing to break before: the renderer breaks where it must
        start = candidates[-1]
        lines.append(grid.rows[start].line)
        room = available - repeated
        used = sum(heights[start:index + 1])
    return lines


@dataclass
class Laid:
    grid: Grid
    heights: list[float]
    lines: list[int]


def lay_out_pages(grid: Grid, widths: list[float], orientation: str) -> Laid:
    """The grid cut at its page breaks, found again until the labels repeated at the
    breaks no longer move them."""
    printed = widths[:len(grid.widths)]
    available = page_height(printed, orientation)
    laid = grid
    heights = grid_heights(laid, widths)
    lines = paginate(laid, heights, available)
    for _ in range(MAX_PAGINATIONS):
        laid = grid.split(lines)
        heights = grid_heights(laid, widths)
        again = paginate(laid, heights, available)
        if again == lines:
            break
        lines = again
    return Laid(laid, heights, lines)


# --- writing cells ------------------------------------------------------------------------------

class Sheet:
    """Writes cells, merging and styling them (a style already seen is copied whole:
    openpyxl otherwise hashes every font, alignment and border anew)."""

    def __init__(self, ws: Worksheet, widths: list[float]):
        self.ws = ws
        self.widths = widths
        self.styles: dict[tuple, object] = {}
        self.sizes: list[tuple[int, int, float]] = []
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width

    def put(self, row: int, col: int, value, rows: int = 1, cols: int = 1, style=DEFAULT_ROLE,
            fmt: str | None = None):
        """Write a cell at 1-based `row`, `col`; returns it. Only a `Formula` is a formula: a
        text is never taken for one (a target may read `=10 万元`), see `cells.py`."""
        cell = self.ws.cell(row, col)
        if rows > 1 or cols > 1:  # merged before styled: openpyxl would spread the borders itself
            self._merge(row, col, rows, cols)
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                self._style(self.ws.cell(r, c), style, fmt)
        set_value(cell, value)  # after the style, which would drop a quote prefix
        if value is not None and not isinstance(value, Formula):
            self.sizes.append((row - 1, rows, _need(str(value), sum(self.widths[col - 1:col - 1 + cols]), style[0])))
        return cell

    def _merge(self, row: int, col: int, rows: int, cols: int) -> None:
        """`ws.merge_cells` without its spreading of the first cell's borders over the others
        (a third of the time a sheet takes): that cell is new, without borders, and `put` styles
        every cell of the range after. The cells but the first are `MergedCell`s, as openpyxl makes them."""
        merged = MergedCellRange(self.ws, f"{_a1(Ref(row - 1, col - 1))}:{_a1(Ref(row + rows - 2, col + cols - 2))}")
        self.ws.merged_cells.add(merged)
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                if (r, c) != (row, col):
                    self.ws._cells[r, c] = MergedCell(self.ws, r, c)

    def _style(self, cell, style: tuple, fmt: str | None) -> None:
        font, align, border = style
        key = (id(font), id(align), id(border), fmt)
        if key in self.styles:
            cell._style = copy(self.styles[key])
            return
        cell.font, cell.alignment = font, align
        if fmt:
            cell.number_format = fmt
        if border is not None:
            cell.border = border
        self.styles[key] = copy(cell._style)

    def set_heights(self, heights: list[float], first: int = 1) -> None:
        for offset, height in enumerate(heights):
            self.ws.row_dimensions[first + offset].height = height


class TableWriter:
    """A grid in a worksheet, with the values of its formulas: an evaluation's table (its
    form gives the paper's orientation and the precision of a rate), or a figure table.
    `name` heads the pages after the first."""

    def __init__(self, ws: Worksheet, grid: Grid, name: str, form: Form | None = None,
                 orientation: str | None = None):
        self.ws, self.grid, self.name, self.form = ws, grid, name, form
        self.orientation = orientation or (form.orientation if form else "portrait")
        self.widths = list(grid.widths) + list(grid.aside)
        self.sheet = Sheet(ws, self.widths)
        self.values: dict[str, Decimal] = {}

    def write(self) -> dict[str, Decimal]:
        """Write the sheet; return the value of each formula cell, by its A1 name."""
        laid = lay_out_pages(self.grid, self.widths, self.orientation)
        for cell in laid.grid.cells():
            self._cell(cell, laid.grid)
        self.sheet.set_heights(laid.heights)
        notes = self._notes(laid.grid)
        self._print_setup(laid, notes)
        return self.values

    def _cell(self, cell: Cell, grid: Grid) -> None:
        value, fmt = cell.text or None, cell.fmt
        if cell.formula is not None:
            value = Formula("=" + excel(cell.formula, _a1))
            computed = grid.value(Ref(cell.row, cell.col))
            if computed is not None:
                self.values[_a1(Ref(cell.row, cell.col))] = computed
        elif cell.number is not None:
            value = _excel_number(cell.number)
        font, align, border = ROLES.get(cell.role, DEFAULT_ROLE)
        if isinstance(value, (Formula, int, float)):
            align = _shrunk(align)
        self.sheet.put(cell.row + 1, cell.col + 1, value, cell.rows, cell.cols, (font, align, border), fmt)

    def _notes(self, grid: Grid) -> int:
        """Printed notes below the table: figures copied from the original, and figures the
        original printed otherwise than the formulas give. Returns how many."""
        texts = []
        for cell in grid.cells():
            if cell.copied:
                texts.append(f"{_a1(Ref(cell.row, cell.col))}（{cell.what}）{cell.copied}，照录原表印出的 {cell.text}。")
        for cell, value in grid.departures():
            computed = self._computed_text(cell, value)
            name = _a1(Ref(cell.row, cell.col))
            texts.append(f"{name}（{cell.what}）原表印出 {cell.text}，按本表数字计算为 {computed}；本格为计算公式。")
            self.ws[name].comment = Comment(f"原表印出的{cell.what}为 {cell.text}。", "jixiao")
        first = len(grid.rows) + 2  # one empty row between the table and its notes
        printed = len(grid.widths)
        for number, text in enumerate(texts, start=1):
            note, row = f"注 {number}：{text}", first + number - 1
            self.sheet.put(row, 1, note, cols=printed, style=NOTE_STYLE)
            self.ws.row_dimensions[row].height = round(_need(note, sum(self.widths[:printed]), FONT), 1)
        return len(texts)

    def _computed_text(self, cell: Cell, value: Decimal) -> str:
        """A computed figure printed as the figure beside it: a rate at the form's precision
        (or, without a form, at the printed rate's)."""
        if not cell.text.endswith("%"):
            return figure(value)
        return rate(value, self.form) if self.form else format_rate(value, parse_num(cell.text).places, False)

    def _print_setup(self, laid: Laid, notes: int) -> None:
        ws, grid = self.ws, laid.grid
        last = len(grid.rows) + (notes + 1 if notes else 0)
        part = repeated_part(grid)
        head = (part.first + 1, part.first + part.head) if part else None
        a4_one_page_wide(ws, head, f"A1:{get_column_letter(len(grid.widths))}{last}", self.orientation)
        for line in laid.lines:
            row = next(i for i, r in enumerate(grid.rows) if r.line == line)
            ws.row_breaks.append(Break(id=row))  # a break after Excel row `row`: before grid row `row`
        ws.HeaderFooter.differentFirst = True
        ws.oddHeader.center.text = self.name.replace("&", "&&")
        for footer in (ws.oddFooter, ws.firstFooter):
            footer.center.text = "第 &P 页 共 &N 页"
        for item in (ws.oddHeader.center, ws.oddFooter.center, ws.firstFooter.center):
            item.font, item.size = f"{FONT_NAME},Regular", 9


def a4_one_page_wide(ws: Worksheet, head: tuple[int, int] | None, area: str, orientation: str = "portrait") -> None:
    """A4, scaled to one page wide, the head rows (1-based, first and last) on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    if head:
        ws.print_title_rows = f"{head[0]}:{head[1]}"
    ws.print_area = area
    ws.sheet_view.showGridLines = False


# --- workbooks -----------------------------------------------------------------------------

class Book(Workbook):
    """A workbook that remembers the value of each formula cell, by sheet and A1 name,
    so that they are saved beside the formulas (see `workbook_bytes`)."""

    def __init__(self):
        super().__init__()
        self.formula_values: dict[str, dict[str, Decimal]] = {}
        self.loaded_theme = theme_xml.replace('<a:ea typeface=""/>', f'<a:ea typeface="{FALLBACK_FONT}"/>').encode()

    def _setup_styles(self) -> None:
        """The default style's font is the table's: column widths are counted in its digits,
        so every application gives the columns, and so the pages, the same size."""
        super()._setup_styles()
        self._fonts = IndexedList([FONT])
        self._named_styles = NamedStyleList()
        self.add_named_style(NamedStyle(font=copy(FONT), border=Border(), builtinId=0))


def _cached_values(xml: bytes, values: dict[str, Decimal]) -> bytes:
    """The sheet's XML with each formula's value in its `<v>`, where openpyxl leaves it empty."""
    def fill(match: re.Match) -> bytes:
        value = values.get(match.group(2).decode())
        if value is None:
            return match.group(0)
        return match.group(1) + b"<v>" + repr(float(value)).removesuffix(".0").encode() + b"</v>"
    return _FORMULA_CELL.sub(fill, xml)


def workbook_bytes(wb: Workbook) -> bytes:
    """The saved workbook with its formulas' values, byte for byte the same for the same
    content: openpyxl stamps the time of saving into the properties and the archive, so
    both are set again."""
    saved, fixed = io.BytesIO(), io.BytesIO()
    wb.save(saved)
    wb.properties.creator, wb.properties.created, wb.properties.modified = "jixiao", FIXED_TIME, FIXED_TIME
    by_file = {f"xl/worksheets/sheet{n}.xml": getattr(wb, "formula_values", {}).get(ws.title, {})
               for n, ws in enumerate(wb.worksheets, start=1)}
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == CORE_PROPERTIES:
                data = tostring(wb.properties.to_tree())
            elif by_file.get(item.filename):
                data = _cached_values(data, by_file[item.filename])
            entry = zipfile.ZipInfo(item.filename, FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return fixed.getvalue()


def sheet_title(text: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub("", text)[:28] or "表"
    title, n = base, 2
    while title in taken:
        title, n = f"{base[:26]}-{n}", n + 1
    taken.add(title)
    return title


# --- documents ------------------------------------------------------------------------------

FRONT_SHEET = "目录"
SECTIONS_SHEET = "报告正文"
SCORE_SHEET = "附件 指标体系及得分表"  # a department report's score sheet, after its own 附件 chapter
FRONT_WIDTHS = [10, 60, 20]  # 序号, 项目名称, 备注
SECTION_WIDTH = 90
SECTION_STYLES = {"title": (Font(name=FONT_NAME, size=12, bold=True, charset=GB2312, family=ROMAN), LEFT, None),
                  "heading": (BOLD, LEFT, None), "paragraph": (FONT, TEXT, None), "item": (FONT, TEXT, None),
                  "row": (FONT, TEXT, None), "code": (FONT, TEXT, None)}


def document_workbook(document: Document) -> Book:
    """A document's blocks in a workbook (see DocumentWriter)."""
    return DocumentWriter(document).write()


class DocumentWriter:
    """The front matter (cover and index) on the first sheet, 目录, the index linked to the
    sheets; each table on its own sheet; the sections after a table on one sheet, 报告正文;
    each figure table on its own sheet. In a document of several tables, a table's sheets
    carry its number: 1 项目名称, 1 报告正文, 1 表 1-1 …"""

    def __init__(self, document: Document):
        self.document, self.wb = document, Book()
        self.taken: set[str] = set()
        self.fresh = True  # the workbook's first sheet is not used yet
        self.numbered = len(document.tables()) > 1
        self.number = 0
        self.project = ""
        self.sections: SectionWriter | None = None
        self.titles: dict[str, str] = {}  # each project's table sheet

    def write(self) -> Book:
        front, body = _front(self.document.blocks)
        front_sheet = self._sheet(FRONT_SHEET) if front else None
        for block in body:
            if block.kind == "table":
                self._table(block)
            elif block.kind == "section":
                self.sections = self.sections or SectionWriter(self._sheet(self._numbered(SECTIONS_SHEET)))
                self.sections.add(block, 1)
                for table in _placed_tables(block):
                    self._figure_table(table)
            elif block.kind == "figure-table":
                self._figure_table(block)
            elif block.kind == "chapter":
                self._chapter(block)
            elif block.kind == "score-sheet":
                ws = self._sheet(block.heading or SCORE_SHEET)
                self.wb.formula_values[ws.title] = TableWriter(ws, block.grid, block.title, orientation="landscape").write()
        if self.sections:
            self.sections.finish()
        if front_sheet is not None:
            _front_sheet(front_sheet, front, self.titles)
        return self.wb

    def _figure_table(self, block) -> None:
        ws = self._sheet(self._numbered(block.caption))
        self._grid(ws, block.grid, f"{self.project}：{block.caption}" if self.project else block.caption)

    def _chapter(self, block) -> None:
        """A report's chapter: its text on the sheet of text, each table placed in it on a sheet of its own."""
        self.sections = self.sections or SectionWriter(self._sheet(SECTIONS_SHEET))
        self.sections.add(block, 1)
        for table in block.tables():
            self._figure_table(table)

    def _table(self, block) -> None:
        self.number += 1
        self.project = block.project
        if self.sections:
            self.sections.finish()
        self.sections = None
        ws = self._sheet(self._numbered(block.project))
        self.titles.setdefault(block.project, ws.title)
        self._grid(ws, block.grid, block.project, block.form)

    def _grid(self, ws: Worksheet, grid: Grid, name: str, form: Form | None = None) -> None:
        self.wb.formula_values[ws.title] = TableWriter(ws, grid, name, form).write()

    def _numbered(self, text: str) -> str:
        return f"{self.number} {text}" if self.numbered and self.number else text

    def _sheet(self, text: str) -> Worksheet:
        title = sheet_title(text, self.taken)
        if self.fresh:
            self.fresh = False
            ws = self.wb.active
            ws.title = title
            return ws
        return self.wb.create_sheet(title)


def _front(blocks: list) -> tuple[list, list]:
    count = 0
    while count < len(blocks) and blocks[count].kind in ("cover", "index"):
        count += 1
    return blocks[:count], blocks[count:]


class SectionWriter:
    """Sections as lines of text down one wide column: each title, then its paragraphs."""

    def __init__(self, ws: Worksheet):
        self.ws, self.sheet, self.row = ws, Sheet(ws, [SECTION_WIDTH]), 1

    def add(self, section, level: int) -> None:
        if self.row > 1:
            self.row += 1  # an empty row before each section
        if section.title:
            self._line(section.title, "title" if level == 1 else "heading")
        for role, text in section.paragraphs():
            self._line(text, role)
        for child in section.children:
            self.add(child, level + 1)

    def _line(self, text: str, role: str) -> None:
        self.sheet.put(self.row, 1, text, style=SECTION_STYLES[role])
        self.row += 1

    def finish(self) -> None:
        last = self.row - 1
        a4_one_page_wide(self.ws, None, f"A1:A{last}")
        self.sheet.set_heights(fit_heights(self.sheet.sizes, last))


def _front_sheet(ws: Worksheet, blocks: list, titles: dict[str, str]) -> None:
    """The cover's lines, then the index (序号 / 项目名称 / 备注), each entry linked to its
    table's sheet or marked as not in the document."""
    sheet, row, head = Sheet(ws, FRONT_WIDTHS), 1, None
    for block in blocks:
        if block.kind == "cover":
            row = _cover_lines(sheet, block, row)
        elif block.kind == "index":
            if row == 1:
                row = _cover_lines(sheet, Cover(block.title, block.subtitle), row)
            head, row = row + 1, _index_rows(sheet, block, row + 1, titles)
    last = row - 1
    a4_one_page_wide(ws, (head, head) if head else None, f"A1:C{last}")
    sheet.set_heights(fit_heights(sheet.sizes, last))


def _cover_lines(sheet: Sheet, cover: Cover, row: int) -> int:
    sheet.put(row, 1, cover.title, cols=3, style=ROLES["title"])
    subtitle = " ".join(part for part in (cover.subtitle, f"（{cover.year} 年度）" if cover.year else "") if part)
    lines = [subtitle] if subtitle else []
    lines += [f"{label}：{text}" for label, text in cover.details]
    for offset, text in enumerate(lines, start=1):
        sheet.put(row + offset, 1, text, cols=3, style=ROLES["year"])
    return row + 1 + len(lines)


def _index_rows(sheet: Sheet, index: Index, head: int, titles: dict[str, str]) -> int:
    """The index from row `head` on; returns the row after it."""
    for col, label in enumerate(("序号", "项目名称", "备注"), start=1):
        sheet.put(head, col, label, style=(BOLD, CENTER, BORDER))
    for row, entry in enumerate(index.entries, start=head + 1):
        sheet.put(row, 1, entry.no)
        cell = sheet.put(row, 2, entry.project, style=ROLES["name"])
        if entry.project in titles:
            cell.hyperlink = f"#'{titles[entry.project]}'!A1"
        sheet.put(row, 3, index.note(entry, entry.project in titles) or None, style=ROLES["name"])
    return head + 1 + len(index.entries)


def _placed_tables(section) -> list:
    """The tables a section and its subsections place, in reading order."""
    return [*section.tables, *(table for child in section.children for table in _placed_tables(child))]
