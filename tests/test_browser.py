"""The built site in real headless Chromium, served on localhost with the network cut off,
on a desktop and a phone screen, in the light and the dark palette."""
import functools
import http.server
import re
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from generator.project.config import load_config

from .conftest import ROOT
from .test_site import build

from playwright import sync_api as playwright_api  # noqa: E402  (installed by scripts/setup.sh)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = ROOT / ".venv/npm/node_modules/axe-core/axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ZIBO_2020 = "units/zibo-gxj/2020/"
AI_PLANNING = ZIBO_2020 + "07-rengong-zhineng-guihua/"
MISSING = "units/zibo-gxj/2019/nothing/"


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site and, for a missing address, its 404.html there (as nginx's error_page does)."""

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "site"
    assert build(ROOT, out).count("error") == 0
    return out


@pytest.fixture(scope="module")
def server(site_dir):
    handler = functools.partial(SiteHandler, directory=str(site_dir))
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


def answered_404(message) -> bool:
    """Chromium logs the 404 status of a missing page, which is what the 404 test asks for."""
    return message.location.get("url", "").endswith(MISSING)


@pytest.fixture
def open_tab(browser):
    """open_tab(viewport, scheme): a tab that refuses every request leaving localhost and
    records console errors; both are asserted empty when the test ends."""
    contexts, outside, errors = [], [], []

    def guard(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def _open(viewport=DESKTOP, scheme="light"):
        context = browser.new_context(viewport=viewport, color_scheme=scheme)
        context.route("**/*", guard)
        contexts.append(context)
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" and not answered_404(m) else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        return tab

    yield _open
    for context in contexts:
        context.close()
    assert outside == [], f"requests left localhost: {outside}"
    assert errors == [], f"console errors: {errors}"


@pytest.fixture
def page(open_tab):
    return open_tab()


@pytest.fixture
def phone(open_tab):
    return open_tab(PHONE)


def address(tab) -> str:
    return tab.evaluate("location.href")  # page.url lags behind history.replaceState


def visible_rows(tab) -> list[list[str]]:
    return tab.evaluate("""() => [...document.querySelectorAll('table.jx-filterable tbody tr')]
        .filter(row => !row.hidden).map(row => [...row.cells].map(cell => cell.textContent.trim()))""")


# --- reading and finding ------------------------------------------------------------------

def test_home_to_unit_to_evaluation(page, server):
    page.goto(server)
    assert "预算绩效评价信息公开" in page.title()
    page.click("text=2020 年度")
    assert page.url.endswith("/units/zibo-gxj/2020/")
    page.click("text=人工智能赋能“四强”产业推动新经济发展规划专项资金")
    assert page.url.endswith("/" + AI_PLANNING)
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


# --- sorting and filtering ----------------------------------------------------------------

def totals_shown(tab) -> list[float]:
    return [float(t) for t in tab.locator("table.jx-sortable tbody tr td:nth-child(5)").all_inner_texts()]


def test_sort_buttons_work_with_space_and_enter(page, server):
    page.goto(server + "units/anqing-jxj/2023/")
    button = page.get_by_role("button", name="总分", exact=True)
    assert button.evaluate("b => b.tagName") == "BUTTON"
    button.focus()
    page.keyboard.press("Space")
    assert totals_shown(page) == sorted(totals_shown(page))
    assert page.locator("th:has(button:text-is('总分'))").get_attribute("aria-sort") == "ascending"
    page.keyboard.press("Enter")
    assert totals_shown(page) == sorted(totals_shown(page), reverse=True)
    assert "sort=" in address(page) and "order=desc" in address(page)


def test_all_evaluations_filter_by_unit(page, server):
    page.goto(server + "evaluations/")
    page.select_option("select[name=unit]", "安庆市经济和信息化局")
    visible = page.locator("table.jx-filterable tbody tr:visible")
    assert visible.count() == 8  # as on the unit page, though one table names another 主管部门


def test_filters_and_sort_survive_back_and_a_shared_address(page, server):
    page.goto(server + "evaluations/")
    page.select_option("select[name=unit]", "淄博市工业和信息化局")
    page.select_option("select[name=year]", "2020")
    budget = page.get_by_role("button", name="全年预算数（万元）", exact=True)
    budget.click()
    budget.click()
    chosen = visible_rows(page)
    assert len(chosen) == 7 and {row[:2] for row in map(tuple, chosen)} == {("淄博市工业和信息化局", "2020")}
    budgets = [float(row[3]) for row in chosen]
    assert budgets == sorted(budgets, reverse=True)
    shared = address(page)

    page.locator("table.jx-filterable tbody tr:visible a").first.click()
    page.wait_for_url("**/units/**")
    page.go_back()
    page.wait_for_selector("table.jx-filterable")
    assert visible_rows(page) == chosen
    assert page.locator("output[name=count]").inner_text() == "7"
    assert page.input_value("select[name=year]") == "2020"

    other = page.context.new_page()
    other.goto(shared)
    assert visible_rows(other) == chosen
    assert other.locator("th[aria-sort=descending]").inner_text().startswith("全年预算数")


def test_an_empty_filter_result_says_so(page, server):
    page.goto(server + "evaluations/?grade=差")
    assert visible_rows(page) == []
    assert page.locator("output[name=count]").inner_text() == "0"
    assert "没有符合所选条件的评价" in page.locator(".jx-empty").inner_text()
    page.select_option("select[name=grade]", "")
    assert len(visible_rows(page)) == 23 and not page.locator(".jx-empty").is_visible()


def test_units_follow_the_configured_order(page, server):
    site, _ = load_config(ROOT / "site_config.yml")
    configured = [unit.name for unit in site.units]
    page.goto(server + "evaluations/")
    options = page.locator("select[name=unit] option").all_inner_texts()[1:]
    assert options == configured
    row_units = [row[0] for row in visible_rows(page)]
    assert sorted(row_units, key=configured.index) == row_units
    page.goto(server + "units/")
    listed = page.locator("table.jx-list tbody tr td:first-child").all_inner_texts()
    assert sorted(listed, key=configured.index) == listed


@pytest.mark.parametrize("path", ["", "units/", "evaluations/", "data/", ZIBO_2020, AI_PLANNING, MISSING])
def test_one_h1_and_the_same_first_tab_on_every_page(page, server, path):
    page.goto(server + path)
    assert page.locator("h1").count() == 1
    assert page.locator(".md-tabs__link").first.inner_text().strip() == "首页"


def test_headers_do_not_break_between_characters_when_there_is_room(page, server):
    for path in ("evaluations/", ZIBO_2020):
        page.goto(server + path)
        lines = page.evaluate("""() => [...document.querySelectorAll('table.jx-list thead th')].map(th => {
            const range = document.createRange();
            range.selectNodeContents(th.querySelector('button') || th);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return [th.textContent.trim(), tops.size]; })""")
        for text, count in lines:
            assert count == 1 or (len(text) > 6 and count == 2), (path, text, count)


# --- phone and layout ---------------------------------------------------------------------

@pytest.mark.parametrize("path, cards", [("", 7), ("evaluations/", 23), (ZIBO_2020, 7), ("data/", None)])
def test_lists_are_readable_on_a_phone(phone, server, path, cards):
    phone.goto(server + path)
    table = phone.locator("table.jx-stack")
    names = table.locator("tbody .jx-card-title")
    widths = [box["width"] for box in (names.nth(i).bounding_box() for i in range(names.count()))]
    heights = [box["height"] for box in (row.bounding_box() for row in table.locator("tbody tr").all())]
    assert cards is None or len(widths) == cards
    assert min(widths) > 280  # the whole card's width, not 36–60 px
    assert max(heights) < 320  # not one character per line
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    mislabelled = table.evaluate("""table => [...table.querySelectorAll('tbody td[data-label]')].filter(cell =>
        cell.dataset.label !== table.tHead.rows[0].cells[cell.cellIndex].textContent.trim())
        .map(cell => cell.dataset.label)""")
    assert mislabelled == []  # each card's label is its column's header
    font = float(phone.locator("tbody td[data-label]").first.evaluate("c => getComputedStyle(c).fontSize")[:-2])
    assert font >= 12
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"phone-{path.strip('/').replace('/', '-')}.png"))


OVERFLOWING_CELLS = """() => [...document.querySelectorAll(
    '.jx-form td, .jx-form th, table.jx-list td, table.jx-list th, table.jx-compare td, table.jx-compare th')]
    .filter(cell => cell.scrollWidth > cell.clientWidth).map(cell => cell.textContent.trim())"""
COLUMNS = """() => [...document.querySelectorAll('.jx-form table')].map(table =>
    [...table.querySelectorAll(':scope > colgroup > col')].map(col => Math.round(col.getBoundingClientRect().width)))"""


def evaluation_paths(site_dir: Path) -> list[str]:
    return [page.parent.relative_to(site_dir).as_posix() + "/" for page in sorted(site_dir.glob("units/*/*/*/index.html"))]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_figure_overflows_its_cell(open_tab, server, site_dir, viewport):
    tab = open_tab(viewport)
    paths = evaluation_paths(site_dir)
    assert len(paths) == 23
    for path in paths + ["evaluations/", ZIBO_2020, "units/anqing-jxj/2023/"]:
        tab.goto(server + path)
        assert tab.evaluate(OVERFLOWING_CELLS) == [], path
        columns = tab.evaluate(COLUMNS)
        assert all(widths == columns[0] for widths in columns), (path, columns)  # the form's rules line up


def test_the_form_shows_that_it_scrolls_on_a_phone(open_tab, server):
    phone, desktop = open_tab(PHONE), open_tab(DESKTOP)
    for tab in (phone, desktop):
        tab.goto(server + AI_PLANNING)
    form = phone.locator(".jx-form")
    assert form.evaluate("f => f.scrollWidth > f.clientWidth")
    assert phone.locator(".jx-scroll-hint").is_visible()
    assert "gradient" in form.evaluate("f => getComputedStyle(f).backgroundImage")
    assert not desktop.locator(".jx-scroll-hint").is_visible()
    for path in ("units/anqing-jxj/2023/01-feigong-dangjian/", ZIBO_2020 + "01-baiqiang-qiyejia/"):
        desktop.goto(server + path)  # where the columns were widened for a figure
        assert desktop.locator(".jx-form").evaluate("f => f.scrollWidth <= f.clientWidth"), path


def test_phone_charts_have_readable_whole_labels(phone, server):
    phone.goto(server + ZIBO_2020)
    labels = phone.evaluate("""() => [...document.querySelectorAll('svg.jx-chart')].flatMap(svg => {
        const frame = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].map(text => {
            const box = text.getBoundingClientRect();
            return [text.textContent, box.height, box.left >= frame.left - 1 && box.right <= frame.right + 1]; }); })""")
    assert labels
    for text, height, inside in labels:
        assert height >= 12 and inside, (text, height, inside)
        assert "…" not in text
    shown = "".join(text for text, _, _ in labels)
    assert "人工智能赋能“四强”产业推动新经济发展规划专项资金" in shown  # wrapped, never cut


def test_phone_layout_hides_the_sidebar(phone, server):
    phone.goto(server + ZIBO_2020 + "01-baiqiang-qiyejia/")
    sidebar = phone.locator(".md-sidebar--primary")
    assert not sidebar.is_visible() or sidebar.bounding_box()["x"] < 0
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "evaluation-phone.png"))


def test_a_missing_nested_address_gets_a_styled_404(page, server):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and r.request.resource_type != "document" else None)
    response = page.goto(server + MISSING)
    assert response.status == 404
    assert page.locator("h1").inner_text() == "页面不存在"
    assert failed == []
    assert page.evaluate("[...document.styleSheets].some(s => s.href.endsWith('/assets/stylesheets/jixiao.css') && s.cssRules.length > 0)")
    assert page.locator(".md-header").evaluate("h => getComputedStyle(h).position") == "sticky"
    assert page.locator(".md-header__button.md-logo").bounding_box()["height"] < 60
    tabs = page.locator(".md-tabs__link")
    assert [tabs.nth(i).evaluate("a => a.href") for i in range(tabs.count())] == [
        server, server + "units/", server + "evaluations/", server + "data/"]
    tabs.nth(1).click()
    assert page.url == server + "units/" and page.locator("h1").inner_text() == "单位一览"


# --- accessibility, in both palettes ------------------------------------------------------

CHECKED_PAGES = ["", "evaluations/", "data/", ZIBO_2020, AI_PLANNING, "units/anqing-jxj/2023/01-feigong-dangjian/", MISSING]


@pytest.mark.parametrize("path, scheme", [(path, "dark") for path in CHECKED_PAGES]
                         + [(path, "light") for path in ("", "evaluations/", AI_PLANNING, MISSING)])
def test_no_serious_accessibility_violations(open_tab, server, path, scheme):
    tab = open_tab(DESKTOP, scheme)
    tab.goto(server + path)
    expected = "slate" if scheme == "dark" else "default"
    assert tab.evaluate("document.body.dataset.mdColorScheme") == expected
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []


# --- printing from the browser ------------------------------------------------------------

def printed_pages(tab, tmp_path: Path) -> list[list[str]]:
    """The page printed as Chromium prints it: per sheet, its non-blank lines of text."""
    tab.emulate_media(media="print")
    pdf = tmp_path / "printed.pdf"
    tab.pdf(path=str(pdf), prefer_css_page_size=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[line.strip() for line in sheet.splitlines() if line.strip()] for sheet in text.split("\f") if sheet.strip()]


TOTAL_ROW = re.compile(r"^总分\s+[\d.]+\s+[\d.]+")
HEADER_ROW = re.compile(r"一级指\s*二级指")


def test_printing_an_evaluation_keeps_the_total_with_its_rows_and_the_checks(page, server, tmp_path):
    page.goto(server + ZIBO_2020 + "01-baiqiang-qiyejia/")
    page.emulate_media(media="print")
    for chrome in (".md-header", ".md-sidebar--primary", ".md-footer", ".jx-downloads"):
        assert not page.locator(chrome).first.is_visible(), chrome
    sheets = printed_pages(page, tmp_path)
    sheet = next(lines for lines in sheets if any(TOTAL_ROW.match(line) for line in lines))
    total_at = next(i for i, line in enumerate(sheet) if TOTAL_ROW.match(line))
    rows_before = [line for line in sheet[:total_at] if not HEADER_ROW.search(line) and "进措施" not in line]
    assert any("对政府提供服务满意度" in line for line in rows_before), sheet  # the last indicator, with the total
    text = "\n".join("\n".join(lines) for lines in sheets)
    assert text.index("数据核对") > text.index("对政府提供服务满意度")
    assert "按表中数字计算的结果与原表印出的数字" in text and "JSON 数据" not in text


def contrast_on_white(colour: str) -> float:
    """WCAG contrast of a computed rgb()/rgba() colour, blended over white, against white."""
    *rgb, alpha = [float(x) for x in re.findall(r"[\d.]+", colour)] + ([] if colour.startswith("rgba") else [1.0])
    channels = [(alpha * c + (1 - alpha) * 255) / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_printing_in_the_dark_palette_gives_dark_text_on_white(open_tab, server):
    tab = open_tab(DESKTOP, "dark")
    tab.goto(server + "units/anqing-jxj/2023/01-feigong-dangjian/")
    tab.emulate_media(media="print", color_scheme="dark")
    colours = tab.evaluate("""() => ['body', '.jx-compare td', '.jx-ok', '.jx-form th'].map(selector =>
        getComputedStyle(document.querySelector(selector)).color)""")
    assert all(contrast_on_white(colour) >= 4.5 for colour in colours), colours


def test_printing_a_long_evaluation_leaves_no_header_row_alone(page, server, tmp_path):
    page.goto(server + "units/anqing-jxj/2023/02-jieneng-huanbao/")
    sheets = printed_pages(page, tmp_path)
    assert len(sheets) > 1
    for number, lines in enumerate(sheets, 1):
        headers = [i for i, line in enumerate(lines) if HEADER_ROW.search(line)]
        for i in headers:
            after = [line for line in lines[i + 1:] if "进措施" not in line and not line.startswith("标")]
            assert after, f"sheet {number} ends with the header row: {lines[-3:]}"


def test_printing_a_unit_page_keeps_its_title_and_drops_the_chart_data_boxes(page, server, tmp_path):
    page.goto(server + ZIBO_2020)
    text = "\n".join("\n".join(lines) for lines in printed_pages(page, tmp_path))
    assert text.lstrip().startswith("淄博市工业和信息化局 2020 年度")
    assert "图表数据" not in text and "各项目预算执行率" in text
