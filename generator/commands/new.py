"""`jixiao new`: a commented skeleton of one evaluation in a chosen form."""
from __future__ import annotations

from pathlib import Path

import click

from .. import registry
from ..registry import Form

_ROW_COMMENT = "{initial: 年初预算数, budget: 全年预算数, executed: 全年执行数}（万元，空白单元格省略）"


def skeleton(form: Form, project: str, year: int | None) -> str:
    lines = [f"# {form.title}（{form.region}，表式 {form.id}）",
             "# 填写说明见 docs/authoring.md；检查：jixiao validate <本文件>",
             f"project: {project}            # 项目名称",
             f"year: {year or 2024}                   # 年度",
             f"form: {form.id}",
             "scheme: national              # 评分规则",
             "department: {name: 主管部门名称, code: \"\"}    # 主管部门及代码（可在目录的 _defaults.yml 中统一填写）",
             "implementer: {name: 实施单位名称}",
             "funds:",
             "  weight: 10                  # 分值",
             "  rows:"]
    for key, label in form.funds_rows.items():
        lines.append(f"    {key}: {{initial: 0, budget: 0, executed: 0}}   # {label.rstrip(':：')}")
    lines[-len(form.funds_rows)] += f"；每行 {_ROW_COMMENT}"
    lines += ["goals:",
              f"  expected: 请填写{form.goal_labels['expected']}",
              f"  actual: 请填写{form.goal_labels['actual']}",
              "indicators:"]
    for level1 in form.level1:
        lines += [f"  - name: {level1.name}", f"    weight: {level1.weight}", "    children:"]
        for level2 in level1.children:
            lines += [f"      - name: {level2}", "        children:",
                      "          # target 年度指标值，actual 实际完成值，照原文书写；weight 分值，score 得分，"
                      "reason 偏差原因分析及改进措施",
                      "          - {name: 三级指标名称, target: \"≥100 个\", actual: 100 个, weight: 0, score: 0}"]
    if form.explanation_below is not None:
        lines.append('explanation: ""   # 总分在 80 分以下项目未实现绩效目标的原因分析及拟采取的措施说明')
    lines += ["# published:        # 原表印出的数字（供核对，可省略）",
              "#   total: 100",
              "#   weight_total: 100",
              "#   funds_score: 10",
              "#   rates: {" + ", ".join(f"{row}: 100%" for row in form.rate_rows) + "}"]
    return "\n".join(lines) + "\n"


@click.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--form", "form_id", required=True, help="表式编号，如 zibo-2021、anqing-2023。")
@click.option("--project", default="项目名称", help="项目名称。")
@click.option("--year", type=int, default=None, help="年度（默认取自目录名，如 content/单位/2023/）。")
def command(path: Path, form_id: str, project: str, year: int | None) -> None:
    """在 PATH 写一个带注释的评价文件模板（不会覆盖已有文件）。"""
    forms = registry.forms()
    if form_id not in forms:
        raise click.BadParameter(f"没有表式“{form_id}”；可选：{'、'.join(sorted(forms))}",
                                 param_hint="--form")
    if path.exists():
        raise click.UsageError(f"{path} 已存在，不会覆盖；请换一个文件名。")
    if year is None and path.parent.name.isdigit() and len(path.parent.name) == 4:
        year = int(path.parent.name)  # content/<unit>/<year>/: the layout the docs ask for
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(skeleton(forms[form_id], project, year), encoding="utf-8")
    click.echo(f"已写入 {path}；填写后运行 jixiao validate {path}")
