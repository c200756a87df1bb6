"""`jixiao schema`: the JSON Schema of the YAML files jixiao reads, for editors."""
from __future__ import annotations

import json

import click

from ..rules import registry
from ..loading.model import BundleIndex, Evaluation
from ..project.project import Project
from ..loading.schema import json_schema

KINDS = {"evaluation": (Evaluation, "jixiao 评价文件"), "index": (BundleIndex, "jixiao 单位目录 _index.yml"),
         "form": (registry.Form, "jixiao 表式文件（forms/*.yml）"),
         "scheme": (registry.Scheme, "jixiao 评分规则文件（schemes/*.yml）")}


@click.command("schema")
@click.option("--kind", type=click.Choice(list(KINDS)), default="evaluation", show_default=True,
              help="哪一种文件：evaluation 评价文件，index 单位目录 _index.yml，form 表式，scheme 评分规则。")
@click.option("--index", is_flag=True, help="同 --kind index。")
def command(kind: str, index: bool) -> None:
    """输出 YAML 文件的 JSON Schema（含中文标题与说明），供编辑器补全与检查。"""
    cls, title = KINDS["index" if index else kind]
    choices = Project.find().rules().choices  # the project's own forms and schemes among the choices
    click.echo(json.dumps(json_schema(cls, choices, title), ensure_ascii=False, indent=2))
