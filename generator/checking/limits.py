"""Bounds on what an evaluation may hold, checked after conversion and before scoring.

Figures must fit a budget table (15 digits before the point, 6 after: `fits`), amounts
of money must not be negative, names must have words in them, and the indicator tree,
report sections and table rows may nest at most MAX_LEVELS deep. Each problem is a
located error; no figure beyond these bounds reaches the arithmetic that it would break.
"""
from __future__ import annotations

import re
from itertools import chain
from operator import attrgetter, itemgetter

from .. import findings as F
from ..findings import Finding
from ..loading.model import BundleIndex, Evaluation, FundsRow, FundsRows, Indicator, Located
from ..quantities import MAX_INTEGER_DIGITS, MAX_PLACES, Num, fits, oversized_quantity
from ..loading.schema import Tally, fields_of

MAX_LEVELS = 10  # every form has three levels of indicators
# Laying out a printed table takes time growing faster than its text (measured: one cell of
# 70,000 characters, 30 s; 100 rows and 50,000 characters, 10 s; 300 rows and 300,000, 170 s).
# The seeds have at most 72 rows, 664 characters in one text and 2,802 in a table.
MAX_ROWS = 500
MAX_TEXT = 5_000
MAX_TABLE_TEXT = 50_000
YEARS = (1900, 2100)
MAX_INDEX_NUMBER = 99_999
_AMOUNTS = ("initial", "budget", "executed")
_ROW_TITLES = dict((name, meta["title"]) for name, meta in fields_of(FundsRows))
_COLUMN_TITLES = dict((name, meta["title"]) for name, meta in fields_of(FundsRow))
# Spaces, and the characters that show nothing (zero-width spaces, joiners, the BOM).
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_BLANK = re.compile(f"[\\s{_INVISIBLE}]*")


def check_evaluation(ev: Evaluation, read: Tally | None = None) -> list[Finding]:
    """The evaluation's problems of size and bounds. It runs for every file: what its conversion
    `read` shows cannot pass a bound is not measured again (in nearly every file, no text is
    near its bound and no figure long enough), and the rest runs in C calls over all the
    indicators at once (`_lengths`, `_levels`), not a Python step per row."""
    too_deep, levels = _depths(ev)
    if too_deep:
        return too_deep
    nodes = list(chain.from_iterable(levels))  # every indicator, level by level
    texts_within = read is not None and read.longest_text <= MAX_TEXT and read.text_chars <= MAX_TABLE_TEXT
    figures_short = read is not None and read.longest_figure <= _SHORTEST_LONG
    return (_rows(ev, nodes) + ([] if texts_within else _sizes(ev, nodes)) + _names(ev, nodes) + _year(ev)
            + _negative_amounts(ev) + ([] if figures_short else _out_of_range(ev, nodes)))


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

def _depths(ev: Evaluation) -> tuple[list[Finding], list[list[Indicator]]]:
    """Trees deeper than MAX_LEVELS, and the indicators level by level."""
    found, indicator_levels = [], []
    for roots, name, what in ((ev.indicators, "name", "指标"), (ev.sections, "title", "报告小节"),
                              ([row for table in ev.tables for row in table.rows], "label", "数据表的行")):
        levels = _levels(roots)
        if len(levels) > MAX_LEVELS:
            node = levels[MAX_LEVELS][0]
            found.append(F.TOO_DEEP.at(node.pos, what=f"{what}“{_short(getattr(node, name))}”在第 {MAX_LEVELS + 1} 级："
                                                      f"{what}最多 {MAX_LEVELS} 级"))
        if roots is ev.indicators:
            indicator_levels = levels
    return found, indicator_levels


def _levels(roots: list) -> list[list]:
    """The nodes of a tree of `children`, level by level, down to one level past MAX_LEVELS."""
    levels, nodes = [], roots
    while nodes and len(levels) <= MAX_LEVELS:
        levels.append(nodes)
        nodes = list(chain.from_iterable(map(_CHILDREN_OF, nodes)))
    return levels


# --- sizes -------------------------------------------------------------------------------------

def _rows(ev: Evaluation, nodes: list[Indicator]) -> list[Finding]:
    """No more rows than can be laid out in time."""
    if len(nodes) <= MAX_ROWS:
        return []
    return [F.TOO_LONG.at(ev.where("indicators"), what="绩效指标", size=f"{len(nodes):,} 行", limit=f"{MAX_ROWS:,} 行")]


def _sizes(ev: Evaluation, nodes: list[Indicator]) -> list[Finding]:
    """Each text, and all the text of the table, within what can be laid out in time."""
    found = []
    texts = [(ev, key, title) for key, title in _EVALUATION_TEXTS]
    texts += [(part, "name", title) for part, title in ((ev.department, "主管部门名称"), (ev.implementer, "实施单位名称"))
              if part is not None]
    if ev.goals is not None:
        texts += [(ev.goals, key, title) for key, title in _GOAL_TEXTS]
    for obj, key, title in texts:
        found += _too_long(obj, key, title, getattr(obj, key))
    lengths = _lengths(nodes, _PLAIN_TEXTS) + _lengths(nodes, _STATED, of_text=True)
    total = sum(lengths) + sum(len(getattr(obj, key) or "") for obj, key, _ in texts)
    if total > MAX_TABLE_TEXT:
        found.append(F.TOO_LONG.at(ev.where("indicators"), what="表中文字合计", size=f"{total:,} 字",
                                   limit=f"{MAX_TABLE_TEXT:,} 字"))
    if max(lengths, default=0) > MAX_TEXT:
        for node in nodes:
            for key, title in _INDICATOR_TEXTS.items():
                value = getattr(node, key)
                found += _too_long(node, key, f"指标“{_short(node.name)}”的{title}",
                                   value.text if key in _STATED and value is not None else value)
    return found


def _lengths(objects: list, keys: tuple[str, ...], of_text: bool = False) -> list[int]:
    """The lengths of these fields' texts (of their `.text` when `of_text`), in C calls
    only, without a Python step per object: it runs for every row of every file."""
    values = filter(None, chain.from_iterable(map(attrgetter(*keys), objects)))
    return list(map(len, map(_TEXT_OF, values) if of_text else values))


def _too_long(obj: Located, key: str, title: str, text: str | None) -> list[Finding]:
    if text is None or len(text) <= MAX_TEXT:
        return []
    return [F.TOO_LONG.at(obj.where(key), what=title, size=f"{len(text):,} 字", limit=f"{MAX_TEXT:,} 字")]


_EVALUATION_TEXTS = (("project", "项目名称"), ("explanation", "低分说明"), ("contact", "联系电话"))
_GOAL_TEXTS = (("expected", "预期目标"), ("actual", "实际完成情况"))
_INDICATOR_TEXTS = {"name": "名称", "reason": "偏差原因分析及改进措施", "definition": "指标解释", "criteria": "评分标准",
                    "judgement": "评价结论", "target": "年度指标值", "actual": "实际完成值"}
_PLAIN_TEXTS = ("name", "reason", "definition", "criteria", "judgement")
_TEXT_OF = attrgetter("text")


# --- names -----------------------------------------------------------------------------------

def _names(ev: Evaluation, nodes: list[Indicator]) -> list[Finding]:
    found = _blank(ev, "project", "项目名称")
    for party, title in ((ev.department, "主管部门名称"), (ev.implementer, "实施单位名称")):
        if party is not None:
            found += _blank(party, "name", title)
    starts = set(map(_FIRST_CHARACTER, map(_NAME_OF, nodes)))  # a name is blank only if its start is
    if "" in starts or any(start.isspace() or start in _INVISIBLE for start in starts):
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
    if max(_lengths(nodes, _INDICATOR_FIGURES, of_text=True), default=0) > _SHORTEST_LONG or any(map(_INPUTS_OF, nodes)):
        for node in nodes:
            for key in _INDICATOR_FIGURES:
                value = getattr(node, key)
                if _long(value):
                    yield value.text, node, key, ("指标“", node.name, "”的", _TITLES[key]), key in _STATED
            for key, title in _INPUT_TITLES.items() if node.inputs is not None else ():
                num = getattr(node.inputs, key)
                if isinstance(num, Num) and _long(num):  # a reference names a figure computed elsewhere
                    yield num.text, node.inputs, key, ("指标“", node.name, "”的计算依据“", title, "”"), False
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
                if isinstance(num, Num) and _long(num):  # a text cell is bounded as text
                    yield num.text, row, "values", ("数据表 ", table.id, " 的“", row.label, "”"), False
            rows += row.children


def _long(value) -> bool:
    """A figure or text long enough to hold 16 digits, or 7 after a point (`0.1234567`)."""
    return value is not None and len(value.text) > _SHORTEST_LONG


_SHORTEST_LONG = MAX_PLACES + 2


_INDICATOR_FIGURES = ("weight", "score", "target", "actual")
_INPUTS_OF = attrgetter("inputs")
_CHILDREN_OF = attrgetter("children")
_NAME_OF = attrgetter("name")
_FIRST_CHARACTER = itemgetter(slice(0, 1))
_TITLES = {"weight": "分值", "score": "得分", "target": "年度指标值", "actual": "实际完成值"}
_INPUT_TITLES = {"rate": "比率", "numerator": "分子", "denominator": "分母", "problems": "问题个数"}
_STATED = ("target", "actual")  # texts such as `≥90%` or `100 人`: their figure is read from the words


def _amount_title(row_key: str, column: str) -> tuple[str, ...]:
    return _ROW_TITLES[row_key], "的", _COLUMN_TITLES[column]


def _title(parts: tuple[str, ...]) -> str:
    return "".join(_short(part) for part in parts)


def _short(text: str, limit: int = 30) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "……"
