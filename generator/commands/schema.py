"""`jixiao schema`: the JSON Schema of the evaluation YAML, for editors."""
from __future__ import annotations

import json

import click

from .. import registry
from ..model import BundleIndex, Evaluation
from ..schema import json_schema


@click.command("schema")
@click.option("--index", is_flag=True, help="输出单位目录 _index.yml 的模式。")
def command(index: bool) -> None:
    """输出评价文件的 JSON Schema（含中文标题与说明），供编辑器补全与检查。"""
    choices = {"forms": sorted(registry.forms()), "schemes": sorted(registry.schemes())}
    click.echo(json.dumps(json_schema(BundleIndex if index else Evaluation, choices),
                          ensure_ascii=False, indent=2))
