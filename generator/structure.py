"""Where each evaluation, unit and download lives in the built output.

URLs come from the content path (`content/<unit>/<year>/<file>.yml` becomes
`units/<unit>/<year>/<file>/`), never from the Chinese names: they are stable
across renames of a project, unique because file paths are, and made of
`[a-z0-9-]` only, so no name can climb out of the output directory.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """ASCII slug of a path component; non-ASCII names get a short stable hash."""
    slug = _UNSAFE.sub("-", text.lower()).strip("-")
    if slug == text:
        return slug
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else digest


def unit_year_url(unit: str, year: str) -> str:
    return f"units/{unit}/{year}/"


@dataclass(frozen=True)
class Location:
    """An evaluation's place in the site: its unit, year and page directory."""

    unit: str
    year: str
    slug: str

    @property
    def unit_year_url(self) -> str:
        return unit_year_url(self.unit, self.year)

    @property
    def url(self) -> str:
        return f"{self.unit_year_url}{self.slug}/"


def locate(file: str | Path, content_root: Path, year: int | None = None) -> Location:
    """The location of an evaluation file under the content root."""
    path = Path(file).resolve()
    try:
        parts = path.relative_to(content_root.resolve()).parts
    except ValueError:
        parts = path.parts[-3:]
    directories = parts[:-1]
    unit = slugify(directories[0]) if directories else "default"
    rest = directories[1:]
    year_part = rest[0] if rest else str(year or "0")
    slug = "-".join(slugify(part) for part in (*rest[1:], Path(parts[-1]).stem))
    return Location(unit, slugify(year_part), slug)
