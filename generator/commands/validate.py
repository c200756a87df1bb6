"""`jixiao validate`: every structure, arithmetic and rule finding, located."""
from __future__ import annotations

import json
import sys

import click

from .. import findings as F
from .common import config_option, content_option, jobs_option, no_cache_option, paths_argument, run_paths


def print_catalogue() -> None:
    for item in F.CATALOGUE.values():
        click.echo(f"{item.code:26} {F.SEVERITY_ZH[item.severity]}  {item.title}：{item.description}")


def json_report(report) -> dict:
    """`--format json`: every file checked with its counts (files without findings too), then every finding."""
    counts = {F.ERROR: "errors", F.WARNING: "warnings", F.INFO: "infos"}
    files = [{"file": result.file, **{counts[s]: n for s, n in result.counts().items()}} for result in report.results]
    return {"files": files, "counts": {name: report.count(s) for s, name in counts.items()},
            "findings": [f.as_dict() for f in report.all_findings()]}


@click.command("validate")
@paths_argument
@click.option("--format", "output", type=click.Choice(["text", "json", "jsonl"]), default="text",
              help="输出格式：text 逐条文字；json 一个对象（files 检查过的每个文件及计数，findings 全部问题）；"
                   "jsonl 每行一条问题。")
@click.option("--strict", is_flag=True, help="有警告也以状态 1 退出。")
@click.option("--codes", is_flag=True, help="列出全部检查项代码后退出。")
@content_option
@config_option
@jobs_option
@no_cache_option
def command(paths, output, strict, codes, content_dir, config_path, jobs, no_cache) -> None:
    """检查评价文件：结构、算术与评分规则。有错误时以状态 1 退出。

    不给路径时检查内容目录（site_config.yml 旁的 content/，或 --content 给出的目录）。"""
    if codes:
        print_catalogue()
        return
    report = run_paths(paths, jobs, no_cache, content_dir, config_path)
    if output == "json":
        click.echo(json.dumps(json_report(report), ensure_ascii=False, indent=2))
    elif output == "jsonl":
        for finding in report.all_findings():
            click.echo(json.dumps(finding.as_dict(), ensure_ascii=False))
    else:
        for finding in report.all_findings():
            click.echo(str(finding))
        errors, warnings, infos = (report.count(s) for s in (F.ERROR, F.WARNING, F.INFO))
        click.echo(f"检查了 {len(report.results)} 个文件：{errors} 个错误，{warnings} 个警告，{infos} 个提示。")
    failing = report.count(F.ERROR) or (strict and report.count(F.WARNING))
    sys.exit(1 if failing else 0)
