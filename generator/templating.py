"""The Jinja environment shared by site and print rendering.

Templates are looked up first in the project's own `templates/` (beside
`site_config.yml`), so a site may override any of them, then in the templates
shipped with jixiao. Autoescaping is on for every template.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from .quantities import figure, rate  # noqa: F401 - the filters, also imported from here

SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def bytecode_cache(project_root: Path) -> jinja2.BytecodeCache:
    """Compiled templates kept between runs: compiling mkdocs-material's costs half a second."""
    directory = project_root / ".cache" / "jixiao" / "templates"
    directory.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(directory))


@lru_cache(maxsize=8)
def environment(project_root: Path | None = None) -> jinja2.Environment:
    paths = [str(project_root / "templates")] if project_root else []
    if str(SHIPPED_TEMPLATES) not in paths:
        paths.append(str(SHIPPED_TEMPLATES))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(paths), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    if project_root is not None:
        env.bytecode_cache = bytecode_cache(project_root)
    env.filters["figure"] = figure
    env.filters["rate"] = rate
    return env
