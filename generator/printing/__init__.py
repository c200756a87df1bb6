"""Printable reports: each evaluation as `table.pdf` and `table.xlsx` in the layout of
its published form, and each unit and year as `bundle.pdf` and `bundle.xlsx` (cover,
index page, then every table).

Outputs whose inputs have not changed are not rendered again: a fingerprint of the
source file, its `_defaults.yml` files and the printing code, templates and forms
is kept per output in `.cache/jixiao/` of the project, with the table's page breaks.
Each unit and year is laid out once, in one worker process (units are rendered in
parallel, on every core), and its tables' PDFs and its bundle are written from
that one layout (see `pdf.py`).

Every PDF names itself (unit, year and form; the project for a table), gives the
publisher of `site_config.yml` as author and, when SOURCE_DATE_EPOCH is set, that
date; without it no date, so that two builds give the same bytes. Its page labels
are the printed page numbers (see `pdf.py`); a bundle opens with its bookmarks shown.

What is printed where computed and published figures differ: see `layout/table.py`.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import registry
from ..config import CONFIG_NAME, load_config
from ..loader import INDEX_NAME
from ..model import BundleIndex, Evaluation, IndexEntry
from ..pipeline import Report, _gc_paused, defaults_chain, project_root
from ..scoring import Scores
from ..structure import Location, locate
from ..templating import environment

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SHIPPED_PRINT_TEMPLATES = PACKAGE_DIR.parent / "templates" / "print"
# From YAML to the figures of a table: loading, the model, scoring, the form, the templates.
SHAPING_MODULES = ("loader.py", "schema.py", "model.py", "quantities.py", "scoring.py", "registry.py", "identities.py",
                   "layout/__init__.py", "layout/grid.py", "layout/table.py", "layout/figures.py", "layout/document.py",
                   "templating.py")
TABLE_FILES = ("table.pdf", "table.xlsx")
BUNDLE_FILES = ("bundle.pdf", "bundle.xlsx")
# Tagged PDF (a structure tree: headings, tables with their header cells, for screen readers).
# Measured on the seeds and a unit of 100 tables: 9–16 % more CPU time, tables 12–18 % and
# bundles 31–107 % larger (the structure of every table, where the fonts are shared).
TAGGED = True


@dataclass
class TableTask:
    url: str
    evaluation: Evaluation
    scores: Scores
    fingerprint: str
    breaks: frozenset[int] = frozenset()
    write: bool = True  # False: current on disk, laid out only for its unit's bundle


@dataclass
class Bundle:
    index: BundleIndex
    year: int | None
    fingerprint: str


@dataclass
class GroupTask:
    """The tables of one unit and year laid out together; the bundle when it is due."""

    url: str
    tables: list[TableTask]
    bundle: Bundle | None = None


@dataclass
class Context:
    """What a worker needs besides the task: where to write, whose templates to use, and
    what every PDF says of itself besides its title: author and date."""

    out_dir: Path
    project_root: Path
    author: str | None = None
    date: str | None = None

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


def publisher(root: Path) -> str | None:
    """Who publishes the printouts: `publisher` of site_config.yml, else the footer's host."""
    path = root / CONFIG_NAME
    config = load_config(path)[0] if path.exists() else None
    if config is None:
        return None
    return config.publisher or (config.footer.host if config.footer else None)


def _form_title(unit: str | None, year: int | None, form_id: str) -> str:
    """E.g. 安庆市经济和信息化局本级 2023 年度项目支出绩效自评表."""
    form = registry.forms().get(form_id)
    lead = " ".join(part for part in (unit, f"{year} 年度" if year else None) if part)
    return lead + (form.title if form else "")


def table_title(evaluation: Evaluation) -> str:
    unit = evaluation.department.name if evaluation.department else None
    return f"{_form_title(unit, evaluation.year, evaluation.form)}：{evaluation.project}"


def bundle_title(bundle: Bundle, first: Evaluation) -> str:
    return _form_title(bundle.index.title, bundle.year, first.form)


# --- fingerprints ------------------------------------------------------------------------

def _digest(*parts: bytes | str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def code_version(root: Path) -> str:
    """Changes with the code, forms, schemes and print templates that shape a printed table
    (the site's own modules do not: a change there prints nothing again)."""
    files = sorted([*(PACKAGE_DIR / name for name in SHAPING_MODULES), *PACKAGE_DIR.glob("printing/*.py"),
                    *PACKAGE_DIR.glob("forms/*.yml"), *PACKAGE_DIR.glob("schemes/*.yml"),
                    *SHIPPED_PRINT_TEMPLATES.glob("*"), *(root / "templates" / "print").glob("*"),
                    *(root / "forms").glob("*.yml"), *(root / "schemes").glob("*.yml")])
    return _digest(*(f"{path.name}:{path.read_bytes().hex()}" for path in files if path.is_file()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def source_fingerprint(file: Path, code: str) -> str:
    return _digest(code, _read(file), *(_read(p) for p in defaults_chain(file.parent)))


class Manifest:
    """Fingerprint (and page breaks) of every output written into one output directory."""

    def __init__(self, root: Path, out_dir: Path):
        key = hashlib.sha1(str(out_dir.resolve()).encode()).hexdigest()[:12]
        self.path = root / ".cache" / "jixiao" / f"print-{key}.json"
        try:
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    def current(self, url: str, fingerprint: str, out_dir: Path, files: tuple[str, ...]) -> dict | None:
        entry = self.entries.get(url)
        if entry and entry["fingerprint"] == fingerprint and all((out_dir / url / f).exists() for f in files):
            return entry
        return None

    def record(self, url: str, fingerprint: str, breaks=()) -> None:
        self.entries[url] = {"fingerprint": fingerprint, "breaks": sorted(breaks)}

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self.entries, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass  # without the manifest the next run only renders everything again


# --- rendering (in the workers) --------------------------------------------------------------

def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


# A table's PDF and XLSX and its unit's bundle are documents of blocks (layout/document.py):
# the runs of blocks are laid out once and their pages shared by every document that holds them.

def _blocks(task: TableTask) -> list:
    from ..layout import evaluation_blocks

    evaluation = task.evaluation
    form, scheme = registry.forms()[evaluation.form], registry.schemes()[evaluation.scheme]
    return evaluation_blocks(evaluation, task.scores, form, scheme)


def render_group(task: GroupTask, context: Context) -> tuple[str, dict[str, list[int]]]:
    """Lay out the group's tables once; write each due table's PDF and XLSX, then the bundle.

    The laid-out pages stay alive until the bundle is written: the cyclic garbage
    collector, rescanning them again and again, would cost a fifth of the time, so it
    is paused while the group is rendered and run once after."""
    with _gc_paused():
        outcome = _render_group(task, context)
    gc.collect()
    return outcome


def _render_group(task: GroupTask, context: Context) -> tuple[str, dict[str, list[int]]]:
    from ..layout import Document, bundle_document
    from . import pdf

    env = environment(context.project_root)
    jobs = [pdf.PrintJob(_blocks(t), f"t{n}-", t.breaks) for n, t in enumerate(task.tables)]
    laid = pdf.lay_out(jobs, task.url, env)
    due = [(table, job) for table, job in zip(task.tables, jobs) if table.write]
    bundle, bundle_pages = None, []
    if task.bundle:
        title = bundle_title(task.bundle, task.tables[0].evaluation)
        bundle = bundle_document(title, task.bundle.index, task.bundle.year, [job.blocks for job in jobs])
        bundle_pages = pdf.document_pages(bundle, jobs, env)
    runs = sorted({(len(job.pages), False) for _, job in due}) + ([(len(bundle_pages), True)] if bundle else [])
    footers = dict(zip(runs, pdf.footer_pages(runs, env)))
    for table, job in due:
        pdf.set_footers(job.pages, footers[len(job.pages), False])
        document = Document(table_title(table.evaluation), job.blocks)
        _write_document(document, job.pages, laid, context.out_dir / table.url, "table", context)
    if bundle:
        pdf.set_footers(bundle_pages, footers[len(bundle_pages), True])
        _write_document(bundle, bundle_pages, laid, context.out_dir / task.url, "bundle", context)
    return task.url, {t.url: sorted(job.breaks) for t, job in zip(task.tables, jobs)}


def _write_document(document, pages: list, laid, directory: Path, name: str, context: Context) -> None:
    """`name`.pdf from the document's laid-out pages, `name`.xlsx from its blocks; a bundle
    (it has a cover) opens with its bookmarks shown."""
    from . import pdf, xlsx

    cover = document.blocks[0].kind == "cover"
    info = context.info(document.title, pdf.numbering(len(pages), cover=cover), outlines_open=cover)
    _write_atomic(directory / f"{name}.pdf", pdf.write(laid, pages, info, TAGGED))
    _write_atomic(directory / f"{name}.xlsx", xlsx.workbook_bytes(xlsx.document_workbook(document)))


# --- planning ------------------------------------------------------------------------------

def generated_index(tables: list[TableTask]) -> BundleIndex:
    """An index when the directory has no `_index.yml`: the evaluations, in order."""
    first = tables[0].evaluation
    form = registry.forms().get(first.form)
    return BundleIndex(title=first.department.name if first.department else "",
                       subtitle=form.title if form else None,
                       entries=[IndexEntry(no=n, project=t.evaluation.project, note=None)
                                for n, t in enumerate(tables, start=1)])


def _in_index_order(tables: list[TableTask], index: BundleIndex | None) -> list[TableTask]:
    if index is None:
        return tables
    order = {entry.project: n for n, entry in enumerate(index.entries)}
    return sorted(tables, key=lambda t: order.get(t.evaluation.project, len(order)))


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
    complete: bool = True


def _units(report: Report, content_root: Path, out_dir: Path, manifest: Manifest, code: str) -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    for item in report.results:
        year = item.evaluation.year if item.evaluation else None
        location: Location = locate(item.file, content_root, year)
        unit = units.setdefault(location.unit_year_url, _Unit())
        unit.directories.add(Path(item.file).parent)
        if item.evaluation is None:
            unit.complete = unit.complete and not item.ok  # a cached result has no model to print
            continue
        task = TableTask(location.url, item.evaluation, item.scores, source_fingerprint(Path(item.file), code))
        entry = manifest.current(task.url, task.fingerprint, out_dir, TABLE_FILES)
        if entry is not None:
            task.breaks, task.write = frozenset(entry["breaks"]), False
        unit.tables.append(task)
    return units


def plan(report: Report, content_root: Path, out_dir: Path, manifest: Manifest, code: str) -> Plan:
    result = Plan()
    for url, unit in _units(report, content_root, out_dir, manifest, code).items():
        due = [t for t in unit.tables if t.write]
        result.tables += len(unit.tables)
        result.tables_due += len(due)
        bundle = None
        if not unit.tables:
            continue
        if not unit.complete:
            result.bundles_incomplete += 1
        else:
            result.bundles += 1
            bundle, ordered = _bundle(unit, report, code)
            if manifest.current(url, bundle.fingerprint, out_dir, BUNDLE_FILES):
                bundle = None
            else:
                result.bundles_due += 1
                due = ordered
        if due:
            result.groups.append(GroupTask(url, due, bundle))
    result.groups.sort(key=lambda g: -len(g.tables))  # longest first: the cores finish together
    return result


def _bundle(unit: _Unit, report: Report, code: str) -> tuple[Bundle, list[TableTask]]:
    index_dir = next((d for d in sorted(unit.directories) if str(d) in report.indexes), None)
    index = report.indexes.get(str(index_dir)) if index_dir else None
    ordered = _in_index_order(unit.tables, index)
    fingerprint = _digest(code, _read(index_dir / INDEX_NAME) if index_dir else b"",
                          *(t.fingerprint for t in ordered))
    return Bundle(index or generated_index(ordered), ordered[0].evaluation.year, fingerprint), ordered


# --- running ---------------------------------------------------------------------------------

def _execute(groups: list[GroupTask], context: Context, jobs: int, done) -> None:
    if jobs == 1 or len(groups) <= 1:
        for group in groups:
            done(render_group(group, context))
        return
    with ProcessPoolExecutor(min(jobs, len(groups))) as pool:
        for outcome in pool.map(render_group, groups, [context] * len(groups)):
            done(outcome)


def print_outputs(report: Report, content_root: Path, out_dir: Path, jobs: int | None = None) -> dict:
    """Write every evaluation's PDF and XLSX and every unit-year's bundle; return figures."""
    started = time.perf_counter()
    content_root, out_dir = Path(content_root), Path(out_dir)
    root = project_root(content_root.resolve())
    context = Context(out_dir, root, publisher(root), source_date())
    stamp = _digest(code_version(root), context.author or "", context.date or "")  # all PDFs carry them
    manifest = Manifest(root, out_dir)
    work = plan(report, content_root, out_dir, manifest, stamp)
    groups = {g.url: g for g in work.groups}

    def done(outcome) -> None:
        url, breaks = outcome
        group = groups[url]
        for table in group.tables:
            if table.write:
                manifest.record(table.url, table.fingerprint, breaks[table.url])
        if group.bundle:
            manifest.record(url, group.bundle.fingerprint)

    try:
        _execute(work.groups, context, jobs or os.cpu_count() or 1, done)
    finally:
        manifest.save()
    return {"tables": work.tables, "tables_rendered": work.tables_due,
            "tables_skipped": work.tables - work.tables_due, "bundles": work.bundles,
            "bundles_rendered": work.bundles_due, "bundles_skipped": work.bundles - work.bundles_due,
            "bundles_incomplete": work.bundles_incomplete, "seconds": round(time.perf_counter() - started, 3)}
