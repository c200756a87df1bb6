"""`jixiao build`: validate, score and render the site (and the printed reports)."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from .. import findings as F
from ..project.project import Project
from ..render.site import SiteBuilder
from .common import (config_option, content_argument, content_of, content_option, jobs_option, output_errors,
                     site_project)


@contextmanager
def _progress_bar(total: int):
    """A bar on the terminal for builds long enough to wait for."""
    if total < 500 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="生成评价页面", file=sys.stderr) as bar:
        yield bar.update


def build_site(project: Project, out: Path | None, jobs: int | None, no_cache: bool, echo=click.echo):
    """Build; (report, exit status). A failure to write raises OutputError (the previous output is kept)."""
    started = time.perf_counter()
    builder = SiteBuilder(project, out, jobs, use_cache=not no_cache, echo=lambda m: echo(m, err=True),
                          progress=_progress_bar)
    report = builder.build()
    errors = [f for f in report.all_findings() if f.severity == F.ERROR]
    warnings = report.count(F.WARNING)
    if errors:
        for finding in errors:
            echo(str(finding), err=True)
        echo(f"有 {len(errors)} 个错误，未生成网站；原有输出保持不变。", err=True)
        return report, 1
    done = "网站已是最新，未改动" if builder.up_to_date else "已生成"
    echo(f"{done} {builder.out_dir}：{report.file_count} 项评价，{warnings} 个警告（见各页“数据核对提示”），"
         f"用时 {time.perf_counter() - started:.1f} 秒。", err=True)
    return report, 0


@click.command("build")
@content_argument
@content_option
@config_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出目录（默认为 site_config.yml 的 output_dir，即 site/）。")
@jobs_option
@click.option("--no-cache", is_flag=True, help="忽略缓存和上次的输出，全部重新生成。")
@output_errors
def command(content_path, content_dir, config_path, out, jobs, no_cache) -> None:
    """检查、评分并生成公开网站（含 PDF 与 XLSX）。有错误时不生成，并保留原有输出。

    内容目录默认为 site_config.yml 旁的 content/；也可写在命令后面或用 --content 给出。"""
    project = site_project(config_path, content_of(content_path, content_dir))
    _, status = build_site(project, out, jobs, no_cache)
    sys.exit(status)
