"""Parts of printing that need no rendering, and `jixiao print` as a user runs it."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from generator.layout import Row
from generator.model import Indicator
from generator.printing.pdf import settled
from generator.printing.view import split_at
from generator.printing.xlsx import number_format, rate_format, sheet_title
from generator.quantities import Num
from generator import registry

from .conftest import CONTENT, MINIMAL, ROOT


def _rows(level1_span: int, level2_spans: list[int]) -> list[Row]:
    level1, rows = Indicator(name="产出指标"), []
    for span in level2_spans:
        level2 = Indicator(name=f"二级{len(rows)}")
        rows += [Row(Indicator(name="叶"), level2, level1, level2_span=span if n == 0 else 0) for n in range(span)]
    rows[0].level1_span = level1_span
    return rows


def test_merged_cells_end_at_a_page_break_and_start_again():
    rows = split_at(_rows(6, [4, 2]), frozenset({2, 5}))
    assert [r.level1_span for r in rows] == [2, 0, 3, 0, 0, 1]
    assert [r.level2_span for r in rows] == [2, 0, 2, 0, 1, 1]


def test_merged_cells_are_kept_without_breaks():
    rows = split_at(_rows(6, [4, 2]), frozenset())
    assert [r.level1_span for r in rows] == [6, 0, 0, 0, 0, 0]
    assert [r.level2_span for r in rows] == [4, 0, 0, 0, 2, 0]


@pytest.mark.parametrize("breaks, found, expected", [
    (frozenset(), [], None),                                  # one page
    (frozenset(), [20, 41], frozenset({20, 41})),             # first layout: take them all
    (frozenset({20, 41}), [20, 41], None),                    # the breaks held
    (frozenset({20, 41}), [20, 38, 41], frozenset({20, 38})),  # a page overflowed: find the rest again
])
def test_page_breaks_settle(breaks, found, expected):
    assert settled(breaks, found) == expected


@pytest.mark.parametrize("text, fmt", [("5.00", "0.00"), ("560.84", "0.00"), ("2650", "0"), ("08", "00"),
                                       ("71.9", "0.0")])
def test_excel_formats_keep_the_printed_text(text, fmt):
    assert number_format(Num(Decimal(text), text)) == fmt


def test_rate_formats_follow_the_form():
    forms = registry.forms()
    assert rate_format(forms["zibo-2020"]) == "[=1]0%;0.00%"  # 100% and 89.88%
    assert rate_format(forms["anqing-2023"]) == "0.0%"        # 100.0% and 82.3%


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

    from generator.printing.fonts import compact_fonts, write_pdf

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
