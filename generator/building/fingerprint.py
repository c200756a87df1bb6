"""What each output of a build depends on: the one place that says so.

Every output that a build may keep from the last one (a result in the cache, an
evaluation's page, a unit's listing page, the theme's assets, a table's PDF and
XLSX, a unit's bundle) has a fingerprint made of the inputs declared for its kind
in `DEPENDS`, and of nothing else: a fingerprint asked for with an input missing,
or one too many, is a programming error. The manifest (`manifest.py`) records the
fingerprint each output had when it was written; an output is kept only when its
fingerprint is unchanged, so after an edit to any input a build gives what a fresh
build gives.

The inputs:
- `code`: jixiao itself (every module, built-in form and scheme) and the Python
  and library versions that shape what it writes;
- `rules`: every form and scheme file the project can use, built-in and its own;
- `source`: the evaluation file and every `_defaults.yml` it inherits, by content;
- `config`: `site_config.yml`, as read;
- `site_templates`, `print_templates`: the shipped templates and the project's own
  (`templates/` beside `site_config.yml`), every file, by content: the site's pages
  draw the printed table too, so they depend on both;
- `printed_by`: what every PDF says of itself besides its title (author, date);
- `navigation`: the units and their names, which every page shows;
- `rows`, `tables`, `index`: what a listing page or a bundle is made of.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # generator/: every stage
SHIPPED_TEMPLATES = PACKAGE_DIR.parent / "templates"

DEPENDS: dict[str, tuple[str, ...]] = {
    # the checked, scored result of one file (the result cache): validate, score, every output
    "result": ("code", "rules", "source"),
    # an evaluation's page with its data.json and source.yml, its row and its search text
    "page": ("code", "rules", "source", "config", "site_templates", "print_templates", "navigation"),
    # a unit's page for one year: its rows as the listing shows them
    "listing": ("code", "config", "site_templates", "navigation", "rows"),
    # the downloads (data/): every evaluation's lines, as its page made them
    "downloads": ("code", "config", "rows"),
    # the theme's and jixiao's scripts, styles and images, and the logo
    "assets": ("code", "config", "site_templates"),
    # an evaluation's table.pdf and table.xlsx
    "table": ("code", "rules", "source", "print_templates", "printed_by"),
    # a unit's bundle.pdf and bundle.xlsx for one year: its tables, in the order of its index
    "bundle": ("code", "rules", "tables", "index", "print_templates", "printed_by"),
}
# Written again by every build, from the results of all files (cheap, and they change with
# any of them): the home, units, all-evaluations and data pages, 404, sitemap, and
# the search index (whose partitions are kept by `search.build_index` from their documents).

# The libraries whose versions change what a build writes.
RENDERING_LIBRARIES = ("Jinja2", "MarkupSafe", "mkdocs", "mkdocs-material", "weasyprint", "pydyf", "pikepdf",
                       "openpyxl", "lxml", "markdown-it-py", "numpy")  # lxml: openpyxl writes with it when installed


def digest(*parts: bytes | str) -> str:
    """SHA-256 of the parts, each delimited (so that ("ab", "c") and ("a", "bc") differ)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def of(kind: str, **inputs: str) -> str:
    """The fingerprint of an output of `kind`, from exactly the inputs `DEPENDS` declares for it."""
    declared = DEPENDS[kind]
    if set(inputs) != set(declared):
        raise TypeError(f"{kind} depends on {declared}, not {tuple(sorted(inputs))}")
    return digest(kind, *(f"{name}\0{inputs[name]}" for name in declared))


def read_or_empty(path: Path) -> bytes:
    """A file's bytes; a file that cannot be read counts as empty (its absence is what changed)."""
    try:
        return path.read_bytes() if stat.S_ISREG(os.stat(path).st_mode) else b""
    except OSError:
        return b""


def file_digest(path: Path) -> str:
    """SHA-256 of a regular file's bytes, read in blocks (a pipe or a device counts as empty:
    reading one could block or never end)."""
    hasher = hashlib.sha256()
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=0) as handle:
            if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                while block := handle.read(1 << 20):
                    hasher.update(block)
    except OSError:
        return "unreadable"
    return hasher.hexdigest()


def canonical(path: Path | str) -> str:
    """A path as the cache and the fingerprints name it, however a command spelt it: relative
    to the directory it ran in (`jixiao build` in the project, or in one of its content
    folders) or in full (`--config /…/site_config.yml`). Results, pages and printouts made
    by one are reused by the others."""
    return os.path.abspath(path)


def files_digest(directories: list[Path], suffixes: tuple[str, ...] | None = None) -> str:
    """Every file under the directories (their names relative to it, and their bytes)."""
    parts = []
    for directory in directories:
        parts.append(canonical(directory))
        for path in sorted(p for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else []:
            if suffixes is None or path.suffix in suffixes:
                if "__pycache__" not in path.parts:
                    parts += [path.relative_to(directory).as_posix(), read_or_empty(path)]
    return digest(*parts)


@lru_cache(maxsize=1)
def code_version() -> str:
    """jixiao's own modules, forms and schemes, and the Python and YAML parser that read them."""
    import yaml

    return digest(files_digest([PACKAGE_DIR], (".py", ".yml")), sys.version, yaml.__version__)


@lru_cache(maxsize=1)
def rendering_code_version() -> str:
    """`code_version()` and the versions of the libraries that render pages, PDFs and workbooks."""
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for name in RENDERING_LIBRARIES:
        try:
            versions.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} missing")
    return digest(code_version(), *versions)


def templates_digest(project_root: Path, *subdirectories: str) -> str:
    """The shipped templates and the project's own under the given subdirectories (all if none)."""
    roots = [SHIPPED_TEMPLATES, project_root / "templates"]
    directories = [root.joinpath(sub) for root in roots for sub in subdirectories] if subdirectories else roots
    return files_digest(directories)


def rules_digest(rule_files: list[Path]) -> str:
    return digest(*(part for path in rule_files for part in (canonical(path), read_or_empty(path))))
