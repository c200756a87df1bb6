"""XLSX as finance staff use it: the same cells as the PDF, formulas that store their
values, printed notes where a figure is copied or departs from the original, pages that
repeat their labels and project name, and Simplified Chinese glyphs in LibreOffice."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from generator.rules import registry
from generator.layout import Document, evaluation_blocks
from generator.layout.report import is_report
from generator.layout.table import Columns
from generator.render.printing import xlsx
from generator.render.printing.view import table_view
from generator.checking.scoring import score
from generator.render.templating import environment, figure, rate

from .test_layout import _published_departures, four_level_table
from .test_printing import _directory, _find, _squeeze, _text, assert_in_reading_order, printed  # noqa: F401


def soffice(tmp_path: Path, target: str, out: Path, files: list[Path]) -> None:
    done = subprocess.run(["soffice", "--headless", "--convert-to", target, "--outdir", str(out), *map(str, files)],
                          capture_output=True, text=True, timeout=600,
                          env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def workbooks(printed, tmp_path_factory):  # noqa: F811
    """Every seed table's table.xlsx, copied under a flat name, with its evaluation (a department
    report's workbook, a report of many sheets, is tested in test_report.py)."""
    folder = tmp_path_factory.mktemp("workbooks")
    found = {}
    for name, result in printed["results"].items():
        if is_report(result.evaluation):
            continue
        copy = folder / (name.replace("/", "_") + ".xlsx")
        shutil.copy(_directory(printed, name) / "table.xlsx", copy)
        found[name] = (copy, result)
    return found


@pytest.fixture(scope="module")
def shown(workbooks, tmp_path_factory):
    """Each workbook's first sheet as LibreOffice shows it (CSV of the cells as displayed)."""
    out = tmp_path_factory.mktemp("csv")
    soffice(out, "csv:Text - txt - csv (StarCalc):44,34,76,1", out, [path for path, _ in workbooks.values()])
    return {name: list(csv.reader((out / (path.stem + ".csv")).read_text(encoding="utf-8").splitlines()))
            for name, (path, _) in workbooks.items()}


def _workbook(ev, scores, form, scheme) -> bytes:
    """An evaluation's workbook, as `jixiao print` writes its table.xlsx."""
    return xlsx.workbook_bytes(xlsx.document_workbook(Document(ev.project, evaluation_blocks(ev, scores, form, scheme))))


def _total_row(ws, label: str = "总分") -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == label)


def _form(result):
    return registry.forms()[result.evaluation.form]


def _columns(result) -> Columns:
    form = _form(result)
    return Columns(len(form.levels), form.indicator_columns)


# --- the sheet ------------------------------------------------------------------------------

def test_the_sheet_has_the_grids_merges_formulas_and_print_setup(printed):  # noqa: F811
    ws = openpyxl.load_workbook(_directory(printed, "anqing-jxj/2023/02-jieneng-huanbao") / "table.xlsx").active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:I1" in merged  # the title across the table
    column_b = [ws.cell(r.min_row, 2).value for r in sorted(ws.merged_cells.ranges, key=lambda r: r.min_row)
                if r.min_col == r.max_col == 2 and r.max_row > r.min_row]
    assert sorted(set(column_b), key=column_b.index) == ["产出指标 (50 分)", "效益指标 (30 分)", "满意度指标 (10 分)"]
    total = _total_row(ws)
    assert ws.cell(total, 7).value.startswith("=") and "SUM(" in ws.cell(total, 8).value
    funds = next(r for r in range(1, total) if ws.cell(r, 2).value == "年度资金总额:")
    assert ws.cell(funds, 8).value == f"=F{funds}/E{funds}" and ws.cell(funds, 8).number_format == "0.0%"
    assert ws.cell(funds, 9).value == f"=ROUND(G{funds}*MIN(F{funds}/E{funds},1),2)"
    header = next(r for r in range(1, total) if ws.cell(r, 2).value == "一级指标")
    assert ws.print_title_rows == f"${header}:${header}" and ws.print_area
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and int(ws.page_setup.paperSize) == 9
    assert all(ws.row_dimensions[r].height for r in range(1, total + 1))  # LibreOffice does not grow rows


def test_an_empty_category_is_marked_in_the_xlsx_as_in_the_pdf(printed, tmp_path):  # noqa: F811
    """安庆 prints 不适用 beside a category without indicators: the PDF did, the XLSX did not."""
    result = printed["results"]["anqing-jxj/2023/02-jieneng-huanbao"]
    output = result.evaluation.indicators[0]
    emptied = replace(output, children=[replace(output.children[0], children=[]), *output.children[1:]])
    ev = replace(result.evaluation, indicators=[emptied, *result.evaluation.indicators[1:]])
    form, scheme = _form(result), registry.schemes()[result.evaluation.scheme]
    scores = score(ev, form, scheme)
    view = table_view(ev, scores, form, scheme)
    html = environment(printed["root"]).get_template("print/project-table.html").render(view=view, prefix="")
    category = output.children[0].name
    assert re.search(rf"<th scope=\"rowgroup\">{category}</th>\s*<td class=\"left\">不适用", html)
    (tmp_path / "empty.xlsx").write_bytes(_workbook(ev, scores, form, scheme))
    ws = openpyxl.load_workbook(tmp_path / "empty.xlsx").active
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == category)
    assert ws.cell(row, 4).value == "不适用"


# --- stored values ------------------------------------------------------------------------

def test_every_formula_stores_its_value(workbooks):
    for name, (path, result) in workbooks.items():
        formulas = openpyxl.load_workbook(path).active
        values = openpyxl.load_workbook(path, data_only=True).active
        cells = [(c.coordinate, values[c.coordinate].value) for row in formulas.iter_rows() for c in row
                 if c.data_type == "f"]
        assert cells and all(isinstance(value, (int, float)) for _, value in cells), (name, cells)
        form, columns = _form(result), _columns(result)
        total = _total_row(values, form.total_label)
        if "weight" in form.total_columns:
            assert values.cell(total, columns.weight + 1).value == pytest.approx(float(result.scores.weight_total)), name
        assert values.cell(total, columns.score + 1).value == pytest.approx(float(result.scores.total)), name


def test_a_reader_of_values_sees_every_total_as_a_number(workbooks):
    """What pandas.read_excel does with openpyxl: the cells' stored values, row by row."""
    for name, (path, result) in workbooks.items():
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        book.close()
        form = _form(result)
        total = next(row for row in rows if row[0] == form.total_label)
        numbers = [value for value in total if isinstance(value, (int, float))]
        totals = {"weight": result.scores.weight_total, "score": result.scores.total}
        assert numbers == [pytest.approx(float(totals[key])) for key in form.total_columns], name
        if not form.funds_block:
            continue
        funds = next(row for row in rows if row[1] == form.funds_rows["total"])
        assert pytest.approx(float(result.scores.funds_score_used)) in [v for v in funds if isinstance(v, float | int)]


def test_libreoffice_computes_what_the_workbook_stores(workbooks, tmp_path):
    """The stored values are taken out (openpyxl keeps formulas only); LibreOffice computes
    them again from the cells and gets the same numbers."""
    bare = tmp_path / "bare"
    bare.mkdir()
    stored = {}
    for name, (path, _) in workbooks.items():
        book = openpyxl.load_workbook(path)
        book.save(bare / path.name)
        values = openpyxl.load_workbook(path, data_only=True).active
        stored[path.name] = {c.coordinate: values[c.coordinate].value for row in book.active.iter_rows() for c in row
                             if c.data_type == "f"}
    first = next(iter(stored[path.name]))
    assert openpyxl.load_workbook(bare / path.name, data_only=True).active[first].value is None  # nothing stored
    soffice(tmp_path, "xlsx", tmp_path / "calc", sorted(bare.iterdir()))
    for file, cells in stored.items():
        computed = openpyxl.load_workbook(tmp_path / "calc" / file, data_only=True).active
        for coordinate, value in cells.items():
            assert computed[coordinate].value == pytest.approx(value), (file, coordinate)


# --- the same cells as the PDF --------------------------------------------------------------

NOTE = re.compile(r"注 \d+：([A-Z]+)(\d+)（[^）]*）(?:原表印出 (\S+)，按本表数字计算为 (\S+)；|.*照录原表印出的 (\S+)。)")


def _continued_labels(path: Path, label_columns: int) -> set[tuple[int, int]]:
    """(row, column), 0-based, of the labels the sheet prints again after its own page
    breaks: a cell that starts a page with the text of the (merged) cell ending above it."""
    ws = openpyxl.load_workbook(path).active
    starts = {b.id + 1 for b in ws.row_breaks.brk}  # Excel rows beginning a page
    tops = {(row, col): r.min_row for r in ws.merged_cells.ranges
            for row in range(r.min_row, r.max_row + 1) for col in range(r.min_col, r.max_col + 1)}
    found = set()
    for row in starts:
        for col in range(1, label_columns + 1):
            above = ws.cell(tops.get((row - 1, col), row - 1), col).value
            if above and ws.cell(row, col).value == above:
                found.add((row - 1, col - 1))
    return found


def _sheet_cells(rows: list[list[str]], printed_columns: int,
                 continued: set[tuple[int, int]] = frozenset()) -> tuple[list[list[str]], list[str]]:
    """The printed table's non-empty cells row by row (the labels printed again after the
    sheet's own page breaks left out), each computed figure that departs from the original
    replaced by the original's (which its note gives), and the notes."""
    rows = [["" if (r, c) in continued else cell for c, cell in enumerate(row)] for r, row in enumerate(rows)]
    table, notes = [], []
    for row in rows:
        cells = row[:printed_columns]
        if cells and cells[0].startswith("注 "):
            notes.append(cells[0])
        elif not notes:
            table.append(cells)
    for note in notes:
        match = NOTE.match(note)
        assert match, note
        column, row, published, computed = match.group(1), int(match.group(2)), match.group(3), match.group(4)
        if published:
            index = openpyxl.utils.column_index_from_string(column) - 1
            assert table[row - 1][index] == computed, note
            table[row - 1][index] = published
    return [[cell for cell in row if cell] for row in table], notes


def test_pdf_and_xlsx_hold_the_same_cells_in_the_same_order(printed, workbooks, shown):  # noqa: F811
    for name, (path, result) in workbooks.items():
        form = _form(result)
        cells, _ = _sheet_cells(shown[name], _columns(result).count, _continued_labels(path, len(form.levels)))
        text = _text(_directory(printed, name) / "table.pdf")
        assert_in_reading_order(text, cells)
        pages = text.count("\f")
        printed_chars = Counter(_squeeze(re.sub(r"第\s*\d+\s*页\s*共\s*\d+\s*页", "", text)))
        sheet_chars = Counter(_squeeze("".join("".join(row) for row in cells)))
        if pages == 1:
            assert printed_chars == sheet_chars, name  # nothing more, nothing less
        else:  # later pages repeat the head row and the labels
            assert not sheet_chars - printed_chars, name


def test_departures_and_copies_are_printed_below_the_table(workbooks, shown):
    """企业家培训: 总分 100 printed, 95 computed; 人工智能: 89.88% printed, 898.75% from `08`;
    技术改造: no 全年执行数, the original's rate and score copied."""
    noted = 0
    for name, (path, result) in workbooks.items():
        _, notes = _sheet_cells(shown[name], _columns(result).count)
        scores, published = result.scores, result.evaluation.published
        expected = _published_departures(result)
        computed = {"总分": figure(scores.total), "分值合计": figure(scores.weight_total),
                    "资金得分": figure(scores.funds_score),
                    **{key: rate(value, _form(result)) for key, value in scores.rates.items()}}
        shown_departures = [n for n in notes if "按本表数字计算为" in n]
        assert len(shown_departures) == len(expected), name
        for what in expected:
            assert any(computed[what] in note for note in shown_departures), (name, what)
        if result.evaluation.funds is not None and result.evaluation.funds.rows.total.executed is None:
            copies = [n for n in notes if "照录原表" in n]
            assert copies and all("全年执行数空白" in n for n in copies), name
            assert any(published.funds_score.text in n for n in copies)
        ws = openpyxl.load_workbook(path).active
        last_note = max((r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("注 ")),
                        default=None)
        if last_note:
            assert int(re.search(r"(\d+)$", ws.print_area).group(1)) == last_note, name  # the notes are printed
        noted += len(notes)
    assert noted >= 4


def test_no_figure_shows_as_hashes_in_libreoffice(workbooks, tmp_path):
    """A figure wider than its column is shrunk to fit, never drawn as ###: 人工智能's 执行率
    898.75 % (from the published `08`) stands in a column sized for 89.88 %."""
    soffice(tmp_path, "pdf", tmp_path, [path for path, _ in workbooks.values()])
    drawn = {name: _text(tmp_path / (path.stem + ".pdf")) for name, (path, _) in workbooks.items()}
    assert not [name for name, text in drawn.items() if "###" in text]
    assert "898.75%" in drawn["zibo-gxj/2020/07-rengong-zhineng-guihua"]
    for name, (path, _) in workbooks.items():
        ws = openpyxl.load_workbook(path).active
        figures = [cell for row in ws.iter_rows() for cell in row if cell.data_type in ("n", "f") and cell.value is not None]
        assert figures and all(cell.alignment.shrink_to_fit and not cell.alignment.wrap_text for cell in figures), name


# --- pages ---------------------------------------------------------------------------------

def test_every_page_repeats_the_labels_and_names_the_project(printed, tmp_path):  # noqa: F811
    name = "anqing-jxj/2023/02-jieneng-huanbao"
    result = printed["results"][name]
    source = tmp_path / "long.xlsx"
    shutil.copy(_directory(printed, name) / "table.xlsx", source)
    ws = openpyxl.load_workbook(source).active
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks
    for merged in ws.merged_cells.ranges:  # the level labels end at each break and start again
        assert not any(merged.min_row <= b < merged.max_row for b in breaks), merged
    soffice(tmp_path, "pdf", tmp_path, [source])
    pdf = tmp_path / "long.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                             text=True).stdout).group(1))
    assert pages == len(breaks) + 1
    level1 = [_form(result).level1_title(n.name, n.weight.text) for n in result.evaluation.indicators]
    for page in range(1, pages + 1):
        text = _squeeze(_text(pdf, "-f", str(page), "-l", str(page)))
        assert all(label in text for label in ("一级指标", "二级指标", "三级指标", "绩效指标")), page
        assert any(_find(text, label, 0) for label in level1), page
        assert f"第{page}页共{pages}页" in text
        first_line = _text(pdf, "-f", str(page), "-l", str(page)).strip().splitlines()[0].strip()
        assert first_line == (result.evaluation.project if page > 1 else _form(result).title), page


# --- fonts ---------------------------------------------------------------------------------

def test_fonts_name_the_sc_face_and_the_fallback_windows_has(workbooks):
    path, _ = next(iter(workbooks.values()))
    book = openpyxl.load_workbook(path)
    fonts = {(f.name, f.charset, f.family) for f in book._fonts}
    assert fonts == {("Noto Serif CJK SC", 134, 1)}  # GB2312, roman: Windows substitutes 宋体
    assert book.loaded_theme.decode().count('<a:ea typeface="宋体"/>') == 2


def _face(family: str) -> ImageFont.FreeTypeFont:
    path = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True).stdout
    for index in range(10):
        font = ImageFont.truetype(path, 200, index=index)
        if font.getname()[0] == family:
            return font
    raise AssertionError(f"no {family} face in {path}")


def _shape(image: Image.Image, size: int = 64) -> Image.Image:
    """The glyph's ink, cropped and scaled to a square: shapes compared, not sizes."""
    ink = image.convert("L").point(lambda p: 0 if p < 160 else 255)
    return ink.crop(ImageChops.invert(ink).getbbox()).resize((size, size))


def _reference(char: str, family: str) -> Image.Image:
    image = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(image).text((100, 100), char, font=_face(family), fill=0)
    return _shape(image)


def _distance(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageChops.difference(a, b).tobytes()) / (255 * a.size[0] * a.size[1])


def _glyph(pdf: Path, char: str, folder: Path, dpi: int = 1200) -> Image.Image:
    """The glyph of a one-character word on the first page, rendered by pdftoppm."""
    boxes = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True,
                           text=True).stdout
    x0, y0, x1, y1 = map(float, re.search(rf'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                          rf'yMax="([\d.]+)">{char}</word>', boxes).groups())
    scale = dpi / 72
    crop = folder / f"glyph-{ord(char)}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", "-singlefile",
                    "-x", str(int(x0 * scale)), "-y", str(int(y0 * scale)), "-W", str(int((x1 - x0) * scale)),
                    "-H", str(int((y1 - y0) * scale)), str(pdf), str(crop)], check=True)
    return _shape(Image.open(f"{crop}.png"))


def test_libreoffice_renders_simplified_chinese_glyph_shapes(printed, tmp_path):  # noqa: F811
    """骨 and 直 differ between the SC and JP faces of Noto Serif CJK: LibreOffice's rendering
    of the workbook is nearer the SC one."""
    result = printed["results"]["zibo-gxj/2021/01-siqiang-pandeng"]
    ev = replace(result.evaluation, project="骨 直")
    (tmp_path / "glyphs.xlsx").write_bytes(_workbook(ev, result.scores, _form(result), registry.schemes()[ev.scheme]))
    soffice(tmp_path, "pdf", tmp_path, [tmp_path / "glyphs.xlsx"])
    for char in "骨直":
        rendered = _glyph(tmp_path / "glyphs.pdf", char, tmp_path)
        sc, jp = (_distance(rendered, _reference(char, family)) for family in ("Noto Serif CJK SC", "Noto Serif CJK JP"))
        assert sc < jp * 0.75, (char, sc, jp)


# --- trees deeper than the seeds' -----------------------------------------------------------

def test_a_four_level_tree_is_merged_at_every_level(tmp_path):
    ev, scores, form, scheme = four_level_table()
    path = tmp_path / "four.xlsx"
    path.write_bytes(_workbook(ev, scores, form, scheme))
    ws = openpyxl.load_workbook(path).active
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == "四级指标")
    assert [ws.cell(head, c).value for c in range(2, 6)] == ["一级指标", "二级指标", "三级指标", "四级指标"]
    tall = [r for r in ws.merged_cells.ranges if r.max_row > r.min_row and r.min_row > head]
    merged_columns = {r.min_col for r in tall if r.min_col == r.max_col}
    assert {2, 3, 4} <= merged_columns  # 一级, 二级 and 三级 labels each span their rows
    labels = {ws.cell(r.min_row, r.min_col).value: r.max_row - r.min_row + 1 for r in tall}
    assert labels["产出指标 (50 分)"] == 6 and labels["数量指标"] == 3 and labels["培训"] == 2
    values = openpyxl.load_workbook(path, data_only=True).active
    total = _total_row(values)
    assert values.cell(total, 9).value == pytest.approx(float(scores.total))
