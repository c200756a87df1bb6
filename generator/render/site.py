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
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial
from pathlib import Path

from . import charts, export, search
from ..checking import checks
from ..building import fingerprint, workers
from ..rules import registry
from .. import findings as F
from ..project.config import SiteConfig
from ..building.manifest import Entry, Manifest
from ..building.output import Output, OutputError, Staging, check_target, locked, remove_leftovers
from ..loading.loader import INDEX_NAME
from ..building.pipeline import Report, Result, process_many, run
from ..project.tree import defaults_of, discover
from ..project.project import Project
from jinja2 import TemplateError
from markupsafe import Markup

from ..quantities import as_printed, figure, format_number, parse_num
from ..project.structure import Location, content_relative, locate, slugify, unit_year_url
from . import templating
from .templating import environment
from .theme import END_OF_LIFE_NOTICE, NavEntry, SitePage, Theme, main_content

PAGE = "index.html"
ALL_URL = "evaluations/"  # the list of every evaluation
PAGE_FILES = (PAGE, "data.json", "source.yml", search.TEXT_FILE)  # what an evaluation's page directory holds


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
    """The configured name, else `department.name` of the unit's defaults, else its folder."""
    department = defaults_of(unit_dir).values.get("department")
    name = department.get("name") if isinstance(department, dict) else None
    return site.unit_name(unit_dir.name) or name or unit_dir.name


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
    key: str  # changes whenever every page must be rendered again
    inputs: dict = field(default_factory=dict)  # what a page depends on besides its source (fingerprint.py)

    def theme(self) -> Theme:
        if self.key not in _THEMES:
            _THEMES.clear()
            _THEMES[self.key] = Theme(self.site, self.nav, self.site.content_path)
        return _THEMES[self.key]

    def prepare(self) -> None:
        """What every page needs, made once before the workers fork, so that each inherits it
        instead of making its own (a worker's first page took a tenth of a second more): the
        theme, the modules a page imports when first needed, and the compiled templates."""
        from ..layout import evaluation_blocks  # noqa: F401
        from ..layout.document import markdown_html
        from .printing import view  # noqa: F401

        markdown_html("")  # the Markdown parser, made when first needed
        self.theme()
        env = environment(self.site.root)
        for name in env.list_templates(filter_func=lambda name: name.startswith(("site/pages/", "site/partials/", "print/"))):
            try:
                env.get_template(name)
            except TemplateError:  # one of the theme's partials, or a broken override: told when a page renders it
                pass

    def __call__(self, result: Result) -> None:
        if result.evaluation is None:  # a file with errors gets no page (and may not even be a file)
            return
        site = self.site
        location = locate(result.file, site.content_path, result.summary.get("year"))
        if location.too_long_part():  # no page can be written there: the run reports it
            return
        result.extra["url"] = location.url
        result.extra["page"] = fingerprint.of("page", source=result.source, **self.inputs)
        result.extra["page_inputs"] = self.key  # the inputs besides the source, for `reuse` to compare
        unit_name = self.unit_names.get(location.unit, result.evaluation.department.name)
        published = export.download_row({**result.summary, "file": self.public_file(result.file)}, unit_name)
        result.extra["downloads"] = export.download_fragments(published)
        result.extra["row"] = table_row(result, unit_name)
        # The 全部评价 page lists every evaluation: its row is made here, once per change, and
        # kept encoded (bytes in the cache are never decoded: 10,000 rows of escaped HTML are not parsed).
        result.extra[RENDERED] = environment(site.root).get_template("site/partials/list-row.html").render(
            r=result.extra["row"]).encode("utf-8")
        page = evaluation_page(result, location, unit_name, site.root, site.print is not False)
        chapters = report_pages(result, location, unit_name, site.root)
        html = self.theme().render(page)
        output = Output(Path(self.staging))
        output.write_text(location.url + PAGE, html)
        result.extra["search"] = write_page_text(output, page, html)
        result.extra["search_version"] = search.text_version(result.extra["search"])
        for chapter in chapters:  # a department report's chapters, each a page below the report's
            output.write_text(chapter.url + PAGE, self.theme().render(chapter))
        result.extra["chapters"] = [chapter.url[len(location.url):] + PAGE for chapter in chapters]
        findings = [{**f.as_dict(), "file": self.public_file(f.file)} for f in result.findings]
        output.write_bytes(location.url + "data.json", export.json_bytes({**published, "findings_list": findings}))
        output.write_bytes(location.url + "source.yml", result.source_bytes)  # the bytes that were checked

    def public_file(self, file: str) -> str:
        return content_relative(file, self.site.content_path)


def write_page_text(output: Output | Staging, page: SitePage, html: str) -> bytes:
    """The page's visible text beside it (result snippets are cut from it), and its index form."""
    text = search.page_text(page.title, search.visible_text(main_content(html)))
    output.write_text(page.url + search.TEXT_FILE, text)
    return search.encode_text(text)



def evaluation_page(result: Result, location: Location, unit_name: str, project_root: Path,
                    printing: bool = True) -> SitePage:
    """The evaluation's page: its blocks as they print (the table through its form's own
    template, then its sections and figure tables), then the checks and downloads. A
    department report's page gives its cover and contents instead: its chapters are pages
    of their own (`report_pages`)."""
    from ..layout import evaluation_blocks
    from ..layout.report import is_report, report_blocks
    from .printing.view import blocks_html, section_anchors  # the printing package loads WeasyPrint: only when needed

    ev = result.evaluation
    form = registry.forms()[ev.form]
    scheme = registry.schemes()[ev.scheme]
    env = environment(project_root)
    context = dict(ev=ev, scores=result.scores, form=form, findings=[f for f in result.findings if f.public],
                   comparisons=checks.compared(ev, form, result.scores), catalogue=F.CATALOGUE,
                   summary=result.summary, unit_name=unit_name, severity_zh=F.SEVERITY_ZH, printing=printing,
                   scheme=scheme)
    description = f"{unit_name} {ev.year} 年度 {ev.project} 绩效{'评价' if is_report(ev) else '自评'}"
    if is_report(ev):
        cover, contents, *_ = report_blocks(ev, result.scores, form, scheme)
        body = env.get_template("site/pages/evaluation.html").render(
            **context, table="", report="", contents=[], cover=cover, chapters=_chapter_links(contents))
        toc = [("contents", "报告目录"), ("rules", "评分规则"), ("check", "数据核对"), ("downloads", "下载")]
        return SitePage(location.url, ev.project, body, toc=toc, nav_url="units/", description=description)
    table, *report = blocks_html(evaluation_blocks(ev, result.scores, form, scheme), env, heading="h2")
    body = env.get_template("site/pages/evaluation.html").render(
        **context, table=table, report=Markup("\n".join(report)), contents=section_anchors(ev.sections),
        cover=None, chapters=[])
    toc = [("table", "评价表"), ("rules", "评分规则"), *([("report", "报告正文与数据表")] if report else []),
           ("check", "数据核对"), ("downloads", "下载")]
    return SitePage(location.url, ev.project, body, toc=toc, nav_url="units/", description=description)


def report_pages(result: Result, location: Location, unit_name: str, project_root: Path) -> list[SitePage]:
    """A department report's chapters, each a page below the report's (the appendix score
    sheet on the last); none for another evaluation."""
    from ..layout.report import is_report, report_blocks

    ev = result.evaluation
    if not is_report(ev):
        return []
    form, scheme = registry.forms()[ev.form], registry.schemes()[ev.scheme]
    _, contents, *chapters = report_blocks(ev, result.scores, form, scheme)
    return chapter_pages(chapters, contents, location, ev.project, unit_name, environment(project_root))


@dataclass
class ChapterLink:
    """A chapter's page (`3/`, below the report's) and its sections' anchors."""

    slug: str
    title: str
    sections: list = field(default_factory=list)  # (anchor, title)


def _chapter_links(contents) -> list[ChapterLink]:
    links: dict[int, ChapterLink] = {}
    for entry in contents.entries:
        if entry.level == 1:
            links[entry.chapter] = ChapterLink(f"{entry.chapter}", entry.title)
        else:
            links[entry.chapter].sections.append((entry.anchor, entry.title))
    return list(links.values())


def chapter_pages(chapters: list, contents, location: Location, project: str, unit_name: str, env) -> list[SitePage]:
    """Each chapter of a report as a page: the chapter as it prints, the pages before and
    after it, the contents; the score sheet in a region that scrolls sideways."""
    from .printing.view import report_block_html

    links = _chapter_links(contents)
    template = env.get_template("site/pages/chapter.html")
    pages = []
    sheet = chapters[-1] if chapters and chapters[-1].kind == "score-sheet" else None
    for number, (chapter, link) in enumerate(zip(chapters, links)):
        last = number + 1 == len(links)
        # the score sheet has a page of its own, or follows the report's own 附件 chapter on its page
        shown = [chapter] + ([sheet] if last and sheet is not chapter and sheet is not None else [])
        body = template.render(blocks=[(block, report_block_html(block, env)) for block in shown], link=link,
                               links=links,
                               previous=links[number - 1] if number else None,
                               following=links[number + 1] if number + 1 < len(links) else None,
                               project=project, unit_name=unit_name, year=location.year)
        pages.append(SitePage(f"{location.url}{link.slug}/", f"{link.title} - {project}", body,
                              toc=link.sections, nav_url="units/", description=f"{unit_name} {project}：{link.title}"))
    return pages


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


_LISTED = ("name", "unit", "year", "form", "kind", "grade", "total", "budget", "executed", "execution_rate",
           "budget_text", "executed_text", "total_text")


def in_use(declared: dict, results: list[Result], key: str) -> dict:
    """The forms or schemes that some evaluation uses, in their declared order."""
    used = {r.glance(key) for r in results}
    return {name: item for name, item in declared.items() if name in used}


def table_row(result: Result, unit_name: str) -> dict:
    """What listing pages show of an evaluation, figures already formatted: they have 10,000 rows.
    Its unit is the publishing unit, as on the unit pages, even where a table names another 主管部门.
    A computed figure the original table prints otherwise carries the printed one beside it."""
    s = result.summary
    form = registry.forms().get(s["form"])
    funds = form is None or form.funds_block  # a form without a funds block (苏州) has no rate to give
    return {**{key: s[key] for key in _LISTED}, "unit": unit_name, "url": result.extra["url"], "funds": funds,
            "rate_text": s["execution_rate_text"] or (_no_rate(s) if funds else NO_FUNDS),
            "rate_printed": _printed_if_other(s["execution_rate_text"], s["published_execution_rate_text"]),
            "total_printed": _printed_if_other(s["total_text"], s["published_total_text"]),
            "checks": s["findings"]["warning"] + s["findings"]["error"], "full_marks": _full_marks(s)}


def _full_marks(summary: dict) -> str | None:
    """The points its scheme gives in all (100; 苏州 80), as text."""
    scheme = registry.schemes().get(summary["scheme"])
    return figure(scheme.total_points) if scheme is not None and scheme.total_points is not None else None


_AMOUNTS = (("全年预算数", "budget_text"), ("全年执行数", "executed_text"))  # an execution rate's two
NO_FUNDS = "—"  # the rate and amounts of a form that prints no funds block


def _blanks(row: dict) -> list[str]:
    """The amounts of an execution rate that a table leaves blank."""
    return [label for label, key in _AMOUNTS if not row[key]]


def _no_rate(summary: dict) -> str:
    """Why an evaluation has no execution rate: the amount its table leaves blank (未填执行数)."""
    blanks = _blanks(summary)
    return charts.MISSING + blanks[0].removeprefix("全年") if blanks else "—"  # else a budget of 0


def _printed_if_other(computed: str | None, printed: str | None) -> str | None:
    return printed if printed is not None and printed != computed else None


_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # as most tables write an amount: `839.58`


# Each amount is summed in the site's totals, its unit's and its year's: parsed once.
@lru_cache(maxsize=1 << 16)
def _amount(text: str) -> tuple[Decimal, int]:
    """An amount's value and places; a plain one read as it is (what parse_num makes of it,
    without its normalizing: 20,000 amounts a build)."""
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text), len(text.partition(".")[2])
    number = parse_num(text)
    return number.value, number.places


def _sum_text(total: Decimal, places: int) -> str:
    """A sum of amounts, exact, to as many places as its most precise amount."""
    return format_number(total, places, strip_zeros=False)


@dataclass
class Tally:
    """What `totals` needs of a set of evaluations, made in one pass over their rows and added
    up from set to set: the site's and each year's totals are the sums of their units' (a
    one-file edit of 10,000 evaluations read every row three times). Sums of amounts are
    exact (Decimal, far within its 28 digits), so the order they are added in does not matter."""
    count: int = 0  # scored
    funded: int = 0  # scored, of a form with a funds block
    known: int = 0  # funded, with both amounts of the rate
    budget: list = field(default_factory=lambda: [Decimal(0), 0])  # of the funded with a budget: sum, places
    rate_budget: list = field(default_factory=lambda: [Decimal(0), 0])  # of the known
    rate_executed: list = field(default_factory=lambda: [Decimal(0), 0])
    total: Decimal = Decimal(0)  # of the scored totals
    full_marks: set = field(default_factory=set)
    forms: set = field(default_factory=set)
    grades: dict = field(default_factory=lambda: dict.fromkeys(charts.GRADES, 0))
    left_out: list = field(default_factory=list)  # funded rows whose table leaves an amount blank

    @classmethod
    def of(cls, rows: list[dict]) -> "Tally":
        tally = cls()
        for row in rows:
            tally.add(row)
        return tally

    def add(self, row: dict) -> None:
        if row["total"] is None:
            return
        self.count += 1
        self.total += Decimal(str(row["total"]))
        self.full_marks.add(row["full_marks"])
        self.forms.add(row["form"])
        if row["grade"] in self.grades:
            self.grades[row["grade"]] += 1
        if not row.get("funds", True):
            return
        self.funded += 1
        budget, executed = row["budget_text"], row["executed_text"]
        if budget:
            _add_amount(self.budget, budget)
        if not budget or not executed:
            self.left_out.append(row)
            return
        self.known += 1
        _add_amount(self.rate_budget, budget)
        _add_amount(self.rate_executed, executed)

    def merge(self, other: "Tally") -> None:
        for name in ("count", "funded", "known", "total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.budget, other.budget), (self.rate_budget, other.rate_budget),
                             (self.rate_executed, other.rate_executed)):
            mine[0] += theirs[0]
            mine[1] = max(mine[1], theirs[1])
        self.full_marks |= other.full_marks
        self.forms |= other.forms
        for grade, count in other.grades.items():
            self.grades[grade] += count
        self.left_out += other.left_out

    def to_data(self, rows: list[dict]) -> dict:
        """The tally as JSON data, for the manifest; the rows left out by their place in `rows`,
        the rows it was made of."""
        place = {id(row): index for index, row in enumerate(rows)}
        return {"counts": [self.count, self.funded, self.known], "total": str(self.total),
                "sums": [[str(value), places] for value, places in (self.budget, self.rate_budget, self.rate_executed)],
                "full_marks": sorted(self.full_marks, key=lambda marks: (marks is None, marks or "")),
                "forms": sorted(self.forms), "grades": list(self.grades.values()),
                "left_out": [place[id(row)] for row in self.left_out]}

    @classmethod
    def from_data(cls, data, rows: list[dict]) -> "Tally | None":
        """The tally `to_data` gave of these rows; None when `data` is not of its shape (a record
        of the right checksum and the wrong shape can only have been forged)."""
        try:
            counts, sums, grades, left_out = data["counts"], data["sums"], data["grades"], data["left_out"]
            numbers = [*counts, *grades, *(places for _, places in sums), *left_out]
            if (len(counts) != 3 or len(sums) != 3 or len(grades) != len(charts.GRADES)
                    or not all(type(n) is int and n >= 0 for n in numbers)
                    or not all(n < len(rows) for n in left_out)
                    or not all(type(m) in (str, type(None)) for m in data["full_marks"])
                    or not all(type(f) is str for f in data["forms"])):
                return None
            total, *values = (_finite(text) for text in [data["total"], *(value for value, _ in sums)])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return None
        return cls(*counts, *([value, places] for value, (_, places) in zip(values, sums)), total=total,
                   full_marks=set(data["full_marks"]), forms=set(data["forms"]),
                   grades=dict(zip(charts.GRADES, grades)), left_out=[rows[n] for n in left_out])

    @classmethod
    def merged(cls, tallies) -> "Tally":
        whole = cls()
        for tally in tallies:
            whole.merge(tally)
        return whole


def _finite(text) -> Decimal:
    if type(text) is not str:
        raise TypeError(text)
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)
    return value


def _add_amount(held: list, text: str) -> None:
    value, places = _amount(text)
    held[0] += value
    held[1] = max(held[1], places)


def totals(rows: list[dict]) -> dict:
    """The figures of a set of evaluations, each from what is known: the execution rate only of
    the evaluations whose table gives both the budget and the executed amount."""
    return totals_of(Tally.of(rows))


def totals_of(tally: Tally) -> dict:
    """`totals` of the evaluations a tally was made of."""
    budget_known, executed_known = tally.rate_budget[0], tally.rate_executed[0]
    # Totals out of different full marks (苏州 80, others 100) are not averaged together.
    average = tally.total / tally.count if len(tally.full_marks) == 1 else None
    return {"count": tally.count, "funded": tally.funded,
            "budget": _sum_text(*tally.budget),
            "rate": _rate_of(tally.forms, executed_known / budget_known) if budget_known else None,
            "rate_count": tally.known, "rate_budget": _sum_text(*tally.rate_budget),
            "rate_executed": _sum_text(*tally.rate_executed),
            "left_out": _by_missing(tally.left_out),
            "average": figure(average),
            "full_marks": sorted((m for m in tally.full_marks if m is not None), key=Decimal, reverse=True),
            "grades": dict(tally.grades)}


def _rate_of(forms: set[str], value: Decimal) -> str:
    """A rate of several evaluations at the precision of their form (2 places when they have several)."""
    form = registry.forms().get(next(iter(forms))) if len(forms) == 1 else None
    places, strip_zeros = (form.rate_places, form.rate_strip_zeros) if form else (2, True)
    return as_printed(value, None, places, strip_zeros, percent=True)


def _by_missing(rows: list[dict]) -> dict[str, list[str]]:
    """The names of evaluations left out of a rate, by what their table leaves blank."""
    left_out: dict[str, list[str]] = {}
    for row in rows:
        left_out.setdefault("和".join(_blanks(row)), []).append(row["name"])
    return left_out


def site_totals(tallies: dict[str, Tally], rows: list[dict]) -> dict:
    """`totals(rows)` from the tallies of the groups that share out `rows`: the rows left out
    of the rate are listed in the order of `rows`, not of the groups."""
    whole = Tally.merged(tallies.values())
    if whole.left_out:
        position = {id(row): index for index, row in enumerate(rows)}
        whole.left_out.sort(key=lambda row: position[id(row)])
    return totals_of(whole)


def year_totals(groups: list[UnitYear], tallies: dict[str, Tally]) -> list[dict]:
    """Per year, each unit's totals, and the year's across its units where there are several:
    amounts of different years are never added together. `tallies`: each group's, by its URL."""
    years: dict[str, list[UnitYear]] = {}
    for unit_year in groups:
        years.setdefault(unit_year.year, []).append(unit_year)
    return [{"year": year,
             "units": [(g, totals_of(tallies[g.url])) for g in units],
             "totals": totals_of(Tally.merged(tallies[g.url] for g in units)) if len(units) > 1 else None}
            for year, units in sorted(years.items())]


def _rendered(extra: dict) -> bool:
    """Whether a cached result carries, of the right kinds, what the site made of its file."""
    downloads = extra.get("downloads")
    return (type(extra.get("url")) is str and type(extra.get("page")) is str and type(extra.get(RENDERED)) in _BYTES
            and type(extra.get("page_inputs")) is str
            and type(extra.get("row")) is dict and type(extra.get("search")) in _BYTES
            and type(extra.get("search_version")) is str
            and type(downloads) is dict
            and all(type(value) is int if key == "indicator_levels" else type(value) in _BYTES
                    for key, value in downloads.items()))


_BYTES = (bytes, memoryview)  # a cached result's are views of the cache's bytes (verified.py)


def _logo_bytes(site: SiteConfig) -> bytes:
    return fingerprint.read_or_empty(site.root / site.logo) if site.logo else b""


class SiteBuilder:
    """One build of the site (and its printouts) into `out_dir`: prepared in a staging tree
    beside it, from what changed since the last build and links to what did not, and
    published whole (see `output.py`); the manifest (`manifest.py`) says what is kept."""

    def __init__(self, site: SiteConfig | Project, out_dir: Path | None = None, jobs: int | None = None,
                 use_cache: bool = True, echo=print, progress=None):
        self.progress = progress  # a context manager factory: progress(total) yields update(n)
        self.timings: dict[str, float] = {}
        self.project = site if isinstance(site, Project) else Project.of_site(site)
        self.site = self.project.site()
        self.out_dir = Path(os.path.abspath(out_dir or self.site.output_path))
        self.jobs = jobs
        self.use_cache = use_cache
        self.echo = echo
        self.up_to_date = False
        self.print_figures: dict | None = None

    @contextmanager
    def timed(self, phase: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[phase] = round(time.perf_counter() - started, 3)

    def inputs(self, nav: list[NavEntry], names: dict[str, str]) -> dict[str, str]:
        """The inputs of this build's outputs that are the same for all of them (fingerprint.py)."""
        from .printing import printed_by

        config = self.project.config_path
        return {"code": fingerprint.rendering_code_version(),
                "rules": fingerprint.rules_digest(self.project.rule_files()),
                "config": fingerprint.digest(fingerprint.read_or_empty(config),
                                             fingerprint.canonical(self.site.content_path), _logo_bytes(self.site)),
                "site_templates": fingerprint.templates_digest(self.project.root, "site"),
                "print_templates": fingerprint.templates_digest(self.project.root, "print"),
                "navigation": fingerprint.digest(repr(nav), json.dumps(names, sort_keys=True)),
                "printed_by": printed_by(self.site).digest()}

    def build(self) -> Report:
        """Build; with errors in the content, nothing is published and the report says why.
        A failure to write is an OutputError; the previous output is then as it was."""
        self.echo(END_OF_LIFE_NOTICE)
        check_target(self.out_dir, self.project.root, self.site.content_path)
        try:
            with locked(self.out_dir, self.echo):
                remove_leftovers(self.out_dir)
                return self._build()
        except OSError as exc:
            raise OutputError.of(exc) from exc

    def _build(self) -> Report:
        with self.timed("prepare"):
            templating.forget()  # a template added to the project since the last build overrides
            files = discover([self.site.content_path])
            nav, names = navigation(self.site, files)
            inputs = self.inputs(nav, names)
            last = Manifest.load(self.project.cache_dir, self.out_dir)
            previous = last if self.use_cache and last.describes(self.out_dir) else last.fresh()
            kept_tree = self.out_dir if previous.tree is not None else None
            staging = Staging(self.out_dir, kept_tree)
            manifest = last.fresh()
        try:
            report, kept, renderer = self._evaluations(files, nav, names, inputs, previous, staging)
            if report.count(F.ERROR):
                staging.discard()
                return report
            whole = self._whole(report, inputs)
            if previous.whole == whole and previous.complete(self.out_dir):  # the output is what it would make
                self.up_to_date = True
                staging.discard(untouched=len(kept) == len(report.results))  # no page rendered into it
                return report
            with self.timed("kept pages"):
                self._keep_pages(report, kept, renderer, staging, manifest)
            self._write_listings(report, nav, names, inputs, previous, staging, manifest)
            if self.site.print is not False:
                from .printing import print_into

                with self.timed("print"):
                    self.print_figures = print_into(report, self.project, staging, previous, manifest,
                                                    inputs, self.jobs)
            manifest.whole = whole
            with self.timed("commit"):
                manifest.save(self.out_dir, staging.identity())
                staging.publish(declared=manifest.files())
        except BaseException:
            staging.discard()
            raise
        return report

    def _evaluations(self, files: list[Path], nav, names, inputs: dict, previous: Manifest,
                     staging: Staging) -> tuple[Report, dict[str, Entry], EvaluationRenderer]:
        """Every file checked and scored, and the page of each changed one rendered (in the
        workers); the pages the last build wrote that are current, by file."""
        page_inputs = {name: inputs[name] for name in fingerprint.DEPENDS["page"] if name != "source"}
        renderer = EvaluationRenderer(self.site, str(staging.root), nav, names,
                                      fingerprint.digest(*page_inputs.values()), page_inputs)
        kept: dict[str, Entry] = {}

        def reuse(path: Path, cached: Result) -> bool:
            extra = cached.extra
            # A verified entry's page fingerprint was made from its source and the inputs whose
            # digest it holds beside it: comparing that digest spares 10,000 fingerprints a build.
            if not _rendered(extra) or extra["page_inputs"] != renderer.key:
                return False
            entry = previous.get("page", extra["url"], extra["page"])
            if entry is not None:
                kept[cached.file] = entry
            return entry is not None

        with self.timed("evaluations"), self._progress(len(files)) as update:
            report = run(files, jobs=self.jobs, use_cache=self.use_cache, project=self.project, after=renderer,
                         reuse=reuse, progress=update, discovered=True,
                         content_root=self.site.content_path)
        return report, kept, renderer

    def _keep_pages(self, report: Report, kept: dict[str, Entry], renderer: EvaluationRenderer, staging: Staging,
                    manifest: Manifest) -> None:
        """The current pages linked from the last output (rendered again where its files are
        gone); every page recorded in the manifest."""
        for index, result in enumerate(report.results):
            entry = kept.get(result.file)
            if entry is not None and not staging.link_all(entry.files):
                entry, result = None, self._render_again(result.file, renderer)
                report.results[index] = result
            if RENDERED in result.extra:
                url = result.extra["url"]
                files = [*PAGE_FILES, *result.extra.get("chapters", ())]
                manifest.record("page", url, entry or Entry(result.extra["page"], [url + f for f in files]))

    def _render_again(self, file: str, renderer: EvaluationRenderer) -> Result:
        """A page the last build wrote and the output no longer holds (deleted by hand)."""
        return process_many([Path(file)], self.project.extension_roots, False, renderer)[0]

    def _whole(self, report: Report, inputs: dict) -> str:
        """Everything the build is made of: every page's fingerprint (each covers its source,
        the code, rules, templates, configuration and navigation), the bundles' indexes,
        and what the printouts say of themselves."""
        pages = [[r.extra.get("url"), r.extra.get("page")] for r in report.results]
        indexes = [part for directory in sorted(report.indexes)
                   for part in (fingerprint.canonical(directory), fingerprint.file_digest(Path(directory) / INDEX_NAME))]
        return fingerprint.digest(json.dumps(inputs, sort_keys=True), json.dumps(pages), *indexes,
                                  str(self.site.print))

    @contextmanager
    def _progress(self, total: int):
        if self.progress is None:
            yield None
        else:
            with self.progress(total) as update:
                yield update

    def _write_listings(self, report: Report, nav, names, inputs: dict, previous: Manifest, staging: Staging,
                        manifest: Manifest) -> None:
        """Everything but the evaluations' own pages: the pages that list them, the downloads,
        the search index, the sitemap and the theme's assets."""
        theme = Theme(self.site, nav, self.site.content_path)
        results = [r for r in report.results if r.glance("name")]
        groups = group(results, names, self.site)
        pages, kept, versions = self._listing_pages(report, results, groups, inputs, previous, staging, manifest)
        searched = self._write_pages(theme, pages, kept, versions, staging)
        staging.write_text("404.html", theme.render_not_found())
        with self.timed("downloads"):
            self._write_downloads(results, staging)
        with self.timed("search index"):
            self._write_search_index(results, searched, previous, staging, manifest)
        urls = ["", "units/", ALL_URL, "data/", *(g.url for g in groups), *(r.extra["url"] for r in results)]
        staging.write_text("sitemap.xml", sitemap(self.site, urls))
        self._assets(theme, inputs, previous, staging, manifest)

    def _listing_pages(self, report: Report, results: list[Result], groups: list[UnitYear], inputs: dict,
                       previous: Manifest, staging: Staging, manifest: Manifest):
        """The listing pages to draw (home, units, data, the list of all unless kept, each unit's
        year unless kept), the unit pages kept from the last output, and each unit page's
        fingerprint (which its search text is made from); each unit page is recorded."""
        env = environment(self.site.root)
        rows = {r.extra["url"]: r.extra["row"] for r in results}
        summaries = list(rows.values())
        group_rows = {g.url: [rows[r.extra["url"]] for r in g.results] for g in groups}
        listing_inputs = {name: inputs[name] for name in fingerprint.DEPENDS["listing"] if name != "rows"}
        listed = {g.url: _listing(g, group_rows[g.url], listing_inputs, previous) for g in groups}
        tallies = {url: tally for url, (_, tally, _) in listed.items()}
        context = {"site": self.site, "groups": groups, "totals": site_totals(tallies, summaries), "charts": charts,
                   "years": year_totals(groups, tallies),
                   "summaries": summaries, "findings_catalogue": F.CATALOGUE,
                   "severity_zh": F.SEVERITY_ZH, "schemes": in_use(registry.schemes(), results, "scheme"),
                   "forms": in_use(registry.forms(), results, "form"),
                   "bundles": report.indexes}
        pages = [
            SitePage("", self.site.site_name, env.get_template("site/pages/home.html").render(**context)),
            SitePage("units/", "单位一览", env.get_template("site/pages/units.html").render(**context)),
            SitePage("data/", "数据与方法", env.get_template("site/pages/data.html").render(**context)),
        ]
        list_rows = b"\n  ".join(r.extra[RENDERED] for g in groups for r in g.results)
        if not self._keep_list_of_all(list_rows, groups, listing_inputs, previous, staging, manifest):
            context["list_rows"] = Markup(list_rows.decode("utf-8", "replace"))
            pages.insert(2, SitePage(ALL_URL, "全部评价", env.get_template("site/pages/all.html").render(**context)))
        kept = []  # unit pages the last build made from these very rows, with their text for search
        versions = {}
        for unit_year in groups:
            print_, _, facts = listed[unit_year.url]
            versions[unit_year.url] = print_
            entry = previous.get("listing", unit_year.url, print_)
            if entry is None or not staging.link_all(entry.files):
                body = env.get_template("site/pages/unit_year.html").render(
                    {**context, "group": unit_year, "rows": group_rows[unit_year.url],
                     "totals": totals_of(tallies[unit_year.url])})
                pages.append(SitePage(unit_year.url, unit_year.title, body, nav_url="units/"))
            else:
                kept.append(unit_year)
            manifest.record("listing", unit_year.url,
                            Entry(print_, [unit_year.url + PAGE, unit_year.url + search.TEXT_FILE], facts=facts))
        return pages, kept, versions

    def _write_pages(self, theme: Theme, pages: list[SitePage], kept: list[UnitYear], versions: dict[str, str],
                     staging: Staging) -> dict[str, tuple]:
        """The pages drawn in the theme and written; the pages search finds besides evaluations
        (all but the list of every evaluation), as `search_docs` takes them."""
        searched = {}
        with self.timed("listing pages"):
            for page in pages:
                html = theme.render(page)
                staging.write_text(page.url + PAGE, html)
                if page.url != ALL_URL:
                    searched[page.url] = (page.title, write_page_text(staging, page, html), versions.get(page.url))
        for unit_year in kept:  # a kept page's text is read back only if its partition of the index is written
            searched[unit_year.url] = (unit_year.title, partial(_kept_text, self.out_dir, unit_year.url),
                                       versions[unit_year.url])
        return searched

    def _write_search_index(self, results: list[Result], searched: dict[str, tuple], previous: Manifest,
                            staging: Staging, manifest: Manifest) -> None:
        self.search_docs = search_docs(results, searched)
        # The last build's index, if all its files are in the output: its unchanged
        # partitions are kept (a patched spare already holds most of them).
        index = previous.search if previous.complete(self.out_dir, "search") else None
        try:
            self.search_figures = search.build_index(self.search_docs, staging.root, index,
                                                     workers.mapper(self.jobs), keep=staging.link_all)
        except (KeyError, TypeError, ValueError, IndexError):  # partitions of another shape: all anew
            staging.clear("search")
            self.search_figures = search.build_index(self.search_docs, staging.root, None,
                                                     workers.mapper(self.jobs))
        manifest.search = self.search_figures["partitions"]
        manifest.record("search", "", Entry("", self.search_figures["files"]))

    @staticmethod
    def _keep_list_of_all(list_rows: bytes, groups: list[UnitYear], inputs: dict, previous: Manifest,
                          staging: Staging, manifest: Manifest) -> bool:
        """Keep the list of every evaluation from the last output when its rows, as drawn, and its
        units and years are the same: it is the largest page (a row for each of 10,000
        evaluations: 60 ms to draw, 10 to compare), and most edits change no row."""
        drawn = hashlib.blake2b(list_rows, digest_size=32).hexdigest()  # 5 MB: twice as fast as SHA-256 here
        rows = fingerprint.digest(drawn, *(g.url for g in groups))
        print_ = fingerprint.of("listing", rows=rows, **inputs)
        manifest.record("listing", ALL_URL, Entry(print_, [ALL_URL + PAGE]))
        entry = previous.get("listing", ALL_URL, print_)
        return entry is not None and staging.link_all(entry.files)

    def _assets(self, theme: Theme, inputs: dict, previous: Manifest, staging: Staging, manifest: Manifest) -> None:
        print_ = fingerprint.of("assets", **{name: inputs[name] for name in fingerprint.DEPENDS["assets"]})
        entry = previous.get("assets", "", print_)
        if entry is None or not staging.link_all(entry.files):
            staging.clear("assets")  # copying onto a link would write through it
            theme.copy_assets(staging.root)
            entry = Entry(print_, staging.files("assets"))
        manifest.record("assets", "", entry)

    def _write_downloads(self, results: list[Result], output: Output) -> None:
        """Joined from each evaluation's own lines, made when its page was rendered."""
        fragments = [r.extra["downloads"] for r in results]
        evaluations_header = export.csv_header(export.EVALUATION_CSV_COLUMNS).encode("utf-8")
        output.write_pieces("data/evaluations.csv", [evaluations_header, *(f["evaluations.csv"] for f in fragments)])
        output.write_pieces("data/indicators.csv", export.indicators_csv_pieces(fragments))
        objects = [piece for f in fragments for piece in (b",\n", f["evaluations.json"])]
        output.write_pieces("data/evaluations.json", [b"[", *objects[1:], b"]"])
        package = export.datapackage(self.site, export.deepest(fragments))
        output.write_text("data/datapackage.json", json.dumps(package, ensure_ascii=False, indent=1, sort_keys=True))


def _listing(group: UnitYear, rows: list[dict], inputs: dict, previous: Manifest) -> tuple[str, Tally, dict]:
    """A unit page's fingerprint and tally, and what the manifest keeps of them (`facts`). A unit
    whose evaluations are the last build's, each with the page fingerprint it had then (which
    covers its row and every input of the unit page), has the last build's fingerprint and
    tally: its rows are neither encoded nor added up again."""
    members = fingerprint.digest(*(part for r in group.results for part in (r.extra["url"], r.extra["page"])))
    entry = previous.get("listing", group.url)
    if entry is not None and entry.facts.get("members") == members:
        tally = Tally.from_data(entry.facts.get("tally"), rows)
        if tally is not None:
            return entry.fingerprint, tally, entry.facts
    tally = Tally.of(rows)
    print_ = fingerprint.of("listing", rows=json.dumps(rows, sort_keys=True), **inputs)
    return print_, tally, {"members": members, "tally": tally.to_data(rows)}


def search_docs(results: list[Result], pages: dict[str, tuple]) -> list[search.Doc]:
    """Every evaluation, and the other pages search finds: {url: (title, encoded text or a function
    that reads it, the page's fingerprint or None)}. A unit's page is known by its fingerprint,
    which covers everything the page is made from; an evaluation by a digest of its text, made
    with its page (an edit that leaves the text as it was then leaves its partition of the index
    as it was)."""
    docs = [search.Doc(r.extra["url"], r.glance("name"), "evaluation", r.extra["search"], r.extra["search_version"])
            for r in results]
    docs += [search.Doc(url, title, "listing" if url.startswith("units/") and url != "units/" else "page",
                        encoded, version)
             for url, (title, encoded, version) in pages.items()]
    return sorted(docs, key=lambda d: d.url)


def _kept_text(out_dir: Path, url: str) -> bytes:
    """The search text of a page kept from the last output (its file in the output, before
    the build is published and after), in its index form."""
    return search.encode_text(Output(out_dir).path(url + search.TEXT_FILE).read_text(encoding="utf-8"))


def sitemap(site: SiteConfig, urls: list[str]) -> str:
    base = (site.site_url or "").rstrip("/") + "/"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{base}{url}</loc></url>" for url in sorted(set(urls))]
    return "\n".join(lines + ["</urlset>"]) + "\n"
