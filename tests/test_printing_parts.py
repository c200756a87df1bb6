"""Parts of printing that need no rendering, and `jixiao print` as a user runs it."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from generator.layout import Cell, Grid, Part, Row
from generator.render.printing.pdf import settled
from generator.render.printing.xlsx import _cached_values, fit_heights, paginate, sheet_title

from .conftest import CONTENT, MINIMAL, ROOT


@pytest.mark.parametrize("breaks, found, expected", [
    (frozenset(), [], None),                                  # one page
    (frozenset(), [20, 41], frozenset({20, 41})),             # first layout: take them all
    (frozenset({20, 41}), [20, 41], None),                    # the breaks held
    (frozenset({20, 41}), [20, 38, 41], frozenset({20, 38})),  # a page overflowed: find the rest again
])
def test_page_breaks_settle(breaks, found, expected):
    assert settled(breaks, found) == expected


def test_formula_values_are_written_beside_the_formulas():
    xml = (b'<row r="2"><c r="G2" s="3"><f>G1+SUM(G3:G9)</f><v /></c><c r="H2"><f>H1</f><v /></c>'
           b'<c r="I2" t="n"><v>5</v></c></row>')
    filled = _cached_values(xml, {"G2": Decimal("95.00"), "H2": Decimal("0.89875")})
    assert filled == (b'<row r="2"><c r="G2" s="3"><f>G1+SUM(G3:G9)</f><v>95</v></c>'
                      b'<c r="H2"><f>H1</f><v>0.89875</v></c><c r="I2" t="n"><v>5</v></c></row>')


def test_rows_fit_their_cells_and_merged_cells_grow_their_last_row():
    heights = fit_heights([(0, 1, 40.0), (1, 3, 100.0), (2, 1, 30.0)], 4)
    assert heights[0] == 40 and heights[2] == 30
    assert sum(heights[1:4]) == 100 and heights[3] > heights[1]


def _table(heights_of_lines: int) -> Grid:
    """A head row, then indicator rows numbered from 0, then a 总分 row."""
    rows = [Row([Cell(0, 0, "一级指标", "column")])]
    rows += [Row([Cell(1 + n, 0, "叶", "name")], line=n) for n in range(heights_of_lines)]
    rows.append(Row([Cell(1 + heights_of_lines, 0, "总分", "total-label")], role="total"))
    return Grid((100.0,), rows, [Part("table", "indicators", "", 0, 1, len(rows))])


def test_pages_break_before_indicator_rows_and_repeat_the_head():
    grid = _table(10)
    heights = [20.0] + [30.0] * 10 + [30.0]
    assert paginate(grid, heights, 110.0) == [3, 6, 9]  # head + three rows of 30 a page
    assert paginate(grid, heights, 1000.0) == []


def test_the_total_row_never_starts_a_page_alone():
    grid = _table(3)
    heights = [20.0, 30.0, 30.0, 10.0, 30.0]  # the total would overflow the first page by itself
    assert paginate(grid, heights, 100.0) == [2]


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    long = "节能环保、安全生产、盐业管理及小微企业融资担保核查工作经费[2023]"
    first, second = sheet_title(long, taken), sheet_title(long, taken)
    assert first != second and all(len(t) <= 31 and "[" not in t for t in (first, second))


def jixiao(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_print_command_writes_the_chosen_tables(tmp_path):
    out = tmp_path / "out"
    done = jixiao("print", CONTENT / "zibo-gxj/2021/05-anbao-wuxiandian.yml", "--out", out)
    assert done.returncode == 0, done.stderr
    directory = out / "units/zibo-gxj/2021"
    assert (directory / "05-anbao-wuxiandian/table.pdf").stat().st_size > 1000
    assert (directory / "05-anbao-wuxiandian/table.xlsx").exists() and (directory / "bundle.pdf").exists()
    assert "生成 1 份评价表" in done.stderr


def test_print_command_reports_bad_input_without_traceback(write, tmp_path):
    path = write("content/u/2020/broken.yml", MINIMAL.replace("year: 2020", "yaer: 2020"))
    done = jixiao("print", path, "--out", tmp_path / "out", cwd=path.parents[3])
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert f"{path}:2:1" in done.stderr and "unknown-key" in done.stderr
    assert not (tmp_path / "out").exists()


def _pdffonts(path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def test_font_compaction_without_the_subsetting_hook(tmp_path):
    """WeasyPrint left alone keeps its 65,000-glyph subset; the finisher alone still compacts it,
    and the text still reads the same."""
    import weasyprint

    from generator.render.printing.fonts import compact_fonts, write_pdf

    html = weasyprint.HTML(string='<p style="font-family: Noto Serif CJK SC">项目支出绩效自评表 89.88%</p>')
    document = html.render()
    plain, compact, hooked = (tmp_path / f"{name}.pdf" for name in ("plain", "compact", "hooked"))
    plain.write_bytes(document.write_pdf())
    compact.write_bytes(document.write_pdf(finisher=compact_fonts))
    hooked.write_bytes(write_pdf(document))
    plain.write_bytes(document.write_pdf())  # after jixiao wrote, WeasyPrint is unchanged
    assert "CID Type 0C (OT)" in _pdffonts(plain)
    for path in (compact, hooked):
        assert "CID Type 0C " in _pdffonts(path) and path.stat().st_size < plain.stat().st_size / 5
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert "项目支出绩效自评表 89.88%" in text


def test_writing_copies_each_font_file_once_and_lists_pages_once(monkeypatch):
    """Two PDFs of the same fonts, from two layouts, copy each font file out of HarfBuzz once
    between them and keep one copy; a tagged PDF lists its page references once; the bytes are
    the same each time."""
    import pydyf
    import weasyprint
    from weasyprint.pdf import fonts as weasyprint_fonts
    from weasyprint.text.fonts import get_hb_object_data

    from generator.render.printing import fonts

    html = ('<h1 style="font-family: Noto Serif CJK SC">汇编</h1>'
            '<p style="font-family: Noto Serif CJK SC; break-before: page">项目支出绩效自评表 89.88%</p>')
    document = weasyprint.HTML(string=html).render()
    fonts.write_pdf(document.copy())  # installs the hooks
    copies, listings = [], []
    list_pages = pydyf.PDF.page_references.fget
    monkeypatch.setattr(fonts, "_face_data", {})
    monkeypatch.setattr(weasyprint_fonts, "get_hb_object_data",
                        fonts._shared_face_data(lambda *args: copies.append(args) or get_hb_object_data(*args)))
    monkeypatch.setattr(pydyf.PDF, "page_references",
                        property(fonts._listed_once(lambda pdf: listings.append(pdf) or list_pages(pdf))))
    first = fonts.write_pdf(document.copy(), pdf_tags=True)
    assert len(copies) == 2 and len(listings) == 1  # a regular and a bold face; 2 pages' elements, one listing
    second = fonts.write_pdf(weasyprint.HTML(string=html).render(), pdf_tags=True)
    assert len(copies) == 2 and sum(len(kept) for kept in fonts._face_data.values()) == 2 and second == first
