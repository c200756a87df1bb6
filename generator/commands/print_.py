"""`jixiao print`: PDF and XLSX of chosen evaluations, in the layout of their forms."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import findings as F
from ..building.pipeline import run
from .common import checked_paths, config_option, content_option, fail, jobs_option, output_errors, paths_argument


@click.command("print")
@paths_argument
@content_option
@config_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("print"),
              show_default=True, help="输出目录（每次打印整体替换）。")
@jobs_option
@output_errors
def command(paths, content_dir, config_path, out, jobs) -> None:
    """按原表版式生成 PDF 与 XLSX：每项评价一份，每个单位每年一份汇编（封面、目录、各表）。

    不给路径时打印内容目录中的全部评价（site_config.yml 旁的 content/，或 --content 给出的目录）。
    输出目录整体替换：只含这次打印的文件，中途失败时保持原样。"""
    from ..render.printing import print_outputs

    project, targets = checked_paths(paths, content_dir, config_path)
    report = run(targets, jobs=jobs, project=project)
    errors = [f for f in report.all_findings() if f.severity == F.ERROR]
    if errors:
        for finding in errors:
            click.echo(str(finding), err=True)
        fail(f"有 {len(errors)} 个错误，未生成打印文件。")
    if not report.results:
        fail("没有找到评价文件。")
    figures = print_outputs(report, project.content, out, jobs, project=project)
    click.echo(f"已在 {out}/ 生成 {figures['tables_rendered']} 份评价表与 {figures['bundles_rendered']} 份单位汇编"
               f"（PDF 与 XLSX），{figures['tables_skipped'] + figures['bundles_skipped']} 份未改动而沿用，"
               f"用时 {figures['seconds']:.1f} 秒。", err=True)
    sys.exit(0)
