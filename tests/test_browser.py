"""The built site in real headless Chromium, served on localhost with the network cut off."""
import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import ROOT
from .test_site import build

from playwright import sync_api as playwright_api  # noqa: E402  (installed by scripts/setup.sh)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = ROOT / ".venv/npm/node_modules/axe-core/axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "site"
    assert build(ROOT, out).count("error") == 0
    handler = functools.partial(QuietHandler, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/setup.sh")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A page that refuses every request leaving localhost and records console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside, errors = [], []

    def guard(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert outside == [], f"requests left localhost: {outside}"
    assert errors == [], f"console errors: {errors}"


def test_home_to_unit_to_evaluation(page, server):
    page.goto(server)
    assert "预算绩效评价信息公开" in page.title()
    page.click("text=2020 年度")
    assert page.url.endswith("/units/zibo-gxj/2020/")
    page.click("text=人工智能赋能“四强”产业推动新经济发展规划专项资金")
    assert page.url.endswith("/units/zibo-gxj/2020/07-rengong-zhineng-guihua/")
    page.wait_for_selector(".jx-form table")
    cells = [c.strip() for c in page.locator(".jx-form td, .jx-form th").all_inner_texts()]
    for value in ("年度资金总额", "80", "08", "71.9", "89.88%", "8.99", "规划编制成本", "≤80万元", "98.99"):
        assert value in cells, value
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation-page.png"), full_page=True)


def test_search_finds_the_ai_planning_project(page, server):
    page.goto(server)
    page.click(".md-search__input")
    page.fill(".md-search__input", "人工智能")
    page.press(".md-search__input", "End")  # the theme listens for keyup
    first = page.locator(".md-search-result__item a").first
    first.wait_for(timeout=10_000)
    assert "07-rengong-zhineng-guihua" in first.get_attribute("href")
    assert "人工智能赋能" in first.inner_text()


def test_pasted_text_searches_without_a_key_press(page, server):
    page.goto(server)
    page.click(".md-search__input")
    page.keyboard.insert_text("企业家培训")  # an input event only, as a mouse paste or some input methods send
    first = page.locator(".md-search-result__item a").first
    first.wait_for(timeout=10_000)
    assert "02-qiyejia-peixun" in first.get_attribute("href")


def test_unit_table_sorts_by_total(page, server):
    page.goto(server + "units/anqing-jxj/2023/")
    page.click("th:has-text('总分')")
    totals = page.locator("table.jx-sortable tbody tr td:nth-child(5)").all_inner_texts()
    assert [float(t) for t in totals] == sorted(float(t) for t in totals)


def test_all_evaluations_filter_by_unit(page, server):
    page.goto(server + "evaluations/")
    page.select_option("select[name=unit]", "安庆市经济和信息化局")
    visible = page.locator("table.jx-filterable tbody tr:visible")
    assert visible.count() == 8  # as on the unit page, though one table names another 主管部门


@pytest.mark.parametrize("path", ["", "units/zibo-gxj/2020/", "units/zibo-gxj/2020/07-rengong-zhineng-guihua/"])
def test_no_serious_accessibility_violations(page, server, path):
    page.goto(server + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_phone_layout_hides_the_sidebar(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    tab = context.new_page()
    tab.goto(server + "units/zibo-gxj/2020/01-baiqiang-qiyejia/")
    assert not tab.locator(".md-sidebar--primary").is_visible() or tab.locator(".md-sidebar--primary").bounding_box()["x"] < 0
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "evaluation-phone.png"))
    context.close()


def test_printing_an_evaluation_page_gives_the_form_only(page, server):
    page.goto(server + "units/zibo-gxj/2020/01-baiqiang-qiyejia/")
    page.emulate_media(media="print")
    assert page.locator(".jx-form table").first.is_visible()
    for chrome in (".md-header", ".md-sidebar--primary", ".md-footer", "#check", ".jx-downloads"):
        assert not page.locator(chrome).first.is_visible(), chrome
