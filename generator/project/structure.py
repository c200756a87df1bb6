"""Where each evaluation, unit and download lives in the built output.

URLs come from the content path (`content/<unit>/<year>/<file>.yml` becomes
`units/<unit>/<year>/<file>/`), never from the Chinese names: they are stable
across renames of a project and made of `[a-z0-9-]` only, so no name can climb
out of the output directory. Two paths can give one URL (`x-y.yml` and `x/y.yml`,
`<unit>/c.yml` of 2021 and `<unit>/2021/c.yml`): `check_urls` reports it, as it
reports a URL part longer than a file name may be.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import findings as F
from ..findings import Finding, Pos

_UNSAFE = re.compile(r"[^a-z0-9]+")
MAX_NAME_BYTES = 255  # a file name's limit on the common file systems (ext4, XFS, APFS, NTFS)


def slugify(text: str) -> str:
    """ASCII slug of a path component; non-ASCII names get a short stable hash."""
    slug = _UNSAFE.sub("-", text.lower()).strip("-")
    if slug == text:
        return slug
    digest = hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]
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

    def too_long_part(self) -> str | None:
        """A part of the URL that no file system takes as a directory name, if there is one."""
        return next((part for part in (self.unit, self.year, self.slug)
                     if len(part.encode("utf-8")) > MAX_NAME_BYTES), None)


def _parts_under(file: str | Path, content_root: Path) -> tuple[str, ...] | None:
    """The path's parts below the content root, as written (a symlink is not followed:
    its URL is where it stands, never where it points). Joined as text: pathlib's
    relative_to cost half a second for 10,000 files in a run that reads none of them."""
    path, prefix = os.path.abspath(file), _prefix(content_root)
    if path + os.sep == prefix:
        return ()
    return tuple(path[len(prefix):].split(os.sep)) if path.startswith(prefix) else None


@lru_cache(maxsize=64)
def _prefix(content_root: str | Path) -> str:
    """The content root as an absolute path ending in a separator."""
    return os.path.join(os.path.abspath(content_root), "")


def locate(file: str | Path, content_root: Path, year: int | None = None) -> Location:
    """The location of an evaluation file under the content root."""
    return _located(_parts_under(file, content_root) or _last_parts(file), year)


def _last_parts(file: str | Path) -> tuple[str, ...]:
    """Where a file outside the content root is taken to be: its unit, year and name."""
    return Path(os.path.abspath(file)).parts[-3:]


def _located(parts: tuple[str, ...], year: int | None) -> Location:
    directories = parts[:-1]
    unit = slugify(directories[0]) if directories else "default"
    rest = directories[1:]
    year_part = rest[0] if rest else str(year or "0")
    return Location(unit, slugify(year_part), _slug([slugify(part) for part in rest[1:]], parts[-1]))


def _slug(above: list[str], name: str) -> str:
    """A page's slug: the slugs of the directories below the year, then the file's name's."""
    return "-".join((*above, slugify(_stem(name))))


def _stem(name: str) -> str:
    """A file name without its suffix, as pathlib's `stem` gives it."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def content_relative(file: str | Path, content_root: Path) -> str:
    """A file as the published data names it: relative to the content directory, with `/`,
    whatever directory the build ran from (no path of the build machine)."""
    relative = os.path.relpath(os.path.abspath(file), os.path.abspath(content_root))
    return relative.replace(os.sep, "/")


_UNKNOWN = object()


def _place(file: str, year: int | None, content_root: Path) -> tuple[str, str, list[str]] | None:
    """What the location of a file shares with the other files of its directory: its unit, its
    year and the slugs of the directories below the year (a site of 10,000 evaluations has 100
    directories: each is resolved once); None for a file outside the content root."""
    parts = _parts_under(file, content_root)
    if parts is None:
        return None
    parts = parts or _last_parts(file)
    location = _located(parts, year)
    return location.unit, location.year, [slugify(part) for part in parts[2:-1]]


def check_urls(files: list[tuple[str, int | None]], content_root: Path, known: dict[str, str] | None = None
               ) -> list[Finding]:
    """Errors for (file, year) pairs under the content root whose pages would overwrite each
    other, or whose URL has a part longer than a file name may be; a file in `known` has the
    URL it gives, found to fit when it was made."""
    found: list[Finding] = []
    owners: dict[str, str] = {}
    places: dict[tuple[str, int | None], tuple | None] = {}  # what a directory's files share (`_place`)
    for file, year in files:
        if known and file in known:
            found += _collision(owners, known[file], file)
            continue
        directory, name = os.path.split(file)
        place = places.get((directory, year), _UNKNOWN)
        if place is _UNKNOWN:
            place = places[(directory, year)] = _place(file, year, content_root)
        if place is None:
            continue
        unit, year_part, above = place
        location = Location(unit, year_part, _slug(above, name))
        too_long = location.too_long_part()
        if too_long:
            found.append(F.FILE_NAME.at(Pos(file, 1, 1), problem=(
                f"由路径得出的网址中，“{too_long[:40]}……”一段有 {len(too_long.encode('utf-8'))} 字节，"
                f"超过文件系统允许的 {MAX_NAME_BYTES} 字节"),
                fix="缩短目录名或文件名：年度目录以下的各级目录名与文件名连成网址中的一段。"))
            continue
        found += _collision(owners, location.url, file)
    return found


def _collision(owners: dict[str, str], url: str, file: str) -> list[Finding]:
    """An error when another file's page has this URL (`owners`: the first file of each)."""
    first = owners.setdefault(url, file)
    return [F.URL_COLLISION.at(Pos(file, 1, 1), other=first, url=url)] if first != file else []
