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
from decimal import Decimal
from pathlib import Path

from . import charts, checks, export, registry, search
from . import findings as F
from .cache import CACHE_DIR
from .config import SiteConfig
from .output import Output
from .loader import LoadError, Mapping, entries, load_file, text_of
from .model import walk
from .pipeline import Report, Result, defaults_chain, discover, run
from markupsafe import Markup

from .quantities import as_printed, figure, format_number, parse_num, reduce_html
from .structure import Location, content_relative, locate, slugify, unit_year_url
from .templating import SHIPPED_TEMPLATES, environment
from .theme import END_OF_LIFE_NOTICE, NavEntry, SitePage, Theme

BUILD_STATE = ".jixiao-build.json"  # where earlier versions kept the state, inside the served output
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
        if result.evaluation is None:  # a file with errors gets no page (and may not even be a file)
            return
        site = self.site
        location = locate(result.file, site.content_path, result.summary.get("year"))
        if location.too_long_part():  # no page can be written there: the run reports it
            return
        result.extra["url"] = location.url
        result.extra["signature"] = source_signature(Path(result.file))
        unit_name = self.unit_names.get(location.unit, result.evaluation.department.name)
        result.extra["search"] = search.encode_text(result.evaluation.project, search_segments(result, unit_name))
        published = export.download_row({**result.summary, "file": self.public_file(result.file)}, unit_name)
        result.extra["downloads"] = export.download_fragments(published)
        result.extra["row"] = table_row(result, unit_name)
        result.extra["snippet"] = search_snippet(result.summary)
        # The 全部评价 page lists every evaluation: its row is made here, once per change.
        result.extra[RENDERED] = environment(site.root).get_template("site/partials/list-row.html").render(
            r=result.extra["row"])
        page = evaluation_page(result, location, unit_name, site.root, site.print is not False)
        output = Output(Path(self.staging))
        output.write_text(location.url + PAGE, self.theme().render(page))
        findings = [{**f.as_dict(), "file": self.public_file(f.file)} for f in result.findings]
        output.write_text(location.url + "data.json", json.dumps({**published, "findings_list": findings},
                                                                 ensure_ascii=False, indent=1, sort_keys=True))
        output.write_bytes(location.url + "source.yml", result.source)  # the bytes that were checked

    def public_file(self, file: str) -> str:
        return content_relative(file, self.site.content_path)


def source_signature(path: Path) -> list:
    return [[p.stat().st_mtime_ns, p.stat().st_size] for p in (path, *defaults_chain(path.parent))]


def search_snippet(summary: dict) -> str:
    return f"{summary['unit']} · {summary['year']} 年度 · 总分 {summary['total']} · {summary['grade']}"


def search_segments(result: Result, unit_name: str) -> list[str]:
    ev = result.evaluation
    segments = [unit_name, f"{ev.year} 年度", ev.department.name]
    if ev.implementer:
        segments.append(ev.implementer.name)
    if ev.goals:
        segments += [reduce_html(t) for t in (ev.goals.expected, ev.goals.actual) if t]
    for node, _, _ in walk(ev.indicators):
        segments += [node.name] + [v.text for v in (node.target, node.actual, node.weight, node.score) if v]
        if node.reason:
            segments.append(node.reason)
    if ev.funds and ev.funds.rows:
        for _, row in ev.funds.rows.present():
            segments += [n.text for n in (row.initial, row.budget, row.executed) if n is not None]
    return segments


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
        ev=ev, scores=result.scores, form=form, findings=[f for f in result.findings if f.public],
        comparisons=checks.compared(ev, form, result.scores), catalogue=F.CATALOGUE, table=Markup(table),
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


_LISTED = ("name", "unit", "year", "form", "grade", "total", "budget", "executed", "execution_rate",
           "budget_text", "executed_text", "total_text")


def in_use(declared: dict, results: list[Result], key: str) -> dict:
    """The forms or schemes that some evaluation uses, in their declared order."""
    used = {r.summary[key] for r in results}
    return {name: item for name, item in declared.items() if name in used}


def table_row(result: Result, unit_name: str) -> dict:
    """What listing pages show of an evaluation, figures already formatted: they have 10,000 rows.
    Its unit is the publishing unit, as on the unit pages, even where a table names another 主管部门.
    A computed figure the original table prints otherwise carries the printed one beside it."""
    s = result.summary
    return {**{key: s[key] for key in _LISTED}, "unit": unit_name, "url": result.extra["url"],
            "rate_text": s["execution_rate_text"] or _no_rate(s),
            "rate_printed": _printed_if_other(s["execution_rate_text"], s["published_execution_rate_text"]),
            "total_printed": _printed_if_other(s["total_text"], s["published_total_text"]),
            "checks": s["findings"]["warning"] + s["findings"]["error"]}


_AMOUNTS = (("全年预算数", "budget_text"), ("全年执行数", "executed_text"))  # an execution rate's two


def _blanks(row: dict) -> list[str]:
    """The amounts of an execution rate that a table leaves blank."""
    return [label for label, key in _AMOUNTS if not row[key]]


def _no_rate(summary: dict) -> str:
    """Why an evaluation has no execution rate: the amount its table leaves blank (未填执行数)."""
    blanks = _blanks(summary)
    return charts.MISSING + blanks[0].removeprefix("全年") if blanks else "—"  # else a budget of 0


def _printed_if_other(computed: str | None, printed: str | None) -> str | None:
    return printed if printed is not None and printed != computed else None


def _amount(text: str) -> Decimal:
    return parse_num(text).value


def _sum_text(texts: list[str]) -> str:
    """A sum of amounts, exact, to as many places as its most precise amount."""
    return format_number(sum((_amount(t) for t in texts), Decimal(0)),
                         max((parse_num(t).places for t in texts), default=0), strip_zeros=False)


def totals(rows: list[dict]) -> dict:
    """The figures of a set of evaluations, each from what is known: the execution rate only of
    the evaluations whose table gives both the budget and the executed amount."""
    scored = [r for r in rows if r["total"] is not None]
    known = [r for r in scored if not _blanks(r)]
    left_out = [r for r in scored if _blanks(r)]
    budget_known = sum((_amount(r["budget_text"]) for r in known), Decimal(0))
    executed_known = sum((_amount(r["executed_text"]) for r in known), Decimal(0))
    average = sum((Decimal(str(r["total"])) for r in scored), Decimal(0)) / len(scored) if scored else None
    return {"count": len(scored),
            "budget": _sum_text([r["budget_text"] for r in scored if r["budget_text"]]),
            "rate": _rate_of(scored, executed_known / budget_known) if budget_known else None,
            "rate_count": len(known), "rate_budget": _sum_text([r["budget_text"] for r in known]),
            "rate_executed": _sum_text([r["executed_text"] for r in known]),
            "left_out": _by_missing(left_out),
            "average": figure(average),
            "grades": {g: sum(1 for r in scored if r["grade"] == g) for g in charts.GRADES}}


def _rate_of(rows: list[dict], value: Decimal) -> str:
    """A rate of several evaluations at the precision of their form (2 places when they have several)."""
    forms = {r["form"] for r in rows}
    form = registry.forms().get(forms.pop()) if len(forms) == 1 else None
    places, strip_zeros = (form.rate_places, form.rate_strip_zeros) if form else (2, True)
    return as_printed(value, None, places, strip_zeros, percent=True)


def _by_missing(rows: list[dict]) -> dict[str, list[str]]:
    """The names of evaluations left out of a rate, by what their table leaves blank."""
    left_out: dict[str, list[str]] = {}
    for row in rows:
        left_out.setdefault("和".join(_blanks(row)), []).append(row["name"])
    return left_out


def year_totals(groups: list[UnitYear], rows: dict[str, dict]) -> list[dict]:
    """Per year, each unit's totals, and the year's across its units where there are several:
    amounts of different years are never added together."""
    years: dict[str, list[UnitYear]] = {}
    for unit_year in groups:
        years.setdefault(unit_year.year, []).append(unit_year)
    return [{"year": year,
             "units": [(g, totals([rows[r.extra["url"]] for r in g.results])) for g in units],
             "totals": totals([rows[r.extra["url"]] for g in units for r in g.results]) if len(units) > 1 else None}
            for year, units in sorted(years.items())]


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
                             reuse=reuse, progress=update, discovered=True, content_root=self.site.content_path)
            if report.count(F.ERROR):
                output.discard()
                return report
            pages = {r.extra["url"]: r.extra["signature"] for r in report.results if r.summary.get("name")}
            if pages == previous and output.overlay:  # nothing changed since the last build
                output.discard()
                return report
            self._write_listings(report, nav, names, key, output)
            with self.timed("commit"):
                self._forget_state()  # until the new output is in place, no state describes it
                output.commit()
            self._save_state()
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
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        home = self._home_digest()
        if not isinstance(state, dict) or state.get("key") != key or home is None or state.get("home") != home:
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
                   "years": year_totals(groups, rows),
                   "summaries": summaries, "list_rows": list_rows, "findings_catalogue": F.CATALOGUE,
                   "severity_zh": F.SEVERITY_ZH, "schemes": in_use(registry.schemes(), results, "scheme"),
                   "forms": in_use(registry.forms(), results, "form"),
                   "bundles": report.indexes}
        pages = [
            SitePage("", self.site.site_name, env.get_template("site/pages/home.html").render(**context)),
            SitePage("units/", "单位一览", env.get_template("site/pages/units.html").render(**context)),
            SitePage("evaluations/", "全部评价", env.get_template("site/pages/all.html").render(**context)),
            SitePage("data/", "数据与方法", env.get_template("site/pages/data.html").render(**context)),
        ]
        listings = {}
        for unit_year in groups:
            group_rows = [rows[r.extra["url"]] for r in unit_year.results]
            listings[unit_year.url] = hashlib.sha1(json.dumps(group_rows, sort_keys=True).encode()).hexdigest()
            if output.overlay and self._previous_listings.get(unit_year.url) == listings[unit_year.url]:
                continue  # the page from the last build shows exactly these rows
            body = env.get_template("site/pages/unit_year.html").render(
                {**context, "group": unit_year, "rows": group_rows, "totals": totals(group_rows)})
            pages.append(SitePage(unit_year.url, unit_year.title, body, nav_url="units/"))
        with self.timed("listing pages"):
            for page in pages:
                output.write_text(page.url + PAGE, theme.render(page))
        output.write_text("404.html", theme.render(SitePage("404.html", "页面不存在", "<h1>页面不存在</h1>"
                                                                                   "<p>请从<a href=\"./\">首页</a>重新查找。</p>")))
        with self.timed("downloads"):
            self._write_downloads(results, output)
        with self.timed("search index"):
            self.search_docs = self._search_docs(results, groups)
            previous_index = self._previous_index if output.overlay else None
            self.search_figures = search.build_index(self.search_docs, output.root, previous_index)
            output.remove_stale(self.search_figures["stale"])
        urls = ["", "units/", "evaluations/", "data/", *listings, *rows]
        output.write_text("sitemap.xml", sitemap(self.site, urls))
        if not output.overlay:  # an incremental build keeps the assets: the render key covers them
            theme.copy_assets(output.root)
        output.remove_stale(set(self._previous_pages) - {r.extra["url"] for r in results})
        self._state = {"key": key, "pages": {r.extra["url"]: r.extra["signature"] for r in results},
                       "search": self.search_figures["partitions"], "listings": listings}
        output.remove_stale([BUILD_STATE])  # left in the output by earlier versions

    # The state of the last build describes its output, but is not part of it (the output is
    # served): it is kept in the project's cache, and holds only for the very output whose
    # home page it records (an output deleted or replaced since is built whole again).

    @property
    def state_path(self) -> Path:
        name = hashlib.sha1(str(self.out_dir).encode("utf-8", "surrogateescape")).hexdigest()[:20]
        return self.site.root / CACHE_DIR / "builds" / f"{name}.json"

    def _home_digest(self) -> str | None:
        try:
            return hashlib.sha256((self.out_dir / PAGE).read_bytes()).hexdigest()
        except OSError:
            return None

    def _forget_state(self) -> None:
        try:
            self.state_path.unlink(missing_ok=True)
        except OSError:
            pass

    def _save_state(self) -> None:
        """Written whole, then renamed; a state that cannot be written only costs a full build."""
        state = {**self._state, "home": self._home_digest()}
        try:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.state_path.with_name(f".{self.state_path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
            os.replace(temporary, self.state_path)
        except OSError:
            pass

    def _write_downloads(self, results: list[Result], output: Output) -> None:
        """Joined from each evaluation's own lines, made when its page was rendered."""
        def joined(name: str, separator: bytes = b"") -> bytes:
            return separator.join(r.extra["downloads"][name] for r in results)

        evaluations_header = export.csv_header(export.EVALUATION_CSV_COLUMNS)
        output.write_bytes("data/evaluations.csv", evaluations_header.encode("utf-8") + joined("evaluations.csv"))
        indicator_header = export.csv_header(export.INDICATOR_CSV_COLUMNS)
        output.write_bytes("data/indicators.csv", indicator_header.encode("utf-8") + joined("indicators.csv"))
        output.write_bytes("data/evaluations.json", b"[" + joined("evaluations.json", b",\n") + b"]")
        output.write_text("data/datapackage.json", json.dumps(export.datapackage(self.site),
                                                              ensure_ascii=False, indent=1, sort_keys=True))

    def _search_docs(self, results: list[Result], groups: list[UnitYear]) -> list[search.Doc]:
        docs = []
        for result in results:
            docs.append(search.Doc(result.extra["url"], result.summary["name"], "evaluation", result.extra["search"],
                                   result.extra["snippet"]))
        for unit_year in groups:
            titles = [r.summary["name"] for r in unit_year.results]
            docs.append(search.Doc(unit_year.url, unit_year.title, "listing",
                                   search.encode_text(unit_year.title, [unit_year.unit_name, *titles]),
                                   f"{len(titles)} 个项目"))
        return sorted(docs, key=lambda d: d.url)


def sitemap(site: SiteConfig, urls: list[str]) -> str:
    base = (site.site_url or "").rstrip("/") + "/"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{base}{url}</loc></url>" for url in sorted(set(urls))]
    return "\n".join(lines + ["</urlset>"]) + "\n"
