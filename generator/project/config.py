"""`site_config.yml`: typed options that validate themselves with located messages."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field as dc_field
from pathlib import Path

from .. import findings as F
from ..findings import Finding, Pos
from ..loading.loader import LoadError, Mapping, inside, load_file, read_source
from ..loading.model import Choice, ListOf, Located, spec
from ..loading.schema import Converter

CONFIG_NAME = "site_config.yml"


@dataclass
class UnitConfig(Located):
    id: str = spec("目录名", "content/ 下的单位目录名。", required=True)
    name: str = spec("单位名称", "网站上显示的单位全称。", required=True)


@dataclass
class FooterConfig(Located):
    host: str | None = spec("主办单位", "页脚的主办单位。")
    icp: str | None = spec("备案号", "ICP 备案号，如 鲁ICP备12345678号。")
    site_code: str | None = spec("网站标识码", "政府网站标识码。")
    contact: str | None = spec("联系方式", "")


@dataclass
class SiteConfig(Located):
    site_name: str = spec("网站名称", "", required=True)
    site_url: str | None = spec("网站地址", "如 https://jx.example.gov.cn/，用于规范链接与站点地图。")
    publisher: str | None = spec("发布单位", "")
    description: str | None = spec("网站说明", "")
    logo: str | None = spec("标志图片", "相对于项目目录的图片路径（PNG/SVG）。")
    primary_color: str | None = spec("主色", "mkdocs-material 主色名，如 red、indigo、blue。")
    accent_color: str | None = spec("强调色", "mkdocs-material 强调色名。")
    content_dir: str | None = spec("内容目录", "默认 content。")
    output_dir: str | None = spec("输出目录", "默认 site。")
    units: list[UnitConfig] = spec("单位列表", "单位的显示名称与顺序；未列出的单位排在后面。", ListOf(UnitConfig),
                                   default=[])
    footer: FooterConfig | None = spec("页脚", "政府网站页脚字段。", FooterConfig)
    print: bool | None = spec("生成打印文件", "是否生成 PDF 与 XLSX（默认 true）。", "boolean")
    theme_features: list[str] = spec("主题功能", "额外的 mkdocs-material features。", ListOf(Choice(source="features")),
                                     default=[])

    root: Path = dc_field(default=Path("."), metadata={"internal": True})

    @property
    def content_path(self) -> Path:
        return self.root / (self.content_dir or "content")

    @property
    def output_path(self) -> Path:
        return self.root / (self.output_dir or "site")

    def unit_name(self, unit_id: str) -> str | None:
        return next((u.name for u in self.units if u.id == unit_id), None)

    def unit_order(self, unit_id: str) -> tuple[int, str]:
        ids = [u.id for u in self.units]
        return (ids.index(unit_id), unit_id) if unit_id in ids else (len(ids), unit_id)


OPTIONAL_FEATURES = ["navigation.instant", "navigation.top", "toc.follow", "search.highlight",
                     "content.tooltips", "navigation.footer"]


def load_config(path: Path) -> tuple[SiteConfig | None, list[Finding]]:
    """The site configuration, or None with located findings explaining why not."""
    try:
        node = load_file(path)
    except LoadError as exc:
        return None, [exc.finding]
    except OSError:
        return None, [F.MISSING_FIELD.at(Pos(str(path), 1, 1), where="项目目录", key=CONFIG_NAME,
                                         title="站点配置文件")]
    if type(node) is not Mapping:
        return None, [F.NOT_A_MAPPING.at(Pos(str(path), 1, 1), actual="空文件或非映射")]
    converter = Converter({"features": OPTIONAL_FEATURES})
    config = converter.to_object(SiteConfig, node)
    config.root = path.parent
    findings = converter.findings + _logo_problems(config)
    errors = [f for f in findings if f.severity == F.ERROR]
    return (None if errors else config), findings


def _logo_problems(config: SiteConfig) -> list[Finding]:
    """The logo is published: it must be a plain file of the project (not /etc/passwd, not a FIFO)."""
    if not config.logo:
        return []
    where = config.where("logo")
    path = config.root / config.logo
    try:
        if not inside(path, config.root):
            raise LoadError(F.OUTSIDE_PROJECT.at(where, name=config.logo))
        read_source(path, config.root)
    except LoadError as exc:
        return [dataclasses.replace(exc.finding, file=where.file, line=where.line, column=where.column)]
    return []
