"""XLSX: the printed layout in a worksheet, with formulas where the form computes.

Same nine columns as the PDF (A–I), merged cells, thin borders, wrapped text with
explicit row heights (LibreOffice does not grow rows to fit), A4 one page wide with
the indicator header repeated. 执行率, the funds score, each 一级指标's subtotals
(columns K–L, outside the print area) and the 总分 row are formulas over the cells,
so a figure corrected in Excel carries through. Where the published table printed
another figure, a comment on the cell says so.
"""
from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from copy import copy
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from ..model import BundleIndex
from ..quantities import Num
from ..templating import figure, rate
from .cells import Formula, set_value
from .view import TableView

FONT_NAME = "Noto Serif CJK SC"  # the SC face: Chinese, not Japanese, glyph shapes
GB2312 = 134
FONT = Font(name=FONT_NAME, size=10, charset=GB2312)
BOLD = Font(name=FONT_NAME, size=10, bold=True, charset=GB2312)
TITLE = Font(name=FONT_NAME, size=16, bold=True, charset=GB2312)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TEXT = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
LINE_POINTS = 14  # one line of 10 pt Noto CJK
PADDING_POINTS = 4
COLUMNS = 9
SUBTOTAL_COLUMNS = (11, 12)  # K, L
_PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
# The same sources give the same bytes: no build time in the properties or the archive.
FIXED_TIME = datetime(1980, 1, 1)
CORE_PROPERTIES = "docProps/core.xml"


def _char_units(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.85
    return 1.0 if ch.isalnum() else 0.6


def _text_units(text: str) -> float:
    """Width of a text in column units (the width of a digit), measured in LibreOffice."""
    return sum(_char_units(ch) for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(width - 1.0, 1.0)
    return sum(max(1, math.ceil(_text_units(part) / usable)) for part in str(text).split("\n"))


def number_format(num: Num) -> str:
    """Excel format that shows an entered figure as printed: `5.00`, `560.84`, `08`."""
    whole, _, places = num.text.rstrip("%").strip().partition(".")
    integer = "0" * len(whole) if whole.startswith("0") and len(whole) > 1 else "0"
    return integer + ("." + "0" * len(places) if places else "")


def rate_format(form) -> str:
    decimals = "." + "0" * form.rate_places if form.rate_places else ""
    return f"[=1]0%;0{decimals}%" if form.rate_strip_zeros else f"0{decimals}%"


class Sheet:
    """Writes cells on the grid, merging, bordering and sizing rows as it goes."""

    def __init__(self, ws: Worksheet, widths: list[float]):
        self.ws = ws
        self.widths = widths
        self.heights: dict[int, float] = {}
        self.styles: dict[tuple, object] = {}
        self.tall_merges: list[tuple[int, int, float]] = []
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width

    def put(self, row: int, col: int, value, rows: int = 1, cols: int = 1, align=CENTER, font=FONT,
            border=True, fmt: str | None = None):
        cell = self.ws.cell(row, col)
        if rows > 1 or cols > 1:  # merged before styled: openpyxl would spread the borders itself
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row + rows - 1,
                                end_column=col + cols - 1)
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                self._style(self.ws.cell(r, c), (font, align, fmt, border))
        set_value(cell, value)  # after the style, which would drop a quote prefix
        self._fit(row, rows, sum(self.widths[col - 1:col - 1 + cols]), value, font)
        return cell

    def _style(self, cell, style: tuple) -> None:
        """Style a cell; the same style again is copied whole (openpyxl otherwise hashes
        every font, alignment and border anew, half the time of writing a sheet)."""
        font, align, fmt, border = style
        key = (id(font), id(align), fmt, border)
        if key in self.styles:
            cell._style = copy(self.styles[key])
            return
        cell.font, cell.alignment = font, align
        if fmt:
            cell.number_format = fmt
        if border:
            cell.border = BORDER
        self.styles[key] = copy(cell._style)

    def _fit(self, row: int, rows: int, width: float, value, font: Font) -> None:
        if value is None or isinstance(value, Formula):
            return
        need = _lines(str(value), width) * LINE_POINTS * font.size / 10 + PADDING_POINTS
        if rows == 1:
            self.heights[row] = max(self.heights.get(row, 0), need)
        else:
            self.tall_merges.append((row, rows, need))

    def number(self, row: int, col: int, num: Num | None) -> None:
        if num is None:
            self.put(row, col, None)
        else:
            self.put(row, col, _excel_number(num.value), align=RIGHT, fmt=number_format(num))

    def finish(self) -> None:
        """Row heights: each row fits its own cells; a merged cell taller than its rows
        grows the last of them."""
        for row, height in self.heights.items():
            self.ws.row_dimensions[row].height = round(height, 1)
        for row, rows, need in self.tall_merges:
            spanned = range(row, row + rows)
            have = sum(self.heights.get(r, LINE_POINTS + PADDING_POINTS) for r in spanned)
            if have < need:
                last = row + rows - 1
                self.heights[last] = self.heights.get(last, LINE_POINTS + PADDING_POINTS) + need - have
                self.ws.row_dimensions[last].height = round(self.heights[last], 1)


def _excel_number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def _value_cell(text: str | None):
    """Targets and actuals stay text, except plain numbers (`80`, `0.15`), which Excel
    would otherwise flag as numbers stored as text."""
    if text and _PLAIN_NUMBER.fullmatch(text) and not (text.startswith("0") and text[:2] != "0."):
        return _excel_number(Decimal(text)), number_format(Num(Decimal(text), text))
    return text or None, None


class TableWriter:
    """One evaluation's table in a worksheet; `write` returns the 总分 row."""

    def __init__(self, ws: Worksheet, view: TableView):
        self.view = view
        self.form = view.form
        widths = list(self.form.column_widths) + [2, 10, 10]  # percent of the table ≈ Excel width units
        self.sheet = Sheet(ws, widths)
        self.row = 1
        self.funds_total_row: int | None = None

    def write(self) -> int:
        self._title()
        self._header()
        self._funds()
        self._goals()
        first, last = self._indicators()
        total_row = self._total(first, last)
        self._explanation()
        self._print_setup(first - 1)
        self.sheet.finish()
        return total_row

    def _line(self, text: str, font=FONT, align=CENTER) -> None:
        self.sheet.put(self.row, 1, text, cols=COLUMNS, font=font, align=align, border=False)
        self.row += 1

    def _title(self) -> None:
        self._line(self.form.title, font=TITLE)
        self._line(self.view.year_line)
        if self.form.unit_line:
            self._line(self.form.unit_line, align=Alignment(horizontal="right", vertical="center"))

    def _header(self) -> None:
        put = self.sheet.put
        for fields in self.view.header:
            (label, value), *rest = fields
            put(self.row, 1, label, cols=2)
            if rest:
                put(self.row, 3, value, cols=3, align=LEFT)
                put(self.row, 6, rest[0][0])
                put(self.row, 7, rest[0][1], cols=3, align=LEFT)
            else:
                put(self.row, 3, value, cols=7, align=LEFT)
            self.row += 1

    def _funds(self) -> None:
        lines = self.view.funds
        if not lines:
            return
        put, form = self.sheet.put, self.form
        put(self.row, 1, form.funds_label, rows=len(lines) + 1)
        put(self.row, 2, None, cols=2)
        labels = ["年初预算数", form.column("budget", "全年预算数"), form.column("executed", "全年执行数"),
                  "分值", form.column("rate", "执行率"), "得分"]
        for col, label in enumerate(labels, start=4):
            put(self.row, col, label)
        for line in lines:
            self.row += 1
            self._funds_line(line)
        self.row += 1

    def _funds_line(self, line) -> None:
        put, r = self.sheet.put, self.row
        put(r, 2, line.label, cols=2, align=LEFT)
        for col, num in zip((4, 5, 6), (line.amounts.initial, line.amounts.budget, line.amounts.executed)):
            self.sheet.number(r, col, num)
        computable = f"AND(ISNUMBER(E{r}),ISNUMBER(F{r}),E{r}<>0)"
        if line.key == "total":
            self.funds_total_row = r
            self.sheet.number(r, 7, self.view.evaluation.funds.weight)
            self._funds_score(r, computable, line.score)
        else:
            put(r, 7, line.weight or None, align=CENTER)
            put(r, 9, line.score or None, align=CENTER)
        if line.key in self.form.rate_rows:
            fallback = _excel_number(line.rate_published.value) if line.rate_published else '""'
            formula = Formula(f"=IF({computable},F{r}/E{r},{fallback})")
            cell = put(r, 8, formula, align=RIGHT, fmt=rate_format(self.form))
            computed = rate(self.view.scores.rates.get(line.key), self.form)
            _note(cell, line.rate, computed, "执行率")
        else:
            put(r, 8, None)

    def _funds_score(self, r: int, computable: str, printed: str) -> None:
        scheme, published = self.view.scheme, self.view.evaluation.published
        fallback = published.funds_score.value if published and published.funds_score else Decimal(0)
        formula = Formula(f"=IF({computable},ROUND(G{r}*MIN(F{r}/E{r},{_excel_number(scheme.funds_cap)}),"
                          f"{scheme.score_places}),{_excel_number(fallback)})")
        cell = self.sheet.put(r, 9, formula, align=RIGHT, fmt="General")
        _note(cell, printed, figure(self.view.scores.funds_score), "资金得分")

    def _goals(self) -> None:
        if not self.view.goals:
            return
        put, labels = self.sheet.put, self.form.goal_labels
        put(self.row, 1, "年度总体目标", rows=2)
        put(self.row, 2, labels["expected"], cols=4)
        put(self.row, 6, labels["actual"], cols=4)
        self.row += 1
        put(self.row, 2, self.view.goals[0] or None, cols=4, align=TEXT)
        put(self.row, 6, self.view.goals[1] or None, cols=4, align=TEXT)
        self.row += 1

    def _indicators(self) -> tuple[int, int]:
        put, form, rows = self.sheet.put, self.form, self.view.rows
        head = self.row
        put(head, 1, "绩效指标", rows=len(rows) + 1)
        labels = [*form.levels[:3], form.column("target", "年度指标值"), form.column("actual", "实际完成值"),
                  "分值", "得分", "偏差原因分析及改进措施"]
        for col, label in enumerate(labels, start=2):
            put(head, col, label)
        for col, label in zip(SUBTOTAL_COLUMNS, ("分值小计", "得分小计")):
            put(head, col, label, border=False, font=BOLD)
        first = head + 1
        for index, row in enumerate(rows):
            self._indicator(first + index, row)
        self.row = first + len(rows)
        return first, self.row - 1

    def _indicator(self, r: int, row) -> None:
        put = self.sheet.put
        if row.level1_span:
            put(r, 2, self.view.level1_title(row), rows=row.level1_span)
            end = r + row.level1_span - 1
            for col, letter in zip(SUBTOTAL_COLUMNS, "GH"):
                put(r, col, Formula(f"=SUM({letter}{r}:{letter}{end})"), align=RIGHT, border=False, fmt="General")
        if row.level2_span:
            put(r, 3, row.level2.name, rows=row.level2_span)
        elif not row.level2:
            put(r, 3, None)
        leaf = row.leaf
        put(r, 4, leaf.name if leaf else None, align=LEFT)
        for col, value in ((5, leaf.target if leaf else None), (6, leaf.actual if leaf else None)):
            text, fmt = _value_cell(value.text if value else None)
            put(r, col, text, fmt=fmt)
        self.sheet.number(r, 7, leaf.weight if leaf else None)
        self.sheet.number(r, 8, leaf.score if leaf else None)
        put(r, 9, (leaf.reason or None) if leaf else None, align=LEFT)

    def _total(self, first: int, last: int) -> int:
        put, r, view = self.sheet.put, self.row, self.view
        put(r, 1, "总分", cols=6)
        funds_weight = f"G{self.funds_total_row}+" if self.funds_total_row else ""
        funds_score = f"I{self.funds_total_row}+" if self.funds_total_row else ""
        weights = put(r, 7, Formula(f"={funds_weight}SUM(G{first}:G{last})"), align=RIGHT, fmt="General")
        total = put(r, 8, Formula(f"={funds_score}SUM(H{first}:H{last})"), align=RIGHT, fmt="General")
        put(r, 9, None)
        _note(weights, view.weight_total, figure(view.scores.weight_total), "分值合计")
        _note(total, view.total, figure(view.scores.total), "总分")
        self.row += 1
        return r

    def _explanation(self) -> None:
        if self.view.explanation_label is None:
            return
        self.sheet.put(self.row, 1, self.view.explanation_label, cols=4, align=LEFT)
        self.sheet.put(self.row, 5, self.view.evaluation.explanation or None, cols=5, align=TEXT)
        self.row += 1

    def _print_setup(self, header_row: int) -> None:
        ws = self.sheet.ws
        a4_one_page_wide(ws, header_row, f"A1:I{self.row - 1}", self.form.orientation)
        ws.oddFooter.center.text = "第 &P 页 共 &N 页"
        ws.oddFooter.center.font = f"{FONT_NAME},Regular"
        ws.oddFooter.center.size = 9


def a4_one_page_wide(ws: Worksheet, header_row: int, area: str, orientation: str = "portrait") -> None:
    """A4, scaled to one page wide, the header row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = area
    ws.sheet_view.showGridLines = False


def _note(cell, printed: str, computed: str, what: str) -> None:
    if printed and computed and printed != computed:
        cell.comment = Comment(f"原表印出的{what}为 {printed}；本单元格按表中数字计算。", "jixiao")


def workbook_bytes(wb: Workbook) -> bytes:
    """The saved workbook, byte for byte the same for the same content: openpyxl stamps
    the time of saving into the properties and the archive, so both are set again."""
    saved, fixed = io.BytesIO(), io.BytesIO()
    wb.save(saved)
    wb.properties.creator, wb.properties.created, wb.properties.modified = "jixiao", FIXED_TIME, FIXED_TIME
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = tostring(wb.properties.to_tree()) if item.filename == CORE_PROPERTIES else source.read(item)
            entry = zipfile.ZipInfo(item.filename, FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return fixed.getvalue()


def sheet_title(text: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub("", text)[:28].strip("'") or "表"  # Excel refuses a quote at either end
    title, n = base, 2
    while title in taken:
        title, n = f"{base[:26]}-{n}", n + 1
    taken.add(title)
    return title


def table_workbook(view: TableView) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(view.project, set())
    TableWriter(ws, view).write()
    return wb


def bundle_workbook(index: BundleIndex, year, views: list[TableView]) -> Workbook:
    """An index sheet (序号 / 项目名称 / 备注, linked to the sheets), then one sheet per table."""
    wb = Workbook()
    contents = wb.active
    contents.title = "目录"
    taken = {"目录"}
    titles = {}
    for number, view in enumerate(views, start=1):
        ws = wb.create_sheet(sheet_title(f"{number} {view.project}", taken))
        TableWriter(ws, view).write()
        titles[view.project] = ws.title
    _index_sheet(contents, index, year, titles)
    return wb


def _index_sheet(ws: Worksheet, index: BundleIndex, year, titles: dict[str, str]) -> None:
    sheet = Sheet(ws, [10, 60, 20])
    sheet.put(1, 1, index.title, cols=3, font=TITLE, border=False)
    subtitle = " ".join(part for part in (index.subtitle, f"（{year} 年度）" if year else "") if part)
    sheet.put(2, 1, subtitle, cols=3, border=False)
    for col, label in enumerate(("序号", "项目名称", "备注"), start=1):
        sheet.put(4, col, label, font=BOLD)
    for row, entry in enumerate(index.entries, start=5):
        sheet.put(row, 1, entry.no)
        cell = sheet.put(row, 2, entry.project, align=LEFT)
        if entry.project in titles:
            cell.hyperlink = "#'{}'!A1".format(titles[entry.project].replace("'", "''"))
        sheet.put(row, 3, entry.note or None, align=LEFT)
    a4_one_page_wide(ws, 4, f"A1:C{4 + len(index.entries)}")
    sheet.finish()
