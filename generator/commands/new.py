"""`jixiao new`: a commented skeleton of one evaluation in a chosen form."""
from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path

import click

from ..rules import registry
from ..project.tree import defaults_of
from ..loading.model import PLACEHOLDER
from ..project.project import Project
from ..quantities import figure, format_rate
from ..rules.registry import Form

_ROW_COMMENT = "{initial: 年初预算数, budget: 全年预算数, executed: 全年执行数}（万元，空白单元格省略）"


def skeleton(form: Form, project: str, year: int | None, supplied: dict[str, tuple[str | None, Path]] | None = None) -> str:
    """A commented evaluation file; the fields in `supplied` (key → (value, defaults file)) are
    written commented out, since the directory's _defaults.yml already gives them."""
    lines = [f"# {form.title}（{form.region}，表式 {form.id}）",
             "# 填写说明见 docs/authoring.md；以“请填写”开头的文字是占位符。检查：jixiao validate <本文件>"]
    lines += _header_lines(form, project, year, supplied or {})
    if form.funds_block:
        lines += ["funds:",
                  "  weight: 10                  # 分值",
                  "  rows:"]
        for key, label in form.funds_rows.items():
            lines.append(f"    {key}: {{initial: 0, budget: 0, executed: 0}}   # {label.rstrip(':：')}")
        lines[-len(form.funds_rows)] += f"；每行 {_ROW_COMMENT}"
        lines += ["goals:",
                  f"  expected: {PLACEHOLDER}{form.goal_labels['expected']}",
                  f"  actual: {PLACEHOLDER}{form.goal_labels['actual']}"]
    lines.append("indicators:")
    for level1 in form.level1:
        lines += [f"  - name: {level1.name}", f"    weight: {level1.weight}", "    children:"]
        if len(form.levels) == 2:  # the indicators stand right under their category
            lines += _leaf_lines(form, "      ")
        for level2 in level1.children:
            lines += [f"      - name: {level2}", "        children:", *_leaf_lines(form, "          ")]
    if form.explanation_below is not None:
        lines.append('explanation: ""   # 总分在 80 分以下项目未实现绩效目标的原因分析及拟采取的措施说明')
    lines += ["# published:        # 原表印出的数字（供核对，可省略）",
              f"#   total: {100 if form.funds_block else figure(sum(item.weight for item in form.level1))}"]
    if form.funds_block:
        rate = format_rate(Decimal(1), form.rate_places, form.rate_strip_zeros)
        lines += ["#   weight_total: 100",
                  "#   funds_score: 10",
                  "#   rates: {" + ", ".join(f"{row}: {rate}" for row in form.rate_rows) + "}"]
    return "\n".join(lines) + "\n"


def _leaf_lines(form: Form, indent: str) -> list[str]:
    leaf = form.levels[-1] if form.levels[-1].endswith("名称") else form.levels[-1] + "名称"
    return [f"{indent}# target {form.column('target')}，actual {form.column('actual')}，照原文书写；"
            f"weight {form.column('weight')}，score {form.column('score')}（原表空白写 ~），reason 偏差原因分析及改进措施",
            f"{indent}- {{name: {PLACEHOLDER}{leaf}, target: ≥100 个, actual: 100 个, weight: 0, score: 0}}"]


def _header_lines(form: Form, project: str, year: int | None, supplied: dict) -> list[str]:
    fields = [("project", f"project: {json.dumps(project, ensure_ascii=False)}", None, "项目名称"),
              ("year", f"year: {year or 2024}", str(year or 2024), "年度"),
              ("form", f"form: {form.id}", form.id, "表式"),
              ("scheme", f"scheme: {_scheme_for(form)}", None, "评分规则"),
              ("department", f'department: {{name: {PLACEHOLDER}主管部门名称, code: ""}}', None, "主管部门及代码"),
              ("implementer", f"implementer: {{name: {PLACEHOLDER}实施单位名称}}", None, "实施单位")]
    if any("contact" in row for row in form.header_rows):
        fields.append(("contact", 'contact: ""', None, "联系电话（原表空白则留空）"))
    lines = []
    for key, line, value, title in fields:
        given = supplied.get(key)
        if given is not None and (value is None or given[0] == value):
            lines.append(f"# {line}   # {title}：已由 {os.path.relpath(given[1])} 给出；本项目不同时去掉行首的 # 改写")
        else:
            lines.append(f"{line}   # {title}")
    return lines


def _scheme_for(form: Form) -> str:
    """The scheme of the form's own region when there is one by its id (suzhou-2020), else the national one."""
    return form.id if form.id in registry.schemes() else "national"


def supplied_by_defaults(directory: Path) -> tuple[dict[str, tuple[str | None, Path]], list[str]]:
    """The top-level fields the directory's _defaults.yml files give (key → (text, file)),
    and the defaults files that could not be read."""
    defaults = defaults_of(directory)
    return ({key: (value if isinstance(value, str) else None, defaults.sources[key])
             for key, value in defaults.values.items()}, defaults.unreadable)


@click.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), metavar="路径")
@click.option("--form", "form_id", required=True, metavar="表式", help="表式编号，如 zibo-2021、anqing-2023。")
@click.option("--project", default=PLACEHOLDER + "项目名称", metavar="名称", help="项目名称。")
@click.option("--year", type=int, default=None, metavar="年份", help="年度（默认取自目录名或 _defaults.yml，如 content/单位/2023/）。")
def command(path: Path, form_id: str, project: str, year: int | None) -> None:
    """在“路径”写一个带注释的评价文件模板（不会覆盖已有文件）。

    表式可以是内置的，也可以是路径所在项目（site_config.yml 旁）forms/ 中的。"""
    home = Project.find(start=path.parent.absolute())
    forms = home.rules().forms
    if form_id not in forms:
        raise click.BadParameter(f"没有表式“{form_id}”；可选：{'、'.join(sorted(forms))}",
                                 param_hint="--form")
    if path.exists():
        raise click.UsageError(f"{path} 已存在，不会覆盖；请换一个文件名。")
    supplied, unreadable = supplied_by_defaults(path.parent)
    for problem in unreadable:
        click.echo(f"警告：目录默认值文件有错误，模板没有参考它：\n{problem}", err=True)
    year = year or _year_of(path.parent, supplied)
    if year is None:
        click.echo("提示：目录名不是年份，_defaults.yml 也没有 year；模板中的年度写成 2024，请改正。", err=True)
    if not _FILE_NAME.fullmatch(path.name):
        click.echo("提示：文件名建议只用小写拉丁字母、数字和连字符，如 03-jishu-gaizao.yml。", err=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(skeleton(forms[form_id], project, year, supplied), encoding="utf-8")
    click.echo(f"已写入 {path}；填写后运行 jixiao validate {path}")


_FILE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.yml")


def _year_of(directory: Path, supplied: dict[str, tuple[str | None, Path]]) -> int | None:
    """content/<unit>/<year>/ is the layout the docs ask for; else a year the defaults give."""
    if directory.name.isdigit() and len(directory.name) == 4:
        return int(directory.name)
    text = supplied.get("year", (None,))[0]
    return int(text) if text and text.isdigit() else None
