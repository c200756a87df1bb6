"""The project: one directory with `site_config.yml`, and everything found from it.

Every command asks the project, and nothing else, where things are:

- its root, the directory of `site_config.yml` (`--config` names another file);
- the configuration, read with located findings;
- the content directory: the one given on the command line (a path or `--content`),
  else `content_dir` of the configuration, else `content/` beside it;
- the extension directories beside `site_config.yml`: `forms/`, `schemes/` and
  `templates/`, whose files override the built-in ones of the same id or name;
- the `_defaults.yml` chain of a content directory;
- its cache, `.cache/jixiao/` under the root, which only jixiao writes.

Without a `--config`, `site_config.yml` is looked for in the content directory and
its parents, then in the working directory and its parents. Files checked outside
any project (`jixiao validate` on loose files) have a bare project: the built-in
forms, schemes and templates only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding
from .config import CONFIG_NAME, SiteConfig, load_config
from .tree import defaults_chain

EXTENSION_DIRS = ("forms", "schemes", "templates")
MINIMAL_CONFIG = "site_name: 某某市预算绩效评价信息公开"


class ProjectError(Exception):
    """What the user must set up before the command can run, in words they can act on."""


def _nearest_config(start: Path) -> Path | None:
    for directory in [start, *start.parents]:
        if (directory / CONFIG_NAME).is_file():
            return directory / CONFIG_NAME
    return None


def _bare_root(start: Path) -> Path:
    """A directory for the cache of files outside any project: the repository's root, else the directory."""
    for directory in [start, *start.parents]:
        if (directory / ".git").exists():
            return directory
    return start


def _as_given(path: Path | None) -> Path | None:
    """A path found by searching or given, relative to the working directory when inside it, as
    a path typed there would be: file names in findings and downloads stay short and the same
    wherever the project lies (the cache and the fingerprints name files in full, however
    they are spelt: `fingerprint.canonical`)."""
    if path is None:
        return None
    try:
        return Path(os.path.relpath(path)) if path.resolve().is_relative_to(Path.cwd().resolve()) else path
    except (OSError, ValueError):
        return path


def _directory(path: Path) -> Path:
    return path if path.is_dir() else path.parent


@dataclass(eq=False)
class Project:
    root: Path
    content: Path
    config_path: Path | None = None  # the site_config.yml named or found; None: a bare project
    config: SiteConfig | None = None  # None when it is missing, empty or has errors
    findings: list[Finding] = field(default_factory=list)  # from reading site_config.yml

    @classmethod
    def find(cls, config: Path | None = None, content: Path | None = None, start: Path | None = None) -> "Project":
        """The project of a command: see the module's docstring for where each part comes from."""
        here = Path.cwd() if start is None else start
        if config is not None:
            config = _as_given(config)  # spelt as when found: findings name files the same way
        else:
            config = _nearest_config(_directory(content).absolute()) if content is not None else None
            config = _as_given(config or _nearest_config(here.absolute()))
        if config is None:
            root = _bare_root(_directory(content if content is not None else here).absolute())
            return cls(root, content if content is not None else here / "content" if start else Path("content"))
        if not config.is_file():
            return cls(config.parent, content if content is not None else config.parent / "content", config)
        site, findings = load_config(config)
        if site is not None and content is not None:
            site.content_dir = str(content)  # the content directory given wins over content_dir
        content = content if content is not None else site.content_path if site else config.parent / "content"
        return cls(config.parent, content, config, site, findings)

    @classmethod
    def of_site(cls, site: SiteConfig) -> "Project":
        """The project of a configuration already read (the Python interface, tests)."""
        return cls(site.root, site.content_path, site.root / CONFIG_NAME, site)

    @property
    def has_config(self) -> bool:
        return self.config_path is not None and self.config_path.is_file()

    # --- what commands ask -------------------------------------------------------------

    def site(self) -> SiteConfig:
        """The configuration a site needs, or a ProjectError saying what to create or fix."""
        if self.config is not None:
            return self.config
        if not self.has_config:
            raise ProjectError(missing_config_message(self.config_path))
        if _is_empty(self.config_path):
            raise ProjectError(f"{self.config_path} 是空的。至少写一行网站名称：\n\n    {MINIMAL_CONFIG}\n\n"
                               "其余设置（网站地址、发布单位、单位名称与顺序、页脚）见 docs/authoring.md。")
        errors = [str(f) for f in self.findings if f.severity == "error"]
        raise ProjectError("\n".join(errors) + f"\n{self.config_path} 有 {len(errors)} 个错误，请改正后重试。")

    @property
    def extension_roots(self) -> tuple[Path, ...]:
        """The directories whose forms/ and schemes/ add to and override the built-in ones."""
        return (self.root.absolute(),) if self.has_config else ()

    def rule_files(self) -> list[Path]:
        from ..rules import registry

        return [path for _, path in registry.rule_files(self.extension_roots)]

    def rules(self):
        """The project's forms and schemes, made the ones `registry.forms()` and `schemes()` give."""
        from ..rules import registry

        return registry.activate(self.extension_roots)

    @property
    def templates_root(self) -> Path | None:
        """The directory whose `templates/` overrides the shipped templates."""
        return self.root if self.has_config else None

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache" / "jixiao"

    def defaults_chain(self, directory: Path) -> tuple[Path, ...]:
        return defaults_chain(directory)

    def output(self, out: Path | None = None) -> Path:
        return out if out is not None else self.site().output_path


def missing_config_message(named: Path | None = None) -> str:
    where = f"{named} 不存在。" if named else f"没有找到站点配置文件 {CONFIG_NAME}（当前目录及其上级目录中都没有）。"
    return (f"{where}\n"
            f"网站由项目目录中的 {CONFIG_NAME} 说明：在评价文件所在的 content/ 目录的上一级新建这个文件，最少一行：\n\n"
            f"    {MINIMAL_CONFIG}\n\n"
            "评价文件默认从它旁边的 content/ 读取，也可以给出内容目录（jixiao build 路径，或 --content 路径），"
            "或用 --config 指定别处的配置文件。jixiao new 只生成评价文件，不生成站点配置。")


def _is_empty(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())
