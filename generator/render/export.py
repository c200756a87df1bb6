"""Open data: one flat row per evaluation and per indicator, for JSON and CSV."""
from __future__ import annotations

import csv
import io
import json

import orjson

from ..checking.summary import PATH_SEPARATOR, level_column, summary
from .inert import csv_text


# The columns of indicators.csv: the evaluation's file and name, the indicator's ancestors (the
# path, then one column per level above it: level1, level2, … as deep as the deepest tree of
# the download), then the rest of indicator_rows()'s keys.
INDICATOR_LEADING_COLUMNS = ("file", "name", "path")
INDICATOR_COLUMNS = ("indicator", "target", "actual", "weight", "weight_text", "score", "score_text", "rule_score",
                     "applicable", "reason")
SHALLOWEST_CSV_LEVELS = 2  # the level columns of every indicators.csv: a three-level table's ancestors


def indicator_csv_columns(levels: int = SHALLOWEST_CSV_LEVELS) -> tuple[str, ...]:
    """The columns of an indicators.csv whose deepest indicator has `levels` ancestors."""
    return (*INDICATOR_LEADING_COLUMNS, *(level_column(d) for d in range(1, levels + 1)), *INDICATOR_COLUMNS)


def indicator_levels(rows: list[dict]) -> int:
    """How many level columns these indicator rows fill, and at least every file's."""
    deepest = max((len(row["path"].split(PATH_SEPARATOR)) for row in rows if row["path"]), default=0)
    return max(deepest, SHALLOWEST_CSV_LEVELS)


def evaluation_csv_row(row: dict) -> dict:
    """A summary without its nested lists, for evaluations.csv."""
    return {key: value for key, value in row.items() if key not in ("subtotals", "score_tables", "indicators")}


def indicator_csv_rows(row: dict, levels: int) -> list[list]:
    """An evaluation's rows of indicators.csv, as lists of cells in its columns for trees with
    `levels` ancestors (lists, not dicts: it runs for each of 360,000 rows at 10,000 files)."""
    leading = [_cell(row["file"]), _cell(row["name"])]
    rest = indicator_csv_columns(levels)[len(INDICATOR_LEADING_COLUMNS) - 1:]  # from `path` on
    return [leading + [_cell(item.get(column)) for column in rest] for item in row["indicators"]]


def flatten(row: dict) -> dict:
    flat = {key: value for key, value in row.items() if not isinstance(value, dict)}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{inner}": v for inner, v in value.items()})
    return flat


def _cell(value):
    """A CSV cell: booleans in words, as a reader of the table would write them; text that a
    spreadsheet would take for a formula (`=HYPERLINK(…)`, `=6000 个`) kept as text."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, str):
        return csv_text(value)
    return value


def json_bytes(value) -> bytes:
    """Published JSON (an evaluation's data.json, its object in evaluations.json): UTF-8, keys
    sorted, on one line. orjson takes a third of the time of `json.dumps` (0.1 ms of 0.3 for a
    data.json), and writes NaN, which is not JSON, as null."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def to_csv(rows: list[dict], header: bool = True) -> str:
    """CSV with a UTF-8 byte-order mark, so that Excel shows the Chinese correctly, its header the
    field names; without `header`, just the lines (fragments that a build joins later)."""
    flat = [{key: _cell(value) for key, value in flatten(row).items()} for row in rows]
    buffer = io.StringIO()
    if header:
        buffer.write(csv_header(list(flat[0]), titles=False) if flat else "\ufeff")
    if flat:
        csv.DictWriter(buffer, fieldnames=list(flat[0]), lineterminator="\r\n").writerows(flat)
    return buffer.getvalue()


def _csv_lines(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def csv_header(columns, titles: bool = True) -> str:
    """A header row: the columns' Chinese titles (the site's downloads) or their field names."""
    names = [field_title(c) for c in columns] if titles else list(columns)
    return "\ufeff" + _csv_lines([names])


def download_row(row: dict, publishing_unit: str) -> dict:
    """A summary as the site publishes it: with the unit that publishes it beside the
    主管部门 its table names (安庆's 膜、塑料及刷业 table names 非部门待分单位)."""
    published = {}
    for key, value in row.items():
        if key == "unit":
            published["publishing_unit"] = publishing_unit
        published[key] = value
    return published


def download_fragments(row: dict) -> dict[str, bytes]:
    """One evaluation's lines of evaluations.csv, indicators.csv and evaluations.json, in UTF-8
    (a build joins 10,000 of them from its cache, which loads bytes faster than text). Its
    indicator lines have as many level columns as its own tree needs (`indicator_levels`)."""
    light = evaluation_csv_row(row) | {"subtotals": row["subtotals"]}
    levels = indicator_levels(row["indicators"])
    return {"evaluations.csv": to_csv([evaluation_csv_row(row)], header=False).encode("utf-8"),
            "indicators.csv": _csv_lines(indicator_csv_rows(row, levels)).encode("utf-8"),
            "evaluations.json": json_bytes(light), INDICATOR_LEVELS: levels}


INDICATOR_LEVELS = "indicator_levels"  # beside the fragments: the level columns of its indicators.csv lines


def deepest(fragments: list[dict]) -> int:
    """The level columns of an indicators.csv joined from these evaluations' fragments."""
    return max((f[INDICATOR_LEVELS] for f in fragments), default=SHALLOWEST_CSV_LEVELS)


def indicators_csv_pieces(fragments: list[dict]) -> list:
    """indicators.csv in the pieces it is joined from: its header, then each evaluation's lines;
    the lines of a shallower tree than the deepest get empty level columns (read and written
    again: a download of one form's tables is only joined)."""
    levels = deepest(fragments)
    parts = [csv_header(indicator_csv_columns(levels)).encode("utf-8")]
    for fragment in fragments:
        lines = fragment["indicators.csv"]
        parts.append(lines if fragment[INDICATOR_LEVELS] == levels else
                     _widened(lines, fragment[INDICATOR_LEVELS], levels))
    return parts


def _widened(lines: bytes, levels: int, wanted: int) -> bytes:
    at = len(INDICATOR_LEADING_COLUMNS) + levels
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for record in csv.reader(io.StringIO(str(lines, "utf-8"), newline="")):
        writer.writerow(record[:at] + [""] * (wanted - levels) + record[at:])
    return buffer.getvalue().encode("utf-8")


# The columns of the site's evaluations.csv: a summary's, with the publishing unit.
EVALUATION_CSV_COLUMNS = tuple(flatten(evaluation_csv_row(download_row(
    summary("", None, None, {"error": 0, "warning": 0, "info": 0}), ""))))


_FIELD_TYPES = {"year": "integer", "budget": "number", "executed": "number", "execution_rate": "number",
                "funds_score": "number", "funds_score_in_total": "number", "weight_total": "number",
                "total": "number", "rule_total": "number", "published_total": "number",
                "published_execution_rate": "number", "weight": "number", "score": "number",
                "rule_score": "number", "applicable": "boolean", "findings_error": "integer", "findings_warning": "integer",
                "findings_info": "integer"}
# The Chinese title of every column: the header row of the site's CSV files and the
# datapackage's titles (its field names are the English keys of the JSON).
FIELD_TITLES = {
    "file": "源文件", "name": "项目名称", "year": "年度", "publishing_unit": "发布单位",
    "unit": "主管部门", "unit_code": "主管部门代码", "implementer": "实施单位", "form": "表式",
    "scheme": "评分规则", "kind": "评价类型", "budget": "全年预算数（万元）", "budget_text": "全年预算数（原表写法）",
    "executed": "全年执行数（万元）", "executed_text": "全年执行数（原表写法）",
    "execution_rate": "执行率（%）", "execution_rate_text": "执行率（按原表精度）",
    "funds_score": "资金得分（计算）", "funds_score_text": "资金得分（计算，按原表精度）",
    "funds_score_in_total": "资金得分（计入总分；无执行数时取原表印出的得分）",
    "weight_total": "分值合计", "weight_total_text": "分值合计（按原表精度）",
    "total": "总分（按表中得分计算）", "total_text": "总分（按表中得分计算，按原表精度）",
    "rule_total": "总分（按评分规则计算）", "published_total": "原表总分", "published_total_text": "原表总分（原表写法）",
    "published_execution_rate": "原表执行率（%）", "published_execution_rate_text": "原表执行率（原表写法）",
    "grade": "等级", "findings_error": "错误数", "findings_warning": "警告数", "findings_info": "提示数",
    "path": "上级指标", "indicator": "指标名称", "target": "年度指标值",
    "actual": "实际完成值", "weight": "分值", "weight_text": "分值（原表写法）", "score": "得分",
    "score_text": "得分（原表写法）", "rule_score": "按规则计算的得分", "applicable": "是否适用",
    "reason": "偏差原因分析及改进措施"}
LEVEL_TITLES = "一二三四五六七八九"
_BOOLEAN_WORDS = {"trueValues": ["是"], "falseValues": ["否"]}


def field_title(column: str) -> str:
    """A column's Chinese title; level3 is 三级指标."""
    if column.startswith("level") and column[5:].isdigit():
        depth = int(column[5:])
        return f"{LEVEL_TITLES[depth - 1]}级指标" if depth <= len(LEVEL_TITLES) else f"{depth} 级指标"
    return FIELD_TITLES[column]


def _field(column: str) -> dict:
    kind = _FIELD_TYPES.get(column, "string")
    return {"name": column, "title": field_title(column), "type": kind,
            **(_BOOLEAN_WORDS if kind == "boolean" else {})}


def _schema(columns) -> dict:
    return {"fields": [_field(c) for c in columns]}


def datapackage(site, levels: int = SHALLOWEST_CSV_LEVELS) -> dict:
    """A Frictionless Data Package describing the downloads (indicators.csv with `levels`
    level columns). The CSV header rows give each field's title; the fields are in the order
    of the columns."""
    csv_dialect = {"delimiter": ",", "header": True}
    return {
        "name": "jixiao-evaluations", "title": f"{site.site_name}：预算绩效评价数据",
        "description": "各单位项目支出绩效自评表的数据，含按表中数字重新计算的执行率、总分与等级。",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {"name": "evaluations", "path": "evaluations.csv", "format": "csv", "encoding": "utf-8-sig",
             "mediatype": "text/csv", "dialect": csv_dialect, "schema": _schema(EVALUATION_CSV_COLUMNS)},
            {"name": "indicators", "path": "indicators.csv", "format": "csv", "encoding": "utf-8-sig",
             "mediatype": "text/csv", "dialect": csv_dialect, "schema": _schema(indicator_csv_columns(levels))},
            {"name": "evaluations-json", "path": "evaluations.json", "format": "json",
             "mediatype": "application/json"},
        ],
    }


DOWNLOADS = ("evaluations.csv", "indicators.csv", "evaluations.json", "datapackage.json")  # under data/


def write_downloads(output, site, fragments: list[dict]) -> list[str]:
    """The site's downloads, joined from each evaluation's fragments (`download_fragments`) in
    the order given, written by `output` (`building.output.Output`); their paths."""
    header = csv_header(EVALUATION_CSV_COLUMNS).encode("utf-8")
    output.write_pieces("data/evaluations.csv", [header, *(f["evaluations.csv"] for f in fragments)])
    output.write_pieces("data/indicators.csv", indicators_csv_pieces(fragments))
    objects = [piece for f in fragments for piece in (b",\n", f["evaluations.json"])]
    output.write_pieces("data/evaluations.json", [b"[", *objects[1:], b"]"])
    package = datapackage(site, deepest(fragments))
    output.write_text("data/datapackage.json", json.dumps(package, ensure_ascii=False, indent=1, sort_keys=True))
    return [f"data/{name}" for name in DOWNLOADS]
