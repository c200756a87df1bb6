"""Printable reports: each evaluation as `table.pdf` and `table.xlsx` in the layout of
its published form, and each unit and year as `bundle.pdf` and `bundle.xlsx` (cover,
index page, then every table).

Printing works from the pipeline's results (no second run over the content): an
output whose fingerprint (`fingerprint.DEPENDS["table"]` and `["bundle"]`) is the one
the manifest recorded is kept from the last output, with the table's page breaks;
the others are rendered. Each unit and year with something due is printed in one worker
process that reads its files again (units are printed in parallel, on every core): its
due tables are laid out once, together, and written each as its PDF and XLSX; its bundle,
when due, is its cover and index laid out, followed by every table's PDF merged as written
(the unchanged ones from the last output, see `merge.py`): a one-file edit lays out one
table, and the front matter only when what it prints changed (`Memo`). Units are printed in
processes forked for them, which exit without freeing the pages they laid out. All is
written into the build's staging tree: published with the site, or not at all.

Every PDF names itself (unit, year and form; the project for a table), gives the
publisher of `site_config.yml` as author and, when SOURCE_DATE_EPOCH is set, that
date; without it no date, so that two builds give the same bytes. Its page labels
are the printed page numbers (see `pdf.py`); a bundle opens with its bookmarks shown.

What is printed where computed and published figures differ: see `layout/table.py`.
"""
from __future__ import annotations

import hashlib
import gc
import os
import time
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from ...building import fingerprint, verified, workers
from ...rules import registry
from ...project.config import SiteConfig
from ...loading.loader import INDEX_NAME
from ...building.manifest import Entry, Manifest
from ...loading.model import BundleIndex, Evaluation, IndexEntry
from ...building.output import OutputError, Staging, check_target, locked, remove_leftovers
from ...building.pipeline import Report, gc_paused, process_file
from ...project.project import Project
from ...checking.scoring import Scores
from ...project.structure import locate
from .. import templating
from ..templating import environment
from ...layout import Document

TABLE_FILES = ("table.pdf", "table.xlsx")
BUNDLE_FILES = ("bundle.pdf", "bundle.xlsx")
# Tagged PDF (a structure tree: headings, tables with their header cells, for screen readers).
# Measured on the seeds and a unit of 100 tables: 9–16 % more CPU time, tables 12–18 % and
# bundles 31–107 % larger (the structure of every table, where the fonts are shared).
TAGGED = True
FEWEST_TABLES_A_TASK = 10  # a task lays out its own fonts and styles: fewer tables would not pay for it
MOST_TABLES_A_TASK = 25  # a task keeps its tables' laid-out pages (9 MB a table) until it is done


@dataclass
class TableTask:
    url: str
    file: str
    project: str
    fingerprint: str
    breaks: frozenset[int] = frozenset()
    write: bool = True  # False: current in the last output, laid out only for its unit's bundle


@dataclass
class Bundle:
    index: BundleIndex | None  # None: the evaluations in order (`generated_index`)
    year: int | None
    fingerprint: str


@dataclass
class GroupTask:
    """The tables of one unit and year laid out together; the bundle when it is due."""

    url: str
    tables: list[TableTask]
    bundle: Bundle | None = None
    # On several cores, "pdf" (all but the bundle's XLSX) and "bundle-xlsx" are done apart, and a
    # unit of many tables is printed by "tables" tasks of some each, then its "bundle" (see `_tasks`).
    part: str = "all"


@dataclass(frozen=True)
class Memo:
    """PDFs that depend on little, as the builds before wrote them: the footers of a run of
    pages (`_Footers`; a unit's bundle has as many as it has pages, a third of a second for 100
    tables) and a bundle's front matter (its cover and index), which a one-file edit seldom
    changes. Kept under the cache directory by everything that makes their bytes: what lays
    them out (the code, the print templates, in `key`) and what is laid out (`parts`). Read
    only when the last output is (not with --no-cache). Each is a verified record (see
    `verified.py`): one that does not verify, or is not a PDF of the expected pages, is laid
    out again, so a damaged file costs time, never a changed bundle."""

    directory: Path
    key: str
    read: bool = True

    def _path(self, parts: tuple) -> Path:
        return self.directory / f"{fingerprint.digest(self.key, *map(str, parts))}.record"

    def get(self, parts: tuple, pages: int | None = None):
        """The kept PDF (pikepdf) and its bytes, or None."""
        from . import merge

        if not self.read:
            return None
        for _, tail in verified.read(self._path(parts), self.key, tails=True):
            data = bytes(tail)
            try:
                kept = merge.open_pdf(data)
            except Exception:  # noqa: BLE001 - verified yet no PDF (a forged record): laid out again
                return None
            return (kept, data) if pages is None or len(kept.pages) == pages else None
        return None

    def put(self, parts: tuple, data: bytes) -> None:
        verified.write(self._path(parts), [verified.line(self.key, {"pdf": len(data)}, data)])


@dataclass
class Context:
    """What a worker needs besides the task: where to write, whose forms, schemes and
    templates to use, and what every PDF says of itself besides its title."""

    out_dir: Path
    templates_root: Path | None
    extension_roots: tuple[Path, ...] = ()
    author: str | None = None
    date: str | None = None
    memo: Memo | None = None

    def info(self, title: str, numbers: list[int], outlines_open: bool = False):
        from .pdf import Info

        return Info(title, numbers, self.author, self.date, outlines_open)


# --- what a PDF says of itself -------------------------------------------------------------

def source_date() -> str | None:
    """The date of a reproducible build, from SOURCE_DATE_EPOCH (seconds since 1970), as a
    W3C date-time in UTC. Without it PDFs carry no date: two builds give the same bytes."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PrintedBy:
    """Who publishes the printouts (`publisher` of site_config.yml, else the footer's host) and when."""

    author: str | None
    date: str | None

    def digest(self) -> str:
        return fingerprint.digest(self.author or "", self.date or "")


def printed_by(site: SiteConfig | None) -> PrintedBy:
    author = (site.publisher or (site.footer.host if site.footer else None)) if site else None
    return PrintedBy(author, source_date())


def _form_title(unit: str | None, year: int | None, form_id: str) -> str:
    """E.g. 安庆市经济和信息化局本级 2023 年度项目支出绩效自评表; the report's title where the
    form is part of one (苏州市级财政支出项目绩效自评价报告)."""
    form = registry.forms().get(form_id)
    lead = " ".join(part for part in (unit, f"{year} 年度" if year else None) if part)
    return lead + ((form.report_title or form.title) if form else "")


def table_title(evaluation: Evaluation) -> str:
    """What the evaluation's PDF calls itself: a department report by its cover's title."""
    from ...layout.report import is_report, report_title

    if is_report(evaluation) and evaluation.form in registry.forms():
        return "".join(report_title(evaluation, registry.forms()[evaluation.form]))
    unit = evaluation.department.name if evaluation.department else None
    return f"{_form_title(unit, evaluation.year, evaluation.form)}：{evaluation.project}"


def bundle_title(index: BundleIndex, year: int | None, first: Evaluation) -> str:
    return _form_title(index.title, year, first.form)


# --- rendering (in the workers) --------------------------------------------------------------

def _write_atomic(path: Path, data: bytes) -> None:
    """Written whole and renamed into place (never through a link into the published tree)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


# A table's PDF and XLSX and its unit's bundle are documents of blocks (layout/document.py):
# the runs of blocks are laid out once and their pages shared by every document that holds them.

def _model(file: str, context: Context) -> tuple[Evaluation, Scores]:
    """An evaluation's model, read again in the worker that prints it: a build keeps no
    models, and sending them between processes would cost more than reading the file."""
    result = process_file(Path(file), context.extension_roots)
    if result.evaluation is None:
        raise OutputError(f"{file} 在生成期间被改动，现在有错误；请运行 jixiao validate 后重新生成。")
    return result.evaluation, result.scores


def _blocks(evaluation: Evaluation, scores: Scores) -> list:
    from ...layout import evaluation_blocks
    from ...layout.report import is_report, report_blocks

    form, scheme = registry.forms()[evaluation.form], registry.schemes()[evaluation.scheme]
    blocks = report_blocks if is_report(evaluation) else evaluation_blocks
    return blocks(evaluation, scores, form, scheme)


def render_group(task: GroupTask, context: Context, collect: bool = True) -> tuple[str, str, dict[str, list[int]]]:
    """Lay out the group's tables once; write each due table's PDF and XLSX, then the bundle.

    The laid-out pages stay alive until the bundle is written: the cyclic garbage
    collector, rescanning them again and again, would cost a fifth of the time, so it
    is paused while the group is rendered and run once after (unless the process
    exits after: `workers.each_in_own_process`)."""
    with gc_paused():
        outcome = _render_group(task, context)
    if collect:
        gc.collect()
    return outcome


def _render_task(item: tuple[GroupTask, Context]) -> tuple[str, str, dict[str, list[int]]]:
    return render_group(*item, collect=False)


def anchor_prefix(url: str) -> str:
    """A table's anchors in the PDFs that hold it, unique in its bundle and the same whatever
    else is printed with it: a table's PDF is kept while its fingerprint is, which its place
    among the tables printed with it is not part of."""
    return f"t{hashlib.sha1(url.encode('utf-8')).hexdigest()[:12]}-"


def _render_group(task: GroupTask, context: Context) -> tuple[str, str, dict[str, list[int]]]:
    """The group's URL, the part done, and the page breaks of each table it printed."""
    from . import pdf

    registry.activate(context.extension_roots)
    env = environment(context.templates_root)
    models = [_model(table.file, context) for table in task.tables]
    jobs = [pdf.PrintJob(_blocks(*model), anchor_prefix(t.url), t.breaks) for t, model in zip(task.tables, models)]
    if task.part == "bundle-xlsx":
        document, _ = _bundle_document(task, models, jobs)
        if document is not None:
            _write_xlsx(document, context.out_dir / task.url / "bundle.xlsx")
        return task.url, task.part, {}
    due = [(table, model, job) for table, model, job in zip(task.tables, models, jobs) if table.write]
    laid = pdf.lay_out([job for _, _, job in due], task.url, env) if due else None
    bundle = _BundleParts.of(task, models, jobs, context, env) if task.bundle else None
    runs = sorted({(len(job.pages), False) for _, _, job in due if not pdf.is_report(job)})
    runs += [(bundle.page_count, True)] if bundle and bundle.tables else []
    footers = _Footers(runs, env, context)
    for table, model, job in due:
        data = _table_pdf(table, model, job, laid, footers, context)
        _write_atomic(context.out_dir / table.url / "table.pdf", data)
        _write_xlsx(Document(table_title(model[0]), job.blocks), context.out_dir / table.url / "table.xlsx")
        if bundle:
            bundle.printed[table.url] = data
    if bundle:
        bundle.write(footers, context)
    return task.url, task.part, {t.url: sorted(job.breaks) for t, job in zip(task.tables, jobs) if t.write}


def _bundle_document(task: GroupTask, models: list, jobs: list) -> tuple[Document | None, list]:
    """The bundle (cover, index, then the blocks of every table that is not a department
    report), and those tables' (task, model, job); None when all are reports."""
    from ...layout import bundle_document
    from . import pdf

    bundled = [(table, model, job) for table, model, job in zip(task.tables, models, jobs) if not pdf.is_report(job)]
    if not bundled:
        return None, []
    index = task.bundle.index or generated_index([model[0] for _, model, _ in bundled])
    title = bundle_title(index, task.bundle.year, models[0][0])
    return bundle_document(title, index, task.bundle.year, [job.blocks for _, _, job in bundled]), bundled


def _table_pdf(table: TableTask, model, job, laid, footers: "_Footers", context: Context) -> bytes:
    """A table's PDF; its footers (第 N 页 共 M 页) stamped on it. A department report numbers
    its own pages (its cover unnumbered)."""
    from . import pdf

    report = pdf.is_report(job)
    if not report:
        pdf.without_footers(job.pages)
    info = context.info(table_title(model[0]), pdf.numbering(len(job.pages), cover=report), outlines_open=report)
    data = pdf.write(laid, job.pages, info, TAGGED)
    return data if report else footers.stamped(data, (len(job.pages), False))


class _Footers:
    """The footers of every run of pages printed in a group, laid out once, and written as one
    PDF for each run: what a table's PDF embeds of them depends on its page count only."""

    def __init__(self, runs: list[tuple[int, bool]], env, context: Context):
        from . import merge, pdf

        self.pdfs = {}
        memo = context.memo
        for run in runs:
            kept = memo.get(("footers", *run), run[0]) if memo else None
            if kept:
                self.pdfs[run] = kept[0]
        missing = [run for run in runs if run not in self.pdfs]
        if missing:
            document, numbers = pdf.footer_pages(missing, env)
            for run, pages in zip(missing, numbers):
                data = pdf.write(document, [document.pages[n] for n in pages], pdf.Info("", [1] * len(pages)))
                self.pdfs[run] = merge.open_pdf(data)
                if memo:
                    memo.put(("footers", *run), data)

    def stamped(self, data: bytes, run: tuple[int, bool]) -> bytes:
        from . import merge

        return merge.with_footers(data, self.pdfs[run])


@dataclass
class _BundleParts:
    """A unit's bundle: its document (cover, index, then every table's blocks), and the PDFs of
    its tables, those kept from the last output read back, the others as this group prints them."""

    task: GroupTask
    document: Document | None
    tables: list[TableTask]
    page_counts: list[int]
    printed: dict[str, bytes]
    front: tuple = ()  # the front matter laid out (document, pages), or kept (its PDF, its bytes)
    front_kept: bool = False
    memo_parts: tuple = ()
    report: TableTask | None = None  # a unit's year of department reports alone: its bundle is the first

    @classmethod
    def of(cls, task: GroupTask, models: list, jobs: list, context: Context, env) -> "_BundleParts":
        from . import merge, pdf

        document, bundled = _bundle_document(task, models, jobs)
        if document is None:
            return cls(task, None, [], [], {}, report=task.tables[0])
        printed = {table.url: (context.out_dir / table.url / "table.pdf").read_bytes()
                   for table, _, _ in bundled if not table.write}
        counts = [len(job.pages) if table.write else merge.page_count(printed[table.url]) for table, _, job in bundled]
        front_blocks, _ = pdf.runs(document.blocks)
        links = list(zip([job.table.project for _, _, job in bundled], counts))
        parts = ("front", pdf.first_front_html(front_blocks, links, env), document.title, counts,
                 context.author, context.date, TAGGED)
        kept = context.memo.get(parts) if context.memo else None
        front = kept or pdf.front_pages(front_blocks, links, document.title, env)
        return cls(task, document, [table for table, _, _ in bundled], counts, printed, front, kept is not None, parts)

    @property
    def page_count(self) -> int:
        front_pages = self.front[0].pages if self.front_kept else self.front[1]
        return len(front_pages) + sum(self.page_counts)

    def write(self, footers: _Footers, context: Context) -> None:
        from . import merge, pdf

        directory = context.out_dir / self.task.url
        if self.report:  # the same files as its report's own
            for own, name in zip(TABLE_FILES, BUNDLE_FILES):
                _write_atomic(directory / name, (context.out_dir / self.report.url / own).read_bytes())
            return
        front = self.front[1] if self.front_kept else self._front_pdf(context)
        tables = [self.printed[table.url] for table in self.tables]
        anchors = [pdf.table_anchor(n) for n in range(len(tables))]
        data = merge.bundle(front, tables, footers.pdfs[self.page_count, True], anchors)
        _write_atomic(directory / "bundle.pdf", data)
        if self.task.part == "all":
            _write_xlsx(self.document, directory / "bundle.xlsx")

    def _front_pdf(self, context: Context) -> bytes:
        from . import pdf

        document, pages = self.front
        pdf.without_footers(pages)
        info = context.info(self.document.title, pdf.numbering(self.page_count, cover=True), outlines_open=True)
        data = pdf.write(document, pages, info, TAGGED)
        if context.memo:
            context.memo.put(self.memo_parts, data)
        return data


def _write_xlsx(document: Document, path: Path) -> None:
    from . import xlsx

    _write_atomic(path, xlsx.workbook_bytes(xlsx.document_workbook(document)))


# --- planning ------------------------------------------------------------------------------

def generated_index(evaluations: list[Evaluation]) -> BundleIndex:
    """An index when the directory has no `_index.yml`: the evaluations, in order."""
    first = evaluations[0]
    form = registry.forms().get(first.form)
    return BundleIndex(title=first.department.name if first.department else "",
                       subtitle=form.title if form else None,
                       entries=[IndexEntry(no=n, project=e.project, note=None)
                                for n, e in enumerate(evaluations, start=1)])


def _in_index_order(tables: list[TableTask], index: BundleIndex | None) -> list[TableTask]:
    if index is None:
        return tables
    order = {entry.project: n for n, entry in enumerate(index.entries)}
    return sorted(tables, key=lambda t: order.get(t.project, len(order)))


@dataclass
class Plan:
    groups: list[GroupTask] = field(default_factory=list)
    tables: int = 0
    tables_due: int = 0
    bundles: int = 0
    bundles_due: int = 0
    bundles_incomplete: int = 0


@dataclass
class _Unit:
    tables: list[TableTask] = field(default_factory=list)
    directories: set[Path] = field(default_factory=set)
    year: int | None = None


def _units(report: Report, content_root: Path, previous: Manifest, staging: Staging, manifest: Manifest,
           inputs: dict) -> dict[str, _Unit]:
    """Each unit-year's tables; a table whose fingerprint is unchanged is kept from the last output."""
    table_inputs = {name: inputs[name] for name in fingerprint.DEPENDS["table"] if name != "source"}
    units: dict[str, _Unit] = {}
    for item in report.results:
        if not item.ok:
            continue  # a file with errors is not printed (a build with errors prints nothing)
        year = item.summary.get("year")
        location = locate(item.file, content_root, year)
        unit = units.setdefault(location.unit_year_url, _Unit(year=year))
        unit.directories.add(Path(item.file).parent)
        task = TableTask(location.url, item.file, item.summary["name"],
                         fingerprint.of("table", source=item.source, **table_inputs))
        entry = previous.get("table", task.url, task.fingerprint)
        if entry is not None and staging.link_all(entry.files):
            task.breaks, task.write = frozenset(entry.breaks), False
            manifest.record("table", task.url, entry)
        unit.tables.append(task)
    return units


def plan(report: Report, content_root: Path, previous: Manifest, staging: Staging, manifest: Manifest,
         inputs: dict) -> Plan:
    result = Plan()
    bundle_inputs = {name: inputs[name] for name in fingerprint.DEPENDS["bundle"] if name not in ("tables", "index")}
    for url, unit in _units(report, content_root, previous, staging, manifest, inputs).items():
        due = [t for t in unit.tables if t.write]
        result.tables += len(unit.tables)
        result.tables_due += len(due)
        result.bundles += 1
        bundle, ordered = _bundle(unit, report, bundle_inputs)
        entry = previous.get("bundle", url, bundle.fingerprint)
        if entry is not None and staging.link_all(entry.files):
            manifest.record("bundle", url, entry)
            bundle = None
        else:
            result.bundles_due += 1
            due = ordered
        if due:
            result.groups.append(GroupTask(url, due, bundle))
    result.groups.sort(key=lambda g: -len(g.tables))  # longest first: the cores finish together
    return result


def _bundle(unit: _Unit, report: Report, inputs: dict) -> tuple[Bundle, list[TableTask]]:
    index_dir = next((d for d in sorted(unit.directories) if str(d) in report.indexes), None)
    index = report.indexes.get(str(index_dir)) if index_dir else None
    ordered = _in_index_order(unit.tables, index)
    print_ = fingerprint.of("bundle", tables=fingerprint.digest(*(t.fingerprint for t in ordered)),
                            index=fingerprint.file_digest(index_dir / INDEX_NAME) if index_dir else "", **inputs)
    return Bundle(index, unit.year, print_), ordered


# --- running ---------------------------------------------------------------------------------

def _execute(groups: list[GroupTask], context: Context, jobs: int, done) -> None:
    tasks, held = _tasks(groups, jobs) if jobs > 1 else (groups, {})
    if jobs == 1 or len(tasks) <= 1:
        for group in groups:
            done(render_group(group, context))
        return
    _import_for_tasks()

    def follow(outcome) -> list:
        """A unit's bundle, once the last of the tasks printing its tables is done."""
        url, part, _ = outcome
        if part != "tables":
            return []
        held[url][0] -= 1
        return [(held.pop(url)[1], context)] if not held[url][0] else []

    with closing(workers.each_in_own_process(_render_task, [(task, context) for task in tasks], jobs,
                                             follow)) as outcomes:
        for outcome in outcomes:  # on an error, the workers still running are killed before it is raised
            done(outcome)


def _import_for_tasks() -> None:
    """What a task imports (WeasyPrint, which runs ldconfig to find its libraries, pikepdf,
    openpyxl: 1.2 s), imported once before the tasks fork: each inherits it. The collector is
    paused meanwhile: the objects the imports make would have it scan the build's results
    again and again (0.6 s more after 400 evaluations)."""
    with gc_paused():
        import weasyprint  # noqa: F401

        from . import merge, pdf, xlsx  # noqa: F401


def _tasks(groups: list[GroupTask], jobs: int) -> tuple[list[GroupTask], dict[str, list]]:
    """The tasks that print the groups on several cores, and the bundles held back until the
    tables they merge are printed: {unit: [tasks printing its tables, its bundle's task]}.

    A due bundle's XLSX (a sheet for each of its tables: as long as laying out one table and
    merging the bundle) is written by a task of its own, beside its PDFs. A unit with more
    tables to print than a core's share (a quarter of it, from FEWEST_TABLES_A_TASK to
    MOST_TABLES_A_TASK) has them printed by several tasks, then its bundle by one that merges
    their PDFs: one unit of 100 tables no longer keeps one core busy while the others wait,
    and no task holds the pages of 100 tables (a unit of 100 a core took 1.9 GB on two)."""
    due = sum(table.write for group in groups for table in group.tables)
    most = min(MOST_TABLES_A_TASK, max(FEWEST_TABLES_A_TASK, -(-due // (jobs * 4))))
    tasks, held = [], {}
    for group in groups:
        written = [table for table in group.tables if table.write]
        if len(written) <= most:
            tasks.append(replace(group, part="pdf") if group.bundle else group)
            continue
        parts = [written[start:start + most] for start in range(0, len(written), most)]
        tasks += [GroupTask(group.url, part, None, "tables") for part in parts]
        if group.bundle:
            printed = [replace(table, write=False) for table in group.tables]
            held[group.url] = [len(parts), replace(group, tables=printed, part="bundle")]
    return tasks + [replace(group, part="bundle-xlsx") for group in groups if group.bundle], held


def print_inputs(project: Project) -> dict[str, str]:
    """The inputs of every printout that are the same for all (fingerprint.py)."""
    return {"code": fingerprint.rendering_code_version(),
            "rules": fingerprint.rules_digest(project.rule_files()),
            "print_templates": fingerprint.templates_digest(project.root, "print"),
            "printed_by": printed_by(project.config).digest()}


def print_into(report: Report, project: Project, staging: Staging, previous: Manifest, manifest: Manifest,
               inputs: dict, jobs: int | None = None) -> dict:
    """Every evaluation's PDF and XLSX and every unit-year's bundle into the staging tree:
    kept from the last output where unchanged, rendered where not. Returns figures."""
    started = time.perf_counter()
    by = printed_by(project.config)
    memo = Memo(project.cache_dir / "printed", fingerprint.digest(inputs["code"], inputs["print_templates"]),
                read=previous.tree is not None)
    context = Context(staging.root, project.templates_root, project.extension_roots, by.author, by.date, memo)
    work = plan(report, Path(project.content), previous, staging, manifest, inputs)
    groups = {g.url: g for g in work.groups}

    def done(outcome) -> None:
        url, part, breaks = outcome
        group = groups[url]
        for table in group.tables:
            if table.url in breaks:  # printed by this task
                manifest.record("table", table.url, Entry(table.fingerprint, [table.url + f for f in TABLE_FILES],
                                                          breaks[table.url]))
        if group.bundle and part in ("all", "pdf", "bundle"):  # its XLSX, written apart, is recorded with it
            manifest.record("bundle", url, Entry(group.bundle.fingerprint, [url + f for f in BUNDLE_FILES]))

    _execute(work.groups, context, jobs or os.cpu_count() or 1, done)
    return {"tables": work.tables, "tables_rendered": work.tables_due,
            "tables_skipped": work.tables - work.tables_due, "bundles": work.bundles,
            "bundles_rendered": work.bundles_due, "bundles_skipped": work.bundles - work.bundles_due,
            "bundles_incomplete": work.bundles_incomplete, "seconds": round(time.perf_counter() - started, 3)}


def print_outputs(report: Report, content_root: Path, out_dir: Path, jobs: int | None = None,
                  project: Project | None = None, use_cache: bool = True) -> dict:
    """`jixiao print`: the printouts of the report's evaluations published into `out_dir` as
    a build publishes a site (see `output.py`): whole or not at all. Returns figures."""
    project = project or Project.find(content=Path(content_root))
    templating.forget()  # a template added to the project since the last run overrides
    out_dir = Path(os.path.abspath(out_dir))
    check_target(out_dir, project.root, Path(project.content))
    try:
        return _publish_printouts(report, project, out_dir, jobs, use_cache)
    except OSError as exc:
        raise OutputError.of(exc) from exc


def _publish_printouts(report: Report, project: Project, out_dir: Path, jobs: int | None, use_cache: bool) -> dict:
    with locked(out_dir):
        remove_leftovers(out_dir)
        last = Manifest.load(project.cache_dir, out_dir)
        previous = last if use_cache and last.describes(out_dir) else last.fresh()
        staging = Staging(out_dir, out_dir if previous.tree is not None else None)
        manifest = last.fresh()
        try:
            figures = print_into(report, project, staging, previous, manifest, print_inputs(project), jobs)
            manifest.save(out_dir, staging.identity())
            staging.publish()
        except BaseException:
            staging.discard()
            raise
    return figures
