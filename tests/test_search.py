"""The search index: its encoding, the visible text it is made of, and what a reader finds on the seed site."""
import json
import random
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render import search
from generator.project.config import load_config
from generator.render.site import SiteBuilder
from generator.render.theme import main_content

from .conftest import ROOT


def test_postings_round_trip_through_their_varint_strings():
    rng = random.Random(3)
    expected: dict[str, dict[int, list[int]]] = {}
    rows = []
    for pair in ("达成", "预期", "2.", "ab"):
        docs = sorted(rng.sample(range(200_000), 50))  # document numbers far past one digit's 32
        expected[pair] = {doc: sorted(rng.sample(range(5_000_000), rng.randint(1, 6))) for doc in docs}
        key = (ord(pair[0]) << 21) | ord(pair[1])
        rows += [(key, doc, position) for doc, positions in expected[pair].items() for position in positions]
    rows.sort()
    key, doc, position = (np.array(column, dtype=dtype) for column, dtype
                          in zip(zip(*rows), (np.uint64, np.int64, np.int64)))
    decoded = {pair: search._decode(encoded) for pair, encoded in search._encode_all(key, doc, position)}
    assert decoded == expected
    assert all(set(encoded) <= set(search.VARINT_ALPHABET)
               for _, encoded in search._encode_all(key, doc, position))


def test_the_python_varint_string_is_numpys():
    values = [0, 1, 31, 32, 33, 1023, 1024, 1025, 2**20, 2**35 - 1, *random.Random(5).sample(range(2**30), 200)]
    chars, _ = search._varints(np.array(values, dtype=np.int64))
    assert search._varint_string(values) == chars.tobytes().decode("ascii")
    assert search._numbers(search._varint_string(values)) == values


@pytest.mark.parametrize("index_bits", [search._INDEX_BITS, 3])  # 3: too few for the packed sort
def test_postings_list_every_bigram_of_every_line(monkeypatch, index_bits):
    monkeypatch.setattr(search, "_INDEX_BITS", index_bits)
    texts = ["人工智能\n82.3% 达成", "", "a", "达成预期指标\n达成", "𠀀字 x"]  # one character outside the BMP
    expected = sorted(((ord(text[i]) << 21) | ord(text[i + 1]), doc, i) for doc, text in enumerate(texts, 7)
                      for i in range(len(text) - 1) if not (text[i] + text[i + 1]).count(" ")
                      and "\n" not in text[i:i + 2])
    key, doc, position = search._postings(texts, first_id=7)
    assert list(zip(key.tolist(), doc.tolist(), position.tolist())) == expected


def test_covering_bigrams_spell_the_whole_term():
    assert search.covering_offsets("人工") == [0]
    assert search.covering_offsets("人工智能") == [0, 2]
    assert search.covering_offsets("达成预期指") == [0, 2, 3]


# --- the visible text of a page -----------------------------------------------------------

def test_visible_text_keeps_cells_apart_and_inline_markup_together():
    html = ('<p class="m">总分 <strong>98</strong> · 等级 <a href="#">优</a></p>'
            '<table><tr><th scope="row">执行率</th><td class="num">82.3<span>%</span></td><td>8.23</td></tr></table>'
            '<ul><li>甲&amp;乙</li><li>≥90%</li></ul>')
    assert search.visible_text(html) == ["总分 98 · 等级 优", "执行率", "82.3%", "8.23", "甲&乙", "≥90%"]


def test_visible_text_leaves_out_what_a_browser_does_not_show():
    html = ('<script>var secret = "脚本";</script><style>.x{content:"样式"}</style><!-- 注释 -->'
            '<svg><title>提示框</title><desc>描述</desc><text>图中文字</text></svg>'
            '<div hidden><p>隐藏<div>嵌套</div>仍隐藏</p></div><p>可见</p>'
            '<details><summary>图表数据（文字）</summary><ul><li>展开可见</li></ul></details>')
    assert search.visible_text(html) == ["图中文字", "可见", "图表数据（文字）", "展开可见"]


def test_the_main_content_leaves_out_the_header_navigation_and_footer():
    page = ('<header>预算绩效评价信息公开</header><nav>单位一览</nav><article class="md-content__inner md-typeset">'
            '<h1>项目</h1></article><footer>主办单位</footer>')
    assert search.visible_text(main_content(page)) == ["项目"]


# --- what a reader finds on the seed site ---------------------------------------------------

@pytest.fixture(scope="module")
def seed_site(tmp_path_factory) -> Path:
    site, problems = load_config(ROOT / "site_config.yml")
    assert site is not None, problems
    site.print = False  # the printouts are not searched: no need to make them
    out = tmp_path_factory.mktemp("search") / "site"
    assert SiteBuilder(site, out, jobs=1, use_cache=False, echo=lambda m: None).build().count("error") == 0
    return out


class Cells(HTMLParser):
    """The text of every table cell and heading of a page's main content, by the standard
    library's parser: independent of the regular expressions that made the index."""

    def __init__(self):
        super().__init__()
        self.cells, self.open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "br" and self.open is not None:  # a line break ends a line of the cell
            self.cells.append("".join(self.open).strip())
        if tag in ("td", "th", "h1", "h2", "caption", "li", "p", "br"):
            self.open = []

    def handle_endtag(self, tag):
        if tag in ("td", "th", "h1", "h2", "caption", "li", "p") and self.open is not None:
            self.cells.append("".join(self.open).strip())
            self.open = None

    def handle_data(self, data):
        if self.open is not None:
            self.open.append(data)


def page_cells(page: Path) -> list[str]:
    parser = Cells()
    parser.feed(main_content(page.read_text(encoding="utf-8")))
    return [cell for cell in parser.cells if search.query_terms(cell)]


def url_of(site: Path, page: Path) -> str:
    directory = page.parent.relative_to(site).as_posix()
    return "" if directory == "." else directory + "/"


def test_every_cell_of_every_evaluation_page_is_found(seed_site):
    """Figures as printed and as computed, codes, phone numbers, grades with their labels,
    column headers, the check table: whatever a cell shows finds its page."""
    missed = []
    for page in sorted(seed_site.glob("units/*/*/*/index.html")):
        url = url_of(seed_site, page)
        for cell in set(page_cells(page)):
            if url not in search.query(seed_site / "search", cell):
                missed.append((url, cell))
    assert missed == [], missed


@pytest.mark.parametrize("query, page", [
    ("902001", "units/zibo-gxj/2020/07-rengong-zhineng-guihua/"),  # 主管部门及代码, as printed beside the name
    ("601001", "units/anqing-jxj/2023/01-feigong-dangjian/"),  # 实施单位 601001-安庆市经济和信息化局本级
    ("601-安庆市经济和信息化局", "units/anqing-jxj/2023/01-feigong-dangjian/"),
    ("987-非部门待分单位", "units/anqing-jxj/2023/04-mo-suliao-shuaye/"),  # the 主管部门 this table names
    ("3180959", "units/zibo-gxj/2021/05-anbao-wuxiandian/"),  # 联系电话 of every 淄博 2021 table
    ("82.3%", "units/anqing-jxj/2023/02-jieneng-huanbao/"),  # 执行率 as printed
    ("偏差原因分析及改进措施", "units/zibo-gxj/2020/01-baiqiang-qiyejia/"),  # a column header
    ("按评分规则计算的总分", "units/zibo-gxj/2020/01-baiqiang-qiyejia/"),  # the check table
    ("良（80–90 分）", "units/anqing-jxj/2023/"),  # a grade, as the unit page's chart names it
])
def test_page_visible_strings_find_their_page(seed_site, query, page):
    assert query in (seed_site / page / search.TEXT_FILE).read_text(encoding="utf-8")
    assert page in search.query(seed_site / "search", query)


def test_a_grade_is_indexed_as_the_page_prints_it(seed_site):
    """A grade is one character (a query of one character is not searched), so it is
    in the index with its label, as the page shows it."""
    texts = {doc: (seed_site / doc / search.TEXT_FILE).read_text(encoding="utf-8")
             for doc in search.query(seed_site / "search", "等级")}
    graded = sorted(doc for doc, text in texts.items() if "等级 良" in text)
    assert graded == ["units/anqing-jxj/2023/07-shuzihua-zhenduan/", "units/shanting-gxj/2021/01-bumen-zhengti/"]


def test_the_count_is_every_page_that_matches(seed_site):
    texts = {url_of(seed_site, path): search.normalize(path.read_text(encoding="utf-8"))
             for path in seed_site.rglob(search.TEXT_FILE)}
    for query in ("指标", "达成预期", "淄博市工业和信息化局", "执行率"):
        expected = {url for url, text in texts.items() if search.normalize(query) in text}
        assert len(expected) > 5
        assert sorted(search.query(seed_site / "search", query)) == sorted(expected), query


def test_the_list_of_every_evaluation_is_not_a_search_result(seed_site):
    """It repeats what the unit pages show: a query would find it every time."""
    assert (seed_site / "units/zibo-gxj/2020" / search.TEXT_FILE).exists()
    assert not (seed_site / "evaluations" / search.TEXT_FILE).exists()
    assert "evaluations/" not in search.query(seed_site / "search", "人工智能")


def test_one_character_is_not_searched():
    assert search.query_terms("电") == []
    assert search.query_terms(" 人 工 ") == []
    assert search.query_terms("人工 智") == ["人工"]


# --- the line under each result -------------------------------------------------------------

def test_the_snippet_shows_the_match_in_its_row(seed_site):
    text = (seed_site / "units/anqing-jxj/2023/02-jieneng-huanbao" / search.TEXT_FILE).read_text(encoding="utf-8")
    shown = search.snippet(text, search.query_terms("82.3%"))
    assert "<mark>82.3%</mark>" in shown
    row = shown.split("<mark>")[0]
    assert "年度资金总额" in row and "27.97" in row  # the row's label and the amount executed, before it
    window = shown.replace("<mark>", "").replace("</mark>", "").replace(" · ", "\n").strip("…")
    assert len(window) == search.SNIPPET_LENGTH and window in text


def test_the_snippet_shows_the_page_characters_and_marks_every_term():
    text = "标题\n主管部门及代码\n淄博市工业和信息化局 902001\n实施单位\n\uff08ＡＢＣ\uff09中心"
    shown = search.snippet(text, search.query_terms("902001 abc"))
    assert shown == "主管部门及代码 · 淄博市工业和信息化局 <mark>902001</mark> · 实施单位 · （<mark>ＡＢＣ</mark>）中心"


def test_the_snippet_of_a_title_match_is_the_page_start():
    text = "人工智能专项\n单位一览 › 某局\n" + "表格内容" * 40
    shown = search.snippet(text, ["人工智能"])
    assert shown.startswith("单位一览 › 某局 · 表格内容") and shown.endswith("…")


def test_partitions_written_in_worker_processes_are_the_partitions_written_here(tmp_path, monkeypatch):
    from generator.building import workers

    monkeypatch.setattr(search, "PARTITION", 16)  # 50 documents: four partitions
    docs = [search.Doc(f"p/{n}/", f"第{n}页", "evaluation", search.encode_text(f"第{n}页\n项目支出{n * 7}万元"))
            for n in range(50)]
    here = search.build_index(docs, tmp_path / "here")
    spread = search.build_index(docs, tmp_path / "spread", map_=workers.mapper(2))
    assert here["rewritten_partitions"] == spread["rewritten_partitions"] == 4
    assert here == spread
    files = sorted(p.relative_to(tmp_path / "here") for p in (tmp_path / "here").rglob("*") if p.is_file())
    assert files and all((tmp_path / "here" / f).read_bytes() == (tmp_path / "spread" / f).read_bytes() for f in files)
    assert files == sorted(p.relative_to(tmp_path / "spread") for p in (tmp_path / "spread").rglob("*") if p.is_file())


# --- the order results are listed in, and what is read before the first show -------------------

def partitioned_index(tmp_path, monkeypatch, docs: list[tuple[str, str]]) -> Path:
    """An index of (title, body) documents in partitions of 16."""
    monkeypatch.setattr(search, "PARTITION", 16)
    search.build_index([search.Doc(f"p/{n}/", title, "evaluation", search.encode_text(f"{title}\n{body}"))
                        for n, (title, body) in enumerate(docs)], tmp_path)
    return tmp_path / "search"


def test_a_word_in_every_partition_shows_the_first_partitions_best_then_every_other_result(tmp_path, monkeypatch):
    docs = [(f"第{n}页", "达成预期" * (1 + n % 3)) for n in range(60)]  # four partitions
    docs[40] = ("达成预期的项目", "达成预期")  # the best of all (a title match), in the third partition
    index = partitioned_index(tmp_path, monkeypatch, docs)
    answer = search.answer(index, "达成预期")
    first_partition_best = sorted(range(16), key=lambda n: (-(1 + n % 3), n))[:search.FIRST_PAGE]
    assert answer.first == answer.ranked[:search.FIRST_PAGE] == first_partition_best
    assert answer.first_files and all(name.startswith("p0/") for name in answer.first_files)
    assert answer.ranked[search.FIRST_PAGE] == 40  # first of the rest
    assert sorted(answer.ranked) == list(range(60))  # every match, once
    rest = answer.ranked[search.FIRST_PAGE:]
    assert rest == sorted(rest, key=lambda n: (-(10 if n == 40 else 1) * (1 + (1 + n % 3) / 10), n))
    assert search.query_ids(index, "达成预期") == answer.ranked


def test_a_word_rarer_in_the_first_partition_is_ranked_over_every_partition_before_it_shows(tmp_path, monkeypatch):
    docs = [(f"第{n}页", "项目" + ("达成预期" if n % 7 == 0 else "")) for n in range(60)]  # 3 in the first partition
    index = partitioned_index(tmp_path, monkeypatch, docs)
    answer = search.answer(index, "达成预期")
    assert answer.ranked == [n for n in range(60) if n % 7 == 0]
    assert answer.first == answer.ranked[:search.FIRST_PAGE]
    assert {name.split("/")[0] for name in answer.first_files} == {"p0", "p1", "p2", "p3"}


def test_a_word_sparse_in_every_partition_is_searched_in_twice_as_many_partitions_each_time(tmp_path, monkeypatch):
    docs = [(f"第{n}页", "达成预期" if n % 4 == 0 else "项目") for n in range(128)]  # 4 in each of 8 partitions
    index = partitioned_index(tmp_path, monkeypatch, docs)
    answer = search.answer(index, "达成预期")
    assert {name.split("/")[0] for name in answer.first_files} == {"p0", "p1", "p2", "p3"}  # 4, 8, then 16 found
    assert answer.first == list(range(0, 40, 4))  # equal scores: in document order
    assert answer.ranked == list(range(0, 128, 4))


def test_stages_double_up_to_every_partition():
    assert search.stages(0) == [0]
    assert search.stages(1) == [1]
    assert search.stages(10) == [1, 2, 4, 8, 10]
    assert search.stages(16) == [1, 2, 4, 8, 16]


def test_every_term_is_read_before_the_first_results_even_after_one_found_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "TARGET_CHUNK_BYTES", 8)  # a chunk file for nearly every bigram
    index = partitioned_index(tmp_path, monkeypatch, [(f"第{n}页", "达成预期") for n in range(20)])
    chunks = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["partitions"][0][2]
    assert search.fnv1a("没有") % chunks != search.fnv1a("达成") % chunks
    answer = search.answer(index, "没有达成")  # bigrams 没有 (in no document) and 达成
    assert answer.ranked == []
    assert f"p0/{search.fnv1a('达成') % chunks}.json" in answer.first_files  # as the browser fetches them: at once


def test_listed_order_keeps_the_results_shown_first_on_top():
    assert search.listed_order([5, 2], [1, 2, 3, 5, 4]) == [5, 2, 1, 3, 4]
    assert search.listed_order([], [1, 2, 3]) == [1, 2, 3]


# Full-width forms, ligatures, compatibility characters, combining marks, final sigma, line breaks, and any
# character a page can hold (no lone surrogate: pages are decoded UTF-8)
_TRICKY = st.text(alphabet=st.sampled_from(list("ＡＢａ１２％（）：ﬁ㎡Ⅻ①ｶﾞ\u0301\u0308ΣσAa İ\n\u00a0\u2028e年度绩效")) | st.characters(exclude_categories=("Cs",)),
                  max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TRICKY, max_size=6))
def test_text_normalized_line_by_line_equals_the_whole_text_normalized(lines):
    text = search.SEPARATOR.join(lines)
    assert search.encode_text(text) == search.normalize(text).encode("utf-8")


def test_a_document_known_by_its_version_is_read_only_when_its_partition_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "PARTITION", 16)  # 40 documents: three partitions
    read = []

    def docs(versions: dict[int, str]) -> list[search.Doc]:
        def text(n: int):
            def made() -> bytes:
                read.append(n)
                return search.encode_text(f"单位{n}\n{versions.get(n, '')}项目")
            return made
        return [search.Doc(f"p/{n}/", f"单位{n}", "listing", text(n), versions.get(n, "v1")) for n in range(40)]

    first = search.build_index(docs({}), tmp_path / "site")
    assert sorted(read) == list(range(40))
    read.clear()
    again = search.build_index(docs({}), tmp_path / "site", first["partitions"])
    assert again["rewritten_partitions"] == 0 and read == []  # no text read: every partition is current
    changed = docs({20: "v2"})
    patched = search.build_index(changed, tmp_path / "site", again["partitions"])
    assert patched["rewritten_partitions"] == 1 and sorted(read) == list(range(16, 32))
    fresh = search.build_index(docs({20: "v2"}), tmp_path / "fresh")
    files = sorted(p.relative_to(tmp_path / "fresh") for p in (tmp_path / "fresh").rglob("*") if p.is_file())
    assert all((tmp_path / "site" / f).read_bytes() == (tmp_path / "fresh" / f).read_bytes() for f in files)
    assert search.query(tmp_path / "site" / "search", "v2项目") == ["p/20/"]
