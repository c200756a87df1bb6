"""The Jinja environment shared by site and print rendering.

Templates are looked up first in the project's own `templates/` (beside
`site_config.yml`), so a site may override any of them, then in the templates
shipped with jixiao. Autoescaping is on for every template. Compiled templates are
cached per user, outside the project (see `_UserBytecodeCache`).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from ..building.fingerprint import SHIPPED_TEMPLATES
from ..quantities import figure, rate  # noqa: F401 - the filters, also imported from here


class _UserBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in a directory only the user can write (Jinja's
    own choice: `_jinja2-cache-<uid>` in the temporary directory, checked to be the user's
    and private), never in the project: its files are unpickled and their code run, so a
    file anyone could place there would run as the build. A file that cannot be read is
    compiled again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged cache file costs a compile, never the build
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # a cache that cannot be written only costs time
            pass


@lru_cache(maxsize=1)
def bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs: compiling mkdocs-material's costs half a second."""
    try:
        return _UserBytecodeCache()
    except (OSError, RuntimeError):  # no private temporary directory: compile every time
        return None


def forget() -> None:
    """Forget the templates read: a build or a print run starts with this, so that a template
    added to the project, or changed, since the last run is the one used."""
    environment.cache_clear()
    table_template.cache_clear()


@lru_cache(maxsize=8)
def environment(project_root: Path | None = None) -> jinja2.Environment:
    """The environment of a run (see `forget`): a template is read once a run, so Jinja's
    `auto_reload`, a stat of each template at each use (a dozen an evaluation page), is off."""
    paths = [str(project_root / "templates")] if project_root else []
    if str(SHIPPED_TEMPLATES) not in paths:
        paths.append(str(SHIPPED_TEMPLATES))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(paths), autoescape=True, auto_reload=False,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.bytecode_cache = bytecode_cache()
    env.filters["figure"] = figure
    env.filters["rate"] = rate
    return env


@lru_cache(maxsize=64)
def table_template(env: jinja2.Environment, form_id: str) -> jinja2.Template:
    """A form's own table template (print/<form>.html), else the project table's: looked for
    once a run, not for each table (Jinja remembers the templates it found, not those it did not)."""
    return env.select_template([f"print/{form_id}.html", "print/project-table.html"])
