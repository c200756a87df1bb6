"""`jixiao build`: validate, score and render the site (and the printed reports)."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from .. import findings as F
from ..config import CONFIG_NAME, load_config
from ..site import SiteBuilder
from .common import jobs_option


@contextmanager
def _progress_bar(total: int):
    """A bar on the terminal for builds long enough to wait for."""
    if total < 500 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="生成评价页面", file=sys.stderr) as bar:
        yield bar.update


def build_site(config_path: Path, out: Path | None, jobs: int | None, no_cache: bool, echo=click.echo):
    site, problems = load_config(config_path)
    for finding in problems:
        echo(str(finding), err=True)
    if site is None:
        return None, 1
    started = time.perf_counter()
    report = SiteBuilder(site, out, jobs, use_cache=not no_cache, echo=lambda m: echo(m, err=True),
                         progress=_progress_bar).build()
    errors = [f for f in report.all_findings() if f.severity == F.ERROR]
    warnings = report.count(F.WARNING)
    if errors:
        for finding in errors:
            echo(str(finding), err=True)
        echo(f"有 {len(errors)} 个错误，未生成网站；原有输出保持不变。", err=True)
        return report, 1
    target = out or site.output_path
    echo(f"已生成 {target}：{len(report.results)} 项评价，{warnings} 个警告（见各页“数据核对提示”），"
         f"用时 {time.perf_counter() - started:.1f} 秒。", err=True)
    return report, 0


@click.command("build")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=CONFIG_NAME,
              show_default=True, help="站点配置文件。")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="输出目录（默认 site/）。")
@jobs_option
@click.option("--no-cache", is_flag=True, help="忽略缓存，全部重新生成。")
def command(config_path, out, jobs, no_cache) -> None:
    """检查、评分并生成公开网站。有错误时不生成，并保留原有输出。"""
    _, status = build_site(config_path, out, jobs, no_cache)
    sys.exit(status)
