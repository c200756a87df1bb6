"""The Jinja environment shared by site and print rendering.

Templates are looked up first in the project's own `templates/` (beside
`site_config.yml`), so a site may override any of them, then in the templates
shipped with jixiao. Autoescaping is on for every template.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import jinja2

from .quantities import Num, format_number, format_rate

SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def figure(value) -> str:
    """A figure as the form prints it: entered numbers keep their text, computed ones 2 places."""
    if value is None:
        return ""
    if isinstance(value, Num):
        return value.text
    if isinstance(value, Decimal):
        return format_number(value, 2)
    return str(value)


def rate(value: Decimal | None, form) -> str:
    """An execution rate at the precision of the form (`89.88%`, `100%`, `100.0%`)."""
    if value is None:
        return ""
    return format_rate(value, form.rate_places, form.rate_strip_zeros)


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
