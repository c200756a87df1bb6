"""Printed reports of the seed content: every figure in the PDF text in reading order,
the CJK font embedded, long tables continued with their headers, nothing printed twice
for nothing, and a four-level tree merged at every level (the XLSX: test_xlsx.py)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from generator.rules import registry
from generator.building.pipeline import run
from generator.render.printing import print_outputs
from generator.quantities import reduce_html
from generator.project.structure import locate

from .conftest import CONTENT, ROOT

FORM_SAMPLES = {  # one table of each form, and the long one
    "zibo-2020": "zibo-gxj/2020/07-rengong-zhineng-guihua",
    "zibo-2021": "zibo-gxj/2021/05-anbao-wuxiandian",
    "anqing-2023": "anqing-jxj/2023/02-jieneng-huanbao",
    "suzhou-2020": "suzhou-gxj/2020/01-xianjin-zhizao",
}


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", "-layout", *args, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The seed content printed once, in a throw-away project (its own .cache)."""
    root = tmp_path_factory.mktemp("printed")
    (root / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    shutil.copytree(CONTENT, root / "content")
    report = run([root / "content"], use_cache=False, full=True)
    figures = print_outputs(report, root / "content", root / "out")
    by_name = {Path(r.file).relative_to(root / "content").with_suffix("").as_posix(): r for r in report.results}
    return {"root": root, "out": root / "out", "report": report, "figures": figures, "results": by_name}


def _directory(printed, name: str) -> Path:
    result = printed["results"][name]
    return printed["out"] / locate(result.file, printed["root"] / "content").url


# --- what the table must show, from the model ------------------------------------------------

def expected_rows(result) -> list[list[str]]:
    """Cell values of the printed table, row by row, as the published form shows them."""
    ev, scores = result.evaluation, result.scores
    form = registry.forms()[ev.form]
    published = ev.published
    rows = [[line] for line in (form.report_title, form.title) if line]
    rows += [[form.year_line.format(year=ev.year)]] if form.year_line else []
    header = {"project": ev.project, "year": str(ev.year), "department": ev.department.name}
    rows += [[header[key] for key in keys if key in header] for keys in form.header_rows]
    if form.tables_position == "after-header":
        for table in ev.tables:
            # the title stands in the first column beside the table's head
            heading = [table.label_heading] if any(row.label for row in _all_rows(table.rows)) else []
            rows += [[table.title, *heading, *(group.title for group in table.groups), *table.columns]]
            rows += [[text for text in (row.label, *(n.text for n in row.values if n)) if text]
                     for row in _all_rows(table.rows)]
    if form.funds_block:
        rows += [["年初预算数", form.column("budget", "全年预算数"), form.column("executed", "全年执行数"), "分值",
                  form.column("rate", "执行率"), "得分"]]
        for key, row in ev.funds.rows.present():
            cells = [form.funds_rows[key]] + [n.text for n in (row.initial, row.budget, row.executed) if n]
            if key in published.rates and key in form.rate_rows:
                cells.append(published.rates[key].text)
            rows.append(cells)
        rows += [[form.goal_labels["expected"], form.goal_labels["actual"]],
                 [reduce_html(ev.goals.expected), reduce_html(ev.goals.actual)]]
    rows += [[*form.levels, *(form.column(key) for key in form.indicator_columns)]]
    for leaf in scores.leaves:
        node = leaf.node
        shown = [getattr(node, key) for key in form.indicator_columns]
        rows.append([node.name, *(value if isinstance(value, str) else value.text for value in shown if value)])
    totals = {"weight": published.weight_total, "score": published.total}
    rows.append([form.total_label, *(totals[key].text for key in form.total_columns)])
    return rows


def _all_rows(rows):
    for row in rows:
        yield row
        yield from _all_rows(row.children)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _spread(haystack: str, value: str, first: int) -> int | None:
    """The end of `value` read from `first` with gaps: a cell that wraps is printed line by
    line, its pieces separated by the other cells of those lines."""
    position = first
    for char in value[1:]:
        position = haystack.find(char, position + 1)
        if position < 0 or position - first > 160 * len(value):
            return None
    return position + 1


def _find(haystack: str, value: str, start: int) -> tuple[int, int] | None:
    """The earliest place of `value` from `start`: whole, or spread over lines."""
    value = _squeeze(value)
    whole = haystack.find(value, start)
    first = haystack.find(value[0], start)
    while first >= 0 and (whole < 0 or first < whole):
        end = _spread(haystack, value, first)
        if end is not None:
            return first, end
        first = haystack.find(value[0], first + 1)
    return (whole, whole + len(value)) if whole >= 0 else None


def assert_in_reading_order(text: str, rows: list[list[str]]) -> None:
    haystack, cursor = _squeeze(text), 0
    for row in rows:
        ends = []
        for value in row:
            found = _find(haystack, value, cursor)
            assert found, f"“{value}” not found after …{haystack[max(0, cursor - 40):cursor]}"
            ends.append(found[1])
        if row:  # the next row's text comes below: after every cell of this one
            cursor = min(ends) if len(row) > 1 else ends[0]


@pytest.mark.parametrize("form", sorted(FORM_SAMPLES))
def test_pdf_text_holds_every_cell_value_in_reading_order(printed, form):
    result = printed["results"][FORM_SAMPLES[form]]
    assert result.evaluation.form == form
    text = _text(_directory(printed, FORM_SAMPLES[form]) / "table.pdf")
    assert_in_reading_order(text, expected_rows(result))
    squeezed, form_ = _squeeze(text), registry.forms()[form]
    for level1 in result.evaluation.indicators:  # merged cells, centred on their rows
        assert _find(squeezed, form_.level1_title(level1.name, level1.weight.text), 0)
        assert all(_find(squeezed, level2.name, 0) for level2 in level1.children if level2.children)


def test_every_seed_table_holds_its_cell_values(printed):
    for name, result in printed["results"].items():
        text = _text(_directory(printed, name) / "table.pdf")
        assert_in_reading_order(text, expected_rows(result))


def test_figures_print_at_the_precision_of_each_form(printed):
    zibo_2020 = _text(_directory(printed, "zibo-gxj/2020/07-rengong-zhineng-guihua") / "table.pdf")
    assert re.search(r"其中：财政拨款\s+80\s+08\s+71\.9\s+—\s+89\.88%\s+—", zibo_2020)  # `08` as published
    assert re.search(r"年度资金总额\s+80\s+80\s+71\.9\s+10\s+89\.88%\s+8\.99", zibo_2020)
    zibo_2021 = _text(_directory(printed, "zibo-gxj/2021/05-anbao-wuxiandian") / "table.pdf")
    assert re.search(r"无线电监督检查次数\s+1\s+1\s+5\.00\s+5\n", zibo_2021)  # weight `5.00`, score `5`
    assert "单位：万元" in zibo_2021 and _find(_squeeze(zibo_2021), "执行率 (B/A)", 0)
    assert _find(_squeeze(zibo_2021), "总分在 80 分以下项目未实现绩效目标的原因分析及拟采取的措施说明", 0)
    anqing = _squeeze(_text(_directory(printed, "anqing-jxj/2023/01-feigong-dangjian") / "table.pdf"))
    assert "100.0%" in anqing and "601-安庆市经济和信息化局" in anqing


def test_published_total_is_printed_where_it_differs(printed):
    """企业家培训: the scores add up to 95, the published table says 100; the print says 100."""
    result = printed["results"]["zibo-gxj/2020/02-qiyejia-peixun"]
    assert result.scores.total == 95
    text = _text(_directory(printed, "zibo-gxj/2020/02-qiyejia-peixun") / "table.pdf")
    assert re.search(r"总分\s+100\s+100", text)


def test_empty_categories_follow_the_form(printed):
    zibo_2020 = _squeeze(_text(_directory(printed, "zibo-gxj/2020/01-baiqiang-qiyejia") / "table.pdf"))
    assert _find(zibo_2020, "成本指标", 0) and _find(zibo_2020, "生态效益指标", 0)  # printed as empty rows
    zibo_2021 = _text(_directory(printed, "zibo-gxj/2021/05-anbao-wuxiandian") / "table.pdf")
    assert "经济效益" not in zibo_2021  # a category without indicators is left out


def _fonts(pdf: Path) -> list[list[str]]:
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in lines.splitlines()[2:]]


@pytest.mark.parametrize("form", sorted(FORM_SAMPLES))
def test_only_the_embedded_cjk_serif_font_is_used(printed, form):
    fonts = _fonts(_directory(printed, FORM_SAMPLES[form]) / "table.pdf")
    assert fonts
    for row in fonts:
        name, emb, sub = row[0], row[-5], row[-4]
        assert "Noto-Serif-CJK-SC" in name and emb == "yes" and sub == "yes", row
        assert " ".join(row[1:4]) == "CID Type 0C", row  # bare CFF: the compact subset


def test_one_table_pdfs_are_small(printed):
    pdfs = list(printed["out"].rglob("table.pdf"))
    sizes = [p.stat().st_size for p in pdfs]
    assert len(sizes) == 23
    # the fonts are subset: a page costs little, a whole department report (25 pages) some 350 KB
    assert sum(sizes) / len(sizes) < 200_000 and max(size / _pages(p) for p, size in zip(pdfs, sizes)) < 100_000


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_long_table_continues_with_header_and_labels(printed):
    pdf = _directory(printed, "anqing-jxj/2023/02-jieneng-huanbao") / "table.pdf"
    pages = _pages(pdf)
    assert pages > 1
    for page in range(1, pages + 1):
        text = _text(pdf, "-f", str(page), "-l", str(page))
        assert all(label in text for label in ("一级指标", "二级指标", "三级指标", "年度指标值", "绩效指标"))
        assert f"第 {page} 页 共 {pages} 页" in text or f"第{page}页共{pages}页" in _squeeze(text)
    second = _text(pdf, "-f", "2", "-l", "2")
    assert "产出指标" in second  # the merged 一级指标 cell is labelled again on the next page


def test_no_indicator_row_is_cut_by_a_page_break(printed):
    pdf = _directory(printed, "anqing-jxj/2023/02-jieneng-huanbao") / "table.pdf"
    for name in ("不定期开展行业检查、季节性检查(包括两节、两会、汛期、五一等季节和重要节日)",
                 "促进融资担保机构积极主动为小微企业融资增信"):
        pages = [p for p in range(1, _pages(pdf) + 1)
                 if _find(_squeeze(_text(pdf, "-f", str(p), "-l", str(p))), name, 0)]
        assert len(pages) == 1, name


# --- bundles -------------------------------------------------------------------------------

def _outline(pdf: Path) -> list[tuple[int, str]]:
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf)], capture_output=True, text=True).stdout
    return [(int(page), title) for page, title in re.findall(r'<item page="(\d+)">([^<]*)</item>', xml)]


def test_bundle_has_cover_index_bookmarks_and_page_numbers(printed):
    bundle = printed["out"] / "units/anqing-jxj/2023/bundle.pdf"
    outline = _outline(bundle)
    titles = [title for _, title in outline]
    assert titles[:2] == ["封面", "目录"]
    projects = [printed["results"][n].evaluation.project for n in sorted(printed["results"]) if "anqing" in n]
    assert titles[2:] == projects
    assert [page for page, _ in outline] == sorted(page for page, _ in outline)
    index = _text(bundle, "-f", "2", "-l", "2")
    assert "序号" in index and "追加推进世界制造业大会及制造强省项目工作经费" in index  # all 15 entries
    total = _pages(bundle)
    last = _squeeze(_text(bundle, "-f", str(total), "-l", str(total)))
    assert f"第{total - 1}页共{total - 1}页" in last  # the cover is not numbered


def test_bundle_without_index_lists_the_tables_in_order(printed):
    bundle = printed["out"] / "units/zibo-gxj/2021/bundle.pdf"
    index = _text(bundle, "-f", "2", "-l", "2")
    assert "淄博市工业和信息化局" in index and "安保维稳、信访及无线电管理工作" in index
    workbook = openpyxl.load_workbook(printed["out"] / "units/zibo-gxj/2021/bundle.xlsx")
    assert workbook.sheetnames[0] == "目录" and len(workbook.sheetnames) == 7


def test_printing_again_skips_unchanged_outputs(printed, tmp_path):
    root = printed["root"]
    again = print_outputs(printed["report"], root / "content", printed["out"])
    assert again["tables_rendered"] == 0 and again["bundles_rendered"] == 0 and again["tables_skipped"] == 23
    changed = root / "content/zibo-gxj/2021/03-guquan-touzi.yml"
    changed.write_text(changed.read_text(encoding="utf-8") + "# 改动\n", encoding="utf-8")
    report = run([root / "content"], use_cache=False, full=True)
    once_more = print_outputs(report, root / "content", printed["out"])
    assert once_more["tables_rendered"] == 1 and once_more["bundles_rendered"] == 1


def test_a_bundle_printed_again_takes_its_footers_and_front_matter_as_kept(printed, tmp_path, monkeypatch):
    """A one-file edit that changes no page count lays out neither the bundle's footers nor its
    cover and index (kept by what makes them), and gives what printing afresh gives."""
    from generator.render.printing import pdf

    root, unit = printed["root"], "units/zibo-gxj/2021/"
    changed = root / "content/zibo-gxj/2021/05-anbao-wuxiandian.yml"
    changed.write_text(changed.read_text(encoding="utf-8") + "# 又一处改动\n", encoding="utf-8")
    for name in ("footer_pages", "front_pages"):
        monkeypatch.setattr(pdf, name, lambda *args, name=name: pytest.fail(f"{name} laid out again"))
    again = print_outputs(run([root / "content"], use_cache=False, full=True), root / "content", printed["out"])
    assert again["tables_rendered"] == 1 and again["bundles_rendered"] == 1
    monkeypatch.undo()
    fresh = print_outputs(run([root / "content/zibo-gxj/2021"], use_cache=False, full=True), root / "content",
                          tmp_path, use_cache=False)
    assert fresh["tables_rendered"] == 6
    for name in ("bundle.pdf", "bundle.xlsx"):
        assert (tmp_path / unit / name).read_bytes() == (printed["out"] / unit / name).read_bytes()


def test_a_kept_pdf_whose_bytes_changed_is_not_taken(printed, tmp_path):
    """A kept PDF is taken only as it was written: one changed byte in a page's stream (a PDF
    that still opens) and it is laid out again."""
    from generator.render.printing import Memo

    data = (printed["out"] / "units/zibo-gxj/2021/bundle.pdf").read_bytes()
    memo = Memo(tmp_path, "0123abcd")
    memo.put(("front", 1), data)
    assert memo.get(("front", 1))[1] == data
    assert memo.get(("front", 2)) is None and Memo(tmp_path, "4567ef01").get(("front", 1)) is None
    [path] = tmp_path.glob("*.record")
    record = bytearray(path.read_bytes())
    record[record.index(b"stream\n", len(record) // 2) + 20] ^= 0x01
    path.write_bytes(bytes(record))
    assert memo.get(("front", 1)) is None


def test_a_damaged_kept_footer_or_front_matter_is_laid_out_again(printed, tmp_path):
    """A kept footer or cover with one byte changed (its checksum no longer verifies) is laid
    out again: the bundle is what printing afresh gives."""
    root, unit = printed["root"], "units/zibo-gxj/2021/"
    kept = sorted((root / ".cache/jixiao/printed").glob("*.record"))
    assert kept
    for path in kept:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x20  # within the PDF's bytes
        path.write_bytes(bytes(data))
    changed = root / "content/zibo-gxj/2021/05-anbao-wuxiandian.yml"
    changed.write_text(changed.read_text(encoding="utf-8") + "# 再一处改动\n", encoding="utf-8")
    again = print_outputs(run([root / "content"], use_cache=False, full=True), root / "content", printed["out"])
    assert again["bundles_rendered"] == 1
    fresh = print_outputs(run([root / "content/zibo-gxj/2021"], use_cache=False, full=True), root / "content",
                          tmp_path, use_cache=False)
    for name in ("bundle.pdf", "bundle.xlsx"):
        assert (tmp_path / unit / name).read_bytes() == (printed["out"] / unit / name).read_bytes()


def test_printing_again_elsewhere_gives_the_same_bytes(printed, tmp_path):
    """No time, random name or path in the outputs: a rebuilt site changes only what changed."""
    unit = printed["root"] / "content/zibo-gxj/2020"
    print_outputs(run([unit], use_cache=False, full=True), printed["root"] / "content", tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 16
    assert [p for p in written if (tmp_path / p).read_bytes() != (printed["out"] / p).read_bytes()] == []


def test_a_unit_printed_by_several_tasks_is_the_unit_printed_by_one(printed, tmp_path, monkeypatch):
    """Its tables printed by tasks of two each, then its bundle merged from their PDFs: the same
    bytes, the same manifest as a unit printed whole (a second print keeps everything)."""
    import generator.render.printing as printing

    monkeypatch.setattr(printing, "FEWEST_TABLES_A_TASK", 2)
    parts = []
    real = printing._tasks
    monkeypatch.setattr(printing, "_tasks", lambda groups, jobs: (
        lambda made: parts.extend(task.part for task in made[0]) or made)(real(groups, jobs)))
    unit = printed["root"] / "content/zibo-gxj/2020"
    report = run([unit], use_cache=False, full=True)
    print_outputs(report, printed["root"] / "content", tmp_path, jobs=2)
    assert parts == ["tables"] * 4 + ["bundle-xlsx"]
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 16
    assert [p for p in written if (tmp_path / p).read_bytes() != (printed["out"] / p).read_bytes()] == []
    again = print_outputs(report, printed["root"] / "content", tmp_path, jobs=2)
    assert again["tables_rendered"] == 0 and again["bundles_rendered"] == 0


# --- one layout for the site page, the PDF and the XLSX: a tree of four levels ----------------

def test_a_four_level_tree_is_merged_at_every_level_on_the_site_and_in_the_pdf(monkeypatch, tmp_path):
    from generator.render import export, site
    from generator.building.pipeline import Result
    from generator.render.printing import pdf
    from generator.layout import evaluation_blocks
    from generator.project.structure import Location
    from generator.render.templating import environment

    from .test_layout import four_level_table

    ev, scores, form, scheme = four_level_table()
    forms = {**registry.forms(), form.id: form}
    monkeypatch.setattr(registry, "forms", lambda extra_dirs=(): forms)
    spans = {"产出指标 (50 分)": 6, "效益指标 (30 分)": 2, "数量指标": 3, "质量指标": 3, "培训": 2, "产品": 2, "带动": 2}
    file = str(tmp_path / "four.yml")
    result = Result(file=file, evaluation=ev, scores=scores,
                    summary=export.summary(file, ev, scores, {"error": 0, "warning": 0, "info": 0}))
    page = site.evaluation_page(result, Location("u", "2023", "four"), "示例局", tmp_path)
    for label, rows in spans.items():
        assert f'<th scope="rowgroup" rowspan="{rows}">{label}</th>' in page.body, label

    env = environment(tmp_path)
    job = pdf.PrintJob(evaluation_blocks(ev, scores, form, scheme), "t0-")
    document = pdf.lay_out([job], ev.project, env)
    printed = tmp_path / "four.pdf"
    info = pdf.Info(ev.project, list(range(1, len(job.pages) + 1)))
    printed.write_bytes(pdf.write(document, job.pages, info))
    raw = subprocess.run(["pdftotext", "-raw", str(printed), "-"], capture_output=True, text=True).stdout
    text = _squeeze(raw)  # each cell's lines together, in the order the cells are drawn
    assert all(text.count(_squeeze(label)) == 1 for label in spans)  # one merged cell each, not one a row
    assert "四级指标" in text and "不适用" in text  # the fourth level's heading; the empty 空白小类


def test_what_the_tasks_import_is_imported_once_before_they_fork(tmp_path):
    """Each task is a process forked for it alone: it inherits WeasyPrint, pikepdf and openpyxl
    instead of importing them (a second a task)."""
    code = """
import sys
from pathlib import Path
from generator.building import workers
from generator.building.pipeline import run
from generator.render.printing import print_outputs
real = workers.each_in_own_process
def watched(*args, **kwargs):
    print(sorted(m for m in ("weasyprint", "pikepdf", "openpyxl") if m in sys.modules))
    return real(*args, **kwargs)
workers.each_in_own_process = watched
content = Path(sys.argv[1])
print_outputs(run([content], use_cache=False, full=True), content, Path(sys.argv[2]), jobs=2)
"""
    (tmp_path / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    shutil.copytree(CONTENT / "zibo-gxj", tmp_path / "content/zibo-gxj", ignore=shutil.ignore_patterns("2020"))
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "content"), str(tmp_path / "out")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.stdout.splitlines() == ["['openpyxl', 'pikepdf', 'weasyprint']"], out.stdout + out.stderr
    assert len(list((tmp_path / "out").rglob("table.pdf"))) == 6
