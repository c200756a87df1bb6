"""`jixiao print`: PDF and XLSX of chosen evaluations, in the layout of their forms."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import findings as F
from ..config import CONFIG_NAME, load_config
from ..pipeline import project_root, run
from .common import jobs_option, paths_argument


def content_root(paths: tuple[Path, ...]) -> Path:
    """The content directory of the project the first path belongs to."""
    root = project_root(paths[0].resolve())
    config, _ = load_config(root / CONFIG_NAME) if (root / CONFIG_NAME).exists() else (None, [])
    return config.content_path if config else root / "content"


@click.command("print")
@paths_argument
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("print"),
              show_default=True, help="输出目录。")
@jobs_option
def command(paths, out, jobs) -> None:
    """按原表版式生成 PDF 与 XLSX：每项评价一份，每个单位每年一份汇编（封面、目录、各表）。"""
    from ..printing import print_outputs

    if not paths:
        raise click.UsageError("请给出要打印的评价文件或目录。")
    report = run(list(paths), jobs=jobs, use_cache=False, full=True)
    errors = [f for f in report.all_findings() if f.severity == F.ERROR]
    if errors:
        for finding in errors:
            click.echo(str(finding), err=True)
        click.echo(f"有 {len(errors)} 个错误，未生成打印文件。", err=True)
        sys.exit(1)
    if not report.results:
        click.echo("没有找到评价文件。", err=True)
        sys.exit(1)
    try:
        figures = print_outputs(report, content_root(paths), out, jobs)
    except OSError as exc:
        click.echo(f"无法写入 {exc.filename or out}：{exc.strerror}", err=True)
        sys.exit(1)
    click.echo(f"已在 {out}/ 生成 {figures['tables_rendered']} 份评价表与 {figures['bundles_rendered']} 份单位汇编"
               f"（PDF 与 XLSX），{figures['tables_skipped'] + figures['bundles_skipped']} 份未改动而跳过，"
               f"用时 {figures['seconds']:.1f} 秒。", err=True)
