"""Building the public site: pages, charts, downloads and the search index.

An evaluation's page is rendered in the worker process that reads its file,
while the model is in memory; what the site needs of it afterwards (its summary,
findings and search text) travels back in the light result and is cached, so an
unchanged file is neither read nor rendered again. Listing pages, downloads and
the search index are then made from each folder's block (`blocks.py`): made of this
build's results for a folder with a change, kept whole from the last build for the others.
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import TemplateError
from markupsafe import Markup

from . import export, search, templating
from .. import findings as F
from ..building import fingerprint
from ..building.manifest import Entry, Manifest
from ..building.output import Output, OutputError, Staging, check_target, locked, remove_leftovers
from ..building.pipeline import Report, Result, process_many, run
from ..checking import checks
from ..loading.loader import INDEX_NAME
from ..project.config import SiteConfig
from ..project.project import Project
from ..project.structure import Location, content_relative, locate, slugify, unit_year_url
from ..project.tree import defaults_chain, defaults_of, discover
from ..quantities import figure
from ..rules import registry
from .blocks import PAGE, RENDERED, Block, BlockDamaged, remove_unused
from .listings import Listings, write_page_text
from .templating import environment
from .theme import END_OF_LIFE_NOTICE, NavEntry, SitePage, Theme
from .totals import NO_FUNDS, no_rate, printed_if_other



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


# --- what the listings need of an evaluation, made with its page ----------------------

_LISTED = ("name", "unit", "year", "form", "kind", "grade", "total", "budget", "executed", "execution_rate",
           "budget_text", "executed_text", "total_text")


def table_row(result: Result, unit_name: str) -> dict:
    """What listing pages show of an evaluation, figures already formatted: they have 10,000 rows.
    Its unit is the publishing unit, as on the unit pages, even where a table names another 主管部门.
    A computed figure the original table prints otherwise carries the printed one beside it."""
    s = result.summary
    form = registry.forms().get(s["form"])
    funds = form is None or form.funds_block  # a form without a funds block (苏州) has no rate to give
    return {**{key: s[key] for key in _LISTED}, "unit": unit_name, "url": result.extra["url"], "funds": funds,
            "rate_text": s["execution_rate_text"] or (no_rate(s) if funds else NO_FUNDS),
            "rate_printed": printed_if_other(s["execution_rate_text"], s["published_execution_rate_text"]),
            "total_printed": printed_if_other(s["total_text"], s["published_total_text"]),
            "checks": s["findings"]["warning"] + s["findings"]["error"], "full_marks": _full_marks(s)}


def _full_marks(summary: dict) -> str | None:
    """The points its scheme gives in all (100; 苏州 80), as text."""
    scheme = registry.schemes().get(summary["scheme"])
    return figure(scheme.total_points) if scheme is not None and scheme.total_points is not None else None


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


# --- the build, in the main process ------------------------------------------------------

def _logo_bytes(site: SiteConfig) -> bytes:
    return fingerprint.read_or_empty(site.root / site.logo) if site.logo else b""


class SiteBuilder:
    """One build of the site (and its printouts) into `out_dir`: prepared in a staging tree
    beside it, from what changed since the last build and links to what did not, and
    published whole (see `output.py`); the manifest (`manifest.py`) says what is kept, and
    each folder of evaluations is kept whole where nothing it was made from changed (`blocks.py`)."""

    def __init__(self, site: SiteConfig | Project, out_dir: Path | None = None, jobs: int | None = None,
                 use_cache: bool = True, echo=print, progress=None):
        self.progress = progress  # a context manager factory: progress(total) yields update(n)
        self.timings: dict[str, float] = {}
        self.project = site if isinstance(site, Project) else Project.of_site(site)
        self.site = self.project.site()
        self.out_dir = Path(os.path.abspath(out_dir or self.site.output_path))
        # where the bytes of the blocks the manifest lists are (`blocks.py`)
        self.block_dir = Manifest.location(self.project.cache_dir, self.out_dir).with_suffix(".blocks")
        self.jobs = jobs
        self.use_cache = use_cache
        self.echo = echo
        self.up_to_date = False
        self.folders = (0, 0)  # of the folders of evaluations, how many were kept whole (`blocks.py`), of how many
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
                try:
                    return self._build(keep_blocks=True)
                except BlockDamaged:  # a kept folder's bytes are gone or damaged: made again from the files
                    return self._build(keep_blocks=False)
        except OSError as exc:
            raise OutputError.of(exc) from exc

    def _build(self, keep_blocks: bool) -> Report:
        with self.timed("prepare"):
            templating.forget()  # a template added to the project since the last build overrides
            files = discover([self.site.content_path])
            nav, names = navigation(self.site, files)
            inputs = self.inputs(nav, names)
            last = Manifest.load(self.project.cache_dir, self.out_dir)
            previous = last if self.use_cache and last.describes(self.out_dir) else last.fresh()
            staging = Staging(self.out_dir, self.out_dir if previous.tree is not None else None)
            manifest = last.fresh()
            renderer = self._renderer(nav, names, inputs, staging)
            runs = folder_runs(files)
            kept = self._kept_blocks(runs, previous, renderer.key) if keep_blocks else {}
        try:
            report, kept_pages = self._evaluations(files, renderer, previous, kept)
            if report.count(F.ERROR):
                staging.discard()
                return report
            blocks = self._blocks(runs, report, kept, renderer.key)
            self.folders = (len(kept), len(blocks))
            whole = self._whole(blocks, report, inputs)
            if previous.whole == whole and self._complete(previous, blocks):  # the output is what it would make
                self.up_to_date = True
                staging.discard(untouched=len(kept_pages) == len(report.results))  # no page rendered into it
                return report
            with self.timed("kept pages"):
                self._keep_folders(kept, staging)
                self._keep_pages(report, kept_pages, renderer, staging)
            listings = Listings(self.site, self.out_dir, self.block_dir, self.jobs, self.timed)
            listings.write(report, blocks, nav, names, inputs, previous, staging, manifest)
            self.search_docs, self.search_figures = listings.search_docs, listings.search_figures
            if self.site.print is not False:
                from .printing import print_into

                with self.timed("print"):
                    self.print_figures = print_into(report, self.project, staging, previous, manifest,
                                                    inputs, self.jobs)
            manifest.whole = whole
            self._commit(blocks, manifest, staging)
        except BaseException:
            staging.discard()
            raise
        return report

    def _renderer(self, nav, names, inputs: dict, staging: Staging) -> EvaluationRenderer:
        page_inputs = {name: inputs[name] for name in fingerprint.DEPENDS["page"] if name != "source"}
        return EvaluationRenderer(self.site, str(staging.root), nav, names,
                                  fingerprint.digest(*page_inputs.values()), page_inputs)

    def _kept_blocks(self, runs: list[tuple[str, list[Path]]], previous: Manifest, key: str) -> dict[str, Block]:
        """The folders the last build made that are as they were, by their first file (none while
        printing: a bundle is made of all its tables' results)."""
        if self.site.print is not False or not previous.blocks:
            return {}
        kept = {}
        for directory, paths in runs:
            in_full = fingerprint.canonical(directory)
            block = Block.from_data(previous.blocks.get(os.path.join(in_full, paths[0].name)))
            if (block is not None and block.directory == in_full
                    and block.unchanged(paths, _chain(paths[0].parent), key)):
                block.keep(directory)
                kept[str(paths[0])] = block
        return kept

    def _evaluations(self, files: list[Path], renderer: EvaluationRenderer, previous: Manifest,
                     kept: dict[str, Block]) -> tuple[Report, dict[str, Entry]]:
        """Every file of the folders not kept checked and scored, and the page of each changed one
        rendered (in the workers); the pages the last build wrote that are current, by file."""
        old_pages = _pages_of(previous, kept)
        kept_pages: dict[str, Entry] = {}

        def reuse(path: Path, cached: Result) -> bool:
            extra = cached.extra
            # A verified entry's page fingerprint was made from its source and the inputs whose
            # digest it holds beside it: comparing that digest spares 10,000 fingerprints a build.
            if not _rendered(extra) or extra["page_inputs"] != renderer.key:
                return False
            entry = old_pages.get(extra["url"])
            if entry is not None and entry.fingerprint == extra["page"]:
                kept_pages[cached.file] = entry
                return True
            return False

        with self.timed("evaluations"), self._progress(len(files)) as update:
            report = run(files, jobs=self.jobs, use_cache=self.use_cache, project=self.project, after=renderer,
                         reuse=reuse, progress=update, discovered=True, content_root=self.site.content_path,
                         kept=[block.kept() for block in kept.values()])
        return report, kept_pages

    def _blocks(self, runs: list[tuple[str, list[Path]]], report: Report, kept: dict[str, Block], key: str
                ) -> list[Block]:
        """Each folder's block, in the order of the files: kept, or made of this build's results."""
        results = iter(report.results)
        blocks = []
        for directory, paths in runs:
            block = kept.get(str(paths[0]))
            if block is None:
                block = _made_block(directory, [next(results) for _ in paths], key)
            blocks.append(block)
        return blocks

    def _complete(self, previous: Manifest, blocks: list[Block]) -> bool:
        """Whether the last output holds every file the manifest lists (a file deleted by hand
        is written again, never taken as current)."""
        top = str(self.out_dir)
        return previous.complete(self.out_dir) and all(
            os.path.isfile(os.path.join(top, name)) for block in blocks for name in block.files)

    @staticmethod
    def _keep_folders(kept: dict[str, Block], staging: Staging) -> None:
        """The pages of the folders kept whole linked from the last output; a page gone from it
        (deleted by hand) makes the build start again without blocks (its folder's results were
        not loaded: `BlockDamaged`)."""
        for block in kept.values():
            if not staging.link_all(block.files):
                raise BlockDamaged(block.first)

    def _keep_pages(self, report: Report, kept: dict[str, Entry], renderer: EvaluationRenderer,
                    staging: Staging) -> None:
        """The current pages of the folders not kept linked from the last output (rendered again
        where its files are gone)."""
        for index, result in enumerate(report.results):
            entry = kept.get(result.file)
            if entry is not None and not staging.link_all(entry.files):
                report.results[index] = self._render_again(result.file, renderer)

    def _render_again(self, file: str, renderer: EvaluationRenderer) -> Result:
        """A page the last build wrote and the output no longer holds (deleted by hand)."""
        return process_many([Path(file)], self.project.extension_roots, False, renderer)[0]

    def _whole(self, blocks: list[Block], report: Report, inputs: dict) -> str:
        """Everything the build is made of: every folder's pages with their fingerprints (each
        covers its source, the code, rules, templates, configuration and navigation), the
        bundles' indexes, and what the printouts say of themselves."""
        indexes = [part for directory in sorted(report.indexes)
                   for part in (fingerprint.canonical(directory), fingerprint.file_digest(Path(directory) / INDEX_NAME))]
        return fingerprint.digest(json.dumps(inputs, sort_keys=True), *(block.digest for block in blocks), *indexes,
                                  str(self.site.print))

    def _commit(self, blocks: list[Block], manifest: Manifest, staging: Staging) -> None:
        """The new blocks' bytes and the manifest saved, then the output published; the bytes of
        blocks no longer listed deleted."""
        with self.timed("commit"):
            for block in blocks:
                if not block.kept_whole:
                    block.write_bytes(self.block_dir)
            manifest.blocks = {str(block.first): block.to_data() for block in blocks}
            manifest.save(self.out_dir, staging.identity())
            staging.publish(declared=manifest.files() + [name for block in blocks for name in block.files])
            remove_unused(self.block_dir, blocks)

    @contextmanager
    def _progress(self, total: int):
        if self.progress is None:
            yield None
        else:
            with self.progress(total) as update:
                yield update

def folder_runs(files: list[Path]) -> list[tuple[str, list[Path]]]:
    """The files in runs of one directory each, in order (a directory whose files and
    subdirectories interleave, by name, has several)."""
    runs: list[tuple[str, list[Path]]] = []
    for path in files:
        directory = os.path.dirname(path)
        if runs and runs[-1][0] == directory:
            runs[-1][1].append(path)
        else:
            runs.append((directory, [path]))
    return runs


def _chain(directory: Path) -> list[str]:
    """The defaults files the files of a directory inherit, in full."""
    return [fingerprint.canonical(item) for item in defaults_chain(directory)]


def _made_block(directory: str, results: list[Result], key: str) -> Block:
    """The block of a folder's results of this build: its evaluations by unit page, each
    with its rows and its joined rows on the list of every evaluation."""
    parts: dict[str, list[Result]] = {}
    for result in results:
        if RENDERED in result.extra and result.glance("name"):
            parts.setdefault(unit_year_url(*result.extra["url"].split("/")[1:3]), []).append(result)
    return Block.of(fingerprint.canonical(directory), results, key,
                    [(url, [r.extra["row"] for r in members]) for url, members in parts.items()],
                    [b"\n  ".join(r.extra[RENDERED] for r in members) for members in parts.values()],
                    [r.extra.get("chapters", []) if RENDERED in r.extra else [] for r in results])


def _pages_of(previous: Manifest, kept: dict[str, Block]) -> dict[str, Entry]:
    """The pages of the last build's folders that are not kept, by URL: each file's page is
    kept if it is current (a one-file edit: its folder's other pages)."""
    pages = {}
    taken = {block.first for block in kept.values()}
    for first, data in previous.blocks.items():
        block = None if first in taken else Block.from_data(data)
        if block is not None:
            for url, page, files in block.pages_with_files():
                pages[url] = Entry(page, files)
    return pages

