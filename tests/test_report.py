"""A department's evaluation report (layout/report.py) in print, in a workbook and on the site:
a small department report of its own form and scheme (tests' tmp dirs), and the Suzhou report
of the seed content for what the report layout changed of a project's report."""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from generator.building.pipeline import process_file, run
from generator.layout.report import ScoreTable, is_report, report_blocks
from generator.render.printing import print_outputs
from generator.rules import registry

from .conftest import CONTENT
from .test_bundle import TOP_MARGIN, _page_texts, _pdfinfo, _words, page_labels
from .test_site import build

REPORT_TITLE = "2021年度测试区工业和信息化局部门整体绩效评价报告"
UNIT = "测试区工业和信息化局"

FORM = """\
id: dept-2021
title: 部门整体绩效评价指标体系及得分表
report_title: 部门整体绩效评价报告
region: 测试省测试市
party_format: "{name}"
department_label: 预算单位
levels: [一级指标, 二级指标, 三级指标, 四级指标]
level1:
  - {name: 管理效率, weight: 6}
  - {name: 运行成本, weight: 4}
  - {name: 履职效能, weight: 40}
empty_category: row
"""

SCHEME = """\
id: dept-2021
title: 部门整体绩效评价评分规则
total_points: 50
score_places: 2
grades:
  - {min: 45, grade: 优}
  - {min: 40, grade: 良}
  - {min: 30, grade: 中}
  - {min: 0, grade: 差}
rules: []
shortfall_needs_reason: false
"""

REPORT = """\
project: 测试区工业和信息化局部门整体绩效评价
year: 2021
form: dept-2021
scheme: dept-2021
department: {name: 测试区工业和信息化局}
cover:
  report_number: 测绩评字（2022）第1号
  commissioner: 测试区财政局
  evaluator: 测试会计师事务所
  date: 2022年11月30日
sections:
  - title: 摘要
    body: 本次评价得分见第四章。
  - title: 一、部门基本情况
    children:
      - title: （一）部门预算和决算情况
        body: |
          年初预算收入 10.00 万元。详见表 1-1。

          以上为收入情况。
      - title: （二）评价工作组
        body: |
          人员及分工如下：

          工作组按计划完成评价。
  - title: 四、评价结论及分析
    body: |
      绩效评价指标得分情况见表 4-1。
    children:
      - title: （二）各指标得分情况分析
        body: |
          1. 管理效率

          各指标得分见表 4-2。

          2. 运行成本

          各指标得分见表 4-3。

          3. 履职效能

          各指标得分见表 4-4。
  - title: 八、附件
tables:
  - id: 1-1
    title: 收入情况统计表（万元）
    columns: [收入预算数]
    rows:
      - label: 总计
        values: [10.00]
        children:
          - {label: 一般公共预算, values: [6.00]}
          - {label: 政府性基金, values: [4.00]}
  - id: 3-1
    title: 评价工作组人员及分工情况表
    columns: [人数]
    rows:
      - {label: 项目负责人, values: [1]}
  - id: 4-1
    title: 部门整体支出绩效评价得分情况
    columns: [分值, 评价得分]
    rows:
      - {label: 管理效率, values: [6, 5]}
indicators:
  - name: 管理效率
    weight: 6
    children:
      - name: 预算管理
        weight: 6
        children:
          - name: 预算执行效率
            weight: 4
            children:
              - {name: 预算执行率, weight: 3, score: 2.97, definition: 反映预算执行情况。, criteria: 得分=预算执行率×3。}
              - {name: 结转结余变动率, weight: 1, score: 1, definition: 反映结转结余变动情况。, criteria: 变动率≤0得1分。}
          - name: 预决算公开
            weight: 2
            children:
              - {name: 预决算公开情况, weight: 2, score: 0.53, definition: 反映预决算公开情况。, criteria: 按时公开得2分。}
  - name: 运行成本
    weight: 4
    children:
      - name: 一般性支出控制情况
        weight: 4
        children:
          - {name: 培训费、会议费控制, weight: 4, score: 3, definition: 反映培训费、会议费控制情况。, criteria: 变动率≤100%得4分。}
"""

# 履职效能: 40 fourth-level rows (2 × 2 × 10), enough to run the score sheet over several landscape pages.
LONG_TEXT = "反映本项工作任务的完成情况，实际完成数与计划完成数之比，以及完成质量与时效是否达到年初设定的目标。"


def _long_branch() -> str:
    lines = ["  - name: 履职效能", "    weight: 40", "    children:"]
    for a in range(1, 3):
        lines += [f"      - name: 职责{a}", "        weight: 20", "        children:"]
        for b in range(1, 3):
            lines += [f"          - name: 任务{a}-{b}", "            weight: 10", "            children:"]
            lines += [f"              - {{name: 指标{a}-{b}-{c}, weight: 1, score: {1 if c % 4 else 0.5}, "
                      f"definition: {LONG_TEXT}, criteria: 完成率≥100%得1分，每降低1%扣0.1分，扣完为止。{LONG_TEXT}}}"
                      for c in range(1, 11)]
    return "\n".join(lines) + "\n"


def _project(root: Path, report: str = REPORT) -> Path:
    (root / "site_config.yml").write_text(f"site_name: 测试\npublisher: 测试财政局\nunits:\n"
                                          f"  - {{id: dept-gxj, name: {UNIT}}}\n", encoding="utf-8")
    for kind, text in (("forms", FORM), ("schemes", SCHEME)):
        (root / kind).mkdir(exist_ok=True)
        (root / kind / "dept-2021.yml").write_text(text, encoding="utf-8")
    content = root / "content" / "dept-gxj" / "2021"
    content.mkdir(parents=True, exist_ok=True)
    (content / "report.yml").write_text(report + _long_branch(), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = _project(tmp_path_factory.mktemp("department"))
    out = root / "site"
    assert build(root, out).count("error") == 0
    return root, out


@pytest.fixture(scope="module")
def scored(project):
    root, _ = project
    roots = registry.extension_roots(root)
    registry.activate(roots)
    result = process_file(root / "content" / "dept-gxj" / "2021" / "report.yml", roots)
    ev = result.evaluation
    yield ev, result.scores, registry.forms()[ev.form], registry.schemes()[ev.scheme]
    registry.activate(())


@pytest.fixture(scope="module")
def pdf(project) -> Path:
    return project[1] / "units" / "dept-gxj" / "2021" / "report" / "table.pdf"


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    return _page_texts(pdf)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _page_sizes(pdf: Path, count: int) -> list[tuple[float, float]]:
    text = subprocess.run(["pdfinfo", "-f", "1", "-l", str(count), str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", text)]


def _body_lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip()]


# --- the layout: blocks, placement, derived tables ---------------------------------------------------

def test_a_report_is_a_cover_contents_chapters_and_the_score_sheet(scored):
    ev, scores, form, scheme = scored
    assert is_report(ev)
    blocks = report_blocks(ev, scores, form, scheme)
    assert [b.kind for b in blocks] == ["cover", "contents", "chapter", "chapter", "chapter", "chapter", "score-sheet"]
    cover = blocks[0]
    assert cover.title + cover.subtitle == REPORT_TITLE
    assert dict(cover.details) == {"报告编号": "测绩评字（2022）第1号", "委托单位": "测试区财政局", "预算单位": UNIT,
                                   "评价机构": "测试会计师事务所", "报告日期": "2022年11月30日"}
    assert blocks[-2].title == "八、附件" and blocks[-1].heading is None  # the sheet follows the file's 附件 chapter


def _placed(section) -> list[str]:
    """Each piece of a section and its sections: `text:<its last paragraph>` or the table's caption."""
    found = []
    for piece in section.pieces:
        found.append("text:" + piece.strip().splitlines()[-1] if isinstance(piece, str) else piece.caption)
    for child in section.children:
        found += _placed(child)
    return found


def test_a_table_prints_after_the_paragraph_that_names_it_or_introduces_it(scored):
    blocks = report_blocks(*scored)
    basics, conclusion = blocks[3], blocks[4]
    assert _placed(basics) == ["text:年初预算收入 10.00 万元。详见表 1-1。", "表 1-1 收入情况统计表（万元）",
                               "text:以上为收入情况。", "text:人员及分工如下：", "表 3-1 评价工作组人员及分工情况表",
                               "text:工作组按计划完成评价。"]
    placed = _placed(conclusion)
    assert [p for p in placed if not p.startswith("text:")] == [
        "表 4-1 部门整体支出绩效评价得分情况", "表 4-2 管理效率得分情况表", "表 4-3 运行成本得分情况表",
        "表 4-4 履职效能得分情况表"]
    assert placed.index("表 4-2 管理效率得分情况表") == placed.index("text:各指标得分见表 4-2。") + 1


def test_score_tables_are_derived_from_the_scored_tree_not_the_typed_rows(scored):
    ev, scores, form, scheme = scored
    tables = [t for b in report_blocks(*scored) if b.kind == "chapter" for t in b.tables() if isinstance(t, ScoreTable)]
    summary = tables[0]
    assert summary.title == "部门整体支出绩效评价得分情况"  # the declared table lends its title
    by_name = {s.node.name: s for s in scores.subtotals if s.depth == 1}
    rows = {row.cells[0].text: row.cells for row in summary.grid.rows[2:]}
    for name, subtotal in by_name.items():
        assert summary.grid.value(_ref(rows[name][2])) == subtotal.score
    assert by_name["管理效率"].score == Decimal("4.50")  # typed as 5 in the file's own 表 4-1
    total = rows["得分"]
    assert summary.grid.value(_ref(total[2])) == scores.total
    assert summary.grid.value(_ref(total[3])) == scores.total / scores.weight_total
    assert rows["评价等级"][1].text == scores.grade
    management = tables[1].grid
    level2 = next(c for row in management.rows for c in row.cells if c.role == "level-2")
    assert (level2.text, level2.rows) == ("预算管理", 2)
    assert management.value(_ref(next(c for c in management.rows[2].cells if c.col == 2))) == Decimal("4.50")


def _ref(cell):
    from generator.layout.grid import Ref

    return Ref(cell.row, cell.col)


def test_a_changed_score_changes_the_score_tables_the_sheet_and_the_total(tmp_path):
    root = _project(tmp_path, REPORT.replace("score: 2.97", "score: 1.97"))
    roots = registry.extension_roots(root)
    registry.activate(roots)
    try:
        result = process_file(root / "content" / "dept-gxj" / "2021" / "report.yml", roots)
        ev = result.evaluation
        blocks = report_blocks(ev, result.scores, registry.forms()[ev.form], registry.schemes()[ev.scheme])
    finally:
        registry.activate(())
    summary = next(t for b in blocks if b.kind == "chapter" for t in b.tables() if isinstance(t, ScoreTable))
    rows = {row.cells[0].text: row.cells for row in summary.grid.rows[2:]}
    assert summary.grid.value(_ref(rows["管理效率"][2])) == Decimal("3.50")
    assert summary.grid.value(_ref(rows["得分"][2])) == result.scores.total
    sheet = blocks[-1].grid
    total = next(c for row in sheet.rows if row.role == "total" for c in row.cells if c.formula is not None)
    assert sheet.value(_ref(total)) == result.scores.total


# --- the PDF -----------------------------------------------------------------------------------------

def test_the_pdf_reads_in_the_published_order(pages):
    cover = _squeezed(pages[0])
    for text in ("2021年度测试区工业和信息化局", "部门整体绩效评价报告", "测绩评字（2022）第1号", "委托单位：测试区财政局",
                 f"预算单位：{UNIT}", "评价机构：测试会计师事务所", "2022年11月30日"):
        assert text in cover
    assert "目录" in _squeezed(pages[1])
    squeezed = _squeezed("".join(pages[2:]))
    order = ["摘要", "一、部门基本情况", "表1-1收入情况统计表", "表3-1评价工作组", "四、评价结论及分析",
             "表4-1部门整体支出绩效评价得分情况", "表4-4履职效能得分情况表", "八、附件",
             "2021年度测试区工业和信息化局部门整体绩效评价指标体系及得分表", "合计"]
    positions = [squeezed.find(text) for text in order]
    assert all(p >= 0 for p in positions), [t for t, p in zip(order, positions) if p < 0]
    assert positions == sorted(positions)


def _contents(page: str) -> list[tuple[str, int]]:
    return [(m[1], int(m[2])) for m in re.finditer(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", page, re.M)]


def test_the_contents_page_numbers_are_the_pages_the_viewer_shows(pdf, pages):
    labels = page_labels(pdf, len(pages))
    assert labels[0] == "封面" and labels[1:] == [str(n) for n in range(1, len(pages))]
    entries = _contents(pages[1])
    assert [title for title, _ in entries] == ["摘要", "一、部门基本情况", "（一）部门预算和决算情况", "（二）评价工作组",
                                               "四、评价结论及分析", "（二）各指标得分情况分析", "八、附件"]
    for title, number in entries:
        page = pages[labels.index(str(number))]
        assert title in _body_lines(page)[1:], title  # below the running head


def test_chapters_start_a_page_and_carry_running_heads(pdf, pages):
    labels = page_labels(pdf, len(pages))
    words = _words(pdf)
    chapters = [(title, number) for title, number in _contents(pages[1]) if not title.startswith("（")]
    for title, number in chapters:
        index = labels.index(str(number))
        assert _body_lines(pages[index])[1] == title, title  # the first line below the head
        head = "".join(text for _, top, _, bottom, text in words[index + 1] if bottom < TOP_MARGIN + 6)
        assert head == REPORT_TITLE + title, head
    assert not [w for w in words[1] if w[3] < TOP_MARGIN + 6]  # the cover: no head
    assert _body_lines(pages[0])[-1] == "2022年11月30日"  # and no page number
    assert _body_lines(pages[1])[-1] == "1"


def test_the_appendix_is_on_landscape_pages_with_its_head_and_labels_on_each(pdf, pages):
    sizes = _page_sizes(pdf, len(pages))
    appendix = [n for n, page in enumerate(pages) if "指标解释" in page]
    assert len(appendix) >= 2
    assert appendix == list(range(appendix[0], len(pages)))
    assert all(sizes[n][0] > sizes[n][1] for n in appendix)
    assert all(width < height for width, height in sizes[:appendix[0]])
    for n in appendix:
        squeezed = _squeezed(pages[n])
        assert all(head in squeezed for head in ("一级指标", "二级指标", "三级指标", "四级指标", "指标解释", "评分标准", "得分"))
        assert "履职效能" in squeezed and "职责" in squeezed  # the merged labels printed again after each break


def test_the_pdf_title_is_the_reports(pdf):
    info = _pdfinfo(pdf)
    assert info["Title"] == REPORT_TITLE
    assert info["Author"] == "测试财政局"


# --- the workbook ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbook(project):
    path = project[1] / "units" / "dept-gxj" / "2021" / "report" / "table.xlsx"
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def test_the_score_sheet_in_the_workbook_computes_its_subtotals_and_total(workbook, scored):
    formulas, values = (book["附件 指标体系及得分表"] for book in workbook)
    ev, scores, _, _ = scored
    assert formulas.page_setup.orientation == "landscape"
    assert formulas.print_title_rows == "$2:$2"
    assert [formulas.cell(2, col).value for col in range(1, 8)] == [
        "一级指标", "二级指标", "三级指标", "四级指标", "指标解释", "评分标准", "得分"]
    merged = {str(r) for r in formulas.merged_cells.ranges}
    assert "A3:A5" in merged and "C3:C4" in merged  # 管理效率 over its three rows, 预算执行效率 over two
    total_row = next(row for row in range(1, formulas.max_row + 1) if formulas.cell(row, 1).value == "合计")
    total = formulas.cell(total_row, 7)
    assert re.fullmatch(r"=SUM\(G3:G\d+\)", total.value)
    assert values.cell(total_row, 7).value == pytest.approx(float(scores.total))
    level1 = {s.node.name: s for s in scores.subtotals if s.depth == 1}
    first_rows = {}  # a label printed again after a page break carries no subtotals
    for row in range(3, total_row):
        first_rows.setdefault((formulas.cell(row, 1).value or "").split("（")[0], row)
    assert set(level1) <= set(first_rows)
    for name, subtotal in level1.items():
        assert formulas.cell(first_rows[name], 10).value.startswith("=SUM(G")
        assert values.cell(first_rows[name], 10).value == pytest.approx(float(subtotal.score))
    scores_column = [values.cell(row, 7).value for row in range(3, total_row)]
    assert sum(scores_column) == pytest.approx(float(scores.total))


def test_the_summary_table_in_the_workbook_is_formulas_over_its_rows(workbook, scored):
    formulas, values = workbook
    name = next(n for n in formulas.sheetnames if n.startswith("表 4-1"))
    sheet, computed = formulas[name], values[name]
    total_row = next(row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 1).value == "得分")
    assert sheet.cell(total_row, 3).value == f"=SUM(C3:C{total_row - 1})"
    assert computed.cell(total_row, 3).value == pytest.approx(float(scored[1].total))
    assert sheet.cell(total_row, 4).value == f"=C{total_row}/B{total_row}"
    assert sheet.cell(total_row + 1, 2).value == scored[1].grade


# --- the site -------------------------------------------------------------------------------------------

REPORT_URL = "units/dept-gxj/2021/report/"


def _html(out: Path, url: str) -> str:
    return (out / url / "index.html").read_text(encoding="utf-8")


def test_each_chapter_is_a_page_linked_from_the_contents_and_its_neighbours(project):
    _, out = project
    front = _html(out, REPORT_URL)
    slugs = re.findall(r'<li><a href="(\d+)/">', front)
    assert slugs == ["1", "2", "3", "4"]
    for n, slug in enumerate(slugs):
        page = _html(out, REPORT_URL + slug + "/")
        assert 'class="chapter-title"' in page
        assert ('rel="prev" href="../%s/"' % slugs[n - 1] in page) == (n > 0)
        assert ('rel="next" href="../%s/"' % slugs[min(n + 1, len(slugs) - 1)] in page) == (n + 1 < len(slugs))
        for target in re.findall(r'href="\.\./(\d+)/"', page):
            assert (out / REPORT_URL / target / "index.html").exists()
    for slug, anchor in re.findall(r'href="(\d+)/#(c[\d-]+)"', front):
        assert f'id="{anchor}"' in _html(out, REPORT_URL + slug + "/")
    appendix = _html(out, REPORT_URL + "4/")
    assert 'class="jx-form jx-score-sheet" tabindex="0" role="region"' in appendix
    assert "表 4-1" in _html(out, REPORT_URL + "3/") and "表 1-1" in _html(out, REPORT_URL + "2/")


def test_the_department_is_listed_and_in_open_data_with_its_total_and_grade_and_no_funds(project, scored):
    _, out = project
    scores = scored[1]
    listing = _html(out, "evaluations/")
    row = next(r for r in listing.split("<tr") if REPORT_URL in r)
    assert "部门整体评价" in row and f">{scores.grade}<" in row and "总分" in row
    assert re.search(r'data-label="执行率">—<', row) and re.search(r'data-label="全年预算数（万元）">—<', row)
    import csv
    import io
    import json

    records = list(csv.DictReader(io.StringIO((out / "data" / "evaluations.csv").read_text(encoding="utf-8-sig"))))
    record = next(r for r in records if r["源文件"] == "dept-gxj/2021/report.yml")
    assert record["评价类型"] == "部门整体评价" and record["等级"] == scores.grade
    assert Decimal(record["总分（按表中得分计算）"]) == scores.total
    assert record["全年预算数（万元）"] == record["执行率（%）"] == ""
    data = json.loads((out / "data" / "evaluations.json").read_text(encoding="utf-8"))
    entry = next(e for e in data if e["file"] == "dept-gxj/2021/report.yml")
    assert entry["kind"] == "部门整体评价" and entry["budget"] is None and entry["funds_score"] is None


def test_the_seeds_are_project_self_evaluations_but_a_department_report(seed_report):
    from generator.checking.summary import DEPARTMENT_KIND, PROJECT_KIND

    kinds = [(r.summary["kind"], r.evaluation.cover is not None) for r in seed_report.results if r.evaluation]
    assert sum(kind == PROJECT_KIND for kind, _ in kinds) >= 22  # 淄博, 安庆 and 苏州
    assert all(kind == (DEPARTMENT_KIND if cover else PROJECT_KIND) for kind, cover in kinds)


# --- the Suzhou report: what the report layout changed ----------------------------------------------------

@pytest.fixture(scope="module")
def suzhou(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("suzhou-report")
    (root / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    content = root / "content" / "suzhou-gxj"
    (content / "2020").mkdir(parents=True)
    for name in ("_defaults.yml", "2020/_defaults.yml", "2020/01-xianjin-zhizao.yml"):
        (content / name).write_text((CONTENT / "suzhou-gxj" / name).read_text(encoding="utf-8"), encoding="utf-8")
    print_outputs(run([root / "content"], use_cache=False, full=True), root / "content", root / "out")
    return root / "out" / "units" / "suzhou-gxj" / "2020" / "01-xianjin-zhizao" / "table.pdf"


def test_the_suzhou_pdf_is_titled_as_its_report(suzhou):
    assert _pdfinfo(suzhou)["Title"] == ("苏州市工业和信息化局 2020 年度苏州市级财政支出项目绩效自评价报告："
                                          "苏州市打造先进制造业基地专项资金")


def test_the_continued_head_is_on_the_tables_pages_only(suzhou):
    pages, words = _page_texts(suzhou), _words(suzhou)
    heads = ["".join(text for _, _, _, bottom, text in words[n + 1] if bottom < TOP_MARGIN) for n in range(len(pages))]
    table_pages = [n for n, page in enumerate(pages) if "自评分" in page]
    narrative = [n for n in range(table_pages[-1] + 1, len(pages))]
    assert narrative and all("（续表）" in heads[n] for n in table_pages[1:])
    assert not any(heads[n] for n in narrative), [heads[n] for n in narrative]


# --- in the browser: the appendix scrolls sideways on a phone, the chapters link up --------------------------

@pytest.fixture(scope="module")
def served(project):
    from .test_browser import SiteHandler

    handler = functools.partial(SiteHandler, directory=str(project[1]))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_appendix_scrolls_sideways_and_the_chapter_links_lead_on(served, screen):
    from playwright import sync_api

    from .test_browser import CHROMIUM, DESKTOP, FLAGS, PHONE

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport=PHONE if screen == "phone" else DESKTOP, color_scheme="dark")
            page.goto(served + REPORT_URL)
            page.get_by_role("navigation", name="报告目录").get_by_role("link", name="一、部门基本情况").click()
            page.wait_for_url(served + REPORT_URL + "2/")
            assert page.get_by_role("heading", level=1).inner_text() == "一、部门基本情况"
            page.get_by_role("link", name="下一章：四、评价结论及分析").click()
            page.wait_for_url(served + REPORT_URL + "3/")
            assert page.get_by_text("表 4-1").first.is_visible()
            page.get_by_role("link", name="下一章：八、附件").click()
            page.wait_for_url(served + REPORT_URL + "4/")
            region = page.get_by_role("region", name="2021年度测试区工业和信息化局部门整体绩效评价指标体系及得分表")
            width, visible = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
            page_width = page.evaluate("document.documentElement.scrollWidth")
            viewport = (PHONE if screen == "phone" else DESKTOP)["width"]
            assert page_width <= viewport  # the page itself never scrolls sideways
            if screen == "phone":
                assert width > visible
                region.evaluate("r => r.scrollBy(200, 0)")
                assert region.evaluate("r => r.scrollLeft") > 0
            else:
                assert width <= visible + 1
            page.get_by_role("link", name="上一章：四、评价结论及分析").click()
            page.wait_for_url(served + REPORT_URL + "3/")
        finally:
            browser.close()


# --- the Shanting seed: the published department report ----------------------------------------------------

SHANTING_URL = "units/shanting-gxj/2021/01-bumen-zhengti/"


@pytest.fixture(scope="module")
def shanting(tmp_path_factory):
    """The Shanting report built alone (its site pages and printouts), with its model."""
    root = tmp_path_factory.mktemp("shanting")
    (root / "site_config.yml").write_text("site_name: 测试\npublisher: 测试财政局\n", encoding="utf-8")
    (root / "content").mkdir()
    shutil.copytree(CONTENT / "shanting-gxj", root / "content" / "shanting-gxj")
    assert build(root, root / "site").count("error") == 0
    result = process_file(root / "content" / "shanting-gxj" / "2021" / "01-bumen-zhengti.yml")
    return root / "site", result


def test_the_shanting_pdf_reads_like_the_published_report(shanting):
    out, result = shanting
    ev, scores = result.evaluation, result.scores
    pdf = out / SHANTING_URL / "table.pdf"
    pages = _page_texts(pdf)
    assert _pdfinfo(pdf)["Title"] == ev.cover.title
    cover = _squeezed(pages[0])
    for text in (ev.cover.report_number, ev.cover.commissioner, ev.cover.budget_unit, ev.cover.evaluator, ev.cover.date):
        assert _squeezed(text) in cover
    labels = page_labels(pdf, len(pages))
    entries = _contents(pages[1])
    chapters = [s.title for s in ev.sections]
    assert [title for title, _ in entries if not title.startswith("（")] == chapters
    for title, number in entries:
        assert title in _body_lines(pages[labels.index(str(number))]), title
    numbers = [number for _, number in entries]
    assert numbers == sorted(numbers)
    body = _squeezed("".join(pages[2:]))
    captions = ["表1-1", "表1-2", "表1-3", "表2-1", "表2-2", "表3-1", *(f"表4-{n}" for n in range(1, 9))]
    positions = [body.find(_squeezed(caption)) for caption in captions]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    sizes = _page_sizes(pdf, len(pages))
    sheet = [n for n, page in enumerate(pages) if "指标解释" in page and "评分标准" in page]
    assert sheet == list(range(sheet[0], len(pages))) and all(w > h for w, h in (sizes[n] for n in sheet))
    assert f"合计{ev.published.total.text}" in _squeezed(pages[-1])
    assert pdf.stat().st_size < 20_000 * len(pages)  # the fonts subset once for the whole report


def test_the_shanting_score_tables_are_the_scored_subtotals(shanting):
    out, result = shanting
    ev, scores = result.evaluation, result.scores
    formulas = openpyxl.load_workbook(out / SHANTING_URL / "table.xlsx")
    values = openpyxl.load_workbook(out / SHANTING_URL / "table.xlsx", data_only=True)
    summary = next(name for name in formulas.sheetnames if name.startswith("表 4-1"))
    rows = {values[summary].cell(r, 1).value: r for r in range(1, values[summary].max_row + 1)}
    printed = {row.name: row for row in ev.published.score_tables[0].rows}
    for subtotal in (s for s in scores.subtotals if s.depth == 1):
        assert values[summary].cell(rows[subtotal.node.name], 3).value == pytest.approx(float(subtotal.score))
        assert Decimal(printed[subtotal.node.name].score.text) == subtotal.score  # as table 4-1 prints it
    total = rows["得分"]
    assert formulas[summary].cell(total, 3).value.startswith("=SUM(")
    assert values[summary].cell(total, 3).value == pytest.approx(float(scores.total))
    assert values[summary].cell(total + 1, 2).value == scores.grade == ev.published.grade
    sheet, computed = formulas["附件 指标体系及得分表"], values["附件 指标体系及得分表"]
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$2:$2"
    last = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "合计")
    assert computed.cell(last, 7).value == pytest.approx(float(scores.total))
    assert last - 3 == len(scores.leaves)  # a row for each assessed indicator, below the title and the head


def test_the_shanting_report_is_pages_and_a_department_row(shanting):
    out, result = shanting
    ev = result.evaluation
    front = (out / SHANTING_URL / "index.html").read_text(encoding="utf-8")
    slugs = re.findall(r'<li><a href="(\d+)/">', front)
    assert len(slugs) == len(ev.sections)
    for slug, section in zip(slugs, ev.sections):
        page = (out / SHANTING_URL / slug / "index.html").read_text(encoding="utf-8")
        assert f'class="chapter-title" id="c{slug}">{section.title}<' in page
    appendix = (out / SHANTING_URL / slugs[-1] / "index.html").read_text(encoding="utf-8")
    assert 'class="jx-form jx-score-sheet"' in appendix and "指标解释" in appendix
    listing = (out / "evaluations" / "index.html").read_text(encoding="utf-8")
    row = next(r for r in listing.split("<tr") if SHANTING_URL in r)
    assert "部门整体评价" in row and ">84.48<" in row and ">良<" in row
