"""The site's pages that list evaluations (home, units, every evaluation, each unit's year,
data and methods), its downloads, search index, sitemap and theme assets: everything
but the evaluations' own pages, made from each folder's block (`blocks.py`), by
`SiteBuilder` once the evaluations are checked and their pages rendered.

Each output is kept from the last build when its fingerprint is unchanged: the list of
every evaluation by its rows as drawn, a unit's page by its rows, the downloads by their
lines, the theme's assets by their inputs; the search index keeps its unchanged partitions.
A kept folder's rows and lines are read from its bytes only when an output that joins them
is written again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from markupsafe import Markup

from . import charts, export, search
from .. import findings as F
from ..building import fingerprint, verified, workers
from ..building.manifest import Entry, Manifest
from ..building.output import Output, Staging
from ..building.pipeline import Report
from ..project.config import SiteConfig
from ..project.structure import unit_year_url
from ..rules import registry
from .blocks import PAGE, RENDERED, Block
from .templating import environment
from .theme import SitePage, Theme, main_content
from .totals import Tally, totals_of, year_totals

ALL_URL = "evaluations/"  # the list of every evaluation


@dataclass
class UnitYear:
    unit: str
    unit_name: str
    year: str
    parts: list = field(default_factory=list)  # (block, index of its part): its evaluations, folder by folder

    @property
    def count(self) -> int:
        return sum(block.parts[at].count for block, at in self.parts)

    @property
    def url(self) -> str:
        return unit_year_url(self.unit, self.year)

    @property
    def title(self) -> str:
        return f"{self.unit_name} {self.year} 年度"


def write_page_text(output: Output | Staging, page: SitePage, html: str) -> bytes:
    """The page's visible text beside it (result snippets are cut from it), and its index form."""
    text = search.page_text(page.title, search.visible_text(main_content(html)))
    output.write_text(page.url + search.TEXT_FILE, text)
    return search.encode_text(text)


class Listings:
    """The listing stage of one build into `out_dir` (kept folders' bytes in `block_dir`);
    `timed(phase)` times each phase, as the builder reports them."""

    def __init__(self, site: SiteConfig, out_dir: Path, block_dir: Path, jobs: int | None, timed):
        self.site, self.out_dir, self.block_dir, self.jobs, self.timed = site, out_dir, block_dir, jobs, timed
        self.search_docs: list[search.Doc] = []
        self.search_figures: dict = {}

    def write(self, report: Report, blocks: list[Block], nav, names, inputs: dict, previous: Manifest,
              staging: Staging, manifest: Manifest) -> None:
        """Everything but the evaluations' own pages: the pages that list them, the downloads,
        the search index, the sitemap and the theme's assets."""
        theme = Theme(self.site, nav, self.site.content_path)
        groups = group(blocks, names, self.site)
        pages, kept, versions = self._listing_pages(report, blocks, groups, inputs, previous, staging, manifest)
        searched = self._write_pages(theme, pages, kept, versions, staging)
        staging.write_text("404.html", theme.render_not_found())
        with self.timed("downloads"):
            self._write_downloads(blocks, inputs, previous, staging, manifest)
        with self.timed("search index"):
            self._write_search_index(report, blocks, searched, previous, staging, manifest)
        urls = ["", "units/", ALL_URL, "data/", *(g.url for g in groups),
                *(url for block in blocks for _, url in block.listed())]
        staging.write_text("sitemap.xml", sitemap(self.site, urls))
        self._assets(theme, inputs, previous, staging, manifest)

    def _listing_pages(self, report: Report, blocks: list[Block], groups: list[UnitYear], inputs: dict,
                       previous: Manifest, staging: Staging, manifest: Manifest):
        """The listing pages to draw (home, units, data, the list of all unless kept, each unit's
        year unless kept), the unit pages kept from the last output, and each unit page's
        fingerprint (which its search text is made from); each unit page is recorded."""
        env = environment(self.site.root)
        listing_inputs = {name: inputs[name] for name in fingerprint.DEPENDS["listing"] if name != "rows"}
        tallies = {g.url: Tally.merged(block.parts[at].tally for block, at in g.parts) for g in groups}
        context = {"site": self.site, "groups": groups, "charts": charts,
                   "totals": totals_of(Tally.merged(part.tally for block in blocks for part in block.parts)),
                   "years": year_totals(groups, tallies), "listed": sum(g.count for g in groups),
                   "findings_catalogue": F.CATALOGUE, "severity_zh": F.SEVERITY_ZH,
                   "schemes": in_use(registry.schemes(), blocks, "schemes"),
                   "forms": in_use(registry.forms(), blocks, "forms"), "bundles": report.indexes}
        pages = [
            SitePage("", self.site.site_name, env.get_template("site/pages/home.html").render(**context)),
            SitePage("units/", "单位一览", env.get_template("site/pages/units.html").render(**context)),
            SitePage("data/", "数据与方法", env.get_template("site/pages/data.html").render(**context)),
        ]
        if not self._keep_list_of_all(groups, listing_inputs, previous, staging, manifest):
            list_rows = b"\n  ".join(block.read_bytes(self.block_dir)[0][at] for g in groups for block, at in g.parts)
            context["list_rows"] = Markup(list_rows.decode("utf-8", "replace"))
            page = env.get_template("site/pages/all.html").render(**context)
            pages.insert(2, SitePage(ALL_URL, "全部评价", page))
        kept = []  # unit pages the last build made from these very rows, with their text for search
        versions = {}
        for unit_year in groups:
            rows = fingerprint.digest(*(block.parts[at].rows_digest for block, at in unit_year.parts))
            print_ = versions[unit_year.url] = fingerprint.of("listing", rows=rows, **listing_inputs)
            entry = previous.get("listing", unit_year.url, print_)
            if entry is None or not staging.link_all(entry.files):
                body = env.get_template("site/pages/unit_year.html").render(
                    {**context, "group": unit_year, "rows": self._rows(unit_year),
                     "totals": totals_of(tallies[unit_year.url])})
                pages.append(SitePage(unit_year.url, unit_year.title, body, nav_url="units/"))
            else:
                kept.append(unit_year)
            manifest.record("listing", unit_year.url,
                            Entry(print_, [unit_year.url + PAGE, unit_year.url + search.TEXT_FILE]))
        return pages, kept, versions

    def _rows(self, unit_year: UnitYear) -> list[dict]:
        """A unit's rows, as its page lists them."""
        return [row for block, at in unit_year.parts
                for row in verified.parsed(bytes(block.read_bytes(self.block_dir)[1][at]))]

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

    def _write_search_index(self, report: Report, blocks: list[Block], searched: dict[str, tuple],
                            previous: Manifest, staging: Staging, manifest: Manifest) -> None:
        texts = {r.extra["url"]: r.extra["search"] for r in report.results if RENDERED in r.extra}
        self.search_docs = search_docs(blocks, texts, partial(_kept_text, self.out_dir), searched)
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

    def _keep_list_of_all(self, groups: list[UnitYear], inputs: dict, previous: Manifest, staging: Staging,
                          manifest: Manifest) -> bool:
        """Keep the list of every evaluation from the last output when its rows, as drawn, and its
        units and years are the same: it is the largest page (a row for each of 10,000
        evaluations: 60 ms to draw), and most edits change no row."""
        rows = fingerprint.digest(*(block.parts[at].list_digest for g in groups for block, at in g.parts),
                                  *(g.url for g in groups))
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

    def _write_downloads(self, blocks: list[Block], inputs: dict, previous: Manifest, staging: Staging,
                         manifest: Manifest) -> None:
        """Joined from each evaluation's own lines, made when its page was rendered; kept from
        the last output when no line has changed (an edit of a file's layout changes none)."""
        levels = max((block.levels for block in blocks), default=0)
        lines = fingerprint.digest(*(block.downloads for block in blocks), str(levels))
        print_ = fingerprint.of("downloads", rows=lines,
                                **{name: inputs[name] for name in fingerprint.DEPENDS["downloads"] if name != "rows"})
        entry = previous.get("downloads", "data/", print_)
        if entry is None or not staging.link_all(entry.files):
            fragments = [fragment for block in blocks for fragment in block.listed_fragments(self.block_dir)]
            entry = Entry(print_, export.write_downloads(staging, self.site, fragments))
        manifest.record("downloads", "data/", entry)


def group(blocks: list[Block], unit_names: dict[str, str], site: SiteConfig) -> list[UnitYear]:
    groups: dict[str, UnitYear] = {}
    for block in blocks:
        for at, part in enumerate(block.parts):
            if part.url not in groups:
                unit, year = part.url.split("/")[1:3]
                groups[part.url] = UnitYear(unit, unit_names.get(unit, unit), year)
            groups[part.url].parts.append((block, at))
    return sorted(groups.values(), key=lambda g: (site.unit_order(g.unit), g.year))


def in_use(declared: dict, blocks: list[Block], kind: str) -> dict:
    """The forms or schemes that some evaluation uses, in their declared order."""
    used = {name for block in blocks for name in getattr(block, kind)}
    return {name: item for name, item in declared.items() if name in used}


def search_docs(blocks: list[Block], texts: dict[str, bytes], kept_text, pages: dict[str, tuple]) -> list[search.Doc]:
    """Every evaluation, and the other pages search finds: {url: (title, encoded text or a function
    that reads it, the page's fingerprint or None)}. An evaluation's text is this build's, if
    its folder's results were loaded (`texts`), else read back from the last output by
    `kept_text(url)`, if its partition of the index is written. A unit's page is known by its
    fingerprint, which covers everything the page is made from; an evaluation by a digest of
    its text, made with its page (an edit that leaves the text as it was then leaves its
    partition of the index as it was)."""
    docs = [search.Doc(url, block.titles[at], "evaluation", texts[url] if url in texts else partial(kept_text, url),
                       block.search_versions[at])
            for block in blocks for at, url in block.listed()]
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
