"""Search in real headless Chromium: input methods, the hint, the count, snippets and further pages.

The seed site is served as in test_browser (its fixtures are reused: `page` refuses every
request leaving localhost and fails on console errors); a synthetic site of a few hundred
evaluations shows a count past the first pages and the loading of the rest."""
import functools
import http.server
import importlib.util
import re
import threading

import pytest

from generator.render import search
from generator.project.config import load_config
from generator.render.site import SiteBuilder

from .conftest import ROOT
from .test_browser import ARTIFACTS, SiteHandler as QuietHandler, browser, open_tab, page  # noqa: F401  (fixtures)

SYNTHETIC = 240  # evaluations of the synthetic site: twelve pages of results for a word on every one


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
    site = build_site(project, project / "site")
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
    assert [re.sub(r"^https?://[^/]+/|\?.*$", "", link) for link in result_links(page)] == expected


def test_the_count_is_every_match_and_the_end_of_the_list_loads_the_rest(browser, synthetic_server):
    site, url = synthetic_server
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone: the list scrolls soon
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    open_search(tab, url)
    type_query(tab, "达成预期")  # on every synthetic evaluation
    expected = search.query(site / "search", "达成预期")
    count = len(expected)
    assert count >= SYNTHETIC
    wait_for_meta(tab, f"找到 {count} 个符合条件的结果")
    assert len(result_links(tab)) == search.FIRST_PAGE
    assert tab.locator(".jx-search-more").inner_text().startswith(f"已显示 {search.FIRST_PAGE} 项，共 {count} 项")
    loads = 0
    while len(result_links(tab)) < count and loads < count:
        shown = len(result_links(tab))
        tab.locator(".md-search__scrollwrap").evaluate("list => list.scrollTop = list.scrollHeight")  # a jump to the end
        tab.wait_for_function("n => document.querySelectorAll('.md-search-result__item').length > n", arg=shown)
        loads += 1
    links = [re.sub(r"^https?://[^/]+/|\?.*$", "", link) for link in result_links(tab)]
    assert links == expected  # every result once, in the order of the ranking
    assert 1 < loads < count / search.FIRST_PAGE  # a page at a time, not one by one
    assert tab.locator(".jx-search-more").is_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "search-phone.png"))
    context.close()
    assert errors == []
