"""`jixiao validate`: every structure, arithmetic and rule finding, located."""
from __future__ import annotations

import json
import sys

import click

from .. import findings as F
from .common import jobs_option, no_cache_option, paths_argument, run_paths


def print_catalogue() -> None:
    for item in F.CATALOGUE.values():
        click.echo(f"{item.code:26} {F.SEVERITY_ZH[item.severity]}  {item.title}：{item.description}")


@click.command("validate")
@paths_argument
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", help="输出格式。")
@click.option("--strict", is_flag=True, help="有警告也以状态 1 退出。")
@click.option("--codes", is_flag=True, help="列出全部检查项代码后退出。")
@jobs_option
@no_cache_option
def command(paths, output, strict, codes, jobs, no_cache) -> None:
    """检查评价文件：结构、算术与评分规则。有错误时以状态 1 退出。"""
    if codes:
        print_catalogue()
        return
    report = run_paths(paths, jobs, no_cache)
    found = report.all_findings()
    if output == "json":
        click.echo(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=2))
    else:
        for finding in found:
            click.echo(str(finding))
        errors, warnings, infos = (report.count(s) for s in (F.ERROR, F.WARNING, F.INFO))
        click.echo(f"检查了 {len(report.results)} 个文件：{errors} 个错误，{warnings} 个警告，{infos} 个提示。")
    failing = report.count(F.ERROR) or (strict and report.count(F.WARNING))
    sys.exit(1 if failing else 0)
