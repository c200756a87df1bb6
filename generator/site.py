"""Building the public site: pages, charts, downloads and the search index.

An evaluation's page is rendered in the worker process that reads its file,
while the model is in memory; what the site needs of it afterwards (its summary,
findings and search text) travels back in the light result and is cached, so an
unchanged file is neither read nor rendered again. Listing pages, downloads and
the search index are then made from the light results of all files.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import charts, export, registry, search
from . import findings as F
from .config import SiteConfig
from .output import Output
from .loader import LoadError, Mapping, entries, load_file, text_of
from .pipeline import Report, Result, defaults_chain, discover, run
from markupsafe import Markup

from .structure import Location, locate, slugify, unit_year_url
from .templating import SHIPPED_TEMPLATES, environment
from .theme import END_OF_LIFE_NOTICE, NavEntry, SitePage, Theme, main_content

BUILD_STATE = ".jixiao-build.json"
PAGE = "index.html"


@dataclass
class UnitYear:
    unit: str
    unit_name: str
    year: str
    results: list[Result] = field(default_factory=list)

    @property
    def url(self) -> str:
        return unit_year_url(self.unit, self.year)

    @property
    def title(self) -> str:
        return f"{self.unit_name} {self.year} 年度"


# --- the navigation: units and years, known from the paths alone ----------------------

def unit_name_of(site: SiteConfig, unit_dir: Path) -> str:
    configured = site.unit_name(unit_dir.name)
    if configured:
        return configured
    defaults = unit_dir / "_defaults.yml"
    if defaults.exists():
        try:
            name = _department_name(load_file(defaults))
        except LoadError:
            name = None
        if name:
            return name
    return unit_dir.name


def _department_name(node) -> str | None:
    """`department.name` of a defaults file's node tree."""
    department = entries(node).get("department") if type(node) is Mapping else None
    if department is None or type(department[1]) is not Mapping:
        return None
    name = entries(department[1]).get("name")
    return text_of(name[1]) if name else None


def navigation(site: SiteConfig, files: list[Path]) -> tuple[list[NavEntry], dict[str, str]]:
    """A flat navigation (its size must not grow with the number of units: every page
    carries it), and the display name of each unit."""
    content = site.content_path
    prefix = str(content) + os.sep
    names: dict[str, str] = {}
    inside = (str(path)[len(prefix):] for path in files if str(path).startswith(prefix))
    for unit_dir in sorted({rest.split(os.sep)[0] for rest in inside if os.sep in rest}):
        names[slugify(unit_dir)] = unit_name_of(site, content / unit_dir)
    nav = [NavEntry("首页", ""), NavEntry("单位一览", "units/"), NavEntry("全部评价", "evaluations/"),
           NavEntry("数据与方法", "data/")]
    return nav, names


# --- evaluation pages, rendered in the workers -------------------------------------------

_THEMES: dict[str, Theme] = {}
RENDERED = "list_row"  # the renderer's last entry in a result's extra: the 全部评价 row


@dataclass
class EvaluationRenderer:
    """Picklable: sent to each worker, which keeps one Theme per build."""

    site: SiteConfig
    staging: str
    nav: list[NavEntry]
    unit_names: dict[str, str]
    key: str

    def theme(self) -> Theme:
        if self.key not in _THEMES:
            _THEMES.clear()
            _THEMES[self.key] = Theme(self.site, self.nav, self.site.content_path)
        return _THEMES[self.key]

    def __call__(self, result: Result) -> None:
        site = self.site
        location = locate(result.file, site.content_path.resolve(), result.summary.get("year"))
        result.extra["url"] = location.url
        result.extra["signature"] = source_signature(Path(result.file))
        if result.evaluation is None:
            return
        unit_name = self.unit_names.get(location.unit, result.evaluation.department.name)
        result.extra["downloads"] = export.download_fragments(result.summary)
        result.extra["row"] = table_row(result, unit_name)
        # The 全部评价 page lists every evaluation: its row is made here, once per change.
        result.extra[RENDERED] = environment(site.root).get_template("site/partials/list-row.html").render(
            r=result.extra["row"])
        page = evaluation_page(result, location, unit_name, site.root, site.print is not False)
        html = self.theme().render(page)
        output = Output(Path(self.staging))
        output.write_text(location.url + PAGE, html)
        result.extra["search"] = write_page_text(output, page, html)
        output.write_text(location.url + "data.json", json.dumps(
            {**result.summary, "findings_list": [f.as_dict() for f in result.findings]},
            ensure_ascii=False, indent=1, sort_keys=True))
        output.write_bytes(location.url + "source.yml", Path(result.file).read_bytes())


def source_signature(path: Path) -> list:
    return [[p.stat().st_mtime_ns, p.stat().st_size] for p in (path, *defaults_chain(path.parent))]


def write_page_text(output: Output, page: SitePage, html: str) -> bytes:
    """The page's visible text beside it (result snippets are cut from it), and its index form."""
    text = search.page_text(page.title, search.visible_text(main_content(html)))
    output.write_text(page.url + search.TEXT_FILE, text)
    return search.encode_text(text)


def evaluation_page(result: Result, location: Location, unit_name: str, project_root: Path,
                    printing: bool = True) -> SitePage:
    """The evaluation's page: the table through its form's own template (the one that
    prints it), then the checks and downloads."""
    from .printing.view import table_view  # the printing package loads WeasyPrint: only when needed

    ev = result.evaluation
    form = registry.forms()[ev.form]
    scheme = registry.schemes()[ev.scheme]
    env = environment(project_root)
    view = table_view(ev, result.scores, form, scheme)
    table = env.select_template([f"print/{form.id}.html", "print/project-table.html"]).render(view=view, prefix="")
    body = env.get_template("site/pages/evaluation.html").render(
        ev=ev, scores=result.scores, form=form, findings=result.findings, table=Markup(table),
        summary=result.summary, unit_name=unit_name, severity_zh=F.SEVERITY_ZH, printing=printing)
    toc = [("table", "评价表"), ("check", "数据核对"), ("downloads", "下载")]
    return SitePage(location.url, ev.project, body, toc=toc, nav_url="units/",
                    description=f"{unit_name} {ev.year} 年度 {ev.project} 绩效自评")


# --- listing pages and downloads, in the main process ---------------------------------

def group(results: list[Result], unit_names: dict[str, str], site: SiteConfig) -> list[UnitYear]:
    groups: dict[tuple[str, str], UnitYear] = {}
    for result in results:
        unit, year = result.extra["url"].split("/")[1:3]
        key = (unit, year)
        if key not in groups:
            groups[key] = UnitYear(unit, unit_names.get(unit, unit), year)
        groups[key].results.append(result)
    return sorted(groups.values(), key=lambda g: (site.unit_order(g.unit), g.year))


_LISTED = ("name", "unit", "year", "grade", "total", "budget", "executed", "execution_rate")


def table_row(result: Result, unit_name: str) -> dict:
    """What listing pages show of an evaluation, figures already formatted: they have 10,000 rows.
    Its unit is the publishing unit, as on the unit pages, even where a table names another 主管部门."""
    s = result.summary
    rate = s["execution_rate"]
    return {**{key: s[key] for key in _LISTED}, "unit": unit_name, "url": result.extra["url"],
            "budget_text": "" if s["budget"] is None else f"{s['budget']:g}",
            "rate_text": "" if rate is None else f"{rate:.2f}%", "checks": s["findings"]["warning"] + s["findings"]["error"]}


def totals(summaries: list[dict]) -> dict:
    scored = [s for s in summaries if s["total"] is not None]
    budget = sum(s["budget"] or 0 for s in scored)
    executed = sum(s["executed"] or 0 for s in scored if s["budget"] is not None)
    return {"count": len(scored), "budget": budget, "executed": executed,
            "rate": (executed / budget * 100) if budget else None,
            "average": (sum(s["total"] for s in scored) / len(scored)) if scored else None,
            "grades": {g: sum(1 for s in scored if s["grade"] == g) for g in charts.GRADES}}


class SiteBuilder:
    def __init__(self, site: SiteConfig, out_dir: Path | None = None, jobs: int | None = None,
                 use_cache: bool = True, echo=print, progress=None):
        self.progress = progress  # a context manager factory: progress(total) yields update(n)
        self.timings: dict[str, float] = {}
        self.site = site
        self.out_dir = (out_dir or site.output_path).resolve()
        self.jobs = jobs
        self.use_cache = use_cache
        self.echo = echo

    @contextmanager
    def timed(self, phase: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[phase] = round(time.perf_counter() - started, 3)

    def render_key(self, nav: list[NavEntry]) -> str:
        """Changes whenever every page must be rendered again: templates, code, config, nav."""
        digest = hashlib.sha256()
        digest.update(repr(nav).encode())
        digest.update((self.site.root / "site_config.yml").read_bytes())
        package = Path(__file__).parent
        sources = [*package.glob("*.py"), *package.glob("forms/*.yml"), *package.glob("schemes/*.yml")]
        for directory in (SHIPPED_TEMPLATES / "site", self.site.root / "templates" / "site"):
            sources += [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []
        for path in sorted(set(sources)):
            digest.update(path.as_posix().encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def build(self) -> Report | None:
        self.echo(END_OF_LIFE_NOTICE)
        with self.timed("prepare"):
            files = discover([self.site.content_path])
            nav, names = navigation(self.site, files)
            key = self.render_key(nav)
            previous = self._previous_state(key)
            output = Output.staging_for(self.out_dir, overlay=bool(previous))
        try:
            renderer = EvaluationRenderer(self.site, str(output.root), nav, names, key)

            def reuse(path: Path, cached: Result) -> bool:
                # The page was rendered (not just validated) and, says the last build's state,
                # written from this very source.
                url = cached.extra.get("url")
                return url is not None and RENDERED in cached.extra and previous.get(url) == cached.extra.get("signature")

            with self.timed("evaluations"), self._progress(len(files)) as update:
                report = run(files, jobs=self.jobs, use_cache=self.use_cache, after=renderer,
                             reuse=reuse, progress=update, discovered=True)
            if report.count(F.ERROR):
                output.discard()
                return report
            pages = {r.extra["url"]: r.extra["signature"] for r in report.results if r.summary.get("name")}
            if pages == previous and output.overlay:  # nothing changed since the last build
                output.discard()
                return report
            self._write_listings(report, nav, names, key, output)
            with self.timed("commit"):
                output.commit()
        except BaseException:
            output.discard()
            raise
        if self.site.print is not False:
            with self.timed("print"):
                self.print_figures = self._print(files)
        return report

    def _print(self, files: list[Path]) -> dict:
        """PDF and XLSX beside each page, and each unit's bundle, into the committed output.

        Each file is written whole and renamed into place, so a failure here leaves the
        previous printouts; the printing stage skips tables whose source is unchanged."""
        from .printing import print_outputs

        report = run(files, jobs=self.jobs, use_cache=False, full=True, discovered=True)
        return print_outputs(report, self.site.content_path, self.out_dir, self.jobs)

    @contextmanager
    def _progress(self, total: int):
        if self.progress is None:
            yield None
        else:
            with self.progress(total) as update:
                yield update

    def _previous_state(self, key: str) -> dict[str, list]:
        """What the last build into the same output rendered, if it used the same templates and code."""
        self._previous_index = None
        self._previous_pages: dict[str, list] = {}
        self._previous_listings: dict[str, str] = {}
        state_path = self.out_dir / BUILD_STATE
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if state.get("key") != key:
            return {}
        self._previous_index = state.get("search")
        self._previous_pages = state.get("pages", {})
        self._previous_listings = state.get("listings", {})
        return self._previous_pages

    def _write_listings(self, report: Report, nav, names, key: str, output: Output) -> None:
        theme = Theme(self.site, nav, self.site.content_path)
        results = [r for r in report.results if r.summary.get("name")]
        groups = group(results, names, self.site)
        env = environment(self.site.root)
        rows = {r.extra["url"]: r.extra["row"] for r in results}
        summaries = list(rows.values())
        list_rows = Markup("\n  ".join(r.extra[RENDERED] for r in results))
        context = {"site": self.site, "groups": groups, "totals": totals(summaries), "charts": charts,
                   "summaries": summaries, "list_rows": list_rows, "findings_catalogue": F.CATALOGUE,
                   "severity_zh": F.SEVERITY_ZH, "schemes": registry.schemes(), "forms": registry.forms(),
                   "bundles": report.indexes}
        pages = [
            SitePage("", self.site.site_name, env.get_template("site/pages/home.html").render(**context)),
            SitePage("units/", "单位一览", env.get_template("site/pages/units.html").render(**context)),
            SitePage("evaluations/", "全部评价", env.get_template("site/pages/all.html").render(**context)),
            SitePage("data/", "数据与方法", env.get_template("site/pages/data.html").render(**context)),
        ]
        listings, kept = {}, []
        for unit_year in groups:
            group_rows = [rows[r.extra["url"]] for r in unit_year.results]
            listings[unit_year.url] = hashlib.sha1(json.dumps(group_rows, sort_keys=True).encode()).hexdigest()
            if output.overlay and self._previous_listings.get(unit_year.url) == listings[unit_year.url]:
                kept.append(unit_year)  # the page from the last build shows exactly these rows
                continue
            body = env.get_template("site/pages/unit_year.html").render(
                {**context, "group": unit_year, "rows": group_rows, "totals": totals(group_rows)})
            pages.append(SitePage(unit_year.url, unit_year.title, body, nav_url="units/"))
        searched = {}  # the pages search finds besides evaluations: all but the list of every evaluation
        with self.timed("listing pages"):
            for page in pages:
                html = theme.render(page)
                output.write_text(page.url + PAGE, html)
                if page.url != "evaluations/":
                    searched[page.url] = (page.title, write_page_text(output, page, html))
        for unit_year in kept:
            text = (output.final / unit_year.url / search.TEXT_FILE).read_text(encoding="utf-8")
            searched[unit_year.url] = (unit_year.title, search.encode_text(text))
        output.write_text("404.html", theme.render(SitePage("404.html", "页面不存在", "<h1>页面不存在</h1>"
                                                                                   "<p>请从<a href=\"./\">首页</a>重新查找。</p>")))
        with self.timed("downloads"):
            self._write_downloads(results, output)
        with self.timed("search index"):
            self.search_docs = search_docs(results, searched)
            previous_index = self._previous_index if output.overlay else None
            self.search_figures = search.build_index(self.search_docs, output.root, previous_index)
            output.remove_stale(self.search_figures["stale"])
        urls = ["", "units/", "evaluations/", "data/", *listings, *rows]
        output.write_text("sitemap.xml", sitemap(self.site, urls))
        if not output.overlay:  # an incremental build keeps the assets: the render key covers them
            theme.copy_assets(output.root)
        output.remove_stale(set(self._previous_pages) - {r.extra["url"] for r in results})
        state = {"key": key, "pages": {r.extra["url"]: r.extra["signature"] for r in results},
                 "search": self.search_figures["partitions"], "listings": listings}
        output.write_text(BUILD_STATE, json.dumps(state, sort_keys=True))

    def _write_downloads(self, results: list[Result], output: Output) -> None:
        """Joined from each evaluation's own lines, made when its page was rendered."""
        def joined(name: str, separator: bytes = b"") -> bytes:
            return separator.join(r.extra["downloads"][name] for r in results)

        first = results[0].summary if results else None
        evaluations_header = export.csv_header(export.evaluation_csv_row(first)) if first else "\ufeff"
        output.write_bytes("data/evaluations.csv", evaluations_header.encode("utf-8") + joined("evaluations.csv"))
        indicator_header = "\ufeff" + ",".join(export.INDICATOR_CSV_COLUMNS) + "\r\n"
        output.write_bytes("data/indicators.csv", indicator_header.encode("utf-8") + joined("indicators.csv"))
        output.write_bytes("data/evaluations.json", b"[" + joined("evaluations.json", b",\n") + b"]")
        output.write_text("data/datapackage.json", json.dumps(export.datapackage(self.site, [r.summary for r in results]),
                                                              ensure_ascii=False, indent=1, sort_keys=True))


def search_docs(results: list[Result], pages: dict[str, tuple[str, bytes]]) -> list[search.Doc]:
    """Every evaluation, and the other pages search finds: {url: (title, encoded text)}."""
    docs = [search.Doc(r.extra["url"], r.summary["name"], "evaluation", r.extra["search"]) for r in results]
    docs += [search.Doc(url, title, "listing" if url.startswith("units/") and url != "units/" else "page", encoded)
             for url, (title, encoded) in pages.items()]
    return sorted(docs, key=lambda d: d.url)


def sitemap(site: SiteConfig, urls: list[str]) -> str:
    base = (site.site_url or "").rstrip("/") + "/"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{base}{url}</loc></url>" for url in sorted(set(urls))]
    return "\n".join(lines + ["</urlset>"]) + "\n"
