"""The printed bundles of the seed content as a reader meets them: the viewer's page numbers
are the printed ones, the index gives each table's page and marks the entries not printed,
continuation pages name their project, the 总分 row never ends up nearly alone, and the
files say who published them, when, and open with their bookmarks."""
from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from generator.building.pipeline import run
from generator.render.printing import print_outputs
from generator.project.structure import locate

from .conftest import CONTENT

PUBLISHER = "测试市财政局"
EPOCH = 1700000000  # 2023-11-14 22:13:20 UTC
BUNDLES = ("zibo-gxj/2020", "zibo-gxj/2021", "anqing-jxj/2023")
TOP_MARGIN = 12 / 25.4 * 72  # print.css: @page margin-top 12mm, in points
NUMBER = re.compile(r"^-?\d+(\.\d+)?%?$")


def _print(root: Path, out: Path, epoch: int | None = EPOCH, units=("",)) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        if epoch is None:
            patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            patch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        report = run([root / "content" / unit for unit in units], use_cache=False, full=True)
        return print_outputs(report, root / "content", out)


def _project(root: Path, publisher: str = PUBLISHER) -> Path:
    (root / "site_config.yml").write_text(f"site_name: 测试\npublisher: {publisher}\n", encoding="utf-8")
    if not (root / "content").exists():
        shutil.copytree(CONTENT, root / "content")
    return root


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The seed content printed once, with a publisher and SOURCE_DATE_EPOCH."""
    root = _project(tmp_path_factory.mktemp("bundles"))
    _print(root, root / "out")
    report = run([root / "content"], use_cache=False, full=True)
    return {"root": root, "out": root / "out", "report": report}


def _bundle(printed, unit: str) -> Path:
    return printed["out"] / "units" / unit / "bundle.pdf"


def _tables(printed, unit: str) -> list[tuple[str, Path]]:
    """(project, table.pdf) of each evaluation of the unit, in file order."""
    results = sorted((r for r in printed["report"].results if f"/{unit}/" in r.file), key=lambda r: r.file)
    return [(r.evaluation.project, printed["out"] / locate(r.file, printed["root"] / "content").url / "table.pdf")
            for r in results]


# --- reading PDFs: poppler's tools, and the raw objects for what they do not show ------------

def _pdfinfo(pdf: Path) -> dict[str, str]:
    text = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^(\w+):\s*(.*)$", text, re.M))


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def _words(pdf: Path, first: int | None = None) -> dict[int, list[tuple[float, float, float, float, str]]]:
    """Each page's words (1-based pages) as (left, top, right, bottom, text), in points."""
    pages = ["-f", str(first), "-l", str(first)] if first else []
    tsv = subprocess.run(["pdftotext", "-tsv", *pages, str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    words: dict[int, list] = {}
    for line in tsv.splitlines()[1:]:
        level, page, *_, left, top, width, height, _conf, text = line.split("\t")
        words.setdefault(int(page), [])
        if level == "5":
            left, top, width, height = map(float, (left, top, width, height))
            words[int(page)].append((left, top, left + width, top + height, text))
    return words


def _dictionary_end(data: bytes, start: int) -> int:
    depth, position = 0, start
    while True:
        if data.startswith(b"<<", position):
            depth, position = depth + 1, position + 2
        elif data.startswith(b">>", position):
            depth, position = depth - 1, position + 2
            if depth == 0:
                return position
        else:
            position += 1


def pdf_objects(data: bytes) -> dict[int, bytes]:
    """Every object of a PDF by number: a stream object as its dictionary and its inflated
    data, the objects packed in object streams (PDF 1.5) taken out of them."""
    objects, position = {}, 0
    header = re.compile(rb"(\d+) 0 obj\s*")
    while match := header.search(data, position):
        number, start = int(match[1]), match.end()
        end = data.index(b"endobj", start)
        if data.startswith(b"<<", start):
            after = _dictionary_end(data, start)
            stream = re.compile(rb"\s*stream\r?\n").match(data, after)
            if stream:
                dictionary = data[start:after]
                length = int(re.search(rb"/Length (\d+)", dictionary)[1])
                body = data[stream.end():stream.end() + length]
                if b"/FlateDecode" in dictionary:
                    body = zlib.decompress(body)
                objects[number] = dictionary + b"\n" + body
                position = data.index(b"endobj", stream.end() + length) + 6
                continue
        objects[number], position = data[start:end], end + 6
    for number, text in list(objects.items()):
        if b"/Type /ObjStm" in text:
            dictionary, body = text.split(b"\n", 1)
            first = int(re.search(rb"/First (\d+)", dictionary)[1])
            numbers = list(map(int, body[:first].split()))
            offsets = numbers[1::2] + [len(body) - first]
            for n, start, end in zip(numbers[::2], offsets, offsets[1:]):
                objects[n] = body[first + start:first + end]
    return objects


def _catalog(pdf: Path) -> bytes:
    data = pdf.read_bytes()
    root = int(re.findall(rb"/Root (\d+) 0 R", data)[-1])
    return pdf_objects(data)[root]


def _pdf_string(token: bytes) -> str:
    if token.startswith(b"<"):
        return bytes.fromhex(token[1:].rstrip(b">").decode()).decode("utf-16")
    return token[1:-1].decode("latin-1")


def page_labels(pdf: Path, pages: int) -> list[str]:
    """What a viewer shows for each page, from the catalog's /PageLabels number tree (flat
    /Nums; decimal numbers and prefixes), or None when the PDF has none."""
    found = re.search(rb"/PageLabels\s*<<\s*/Nums\s*\[(.*?)\]", _catalog(pdf), re.S)
    if found is None:
        return None
    ranges = []
    for start, entry in re.findall(rb"(\d+)\s*<<(.*?)>>", found[1], re.S):
        prefix = re.search(rb"/P\s*(<[0-9a-fA-F]+>?|\([^)]*\))", entry)
        style = re.search(rb"/S\s*/(\w+)", entry)
        first = re.search(rb"/St\s*(\d+)", entry)
        ranges.append((int(start), _pdf_string(prefix[1]) if prefix else "",
                       style[1].decode() if style else None, int(first[1]) if first else 1))
    labels = []
    for page in range(pages):
        start, prefix, style, first = max(r for r in ranges if r[0] <= page)
        assert style in (None, "D")
        labels.append(prefix + (str(first + page - start) if style else ""))
    return labels


def _footer(text: str) -> tuple[int, int] | None:
    found = re.search(r"第(\d+)页共(\d+)页", re.sub(r"\s+", "", text))
    return (int(found[1]), int(found[2])) if found else None


def _running_header(words) -> str:
    return "".join(text for _, _, _, bottom, text in words if bottom < TOP_MARGIN)


def _outline(pdf: Path) -> list[tuple[int, str]]:
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf)], capture_output=True, text=True).stdout
    return [(int(page), title) for page, title in re.findall(r'<item page="(\d+)">([^<]*)</item>', xml)]


# --- page numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("unit", BUNDLES)
def test_the_viewer_shows_the_printed_page_numbers(printed, unit):
    pdfs = [_bundle(printed, unit)] + [pdf for _, pdf in _tables(printed, unit)]
    for pdf in pdfs:
        texts = _page_texts(pdf)
        footers = [_footer(text) for text in texts]
        labels = page_labels(pdf, len(texts))
        if pdf.name == "bundle.pdf":  # the cover: no number printed, 封面 in the viewer
            assert footers[0] is None and labels[0] == "封面", pdf
            footers, labels = footers[1:], labels[1:]
        assert [str(number) for number, _ in footers] == labels, pdf
        assert {pages for _, pages in footers} == {len(labels)}, pdf


# --- the index -------------------------------------------------------------------------------

def _index_rows(bundle: Path) -> dict[int, tuple[str, str]]:
    """序号 → (页码, 备注) of the index page, in the row of the 序号 at their height (cells are
    centred vertically): a number under 序号 is one, any other word belongs to the column
    whose heading's centre is nearest to its own."""
    words = _words(bundle, 2)[2]
    headings = {text: (left + right) / 2 for left, _, right, _, text in words
                if text in ("序号", "项目名称", "页码", "备注")}
    below = next(bottom for _, _, _, bottom, text in words if text == "序号")
    cells: dict[tuple[str, float], str] = {}
    for left, top, right, _, text in words:
        centre = (left + right) / 2
        if top <= below:
            continue
        if text.isdigit() and abs(centre - headings["序号"]) < 10:
            column = "序号"
        else:
            column = min(("项目名称", "页码", "备注"), key=lambda name: abs(headings[name] - centre))
        cells[column, round(top)] = cells.get((column, round(top)), "") + text
    return {int(text): (cells.get(("页码", top), ""), cells.get(("备注", top), ""))
            for (column, top), text in cells.items() if column == "序号"}


@pytest.mark.parametrize("unit", BUNDLES)
def test_the_index_gives_each_tables_page_and_marks_entries_not_printed(printed, unit):
    bundle = _bundle(printed, unit)
    labels = page_labels(bundle, len(_page_texts(bundle)))
    outline = _outline(bundle)
    starts = {title: labels[page - 1] for page, title in outline}
    printed_projects = {project for project, _ in _tables(printed, unit)}
    index = next((v for k, v in printed["report"].indexes.items() if k.endswith(unit)), None)
    if index:
        entries = [(e.no, e.project) for e in index.entries]
    else:  # an index made from the tables, in their order
        entries = list(enumerate([title for _, title in outline][2:], 1))
    rows = _index_rows(bundle)
    assert sorted(rows) == sorted(no for no, _ in entries)
    for no, project in entries:
        page, note = rows[no]
        if project in printed_projects:
            assert page == starts[project] and "未收录" not in note, (unit, no)
        else:
            assert page == "" and note == "未收录本汇编", (unit, no)
    absent = {no for no, project in entries if project not in printed_projects}
    assert absent == (set(range(9, 16)) if unit == "anqing-jxj/2023" else set())


# --- continuation pages ----------------------------------------------------------------------

@pytest.mark.parametrize("unit", BUNDLES)
def test_continuation_pages_name_their_project_at_the_top(printed, unit):
    headers = {}
    for project, pdf in _tables(printed, unit):
        headers[project] = [_running_header(words) for _, words in sorted(_words(pdf).items())]
        assert headers[project] == [""] + [f"{project}（续表）"] * (len(headers[project]) - 1), pdf
    bundle = _bundle(printed, unit)
    order = [title for _, title in _outline(bundle)][2:]  # after 封面 and 目录: the tables
    found = [_running_header(words) for _, words in sorted(_words(bundle).items())]
    front = len(found) - sum(len(pages) for pages in headers.values())
    assert found == [""] * front + [header for project in order for header in headers[project]]


def _scored_rows_above(words, total_top: float) -> int:
    """Rows above the 总分 row with a 分值 and a 得分 (two figures side by side)."""
    header = max(bottom for _, _, _, bottom, text in words if text == "分值" and bottom < total_top)
    lines: dict[int, int] = {}
    for _, top, _, bottom, text in words:
        if header < top and bottom < total_top and NUMBER.match(text):
            lines[round(top)] = lines.get(round(top), 0) + 1
    return sum(1 for count in lines.values() if count >= 2)


def test_a_continued_table_ends_with_two_indicator_rows_or_more_above_its_total(printed):
    continued = []
    for unit in BUNDLES:
        for _, pdf in _tables(printed, unit):
            pages = sorted(_words(pdf).items())
            if len(pages) > 1:
                words = pages[-1][1]
                total_top = next(top for _, top, _, _, text in words if text == "总分")
                assert _scored_rows_above(words, total_top) >= 2, pdf
                continued.append(pdf)
    assert any("08-gongye-hulianwang" in str(pdf) for pdf in continued)  # once 1 row and 总分 on its page 2


# --- metadata --------------------------------------------------------------------------------

def test_bundle_metadata_names_unit_year_publisher_and_date(printed):
    info = _pdfinfo(_bundle(printed, "anqing-jxj/2023"))
    assert info["Title"] == "安庆市经济和信息化局本级 2023 年度项目支出绩效自评表"
    assert info["Author"] == PUBLISHER
    assert info["CreationDate"].startswith("2023-11-14T22:13:20") and info["ModDate"] == info["CreationDate"]
    zibo = _pdfinfo(_bundle(printed, "zibo-gxj/2021"))
    assert zibo["Title"] == "淄博市工业和信息化局 2021 年度市级预算项目支出绩效自评表"
    project, table = _tables(printed, "anqing-jxj/2023")[0]
    assert _pdfinfo(table)["Title"] == f"安庆市经济和信息化局 2023 年度项目支出绩效自评表：{project}"
    assert _pdfinfo(table)["Author"] == PUBLISHER


@pytest.mark.parametrize("unit", BUNDLES)
def test_bundles_open_with_their_bookmarks_shown(printed, unit):
    assert re.search(rb"/PageMode\s*/UseOutlines", _catalog(_bundle(printed, unit)))
    project, table = _tables(printed, unit)[0]
    assert not re.search(rb"/PageMode", _catalog(table))  # one bookmark: no pane to open


@pytest.mark.parametrize("unit", BUNDLES)
def test_pdfs_are_tagged_for_screen_readers(printed, unit):
    """Headings and tables with their header cells, in the order they are read."""
    for pdf in (_bundle(printed, unit), _tables(printed, unit)[0][1]):
        assert _pdfinfo(pdf)["Tagged"] == "yes"
        structure = subprocess.run(["pdfinfo", "-struct-text", str(pdf)], capture_output=True, text=True,
                                   check=True).stdout
        assert re.search(r"^\s+H1\b", structure, re.M) and re.search(r"^\s+TH\b", structure, re.M), pdf
        assert structure.index('"一级指标"') < structure.index('"总分"'), pdf


def test_printing_with_the_same_source_date_gives_the_same_bytes(printed, tmp_path):
    unit = "anqing-jxj/2023"
    _print(printed["root"], tmp_path, units=(unit,))
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.pdf"))
    assert len(written) == 9
    assert [p for p in written if (tmp_path / p).read_bytes() != (printed["out"] / p).read_bytes()] == []


def test_without_a_source_date_no_date_is_written(printed, tmp_path):
    _print(printed["root"], tmp_path, epoch=None, units=("zibo-gxj/2021",))
    info = _pdfinfo(tmp_path / "units/zibo-gxj/2021/bundle.pdf")
    assert "CreationDate" not in info and "ModDate" not in info and info["Author"] == PUBLISHER


def test_a_new_publisher_or_date_prints_everything_again(tmp_path):
    root = tmp_path
    (root / "content").mkdir()
    shutil.copytree(CONTENT / "zibo-gxj", root / "content/zibo-gxj", ignore=shutil.ignore_patterns("2020"))
    _project(root)
    assert _print(root, root / "out")["tables_rendered"] == 6
    assert _print(root, root / "out")["tables_rendered"] == 0
    _project(root, publisher="另一个财政局")
    again = _print(root, root / "out")
    assert again["tables_rendered"] == 6 and again["bundles_rendered"] == 1
    assert _pdfinfo(root / "out/units/zibo-gxj/2021/bundle.pdf")["Author"] == "另一个财政局"
    assert _print(root, root / "out", epoch=EPOCH + 86400)["bundles_rendered"] == 1
