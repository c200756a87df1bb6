"""Open data: one flat row per evaluation and per indicator, for JSON and CSV."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from functools import lru_cache

from .model import Evaluation
from .scoring import Scores


@lru_cache(maxsize=8192)  # the same weights and scores recur in every file
def number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    value = value.quantize(Decimal("0.0001")).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _rate(scores: Scores) -> float | None:
    rate = scores.rates.get("total")
    return None if rate is None else number(rate * 100)


def summary(file: str, ev: Evaluation | None, scores: Scores | None, counts: dict[str, int]) -> dict:
    """The figures of one evaluation: a row of evaluations.json (and, flattened, of the CSV)."""
    row = {"file": file, "name": None, "year": None, "unit": None, "unit_code": None,
           "implementer": None, "form": None, "scheme": None, "budget": None, "executed": None,
           "execution_rate": None, "funds_score": None, "funds_score_in_total": None, "weight_total": None,
           "total": None,
           "rule_total": None, "published_total": None, "grade": None, "findings": counts,
           "subtotals": [], "indicators": []}
    if ev is None or scores is None:
        return row
    total_row = ev.funds.rows.total if ev.funds and ev.funds.rows else None
    row.update(
        name=ev.project, year=ev.year, unit=ev.department.name, unit_code=ev.department.code,
        implementer=ev.implementer.name if ev.implementer else None, form=ev.form, scheme=ev.scheme,
        budget=number(total_row.budget.value) if total_row and total_row.budget else None,
        executed=number(total_row.executed.value) if total_row and total_row.executed else None,
        execution_rate=_rate(scores), funds_score=number(scores.funds_score),
        funds_score_in_total=number(scores.funds_score_used) if ev.funds else None,
        weight_total=number(scores.weight_total), total=number(scores.total),
        rule_total=number(scores.rule_total),
        published_total=number(ev.published.total.value) if ev.published and ev.published.total else None,
        grade=scores.grade,
        subtotals=[{"name": s.node.name, "weight": number(s.weight), "score": number(s.score),
                    "rule_score": number(s.rule_score)} for s in scores.subtotals if s.depth == 1],
        indicators=indicator_rows(scores))
    return row


# The columns of indicators.csv: the evaluation's file and name, then indicator_rows()'s keys.
INDICATOR_CSV_COLUMNS = ("file", "name", "level1", "level2", "indicator", "target", "actual", "weight", "score",
                         "rule_score", "applicable", "reason")


def indicator_rows(scores: Scores) -> list[dict]:
    """Every assessed indicator with its entered score and, where a rule applies, its rule score."""
    rows = []
    for leaf in scores.leaves:
        node = leaf.node
        rows.append({
            "level1": leaf.level1.name if leaf.level1 else None,
            "level2": leaf.level2.name if leaf.level2 else None, "indicator": node.name,
            "target": node.target.text if node.target else None,
            "actual": node.actual.text if node.actual else None,
            "weight": number(leaf.weight), "score": number(leaf.score),
            "rule_score": number(leaf.rule_score), "applicable": leaf.applicable,
            "reason": node.reason})
    return rows


def evaluation_csv_row(row: dict) -> dict:
    """A summary without its nested lists, for evaluations.csv."""
    return {key: value for key, value in row.items() if key not in ("subtotals", "indicators")}


def indicator_csv_rows(row: dict) -> list[dict]:
    return [{"file": row["file"], "name": row["name"], **item} for item in row["indicators"]]


def flatten(row: dict) -> dict:
    flat = {key: value for key, value in row.items() if not isinstance(value, dict)}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{inner}": v for inner, v in value.items()})
    return flat


def to_csv(rows: list[dict], header: bool = True) -> str:
    """CSV with a UTF-8 byte-order mark, so that Excel shows the Chinese correctly;
    without `header`, just the lines (fragments that a build joins later)."""
    flat = [flatten(row) for row in rows]
    buffer = io.StringIO()
    if header:
        buffer.write("\ufeff")
    if flat:
        writer = csv.DictWriter(buffer, fieldnames=list(flat[0]), lineterminator="\r\n")
        if header:
            writer.writeheader()
        writer.writerows(flat)
    return buffer.getvalue()


def csv_header(row: dict) -> str:
    return "\ufeff" + ",".join(flatten(row)) + "\r\n"


def download_fragments(row: dict) -> dict[str, bytes]:
    """One evaluation's lines of evaluations.csv, indicators.csv and evaluations.json, in UTF-8
    (a build joins 10,000 of them from its cache, which loads bytes faster than text)."""
    light = evaluation_csv_row(row) | {"subtotals": row["subtotals"]}
    fragments = {"evaluations.csv": to_csv([evaluation_csv_row(row)], header=False),
                 "indicators.csv": to_csv(indicator_csv_rows(row), header=False),
                 "evaluations.json": json.dumps(light, ensure_ascii=False, sort_keys=True)}
    return {name: text.encode("utf-8") for name, text in fragments.items()}


_FIELD_TYPES = {"year": "integer", "budget": "number", "executed": "number", "execution_rate": "number",
                "funds_score": "number", "funds_score_in_total": "number", "weight_total": "number",
                "total": "number", "rule_total": "number",
                "published_total": "number", "weight": "number", "score": "number", "rule_score": "number",
                "applicable": "boolean", "findings_error": "integer", "findings_warning": "integer",
                "findings_info": "integer"}
_FIELD_TITLES = {
    "file": "源文件", "name": "项目名称", "year": "年度", "unit": "主管部门", "unit_code": "主管部门代码",
    "implementer": "实施单位", "form": "表式", "scheme": "评分规则", "budget": "全年预算数（万元）",
    "executed": "全年执行数（万元）", "execution_rate": "执行率（%）", "funds_score": "资金得分（计算）",
    "funds_score_in_total": "资金得分（计入总分；无执行数时取原表印出的得分）",
    "weight_total": "分值合计", "total": "总分（按表中得分计算）", "rule_total": "总分（按评分规则计算）",
    "published_total": "原表总分", "grade": "等级", "findings_error": "错误数", "findings_warning": "警告数",
    "findings_info": "提示数", "level1": "一级指标", "level2": "二级指标", "indicator": "三级指标",
    "target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分",
    "rule_score": "按规则计算的得分", "applicable": "是否适用", "reason": "偏差原因分析及改进措施"}


def _schema(columns: list[str]) -> dict:
    return {"fields": [{"name": c, "title": _FIELD_TITLES.get(c, c), "type": _FIELD_TYPES.get(c, "string")}
                       for c in columns]}


def datapackage(site, rows: list[dict]) -> dict:
    """A Frictionless Data Package describing the downloads."""
    evaluation_columns = list(flatten(evaluation_csv_row(rows[0]))) if rows else []
    csv_dialect = {"delimiter": ",", "header": True}
    return {
        "name": "jixiao-evaluations", "title": f"{site.site_name}：预算绩效评价数据",
        "description": "各单位项目支出绩效自评表的数据，含按表中数字重新计算的执行率、总分与等级。",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {"name": "evaluations", "path": "evaluations.csv", "format": "csv", "encoding": "utf-8-sig",
             "mediatype": "text/csv", "dialect": csv_dialect, "schema": _schema(evaluation_columns)},
            {"name": "indicators", "path": "indicators.csv", "format": "csv", "encoding": "utf-8-sig",
             "mediatype": "text/csv", "dialect": csv_dialect, "schema": _schema(list(INDICATOR_CSV_COLUMNS))},
            {"name": "evaluations-json", "path": "evaluations.json", "format": "json",
             "mediatype": "application/json"},
        ],
    }
