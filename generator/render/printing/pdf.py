"""PDF: a document's blocks (see `generator/layout/document.py`) laid out by WeasyPrint.

A document is laid out in runs, each starting a new page: an evaluation's table and the
blocks after it (its sections and figure tables). The runs of a unit and year that are due
are laid out together, once (WeasyPrint's cost is much per document: style set-up, font
subsetting), and each evaluation's PDF is written from its run's pages. A unit's bundle is
not laid out again: its front matter (the cover and the index) is, and the tables' own PDFs
are merged after it (merge.py), those that did not change as the last build wrote them.

Page footers (第 N 页 共 M 页) differ between a table's PDF and the bundle: they are
laid out apart, as empty pages with the same page style, and stamped on the written
PDFs (merge.py). The same numbers become the PDF's page labels, so that a viewer's
page box shows the printed number (the bundle's cover is unnumbered: labelled 封面).

A bundle's front matter is laid out when the tables' page numbers, which the index
prints, are known.

A merged 一级/二级 cell that crosses a page break loses its label on the next page.
So the indicator rows that begin a page are read from the layout (each row has an
anchor), and a table that broke anywhere else than where its merged cells end is
laid out again with the cells ended at those rows and the breaks forced there.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
import jinja2
import pydyf
from markupsafe import Markup

from ...layout import ProjectTable
from .fonts import write_pdf
from .view import blocks_html

MAX_LAYOUTS = 5
COVER_LABEL = "封面"
FOOTER_BOX = "@bottom-center"  # the margin box that differs between a table's PDF and its bundle


FRONT_KINDS = ("cover", "index")  # blocks laid out after the runs: they print the runs' page numbers


@dataclass
class PrintJob:
    """A run of blocks that starts a page: a table and the blocks after it. Its table is laid
    out with page breaks before the indicator rows in `breaks`; `pages` are the laid-out pages."""

    blocks: list
    prefix: str
    breaks: frozenset[int] = frozenset()
    pages: list = field(default_factory=list)

    @property
    def table(self) -> ProjectTable:
        return self.blocks[0]


def is_report(job: PrintJob) -> bool:
    """A department report's run: it begins with its cover and numbers its own pages."""
    return job.blocks[0].kind == "cover"


def runs(blocks: list) -> tuple[list, list[list]]:
    """A document's front matter (its leading cover and index), and its runs: each table
    with the blocks after it."""
    front = 0
    while front < len(blocks) and blocks[front].kind in FRONT_KINDS:
        front += 1
    found: list[list] = []
    for block in blocks[front:]:
        if block.kind == "table" or not found:
            found.append([])
        found[-1].append(block)
    if found and found[0][0].kind != "table":
        raise ValueError("a document's body begins with a table: blocks before it have no run to print in")
    return blocks[:front], found


def run_html(job: PrintJob, env: jinja2.Environment) -> Markup:
    return Markup("\n".join(blocks_html(job.blocks, env, job.prefix, job.breaks)))


def document_html(parts: list[Markup], title: str, env: jinja2.Environment) -> str:
    css, _, _ = env.loader.get_source(env, "print/print.css")
    return env.get_template("print/document.html").render(parts=parts, title=title, css=Markup(css))


@dataclass
class IndexLink:
    """Where the index sends a project: its table's anchor and first page number."""

    anchor: str
    page: int


def front_html(blocks: list, links: dict[str, IndexLink], env: jinja2.Environment) -> Markup:
    return Markup(env.get_template("print/bundle.html").render(blocks=blocks, links=links))


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


def _split(pages, jobs: list[PrintJob]) -> dict[int, list]:
    """Each table's pages (a table starts a page)."""
    starts = {}
    for number, page in enumerate(pages):
        for n, job in enumerate(jobs):
            if f"{job.prefix}form" in page.anchors:
                starts.setdefault(n, number)  # a box split over pages anchors on each
    order = sorted(starts.items(), key=lambda item: item[1])
    ends = [start for _, start in order[1:]] + [len(pages)]
    return {n: pages[start:end] for (n, start), end in zip(order, ends)}


def lay_out(jobs: list[PrintJob], title: str, env: jinja2.Environment):
    """Lay out the runs, again for those whose tables' merged cells did not end at their page
    breaks; fill each job's pages. Returns the first document (to write pages from)."""
    pending, first = list(jobs), None
    for _ in range(MAX_LAYOUTS):
        document = _render(document_html([run_html(job, env) for job in pending], title, env))
        first = first or document
        by_job = _split(document.pages, pending)
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
    return first


def index_links(counts: list[tuple[str, int]], front_count: int) -> dict[str, IndexLink]:
    """Each project's anchor and first page number, from each table's (project, page count) in
    the bundle's order, its tables following `front_count` pages (the cover, page 0,
    unnumbered, then the index). A name printed twice links to its first table. The anchors
    (`anchor`) name where the merged bundle sends each link (merge.py)."""
    links, page = {}, front_count
    for number, (project, count) in enumerate(counts):
        links.setdefault(project, IndexLink(table_anchor(number), page))
        page += count
    return links


def table_anchor(number: int) -> str:
    return f"t{number}-form"


def front_pages(blocks: list, counts: list[tuple[str, int]], title: str, env: jinja2.Environment):
    """A bundle's front pages (its cover and index), the index giving each table's first page,
    from each table's (project, page count); and the document they belong to.

    The numbers count the front's own pages: laid out once when `expected_front_pages` is
    right, again when it is not."""
    count, document = expected_front_pages(blocks), None
    for _ in range(MAX_LAYOUTS):
        html = front_html(blocks, index_links(counts, count), env)
        document = _render(document_html([html], title, env))
        if len(document.pages) == count:
            break
        count = len(document.pages)
    return document, document.pages


def first_front_html(blocks: list, counts: list[tuple[str, int]], env: jinja2.Environment) -> Markup:
    """The front matter as `front_pages` lays it out first: what its pages follow from."""
    return front_html(blocks, index_links(counts, expected_front_pages(blocks)), env)


INDEX_ENTRIES_PER_PAGE = 28  # about as many as print.css fits on a page (names on one line)


def expected_front_pages(blocks: list) -> int:
    """A guess of the front's page count, to lay it out once: each index is laid out again
    with its page numbers when the guess was wrong."""
    return sum(max(1, -(-len(block.entries) // INDEX_ENTRIES_PER_PAGE)) if block.kind == "index" else 1
               for block in blocks)


def numbering(count: int, cover: bool) -> list[int]:
    """The printed number of each of `count` pages: 0 for a cover (unnumbered), then 1, 2, …"""
    return [0] * cover + list(range(1, count - cover + 1))


def footer_pages(runs: list[tuple[int, bool]], env: jinja2.Environment):
    """For each run of `count` pages (the first one a cover, without footer, when `cover`),
    empty pages whose footers read 第 N 页 共 M 页; all laid out as one document, returned
    with each run's page numbers (0-based) in it."""
    footers, numbers = [], []
    for count, cover in runs:
        numbers.append(list(range(len(footers), len(footers) + count)))
        footers += [(number, count - cover) for number in numbering(count, cover)]
    body = Markup(env.get_template("print/footers.html").render(footers=footers))
    return _render(document_html([body], "", env)), numbers


def without_footers(pages) -> None:
    """Take the footer (its margin box) off laid-out pages: it is stamped on the written PDF
    (merge.py), so that a table's pages carry another numbering in its unit's bundle."""
    from weasyprint.formatting_structure.boxes import MarginBox

    for page in pages:
        box = page._page_box
        box.children = tuple(c for c in box.children
                             if not (isinstance(c, MarginBox) and c.at_keyword == FOOTER_BOX))


def page_labels(numbers: list[int]) -> pydyf.Dictionary:
    """The /PageLabels number tree of pages numbered as `numbering` gives: 封面 for the
    cover (0), then decimal numbers from the first numbered page on."""
    ranges = pydyf.Array()
    for page, number in enumerate(numbers):
        if number == 0:
            ranges += [page, pydyf.Dictionary({"P": pydyf.String(COVER_LABEL)})]
        elif page == 0 or numbers[page - 1] == 0:
            ranges += [page, pydyf.Dictionary({"S": "/D", "St": number})]
    return pydyf.Dictionary({"Nums": ranges})


@dataclass(frozen=True)
class Info:
    """What a PDF says about itself: its title, author, date (W3C, e.g. 2024-01-31T08:00:00Z),
    page numbers (see `numbering`) and whether it opens with its bookmarks shown."""

    title: str
    numbers: list[int]
    author: str | None = None
    date: str | None = None
    outlines_open: bool = False


def write(document, pages, info: Info, tagged: bool = False) -> bytes:
    """A PDF of some pages of a laid-out document, as `info` describes it."""
    subset = document.copy(pages)
    metadata = subset.metadata = copy.copy(document.metadata)
    metadata.title = info.title
    metadata.authors = [info.author] if info.author else []
    metadata.created = metadata.modified = info.date

    def finish(_, pdf: pydyf.PDF) -> None:
        pdf.catalog["PageLabels"] = page_labels(info.numbers)
        if info.outlines_open:
            pdf.catalog["PageMode"] = "/UseOutlines"

    return write_pdf(subset, finish, pdf_tags=tagged)
