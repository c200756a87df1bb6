"""PDF: each table's HTML from its form's template, laid out by WeasyPrint.

The tables of a unit and year are laid out together, once, each starting on a
new page; each table's own PDF is a copy of its pages, and the bundle is the
cover, the index and every table's pages. WeasyPrint's cost is mostly per
document (style set-up, font subsetting), so this is several times faster than
laying out each table alone and the bundle again.

Page footers (第 N 页 共 M 页) differ between a table's PDF and the bundle: they are
laid out separately, as empty pages with the same page style, and put on the
table's pages before each PDF is written.

A merged 一级/二级 cell that crosses a page break loses its label on the next page.
So the indicator rows that begin a page are read from the layout (each row has an
anchor), and a table that broke anywhere else than where its merged cells end is
laid out again with the cells ended at those rows and the breaks forced there.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import jinja2
from markupsafe import Markup

from ..model import BundleIndex
from .fonts import write_pdf
from .view import TableView

MAX_LAYOUTS = 5


@dataclass
class PrintJob:
    """A table to print: makes its view for a set of page breaks; gets its laid-out pages."""

    make_view: Callable[[frozenset[int]], TableView]
    prefix: str
    breaks: frozenset[int] = frozenset()
    pages: list = field(default_factory=list)


def _template(env: jinja2.Environment, form_id: str) -> jinja2.Template:
    return env.select_template([f"print/{form_id}.html", "print/project-table.html"])


def table_html(job: PrintJob, env: jinja2.Environment) -> Markup:
    view = job.make_view(job.breaks)
    return Markup(_template(env, view.form.id).render(view=view, prefix=job.prefix))


def document_html(parts: list[Markup], title: str, env: jinja2.Environment) -> str:
    css, _, _ = env.loader.get_source(env, "print/print.css")
    return env.get_template("print/document.html").render(parts=parts, title=title, css=Markup(css))


def cover_html(index: BundleIndex, year, anchors: dict[str, str], env: jinja2.Environment) -> Markup:
    return Markup(env.get_template("print/bundle.html").render(index=index, year=year, anchors=anchors))


def _render(html: str):
    import weasyprint

    return weasyprint.HTML(string=html).render()


def page_starts(pages, prefix: str) -> list[int]:
    """Indicator rows (after the first) that begin a page, in page order."""
    marker = f"{prefix}r"
    starts = []
    for page in pages:
        rows = [int(name[len(marker):]) for name in page.anchors if name.startswith(marker)]
        if rows and min(rows) > 0:
            starts.append(min(rows))
    return starts


def settled(breaks: frozenset[int], found: list[int]) -> frozenset[int] | None:
    """None when the layout broke pages exactly at `breaks`, else the breaks to try next.

    A first layout's breaks are all taken. Later, a page that no longer fits (its
    merged labels, now repeated, made rows taller) breaks before the forced row: keep
    the breaks before that one and let the layout find the following ones again."""
    if set(found) == set(breaks):
        return None
    unexpected = [start for start in found if start not in breaks]
    if not breaks or not unexpected:
        return frozenset(found)
    return frozenset(b for b in breaks if b < unexpected[0]) | {unexpected[0]}


def _split(pages, jobs: list[PrintJob]) -> tuple[list, dict[int, list]]:
    """The pages before the first table, and each table's pages (a table starts a page)."""
    starts = {}
    for number, page in enumerate(pages):
        for n, job in enumerate(jobs):
            if f"{job.prefix}form" in page.anchors:
                starts.setdefault(n, number)  # a box split over pages anchors on each
    order = sorted(starts.items(), key=lambda item: item[1])
    ends = [start for _, start in order[1:]] + [len(pages)]
    first = order[0][1] if order else len(pages)
    return pages[:first], {n: pages[start:end] for (n, start), end in zip(order, ends)}


def lay_out(jobs: list[PrintJob], before: list[Markup], title: str, env: jinja2.Environment):
    """Lay out the tables (after `before`, e.g. a cover), again for those whose merged
    cells did not end at their page breaks; fill each job's pages. Returns the first
    document (to write pages from) and the pages of `before`."""
    pending, first, front = list(jobs), None, []
    for _ in range(MAX_LAYOUTS):
        document = _render(document_html((before if first is None else []) +
                                         [table_html(job, env) for job in pending], title, env))
        leading, by_job = _split(document.pages, pending)
        if first is None:
            first, front = document, leading
        retry = []
        for n, job in enumerate(pending):
            job.pages = by_job.get(n, [])
            again = settled(job.breaks, page_starts(job.pages, job.prefix))
            if again is not None:
                job.breaks = again
                retry.append(job)
        if not retry:
            break
        pending = retry
    return first, front


def footer_pages(runs: list[tuple[int, bool]], env: jinja2.Environment) -> list[list]:
    """For each run of `count` pages (the first one a cover, without footer, when `cover`),
    empty pages whose footers read 第 N 页 共 M 页; all laid out as one document."""
    footers = []
    for count, cover in runs:
        numbered = count - 1 if cover else count
        footers += [(0, 0)] * cover + [(n, numbered) for n in range(1, numbered + 1)]
    body = Markup(env.get_template("print/footers.html").render(footers=footers))
    pages = iter(_render(document_html([body], "", env)).pages)
    return [[next(pages) for _ in range(count)] for count, _ in runs]


def set_footers(pages, footers) -> None:
    """Give each laid-out page the footer (margin boxes) of the matching footer page."""
    from weasyprint.formatting_structure.boxes import MarginBox

    for page, footer in zip(pages, footers, strict=True):
        box = page._page_box
        box.children = (tuple(c for c in box.children if not isinstance(c, MarginBox)) +
                        tuple(c for c in footer._page_box.children if isinstance(c, MarginBox)))


def write(document, pages, title: str) -> bytes:
    """A PDF of some pages of a laid-out document, titled `title`."""
    subset = document.copy(pages)
    subset.metadata = copy.copy(document.metadata)
    subset.metadata.title = title
    return write_pdf(subset)
