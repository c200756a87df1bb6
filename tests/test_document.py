"""Documents as lists of blocks (cover, index, table, Markdown section, figure table) that the
site page, the PDF and the XLSX each render: a synthetic evaluation with a section (holding
raw HTML, which must come out as text) and a figure table whose rows do not add up, and the
seed bundles built as documents."""
from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from markupsafe import Markup, escape

from generator.render import export, site

from generator.rules import registry
from generator.layout import (Cell, Cover, Index, Ref, Section, bundle_document, evaluation_blocks, figure_grid,
                              markdown_html, markdown_paragraphs)
from generator.layout.figures import spans_over
from generator.layout.grid import excel
from generator.loading.model import ColumnGroup, IndexEntry, Table, TableRow
from generator.building.pipeline import Result, process_file, run
from generator.render.printing import pdf, print_outputs
from generator.render.printing.view import blocks_html, cell_html
from generator.quantities import parse_num
from generator.project.structure import Location
from generator.render.templating import environment

from .conftest import MINIMAL
from .test_printing import _squeeze, assert_in_reading_order

REPORT = MINIMAL + """\
sections:
  - title: 项目概况
    body: |
      本项目用于**企业家培训**。<script>alert("x")</script>

      ## 资金来源

      1. 市级财政拨款
      2. 上年结转

      | 来源 | 金额 |
      |---|---|
      | 财政 | 80 |
    children:
      - title: 实施管理
        body: 按计划实施，[详见](javascript:alert(1)) 附件。
tables:
  - id: 1-1
    title: 项目资金构成
    columns: [金额（万元）, 占比]
    rows:
      - label: 合计
        values: [100, ~]
        children:
          - {label: 培训, values: [60, 60%]}
          - {label: 宣传, values: [30, 30%]}
"""
SCRIPT = '<script>alert("x")</script>'


def _num(text: str):
    return parse_num(text)


def _row(label: str, *values: str | None, children=()) -> TableRow:
    return TableRow(label=label, values=[_num(v) if v else None for v in values], children=list(children))


def _pdf_text(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- Markdown, with raw HTML off ---------------------------------------------------------------

def test_raw_html_in_markdown_is_escaped_and_unsafe_links_are_not_made():
    html = markdown_html(f"正文 {SCRIPT}\n\n<div onclick=\"x()\">块</div>\n\n[链接](javascript:alert(1))")
    assert "<script" not in html and "<div" not in html and "href" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "&lt;div onclick" in html
    assert isinstance(html, Markup)


def test_markdown_headings_sit_below_the_sections_and_tables_are_read():
    html = markdown_html("# 一\n\n## 二\n\n| a | b |\n|---|---|\n| 1 | 2 |", level=2)
    assert "<h3>一</h3>" in html and "<h4>二</h4>" in html and "<td>2</td>" in html
    assert "<h3>二</h3>" in markdown_html("## 二\n\n### 三", level=2)  # as deep as the author began


def test_markdown_as_plain_paragraphs_for_a_sheet():
    text = "# 标题\n\n第一段*强调*，\n续行。\n\n- 甲\n- 乙\n\n3. 丙\n4. 丁\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n    代码"
    assert markdown_paragraphs(text) == [
        ("heading", "标题"), ("paragraph", "第一段强调，\n续行。"), ("item", "• 甲"), ("item", "• 乙"),
        ("item", "3. 丙"), ("item", "4. 丁"), ("row", "a\u3000\u3000b"), ("row", "1\u3000\u30002"), ("code", "代码")]


# --- a figure table as a grid of the project table's cells -------------------------------------

def test_a_figure_tables_totals_are_formulas_over_their_own_parts():
    table = Table(id="1-2", title="支出表", columns=["年初预算", "决算"], rows=[
        _row("支出合计", "1000", "1452.31", children=[
            _row("基本支出", "800", "726.16", children=[_row("人员经费", "600", "600.00"), _row("公用经费", "200", "126.15")]),
            _row("项目支出", "200", "726.15")])])
    grid = figure_grid(table, "表 1-2 支出表")
    assert [c.text for c in grid.rows[1].cells] == ["项目", "年初预算", "决算"]
    labels = [row.cells[0].text for row in grid.rows[2:]]
    assert labels == ["支出合计", "\u3000基本支出", "\u3000\u3000人员经费", "\u3000\u3000公用经费", "\u3000项目支出"]
    total = grid.rows[2].cells[2]
    assert total.formula.op == "SUM" and list(total.formula.refs()) == [Ref(3, 2), Ref(6, 2)]  # its parts, not theirs
    assert grid.value(Ref(2, 2)) == Decimal("1452.30")
    # 基本支出 prints 726.16, its parts add up to 726.15 (山亭 table 1-2); the total then departs too
    departed = {(cell.row, cell.col): value for cell, value in grid.departures()}
    assert departed == {(3, 2): Decimal("726.15"), (2, 2): Decimal("1452.30")}
    assert grid.rows[3].cells[2].what == "基本支出的决算"


def test_a_row_without_a_figure_or_parts_without_one_is_no_formula():
    grid = figure_grid(Table(id="1", title="t", columns=["a", "b"], rows=[
        _row("合计", None, "5", children=[_row("甲", "1", None)])]), "表 1 t")
    assert [c.formula for c in grid.rows[2].cells[1:]] == [None, None]
    assert grid.rows[2].cells[2].number == Decimal(5)


def test_a_figure_table_without_row_names_prints_grouped_columns_under_their_heading_and_computes_its_identities():
    table = Table(title="市级财政资金使用情况（万元）", columns=["财政拨款数", "实际支付数", "结余", "结转数", "财政收回数"],
                  groups=[ColumnGroup(title="其中：", columns=["结转数", "财政收回数"])],
                  rows=[_row(None, "57572.29", "56974.96", "597.33", "597.33", "0.00")],
                  identities=["结余 = 财政拨款数 - 实际支付数 = 结转数 + 财政收回数"])
    grid = figure_grid(table, "市级财政资金使用情况（万元）")
    assert len(grid.widths) == 5 and grid.parts[1].head == 2  # no names column; two head rows, both repeated
    first, second = ([(c.text, c.col, c.rows, c.cols) for c in row.cells] for row in grid.rows[1:3])
    assert first == [("财政拨款数", 0, 2, 1), ("实际支付数", 1, 2, 1), ("结余", 2, 2, 1), ("其中：", 3, 1, 2)]
    assert second == [("结转数", 3, 1, 1), ("财政收回数", 4, 1, 1)]
    balance = grid.rows[3].cells[2]
    assert excel(balance.formula, lambda ref: f"{'ABCDE'[ref.col]}{ref.row + 1}") == "A4-B4"
    assert grid.value(Ref(3, 2)) == Decimal("597.33") and not grid.departures()


def test_figure_columns_are_spread_over_a_forms_columns_as_evenly_as_their_needs_allow():
    widths = [11, 33, 14, 7, 14, 10]
    assert [(s.col, s.cols) for s in spans_over(widths, 1, [1, 1, 1, 1])] == [(1, 1), (2, 1), (3, 2), (5, 2)]
    assert [(s.col, s.cols) for s in spans_over(widths, 1, [2, 1])] == [(1, 3), (4, 3)]  # row names want twice
    assert spans_over(widths, 1, [1] * 7) is None


# --- documents ---------------------------------------------------------------------------------

@pytest.fixture
def report(write):
    result = process_file(write("content/u/2020/report.yml", REPORT))
    assert not [f for f in result.findings if f.severity == "error"]
    return result


def _blocks(result) -> list:
    ev = result.evaluation
    return evaluation_blocks(ev, result.scores, registry.forms()[ev.form], registry.schemes()[ev.scheme])


def test_an_evaluation_is_its_table_then_its_sections_then_its_figure_tables(report):
    blocks = _blocks(report)
    assert [b.kind for b in blocks] == ["table", "section", "figure-table"]
    assert blocks[1].title == "项目概况" and blocks[1].children[0].title == "实施管理"
    assert blocks[2].caption == "表 1-1 项目资金构成"


def test_a_figure_table_that_does_not_add_up_is_reported(report):
    found = [f for f in report.findings if f.code == "table-sum"]
    assert len(found) == 1
    assert "表 1-1“项目资金构成”" in found[0].message and "60 + 30 = 90" in found[0].message
    assert "“合计”的金额（万元）是 100" in found[0].public and "table-sum" not in found[0].public
    assert found[0].line == REPORT[:REPORT.index("values: [100, ~]")].count("\n") + 1


def test_a_row_with_more_figures_than_columns_is_reported(write):
    text = REPORT.replace("{label: 宣传, values: [30, 30%]}", "{label: 宣传, values: [30, 30%, 5]}")
    codes = [f.code for f in process_file(write("content/u/2020/report.yml", text)).findings]
    assert "table-row-width" in codes


def test_a_blank_figure_keeps_its_column(report):
    row = report.evaluation.tables[0].rows[0]
    assert [v.text if v else None for v in row.values] == ["100", None]


def test_the_site_page_shows_the_sections_and_figure_tables_after_the_table(report, tmp_path):
    file = report.file
    result = Result(file=file, evaluation=report.evaluation, scores=report.scores, findings=report.findings,
                    summary=export.summary(file, report.evaluation, report.scores, report.counts()))
    page = site.evaluation_page(result, Location("u", "2020", "report"), "测试局", tmp_path)
    body = page.body
    assert body.index('id="table"') < body.index('id="report"') < body.index('id="check"')
    assert "<script" not in body and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert '<h2 class="section-title" id="s1">项目概况</h2>' in body and "<h3>资金来源</h3>" in body
    assert '<h3 class="section-title" id="s1-1">实施管理</h3>' in body and 'href="javascript' not in body
    assert '<a href="#s1">项目概况</a><ul><li><a href="#s1-1">实施管理</a>' in body  # the report's contents
    assert re.search(r'<th scope="row" class="left">合计</th><td class="num">100</td>', body)
    assert ("report", "报告正文与数据表") in page.toc


@pytest.fixture
def printed_report(report, tmp_path):
    root = Path(report.file).parents[3]
    out = tmp_path / "out"
    print_outputs(run([root / "content"], use_cache=False, full=True), root / "content", out)
    return out / "units/u/2020"


def test_the_table_pdf_prints_the_sections_and_figure_tables_after_the_table(printed_report):
    text = _pdf_text(printed_report / "report/table.pdf", "-layout")
    assert SCRIPT in text  # printed as text: raw HTML is never markup
    assert_in_reading_order(text, [["总分"], ["项目概况"], ["资金来源"], ["1.", "市级财政拨款"], ["财政", "80"],
                                   ["实施管理"], ["表 1-1 项目资金构成"], ["项目", "金额（万元）", "占比"],
                                   ["合计", "100"], ["培训", "60", "60%"], ["宣传", "30", "30%"]])


def test_the_bundle_prints_an_evaluations_blocks_after_its_table_with_bookmarks(printed_report):
    bundle = printed_report / "bundle.pdf"
    assert_in_reading_order(_pdf_text(bundle, "-layout"), [["项目概况"], ["表 1-1 项目资金构成"]])
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(bundle)], capture_output=True, text=True).stdout
    outline = re.findall(r"<item page=\"\d+\">([^<]*)</item>", xml)
    assert outline[:2] == ["封面", "目录"]
    project = outline.index("测试项目")
    assert outline[project + 1:project + 4] == ["项目概况", "实施管理", "表 1-1 项目资金构成"]
    assert "资金来源" not in outline  # a heading inside a body is no bookmark


def _sheet_rows(ws) -> list[list]:
    return [[cell for cell in row if cell is not None] for row in ws.iter_rows(values_only=True)
            if any(cell is not None for cell in row)]


def test_the_workbook_has_a_sheet_of_sections_and_one_per_figure_table(printed_report):
    path = printed_report / "report/table.xlsx"
    formulas, values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    assert formulas.sheetnames == ["测试项目", "报告正文", "表 1-1 项目资金构成"]
    text = _sheet_rows(formulas["报告正文"])
    assert text[:3] == [["项目概况"], [f"本项目用于企业家培训。{SCRIPT}"], ["资金来源"]]
    assert ["1. 市级财政拨款"] in text and ["实施管理"] in text
    figures = formulas["表 1-1 项目资金构成"]
    assert figures["B3"].value == "=SUM(B4,B5)" and values["表 1-1 项目资金构成"]["B3"].value == 90
    assert _sheet_rows(figures)[1:5] == [["项目", "金额（万元）", "占比"], ["合计", "=SUM(B4,B5)"],
                                         ["\u3000培训", 60, 0.6], ["\u3000宣传", 30, 0.3]]
    assert figures["C4"].number_format == "0%"
    note = _sheet_rows(figures)[-1][0]
    assert note == "注 1：B3（合计的金额（万元））原表印出 100，按本表数字计算为 90；本格为计算公式。"
    assert figures.print_title_rows == "$2:$2"


def _shown(cell) -> str:
    """A stored figure as its number format shows it (0.6 in `0%` is 60%)."""
    places = len(cell.number_format.rstrip("%").partition(".")[2])
    if cell.number_format.endswith("%"):
        return f"{cell.value * 100:.{places}f}%"
    return f"{cell.value:.{places}f}" if isinstance(cell.value, (int, float)) else str(cell.value)


def test_pdf_and_xlsx_hold_the_same_figure_table_cells_in_the_same_order(printed_report):
    """The figure table's cells as the sheet shows them (a total that departs from the
    printed one as its note gives the printed figure), in the order the PDF prints them."""
    ws = openpyxl.load_workbook(printed_report / "report/table.xlsx")["表 1-1 项目资金构成"]
    notes = [str(c.value) for c in ws["A"] if str(c.value).startswith("注 ")]
    printed = dict(re.match(r"注 \d+：([A-Z]+\d+)（.*）原表印出 (\S+)，", note).groups() for note in notes)
    rows = [[printed.get(cell.coordinate, _shown(cell)) for cell in row
             if cell.value is not None and not str(cell.value).startswith("注 ")] for row in ws.iter_rows()]
    rows = [row for row in rows if row]
    assert rows[2] == ["合计", "100"] and rows[3] == ["\u3000培训", "60", "60%"]
    text = _pdf_text(printed_report / "report/table.pdf", "-layout")
    figures = text[text.index("表 1-1"):]
    assert_in_reading_order(figures, rows)
    assert _squeeze(re.sub(r"第\s*\d+\s*页.*", "", figures)) == _squeeze("".join("".join(row) for row in rows))


# --- the seed bundles are documents -------------------------------------------------------------

def test_a_seed_bundle_is_its_cover_index_and_tables_in_index_order(seed_report):
    results = [r for r in seed_report.results if "/anqing-jxj/" in r.file]
    index = next(i for d, i in seed_report.indexes.items() if "anqing-jxj" in d)
    evaluations = [_blocks(r) for r in results]
    document = bundle_document("安庆", index, 2023, evaluations)
    assert [b.kind for b in document.blocks] == ["cover", "index"] + ["table"] * len(results)
    assert document.blocks[0] == Cover(index.title, index.subtitle, 2023)
    front, runs = pdf.runs(document.blocks)
    assert [b.kind for b in front] == ["cover", "index"] and [len(run) for run in runs] == [1] * len(results)
    absent = [e for e in index.entries if e.project not in {r.evaluation.project for r in results}]
    assert absent and all(document.blocks[1].note(e, False).endswith("未收录本汇编") for e in absent)


def test_front_matter_renders_a_reports_cover_details_and_marks_absent_entries(tmp_path):
    cover = Cover("某区财政局", "部门整体绩效评价报告", 2021, (("报告编号", "鲁舜绩评字（2022）第3701038号"),
                                                          ("评价机构", "某会计师事务所")))
    entries = (IndexEntry(no=1, project="甲项目", note="专项"), IndexEntry(no=2, project="乙项目", note=None))
    html = pdf.front_html([cover, Index("某区财政局", None, entries)], {"甲项目": pdf.IndexLink("t0-form", 2)},
                          environment(tmp_path))
    assert "报告编号：鲁舜绩评字（2022）第3701038号" in html and "（2021 年度）" in html
    assert re.search(r"<td>2</td>\s*<td class=\"left\">乙项目</td>\s*<td></td>\s*<td class=\"left\">未收录本汇编</td>", html)
    assert '<a href="#t0-form">2</a>' in html and "<td class=\"left\">专项</td>" in html


def test_a_document_whose_body_does_not_begin_with_a_table_has_no_run_to_print_in():
    with pytest.raises(ValueError):
        pdf.runs([Cover("t"), Section("概况", "正文")])


def test_blocks_render_without_a_form_of_their_own(report, tmp_path):
    """A figure table and a section render from the shipped templates; a table from its form's."""
    html = blocks_html(_blocks(report), environment(tmp_path), prefix="t0-")
    assert len(html) == 3 and 'id="t0-form"' in html[0] and "report-section" in html[1] and "figure-table" in html[2]
    assert 'id="t0-r' not in html[2]  # figure rows carry no page-break anchors of the table


@pytest.mark.parametrize("text", ["<b>甲&乙</b>", "\"引号\" 与 'x'", "100%", ""])
def test_a_cells_text_is_escaped_as_jinja_escapes_it(text):
    html = cell_html(Cell(0, 0, text, "number", rows=2))
    assert html == f'<td class="num" rowspan="2">{escape(text)}</td>'
