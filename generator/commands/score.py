"""`jixiao score`: rates, subtotals, totals and grades, as text, JSON or CSV."""
from __future__ import annotations

import json
import sys
from decimal import Decimal

import click

from .. import findings as F
from .. import registry
from ..export import evaluation_csv_row, to_csv
from ..quantities import format_rate
from .common import jobs_option, no_cache_option, paths_argument, run_paths


def _text_line(row: dict) -> str:
    if row["name"] is None:
        return f"{row['file']}: 无法评分（有错误，见 jixiao validate）"
    published = "" if row["published_total"] is None else f"（原表 {row['published_total']}）"
    rate = "—" if row["execution_rate"] is None else _as_printed(row["execution_rate"], row["form"])
    return (f"{row['file']}: {row['name']}  执行率 {rate}  总分 {row['total']}{published}  "
            f"等级 {row['grade']}  警告 {row['findings'][F.WARNING]}")


def _as_printed(rate_percent: float, form_id: str) -> str:
    """An execution rate with the places its form prints (82.3% in Anqing's, 89.88% in Zibo's)."""
    form = registry.forms().get(form_id)
    places, strip = (form.rate_places, form.rate_strip_zeros) if form else (2, True)
    return format_rate(Decimal(str(rate_percent)) / 100, places, strip)


@click.command("score")
@paths_argument
@click.option("--format", "output", type=click.Choice(["text", "json", "csv"]), default="text", help="输出格式。")
@jobs_option
@no_cache_option
def command(paths, output, jobs, no_cache) -> None:
    """计算执行率、各级小计、总分与等级。"""
    report = run_paths(paths, jobs, no_cache)
    if output == "json":
        click.echo(json.dumps([r.full_summary() for r in report.results], ensure_ascii=False, indent=2))
    elif output == "csv":
        sys.stdout.write(to_csv([evaluation_csv_row(r.summary) for r in report.results]))
    else:
        for result in report.results:
            click.echo(_text_line(result.summary))
    sys.exit(1 if report.count(F.ERROR) else 0)
