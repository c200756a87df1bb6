"""The content tree: which files are evaluations, which `_defaults.yml` apply in a
directory, and where a symbolic link may point (the project, found by its markers).

Read by the pipeline before any file is loaded, and by the project object."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..loading.loader import DEFAULTS_NAME, LoadError, Mapping, inside, load_file, plain

ROOT_MARKERS = ("site_config.yml", ".git")


def discover(paths: list[str | Path]) -> list[Path]:
    """Evaluation files under the given paths, in a stable order; `_*.yml` are not evaluations,
    and hidden directories are not entered. Symlinked directories are not entered either;
    one that leaves the project is listed, so that loading refuses it by name."""
    files = set()
    for path in map(Path, paths):
        if path.is_dir():
            files.update(_yaml_files(str(path)))
        else:
            files.add(str(path))
    return [Path(f) for f in sorted(files, key=lambda f: f.split(os.sep))]


def _yaml_files(top: str):
    root = boundary(Path(os.path.abspath(top)))
    for directory, subdirs, names in os.walk(top):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        yield from (os.path.join(directory, n) for n in names if n.endswith(".yml") and not n.startswith(("_", ".")))
        yield from (path for path in (os.path.join(directory, d) for d in subdirs if not d.startswith("_"))
                    if os.path.islink(path) and not inside(path, root))


@lru_cache(maxsize=65536)
def project_root(start: Path) -> Path:
    for directory in [start, *start.parents]:
        if any((directory / marker).exists() for marker in ROOT_MARKERS):
            return directory
    return Path(start.anchor)


@lru_cache(maxsize=65536)
def boundary(directory: Path) -> Path:
    """What a symlink in an (absolute) directory may point into: the project; without a
    project (no site_config.yml or .git above), the working directory or else the directory."""
    root = project_root(directory)
    if root != Path(root.anchor):
        return root
    cwd = Path.cwd()
    return cwd if directory == cwd or cwd in directory.parents else directory


@lru_cache(maxsize=65536)
def defaults_chain(directory: Path) -> tuple[Path, ...]:
    """The `_defaults.yml` files that apply in a directory, outermost first. They are looked
    for up to the project root even from a relative path such as `.`, and named relative
    to the working directory when the directory was."""
    absolute = directory.absolute()
    root = project_root(absolute)
    chain = []
    for current in [absolute, *absolute.parents]:
        candidate = current / DEFAULTS_NAME
        if os.path.lexists(candidate):  # a broken link too: loading it says what is wrong
            chain.append(candidate if directory.is_absolute() else Path(os.path.relpath(candidate)))
        if current == root:
            break
    return tuple(reversed(chain))


@dataclass
class Defaults:
    """What a directory's `_defaults.yml` files give, as plain values, before any evaluation is
    read: the unit's name for the site's navigation, the fields `jixiao new` leaves out."""

    values: dict = field(default_factory=dict)  # top-level key → text, dict or list (inner files win)
    sources: dict[str, Path] = field(default_factory=dict)  # top-level key → the file that gave it
    unreadable: list[str] = field(default_factory=list)  # findings of files that could not be read


def defaults_of(directory: Path) -> Defaults:
    found = Defaults()
    for path in defaults_chain(directory):
        try:
            node = load_file(path)
            values = plain(node) if type(node) is Mapping else {}
        except LoadError as exc:
            found.unreadable.append(str(exc.finding))
            continue
        for key, value in values.items():
            found.values[key] = _merged(found.values.get(key), value)
            found.sources[key] = path
    return found


def _merged(base, override):
    """As the pipeline merges defaults: mappings key by key (override wins), else replaced."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return override if override is not None else base
    return {**base, **{key: _merged(base.get(key), value) for key, value in override.items()}}


def boundary_of(path: Path) -> Path:
    return _directory_boundary(os.path.dirname(path))


@lru_cache(maxsize=4096)
def _directory_boundary(directory: str) -> Path:
    return boundary(Path(os.path.abspath(directory)))


def forget() -> None:
    """Forget what was found of the tree: a long `serve` sees new files and directories."""
    for cached in (project_root, boundary, _directory_boundary, defaults_chain):
        cached.cache_clear()
