"""The theme layer: everything that knows about mkdocs-material lives here and in
`templates/site/` (its overrides). The rest of the site code speaks of neutral
`SitePage` and `NavEntry` objects, so moving to mkdocs-material's successor
(Zensical) means rewriting this module and those templates only.

jixiao does not run `mkdocs build` (its per-page Markdown, plugin and nav work
is what makes it slow at 10,000 pages); it builds mkdocs' own structure objects
and renders mkdocs-material's templates with them, in parallel.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import material
from markupsafe import Markup
from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from ..project.config import SiteConfig
from .templating import SHIPPED_TEMPLATES, bytecode_cache

MATERIAL_DIR = Path(material.__file__).parent / "templates"
END_OF_LIFE_NOTICE = ("提示：站点主题 mkdocs-material 9.x 将于 2027-05-05 停止维护（此后仅有其继任者 Zensical）；"
                      "jixiao 与主题相关的代码只在 generator/render/theme.py 和 templates/site/ 中，届时迁移只需改动这两处。")
FEATURES = ["navigation.tabs", "navigation.indexes", "navigation.prune", "navigation.top",
            "navigation.path", "toc.follow", "search.highlight", "content.tooltips"]
SEARCH_WORKER = "assets/javascripts/jixiao-search.js"


@dataclass
class NavEntry:
    title: str
    url: str | None = None
    children: list["NavEntry"] = field(default_factory=list)


@dataclass
class SitePage:
    """A page to render: its URL (a directory ending in /), title and body HTML."""

    url: str
    title: str
    body: str
    toc: list[tuple[str, str]] = field(default_factory=list)  # (anchor id, title)
    nav_url: str | None = None  # the nav entry shown as active, when the page is not in the nav
    description: str | None = None


def _palette(site: SiteConfig) -> list[dict]:
    primary, accent = site.primary_color or "custom", site.accent_color or "custom"
    return [
        {"media": "(prefers-color-scheme: light)", "scheme": "default", "primary": primary, "accent": accent,
         "toggle": {"icon": "material/weather-night", "name": "切换到深色模式"}},
        {"media": "(prefers-color-scheme: dark)", "scheme": "slate", "primary": primary, "accent": accent,
         "toggle": {"icon": "material/weather-sunny", "name": "切换到浅色模式"}},
    ]


def mkdocs_config(site: SiteConfig, docs_dir: Path) -> MkDocsConfig:
    config = MkDocsConfig()
    config.load_dict({
        "site_name": site.site_name,
        "site_url": site.site_url or None,
        "site_description": site.description or None,
        "site_author": site.publisher or None,
        "docs_dir": str(docs_dir),
        "site_dir": str(site.output_path.resolve()),
        "use_directory_urls": True,
        "theme": {"name": "material", "language": "zh", "custom_dir": str(SHIPPED_TEMPLATES / "site"),
                  "font": False, "palette": _palette(site), "features": FEATURES + list(site.theme_features),
                  "logo": "assets/images/logo" + Path(site.logo).suffix if site.logo else None,
                  "icon": {"logo": "material/scale-balance"}},
        "plugins": ["search"],
        "extra_css": ["assets/stylesheets/jixiao.css"],
        "extra_javascript": ["assets/javascripts/jixiao.js"],
        "extra": {"generator": False, "footer": _footer(site)},
    })
    errors, _warnings = config.validate()
    if errors:  # only our own fixed settings above could cause this
        raise RuntimeError(f"主题配置无效：{errors}")
    return config


def _footer(site: SiteConfig) -> dict:
    footer = site.footer
    return {"host": footer.host if footer else site.publisher, "icp": footer.icp if footer else None,
            "site_code": footer.site_code if footer else None, "contact": footer.contact if footer else None}


def main_content(html: str) -> str:
    """The part of a rendered page that is its own, without the header, navigation and
    footer every page repeats (what search indexes)."""
    start = html.find('<article class="md-content__inner')
    return html[start:html.rfind("</article>")] if start >= 0 else html


class Theme:
    """Renders neutral pages through mkdocs-material's templates."""

    def __init__(self, site: SiteConfig, nav: list[NavEntry], docs_dir: Path):
        self.site = site
        self.config = mkdocs_config(site, docs_dir)
        self.env = self.config.theme.get_env()
        # mkdocs renders trusted Markdown output unescaped; here titles and names come from
        # the evaluations, so every value is escaped unless it is marked safe (the page body).
        self.env.autoescape = True
        self.env.bytecode_cache = bytecode_cache()
        self.template = self.env.get_template("main.html")
        self.pages: dict[str, Page] = {}
        self.navigation = Navigation(self._items(nav), list(self.pages.values()))
        self.nav_urls = set(self.pages)  # their titles are the tabs' labels, the same on every page
        self.shells: dict[tuple, Shell | None] = {}

    def _page(self, title: str, url: str) -> Page:
        if Shell.TOKEN in url:  # a placeholder page is rendered once and forgotten
            return Page(title, File(url + "index.md", src_dir=None, dest_dir=self.config.site_dir,
                                    use_directory_urls=True), self.config)
        src = (url.rstrip("/") + "/index.md") if url else "index.md"
        file = File(src, src_dir=None, dest_dir=self.config.site_dir, use_directory_urls=True)
        page = Page(title, file, self.config)
        self.pages[url] = page
        return page

    def _items(self, entries: list[NavEntry]) -> list:
        items = []
        for entry in entries:
            if entry.children:
                children = self._items(entry.children)
                section = Section(entry.title, children)
                for child in children:
                    child.parent = section
                items.append(section)
            else:
                items.append(self._page(entry.title, entry.url or ""))
        return items

    def render(self, site_page: SitePage) -> str:
        shell = self._shell(site_page)
        if shell is None:
            return self.render_in_full(site_page)
        return shell.fill(site_page)

    def _shell(self, site_page: SitePage) -> "Shell | None":
        """The page around the body of pages like this one, rendered once (see `Shell`); the
        first page of each kind is also rendered in full, and the shell is used only if the
        two agree."""
        if site_page.url in self.nav_urls or not Shell.fits(site_page):
            return None
        key = Shell.key_of(site_page)
        if key not in self.shells:
            shell = Shell.of(self.render_in_full(Shell.placeholder(site_page)))
            self.shells[key] = shell if shell.fill(site_page) == self.render_in_full(site_page) else None
        return self.shells[key]

    def render_in_full(self, site_page: SitePage) -> str:
        page = self.pages.get(site_page.url) or self._page(site_page.title, site_page.url)
        if site_page.url not in self.nav_urls:
            page.title = site_page.title
        page.content = Markup(site_page.body)
        page.toc = TableOfContents([AnchorLink(title, anchor, 2) for anchor, title in site_page.toc])
        page.meta = {"description": site_page.description} if site_page.description else {}
        active = self.pages.get(site_page.nav_url or site_page.url, page)
        active.active = True
        try:
            context = get_context(self.navigation, [], self.config, page)
            return self.template.render(context)
        finally:
            active.active = False

    def render_not_found(self) -> str:
        """404.html, which a server sends at any missing address, however deep: its links and
        assets are absolute, from the path of site_url (as mkdocs does for its error pages)."""
        base_url = urlsplit(self.site.site_url or "/").path or "/"
        context = get_context(self.navigation, [], self.config, base_url=base_url)
        return self.env.get_template("404.html").render(context)

    @cached_property
    def asset_dirs(self) -> list[Path]:
        return [MATERIAL_DIR / "assets", SHIPPED_TEMPLATES / "site" / "assets"]

    def copy_assets(self, out_dir: Path) -> None:
        """mkdocs-material's assets (less its source maps and lunr, unused here) and ours."""
        for source in self.asset_dirs:
            shutil.copytree(source, out_dir / "assets", dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.map", "lunr", "__pycache__"))
        if self.site.logo:
            logo = self.site.root / self.site.logo
            (out_dir / "assets" / "images").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(logo, out_dir / "assets" / "images" / ("logo" + logo.suffix))


class Shell:
    """Speed: mkdocs-material's templates take ~2.5 ms a page, nearly all of it on what is the
    same for every page in one folder (header, tabs, navigation, footer, relative links).
    That part is rendered once with placeholder tokens for the page's own title, description,
    address and body, then filled in. Only pages whose title and description escaping leaves
    as they are (no markup characters, single spaces) take this way; `Theme._shell` checks
    the first page of each kind against a full render."""

    TOKEN = "jxq0shell"
    SLOTS = {"title": TOKEN + "title", "description": TOKEN + "desc", "slug": TOKEN + "slug"}
    BODIES = (TOKEN + "body", f"<h1 {TOKEN}h1body>")  # the theme adds an h1 to a body without one
    PLAIN = re.compile(r"[^<>&\"']*")

    def __init__(self, pieces: list[str]):
        self.pieces = pieces  # literal text and slot names, alternately

    @classmethod
    def fits(cls, page: SitePage) -> bool:
        parent, slash, slug = page.url.rstrip("/").rpartition("/")
        texts = (page.title, page.description or "", slug)
        return bool(slash and slug) and all(cls.PLAIN.fullmatch(t) and " ".join(t.split()) == t and cls.TOKEN not in t
                                            for t in texts) and cls.TOKEN not in page.body

    @staticmethod
    def key_of(page: SitePage) -> tuple:
        parent = page.url.rstrip("/").rpartition("/")[0]
        return parent, page.nav_url, tuple(page.toc), "<h1" in page.body, page.description is not None

    @classmethod
    def placeholder(cls, page: SitePage) -> SitePage:
        parent = page.url.rstrip("/").rpartition("/")[0]
        body = cls.BODIES["<h1" in page.body]
        description = cls.SLOTS["description"] if page.description is not None else None
        return SitePage(f"{parent}/{cls.SLOTS['slug']}/", cls.SLOTS["title"], body, page.toc, page.nav_url,
                        description)

    @classmethod
    def of(cls, html: str) -> "Shell":
        names = {token: name for name, token in cls.SLOTS.items()} | {token: "body" for token in cls.BODIES}
        pattern = "(" + "|".join(re.escape(token) for token in names) + ")"
        pieces = re.split(pattern, html)
        return cls([names.get(piece, piece) if index % 2 else piece for index, piece in enumerate(pieces)])

    def fill(self, page: SitePage) -> str:
        values = {"title": page.title, "description": page.description or "", "body": page.body,
                  "slug": page.url.rstrip("/").rpartition("/")[2]}
        return "".join(values[piece] if index % 2 else piece for index, piece in enumerate(self.pieces))
