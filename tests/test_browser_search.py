"""Search in real headless Chromium: input methods, the hint, the count, snippets and further pages.

The seed site is served as in test_browser (its fixtures are reused: `page` refuses every
request leaving localhost and fails on console errors); a synthetic site of a few hundred
evaluations, its index in several partitions, shows first results from the first partition,
then the exact count, and the loading of the rest."""
import functools
import http.server
import importlib.util
import json
import re
import threading

import pytest

from generator.render import search
from generator.project.config import load_config
from generator.render.site import SiteBuilder

from .conftest import ROOT
from .test_browser import ARTIFACTS, DESKTOP, PHONE, SiteHandler as QuietHandler  # noqa: I001
from .test_browser import browser, open_tab, page  # noqa: F401  (fixtures)

SYNTHETIC = 240  # evaluations of the synthetic site: twelve pages of results for a word on every one
SYNTHETIC_PARTITION = 64  # documents per index partition of the synthetic site: four of them


def serve(directory):
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def build_site(project, out):
    site, problems = load_config(project / "site_config.yml")
    assert site is not None, problems
    site.print = False  # the printouts play no part in search
    assert SiteBuilder(site, out, use_cache=False, echo=lambda m: None).build().count("error") == 0
    return out


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory):
    return build_site(ROOT, tmp_path_factory.mktemp("browser-search") / "site")


@pytest.fixture(scope="module")
def server(seed_site):
    httpd, url = serve(seed_site)
    yield url
    httpd.shutdown()


@pytest.fixture(scope="module")
def synthetic_server(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks/synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    project = tmp_path_factory.mktemp("synthetic")
    synthetic.write_content(project, SYNTHETIC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "PARTITION", SYNTHETIC_PARTITION)
        site = build_site(project, project / "site")
    assert len(json.loads((site / "search/manifest.json").read_text(encoding="utf-8"))["partitions"]) == 4
    httpd, url = serve(site)
    yield site, url
    httpd.shutdown()


def open_search(tab, url):
    tab.goto(url)
    button = tab.locator("label.md-header__button[for=__search]")  # shown on a phone only
    tab.click("label.md-header__button[for=__search]" if button.is_visible() else ".md-search__input")


def type_query(tab, text):
    tab.keyboard.insert_text(text)  # an input event, as a paste or an input method without key events


def meta(tab) -> str:
    return tab.locator(".md-search-result__meta").first.inner_text()


def wait_for_meta(tab, pattern: str):
    tab.wait_for_function("pattern => new RegExp(pattern).test(document.querySelector('.md-search-result__meta')"
                          ".textContent)", arg=pattern, timeout=10_000)


def result_links(tab) -> list[str]:
    return [a.get_attribute("href") for a in tab.locator(".md-search-result__item a").all()]


def clean(links: list[str]) -> list[str]:
    """The links as site-relative URLs, as search.query() gives them."""
    return [re.sub(r"^https?://[^/]+/|\?.*$", "", link) for link in links]


def test_text_committed_by_an_input_method_is_searched(page, server):
    """As a pinyin input method does in Chromium: each key is composed in the field (with a
    key-up the theme would search on), then the characters are committed."""
    open_search(page, server)
    cdp = page.context.new_cdp_session(page)
    for pinyin in ("w", "wu", "wux", "wuxi", "wuxian", "wuxiand", "wuxiandian"):
        cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Process", "windowsVirtualKeyCode": 229})
        cdp.send("Input.imeSetComposition", {"text": pinyin, "selectionStart": len(pinyin), "selectionEnd": len(pinyin)})
        cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Process", "windowsVirtualKeyCode": 229})
    page.wait_for_timeout(500)
    assert "没有找到" not in meta(page)  # the pinyin was not searched
    cdp.send("Input.insertText", {"text": "无线电"})
    wait_for_meta(page, "个符合条件的结果")
    assert page.input_value(".md-search__input") == "无线电"
    links = result_links(page)
    assert any("05-anbao-wuxiandian" in link for link in links)
    assert "<mark>无线电</mark>" in page.locator(".md-search-result__item h1").first.inner_html()


def test_a_single_character_asks_for_two(page, server):
    open_search(page, server)
    type_query(page, "电")
    wait_for_meta(page, "两个字")
    assert meta(page) == "请至少输入两个字再搜索"
    assert result_links(page) == []


def test_a_printed_rate_finds_its_page_with_the_row_around_it(page, server):
    open_search(page, server)
    type_query(page, "82.3%")
    wait_for_meta(page, "找到 2 个")  # the table, and its unit's list that prints the same rate
    links = result_links(page)
    table = next(i for i, link in enumerate(links) if "units/anqing-jxj/2023/02-jieneng-huanbao/" in link)
    snippet = page.locator(".md-search-result__item").nth(table).locator("article p").first
    assert "<mark>82.3%</mark>" in snippet.inner_html()
    assert "年度资金总额" in snippet.inner_text()


def test_the_snippet_is_the_one_python_cuts(page, server, seed_site):
    """jixiao-search.js and generator/render/search.py cut the same window and mark the same words."""
    open_search(page, server)
    type_query(page, "3180959 联系电话")
    wait_for_meta(page, "个符合条件的结果")
    urls = search.query(seed_site / "search", "3180959 联系电话")
    shown = page.locator(".md-search-result__item article p").all()
    assert len(shown) == len(urls) == 6
    for url, paragraph in zip(urls, shown):
        text = (seed_site / url / search.TEXT_FILE).read_text(encoding="utf-8")
        assert paragraph.inner_html() == search.snippet(text, ["3180959", "联系电话"]).replace("&#39;", "'").replace(
            "&quot;", '"')


def test_a_unit_code_is_found_on_every_page_that_prints_it(page, server, seed_site):
    open_search(page, server)
    type_query(page, "902001")
    expected = search.query(seed_site / "search", "902001")
    wait_for_meta(page, f"{len(expected)} 个符合条件的结果")
    assert clean(result_links(page)) == expected


def hold_partitions_after_the_first(tab) -> list:
    """Requests for the index's later partitions wait in the returned list until continued."""
    held = []
    tab.context.route(LATER_PARTITIONS, lambda route: held.append(route))  # after (so before) open_tab's guard
    return held


LATER_PARTITIONS = re.compile(r"/search/p[1-9][0-9]*/")


@pytest.mark.parametrize("viewport, scheme", [(PHONE, "light"), (DESKTOP, "dark")], ids=["phone", "desktop-dark"])
def test_a_word_on_every_page_shows_the_first_partition_then_the_exact_count_and_every_result(
        open_tab, synthetic_server, viewport, scheme):
    site, url = synthetic_server
    tab = open_tab(viewport, scheme)  # on a phone the list scrolls soon
    held = hold_partitions_after_the_first(tab)
    open_search(tab, url)
    type_query(tab, "达成预期")  # on every synthetic evaluation, in every partition
    answer = search.answer(site / "search", "达成预期")
    expected = search.urls_of(site / "search", answer.ranked)
    count = len(expected)
    assert count >= SYNTHETIC and answer.first_files and all(f.startswith("p0/") for f in answer.first_files)
    assert set(expected) == pages_containing(site, "达成预期")
    wait_for_meta(tab, r"^\s*已找到 \d+ 个结果，正在查找其余")  # shown while the rest is not even fetched
    assert clean(result_links(tab)) == expected[:search.FIRST_PAGE]
    assert tab.locator(".jx-search-more").inner_text().startswith(f"已显示 {search.FIRST_PAGE} 项，正在统计总数")
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"search-counting-{'phone' if viewport == PHONE else 'desktop'}-{scheme}.png"))
    for _ in range(100):
        if held:
            break
        tab.wait_for_timeout(50)
    assert held, "the later partitions are asked for once the first results show"
    tab.context.unroute(LATER_PARTITIONS)
    for route in held:
        route.continue_()
    wait_for_meta(tab, f"^\\s*找到 {count} 个符合条件的结果")
    assert clean(result_links(tab)) == expected[:search.FIRST_PAGE]  # the first results stay where they were
    loads = 0
    while len(result_links(tab)) < count and loads < count:
        shown = len(result_links(tab))
        tab.locator(".md-search__scrollwrap").evaluate("list => list.scrollTop = list.scrollHeight")  # a jump to the end
        tab.wait_for_function("n => document.querySelectorAll('.md-search-result__item').length > n", arg=shown)
        loads += 1
    assert clean(result_links(tab)) == expected  # every result once, in the order of search.answer()
    assert 1 < loads < count / search.FIRST_PAGE  # a page at a time, not one by one
    assert tab.locator(".jx-search-more").is_hidden()
    tab.screenshot(path=str(ARTIFACTS / f"search-{'phone' if viewport == PHONE else 'desktop'}-{scheme}.png"))


def pages_containing(site, text) -> set[str]:
    """The pages whose searchable text contains this text: a plain substring scan."""
    return {(path.parent.relative_to(site).as_posix() + "/").removeprefix("./") for path in site.rglob(search.TEXT_FILE)
            if search.normalize(text) in search.normalize(path.read_text(encoding="utf-8"))}


def partitions_of(site, doc_ids) -> set[int]:
    manifest = json.loads((site / "search/manifest.json").read_text(encoding="utf-8"))
    return {number for number, (start, count, _) in enumerate(manifest["partitions"])
            for doc in doc_ids if start <= doc < start + count}


def test_a_rarer_word_waits_for_every_partition_and_is_ranked_as_a_whole(page, synthetic_server):
    site, url = synthetic_server
    query = next(f"第{n}号" for n in range(SYNTHETIC) if len(partitions_of(site, search.query_ids(
        site / "search", f"第{n}号"))) > 1)  # a project, and the listings naming it elsewhere in the index
    answer = search.answer(site / "search", query)
    assert len(answer.ranked) < search.FIRST_PAGE
    assert set(search.urls_of(site / "search", answer.ranked)) == pages_containing(site, query)
    assert {name.split("/")[0] for name in answer.first_files} == {"p0", "p1", "p2", "p3"}
    open_search(page, url)
    type_query(page, query)
    wait_for_meta(page, f"^\\s*找到 {len(answer.ranked)} 个符合条件的结果")
    assert clean(result_links(page)) == search.urls_of(site / "search", answer.ranked)
    assert page.locator(".jx-search-more").is_hidden()
