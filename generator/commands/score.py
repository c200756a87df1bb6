"""`jixiao score`: rates, subtotals, totals and grades, as text, JSON or CSV."""
from __future__ import annotations

import json
import sys

import click

from .. import findings as F
from ..render.export import evaluation_csv_row, to_csv
from .common import config_option, content_option, jobs_option, no_cache_option, paths_argument, run_paths


def _text_line(row: dict) -> str:
    """Each figure as its table prints it (`执行率 99.72%`, `总分 99.00`)."""
    if row["name"] is None:
        return f"{row['file']}: 无法评分（有错误，见 jixiao validate）"
    published = "" if row["published_total_text"] is None else f"（原表 {row['published_total_text']}）"
    grade = f"等级 {row['grade']}" if row["grade"] else "不评等级"  # a scheme may give none (苏州)
    return (f"{row['file']}: {row['name']}  执行率 {row['execution_rate_text'] or '—'}  总分 {row['total_text']}"
            f"{published}  {grade}  警告 {row['findings'][F.WARNING]}")


@click.command("score")
@paths_argument
@click.option("--format", "output", type=click.Choice(["text", "json", "csv"]), default="text", help="输出格式。")
@content_option
@config_option
@jobs_option
@no_cache_option
def command(paths, output, content_dir, config_path, jobs, no_cache) -> None:
    """计算执行率、各级小计、总分与等级。

    不给路径时为内容目录中的全部评价（site_config.yml 旁的 content/，或 --content 给出的目录）。"""
    report = run_paths(paths, jobs, no_cache, content_dir, config_path)
    if output == "json":
        click.echo(json.dumps([r.full_summary() for r in report.results], ensure_ascii=False, indent=2))
    elif output == "csv":
        sys.stdout.write(to_csv([evaluation_csv_row(r.summary) for r in report.results]))
    else:
        for result in report.results:
            click.echo(_text_line(result.summary))
    sys.exit(1 if report.count(F.ERROR) else 0)
