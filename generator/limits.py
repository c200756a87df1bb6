"""Bounds on what an evaluation may hold, checked after conversion and before scoring.

Figures must fit a budget table (15 digits before the point, 6 after: `fits`), amounts
of money must not be negative, names must have words in them, and the indicator tree,
report sections and table rows may nest at most MAX_LEVELS deep. Each problem is a
located error; no figure beyond these bounds reaches the arithmetic that it would break.
"""
from __future__ import annotations

import re

from . import findings as F
from .findings import Finding
from .model import BundleIndex, Evaluation, FundsRow, FundsRows, Indicator, Located, walk
from .quantities import MAX_INTEGER_DIGITS, MAX_PLACES, fits, oversized_quantity
from .schema import fields_of

MAX_LEVELS = 10  # every form has three levels of indicators
YEARS = (1900, 2100)
MAX_INDEX_NUMBER = 99_999
_AMOUNTS = ("initial", "budget", "executed")
_ROW_TITLES = dict((name, meta["title"]) for name, meta in fields_of(FundsRows))
_COLUMN_TITLES = dict((name, meta["title"]) for name, meta in fields_of(FundsRow))
# Spaces, and the characters that show nothing (zero-width spaces, joiners, the BOM).
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_BLANK = re.compile(f"[\\s{_INVISIBLE}]*")


def check_evaluation(ev: Evaluation) -> list[Finding]:
    too_deep = _depths(ev)
    if too_deep:
        return too_deep  # the rest walks the trees
    nodes = [node for node, _, _ in walk(ev.indicators)]
    return _names(ev, nodes) + _year(ev) + _negative_amounts(ev) + _out_of_range(ev, nodes)


def check_index(index: BundleIndex) -> list[Finding]:
    """A unit's `_index.yml`: its numbers and names."""
    found = _blank(index, "title", "单位名称")
    for entry in index.entries:
        found += _blank(entry, "project", "目录中的项目名称")
        if entry.no is not None and not 0 <= entry.no <= MAX_INDEX_NUMBER:
            found.append(F.NUMBER_RANGE.at(entry.where("no"), title="序号",
                                           problem=f"应为 0 至 {MAX_INDEX_NUMBER} 之间的整数"))
    return found


# --- depth ---------------------------------------------------------------------------------

def _depths(ev: Evaluation) -> list[Finding]:
    found = []
    for nodes, name, what in ((ev.indicators, "name", "指标"), (ev.sections, "title", "报告小节"),
                              ((row for table in ev.tables for row in table.rows), "label", "数据表的行")):
        node, depth = _first_too_deep(list(nodes))
        if node is not None:
            found.append(F.TOO_DEEP.at(node.pos, what=f"{what}“{_short(getattr(node, name))}”在第 {depth} 级："
                                                      f"{what}最多 {MAX_LEVELS} 级"))
    return found


def _first_too_deep(nodes: list) -> tuple[object | None, int]:
    """The first node below MAX_LEVELS of a tree of `children`, level by level, and its level."""
    depth = 1
    while nodes:
        if depth > MAX_LEVELS:
            return nodes[0], depth
        nodes = [child for node in nodes for child in node.children]
        depth += 1
    return None, depth


# --- names -----------------------------------------------------------------------------------

def _names(ev: Evaluation, nodes: list[Indicator]) -> list[Finding]:
    found = _blank(ev, "project", "项目名称")
    for party, title in ((ev.department, "主管部门名称"), (ev.implementer, "实施单位名称")):
        if party is not None:
            found += _blank(party, "name", title)
    for node in nodes:
        found += _blank(node, "name", "指标名称")
    return found


def _blank(obj: Located, key: str, title: str) -> list[Finding]:
    text = getattr(obj, key)
    if text is None or (text[:1] and not text[0].isspace() and text[0] not in _INVISIBLE):
        return []  # nearly every name: its first character shows
    if not _BLANK.fullmatch(text):
        return []
    return [F.BLANK_NAME.at(obj.where(key), title=title)]


# --- figures ---------------------------------------------------------------------------------

def _year(ev: Evaluation) -> list[Finding]:
    low, high = YEARS
    if ev.year is None or low <= ev.year <= high:
        return []
    return [F.NUMBER_RANGE.at(ev.where("year"), title="年度", problem=f"应为 {low} 至 {high} 之间的年份")]


def _negative_amounts(ev: Evaluation) -> list[Finding]:
    found = []
    for row_key, row in ev.funds.rows.present() if ev.funds and ev.funds.rows else ():
        for column in _AMOUNTS:
            num = getattr(row, column)
            if num is not None and num.value < 0 and fits(num.text):
                found.append(F.NEGATIVE_AMOUNT.at(row.where(column), title=_title(_amount_title(row_key, column)),
                                                  text=num.text))
    return found


def _out_of_range(ev: Evaluation, nodes: list[Indicator]) -> list[Finding]:
    found = []
    for text, obj, key, title, stated in _long_figures(ev, nodes):
        figure = oversized_quantity(text) if stated else (None if fits(text) else text)
        if figure is not None:
            found.append(F.NUMBER_RANGE.at(obj.where(key), title=_title(title), problem=(
                f"的数字 {_short(figure)} 超出表格能容纳的范围（整数部分最多 {MAX_INTEGER_DIGITS} 位，"
                f"小数最多 {MAX_PLACES} 位）")))
    return found


def _long_figures(ev: Evaluation, nodes: list[Indicator]):
    """(text, object, field, title parts, whether a quantity stated in words) for each figure
    written long enough to pass a bound: in nearly every file, none (this runs for each row)."""
    funds, published = ev.funds, ev.published
    if funds is not None:
        if _long(funds.weight):
            yield funds.weight.text, funds, "weight", ("资金分值",), False
        for row_key, row in funds.rows.present() if funds.rows else ():
            for column in _AMOUNTS:
                num = getattr(row, column)
                if _long(num):
                    yield num.text, row, column, _amount_title(row_key, column), False
    for node in nodes:
        values = (node.weight, node.score, node.target, node.actual)
        if any(value is not None and len(value.text) > _SHORTEST_LONG for value in values):
            for key, value in zip(_INDICATOR_FIGURES, values):
                if _long(value):
                    yield value.text, node, key, ("指标“", node.name, "”的", _TITLES[key]), key in _STATED
        for key, num in node.inputs.items():
            if _long(num):
                yield num.text, node, "inputs", ("指标“", node.name, "”的计算依据“", key, "”"), False
    if published is not None:
        for key, title in (("total", "原表总分"), ("weight_total", "原表分值合计"), ("funds_score", "原表资金得分")):
            num = getattr(published, key)
            if _long(num):
                yield num.text, published, key, (title,), False
        for row, num in published.rates.items():
            if _long(num):
                yield num.text, published, "rates", ("原表执行率（", row, "）"), False
    for table in ev.tables:
        rows = list(table.rows)
        while rows:  # no deeper than MAX_LEVELS: _depths has seen to it
            row = rows.pop()
            for num in row.values:
                if _long(num):
                    yield num.text, row, "values", ("数据表 ", table.id, " 的“", row.label, "”"), False
            rows += row.children


def _long(value) -> bool:
    """A figure or text long enough to hold 16 digits, or 7 after a point (`0.1234567`)."""
    return value is not None and len(value.text) > _SHORTEST_LONG


_SHORTEST_LONG = MAX_PLACES + 2


_INDICATOR_FIGURES = ("weight", "score", "target", "actual")
_TITLES = {"weight": "分值", "score": "得分", "target": "年度指标值", "actual": "实际完成值"}
_STATED = ("target", "actual")  # texts such as `≥90%` or `100 人`: their figure is read from the words


def _amount_title(row_key: str, column: str) -> tuple[str, ...]:
    return _ROW_TITLES[row_key], "的", _COLUMN_TITLES[column]


def _title(parts: tuple[str, ...]) -> str:
    return "".join(_short(part) for part in parts)


def _short(text: str, limit: int = 30) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "……"
