"""Figures of a report's narrative that restate figures of its tables (`claims:` of a section).

The author ties each one: the figure as the text prints it (`57508.48万元`, or several the text
gives separately, joined by ` + `), the words around it where the figure alone could be found
elsewhere, and the figure it restates: cells of the report's tables (`表名.栏目`, `表名.行名.栏目`,
added up with ` + `, in the table's declared unit) or a column of the indicator table
(`指标名称.目标值`, …, `指标名称.完成率` as scoring works it out). The two are compared at the
precision of the less precise. No prose is parsed: each figure is read as a quantity and looked
for in the text as written. A section may also declare that it restates every indicator of a
category (`restates_all`), so that one it leaves out is found.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import findings as F
from . import identities
from ..findings import Finding
from ..loading.model import Claim, Evaluation, Section
from ..loading.schema import suggest
from ..quantities import Quantity, format_number, parse_quantity, round_to
from ..rules.registry import Form
from .scoring import LeafScore, Scores

# The columns of the indicator table a claim may restate, by the names it may give them.
INDICATOR_COLUMNS = {"目标值": "target", "实际完成值": "actual", "权重": "weight", "自评分": "score",
                     "完成率": "completion"}
_COLUMN_TITLES = {key: title for title, key in INDICATOR_COLUMNS.items()}
HUNDRED = Decimal(100)
RATE_PLACES = 2  # a completion rate as a finding prints it (77.06%)


@dataclass(frozen=True)
class Restated:
    """A figure of the tables as a reader finds it: where, as printed, and its amount."""

    place: str        # 表“市级财政资金使用情况（万元）”的财政拨款数
    printed: str      # 57572.29, =131个, 50660.00 + 6962.80 = 57622.80
    amount: Quantity  # its number and unit ("" when the table names none)
    places: int | None  # the places it is printed to; None for a computed rate


class Problem(Exception):
    """A claim that cannot be read: the finding that says why."""

    def __init__(self, finding: Finding):
        self.finding = finding


def places_of(number: Decimal) -> int:
    return max(-number.as_tuple().exponent, 0)


def check(evaluation: Evaluation, form: Form, scores: Scores) -> list[Finding]:
    sections = list(_sections(evaluation.sections))
    if not any(section.claims or section.restates_all for section in sections):
        return []
    resolver = _Resolver(evaluation, form, scores)
    found = []
    for section in sections:
        for claim in section.claims:
            try:
                found += _check_claim(section, claim, resolver)
            except Problem as problem:
                found.append(problem.finding)
        if section.restates_all:
            found += _check_coverage(section, scores)
    return found


def _check_coverage(section: Section, scores: Scores) -> list[Finding]:
    """A section that restates each indicator under a category names every one of them."""
    category = section.restates_all.strip()
    below = [leaf for leaf in scores.leaves if leaf.applicable and any(node.name == category for node in leaf.path)]
    if not below:
        names = sorted({node.name for leaf in scores.leaves for node in leaf.path})
        return [F.UNKNOWN_CHOICE.at(section.where("restates_all"), key="restates_all", value=category,
                                    suggestion=suggest(category, names), allowed="、".join(names))]
    restated = {claim.restates.strip().rpartition(".")[0] for claim in section.claims}
    missing = [leaf.node.name for leaf in below if leaf.node.name not in restated]
    if not missing:
        return []
    return [F.NARRATIVE_OMITS.at(section.where("restates_all"), section=_section_name(section), category=category,
                                 count=len(below), stated=len(below) - len(missing),
                                 missing="、".join(f"“{name}”" for name in missing))]


def _sections(sections: list[Section]):
    for section in sections:
        yield section
        yield from _sections(section.children)


def _section_name(section: Section) -> str:
    return section.title or "正文末尾的说明"


def _check_claim(section: Section, claim: Claim, resolver: _Resolver) -> list[Finding]:
    name = _section_name(section)
    stated = _stated(section, claim, name)
    restated = resolver.restated(claim)
    amount, restated_places = _in_unit(stated, restated, claim)
    places = places_of(stated.number) if restated_places is None else min(places_of(stated.number), restated_places)
    if round_to(stated.number, places) == round_to(amount, places):
        return []
    shown = restated_places if restated_places is not None else RATE_PLACES
    difference = format_number(abs(stated.number - amount), max(places_of(stated.number), shown), False)
    return [F.NARRATIVE_FIGURE.at(claim.where("figure"), section=name, stated=_stated_words(claim, stated),
                                  place=restated.place, restated=restated.printed, difference=difference)]


def _parts(claim: Claim) -> list[str]:
    return [part.strip() for part in claim.figure.split(" + ")]


def _stated(section: Section, claim: Claim, name: str) -> Quantity:
    """The figure a claim quotes, found where it says: several add up, in the first one's unit."""
    words = claim.text or claim.figure
    amounts = []
    for part in _parts(claim):
        if part not in (words if claim.text else section.body or ""):
            raise Problem(F.CLAIM_NOT_IN_TEXT.at(claim.where("figure"), section=name,
                                                 what="原话中的数字" if claim.text else "数字", text=part))
        amount = parse_quantity(part)
        if amount is None:
            raise Problem(F.WRONG_TYPE.at(claim.where("figure"), key="claims.figure", title="正文中的数字",
                                          expected="数字（可带单位），几个相加时用 + 连接", actual=f"“{part}”",
                                          fix="照正文写出数字及其单位，如 57508.48万元、53个、77.06%。"))
        amounts.append(amount)
    if claim.text and words not in (section.body or ""):
        raise Problem(F.CLAIM_NOT_IN_TEXT.at(claim.where("text"), section=name, what="原话", text=words))
    first = amounts[0]
    total = Decimal(0)
    for part, amount in zip(_parts(claim), amounts):
        value = amount.in_unit_of(first) if amount.unit else amount.number
        if value is None:
            raise Problem(F.WRONG_TYPE.at(claim.where("figure"), key="claims.figure", title="正文中的数字",
                                          expected=f"以{first.unit}计的数", actual=f"“{part}”",
                                          fix="相加的几个数单位应相同或可以换算（元、万元、亿元）。"))
        total += value
    return Quantity(first.direction, total, first.unit)


def _stated_words(claim: Claim, stated: Quantity) -> str:
    """What the text says: `写“…57508.48万元”`; several figures with their sum."""
    parts = _parts(claim)
    if len(parts) == 1:
        return f"写“{claim.text or claim.figure}”"
    places = max(places_of(parse_quantity(part).number) for part in parts)
    total = f"{format_number(stated.number, places, False)}{stated.unit}"
    listed = "、".join(parts)
    return f"写“{claim.text}”，其中 {listed} 合计 {total}" if claim.text else f"写的 {listed} 合计 {total}"


def _in_unit(stated: Quantity, restated: Restated, claim: Claim) -> tuple[Decimal, int | None]:
    """The restated amount in the unit the text states it in, and the places it is printed to
    in that unit (10000 万元 is 1.0000 亿元)."""
    amount = restated.amount.in_unit_of(stated) if stated.unit else restated.amount.number
    if amount is None:
        raise Problem(F.WRONG_TYPE.at(claim.where("restates"), key="claims.restates", title="所重述的数字",
                                      expected=f"以{stated.unit}计的数", actual=f"{restated.printed}（{restated.amount.unit}）",
                                      fix="正文的数字与所重述的数字单位不同、无法换算：核对 restates 指的是否是这个数。"))
    if restated.places is None or not amount or not restated.amount.number:
        return amount, restated.places
    scale = (restated.amount.number / amount).adjusted()  # 4 from 万元 to 亿元, 0 within one unit
    return amount, max(restated.places + scale, 0)


class _Resolver:
    """What a claim's `restates` names: a figure of the report's tables, or of its indicator table."""

    def __init__(self, evaluation: Evaluation, form: Form, scores: Scores):
        self.tables = identities.Tables(evaluation.tables)
        self.leaves: dict[str, LeafScore] = {}
        for leaf in scores.leaves:
            self.leaves.setdefault(leaf.node.name, leaf)
        self.titles = {**_COLUMN_TITLES, **{key: label for key, label in getattr(form, "column_labels", {}).items()
                                            if key in _COLUMN_TITLES}}

    def restated(self, claim: Claim) -> Restated:
        side = identities.table_figure(claim.restates)
        if side is not None and all(self.tables.locate(term)[0] is not None for term in side):
            return self._table_figure(claim, side)
        name, dot, column = claim.restates.strip().rpartition(".")
        column = INDICATOR_COLUMNS.get(column, column)
        if dot and name in self.leaves and column in _COLUMN_TITLES:
            return self._indicator_figure(claim, self.leaves[name], column)
        raise self._unknown(claim, claim.restates.strip(), candidates=self._candidates(column))

    def _table_figure(self, claim: Claim, side) -> Restated:
        problem = self.tables.outside_problem(side)
        if problem is not None:
            raise self._unknown(claim, *problem)
        cells = self.tables.cells(side)
        if any(cell.num is None for cell in cells):
            raise self._not_a_figure(claim, "表中该格空白")
        total = sum((cell.term.sign * cell.num.value for cell in cells), Decimal(0))
        places = max(cell.num.places for cell in cells)
        return Restated(identities.cells_words(cells), identities.cells_printed(cells),
                        Quantity(None, total, cells[0].table.unit or ""), places)

    def _indicator_figure(self, claim: Claim, leaf: LeafScore, column: str) -> Restated:
        node = leaf.node
        place = f"绩效指标表中“{node.name}”的{self.titles[column]}"
        if column == "completion":
            if leaf.completion is None:
                raise self._not_a_figure(claim, "该指标的完成率无法计算")
            rate = leaf.completion * HUNDRED
            return Restated(place + "（实际完成值 ÷ 目标值）", f"{format_number(rate, RATE_PLACES)}%", Quantity(None, rate, "%"), None)
        value = getattr(node, column)
        amount = parse_quantity(value.text) if value is not None else None
        if amount is None:
            raise self._not_a_figure(claim, f"“{value.text}”不是数字" if value is not None else "该格空白")
        return Restated(place, value.text, amount, places_of(amount.number))

    def _candidates(self, column: str) -> list[str]:
        """What a misspelt reference may have meant: every table's columns, every indicator's column."""
        title = self.titles.get(column, "目标值")
        return [f"{table.title}.{name}" for table in self.tables.tables for name in table.columns] + \
            [f"{name}.{title}" for name in self.leaves]

    def _unknown(self, claim: Claim, value: str, allowed: list[str] | None = None,
                 candidates: list[str] | None = None) -> Problem:
        allowed = allowed or []
        return Problem(F.UNKNOWN_CHOICE.at(
            claim.where("restates"), key="claims.restates", value=value,
            suggestion=suggest(value, candidates if candidates is not None else allowed),
            allowed="、".join(allowed) if allowed else
            "数据表的栏目（表名.栏目），或绩效指标（指标名称.目标值、实际完成值、权重、自评分、完成率）"))

    def _not_a_figure(self, claim: Claim, why: str) -> Problem:
        return Problem(F.WRONG_TYPE.at(claim.where("restates"), key="claims.restates", title="所重述的数字",
                                       expected="表中的一个数字", actual=why,
                                       fix="restates 指向表中印出数字的一格。"))

