"""Forms (printed layouts) and schemes (scoring rules): declarative files, read and
checked like content.

Both are declared here with spec() fields and converted by `schema.Converter` from
the located node tree, so that a mistake in one is a located finding (file, line,
column, did-you-mean), never an internal error. Built-in ones live in
`generator/rules/forms/` and `generator/rules/schemes/`; a project adds its own, or overrides a
built-in one by id, in `forms/` and `schemes/` beside its `site_config.yml`. A file
with errors stops only the evaluations that use it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path

from .. import findings as F
from . import formulas
from ..findings import Finding, Pos
from .formulas import COMPLETION, RATE, ZERO_DENOMINATOR, award, clamp, percent_text
from ..loading.loader import LoadError, Mapping, Sequence, load_file, node_pos
from ..loading.model import (AWARD, BOOLEAN, DECIMAL, FUNDS_ROW_KEYS, INTEGER, TEXT, Choice, Indicator, ListOf, Located,
                    Template, Variant, spec, walk)
from ..quantities import Num, format_number
from ..loading.schema import Converter, fields_of, suggest

PACKAGE_DIR = Path(__file__).parent
CONFIG_NAME = "site_config.yml"


class _DeclaredMapping(MappingABC):
    """A declared object that also reads as a mapping of the fields it was given
    (`form.funds_rows["total"]`, `form.goal_labels.expected`)."""

    def __getitem__(self, key):
        value = getattr(self, key, None) if key in self._keys() else None
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self):
        return (key for key in self._keys() if getattr(self, key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @classmethod
    def _keys(cls) -> list[str]:
        return [name for name, _ in fields_of(cls)]


# --- forms ----------------------------------------------------------------------------------

@dataclass(eq=False)
class FundsRowLabels(Located, _DeclaredMapping):
    """表中印出的资金行及其名称。"""

    total: str | None = spec("年度资金总额行", "该行在表中印出的名称，如 年度资金总额。", required=True)
    fiscal: str | None = spec("财政拨款行", "如 其中：财政拨款；表中没有此行则不写。")
    carryover: str | None = spec("上年结转资金行", "如 上年结转资金。")
    other: str | None = spec("其他资金行", "如 其他资金。")


@dataclass(eq=False)
class FundsDashes(Located, _DeclaredMapping):
    """资金块中各行印“—”的单元格：weight 分值，score 得分。"""

    total: list[str] | None = spec("年度资金总额行", "", ListOf(Choice(("weight", "score"))))
    fiscal: list[str] | None = spec("财政拨款行", "如 [weight, score]。", ListOf(Choice(("weight", "score"))))
    carryover: list[str] | None = spec("上年结转资金行", "", ListOf(Choice(("weight", "score"))))
    other: list[str] | None = spec("其他资金行", "", ListOf(Choice(("weight", "score"))))


@dataclass(eq=False)
class GoalLabels(Located, _DeclaredMapping):
    expected: str | None = spec("预期目标栏", "如 年初预期目标。", required=True)
    actual: str | None = spec("实际完成情况栏", "如 目标实际完成情况。", required=True)


@dataclass(eq=False)
class ColumnLabels(Located, _DeclaredMapping):
    """表式自有的栏目名称（有的加 A/B 标记）；不写的栏目用通用名称。"""

    budget: str | None = spec("全年预算数栏", "如 全年预算数 (A)。")
    executed: str | None = spec("全年执行数栏", "如 全年执行数 (B)。")
    rate: str | None = spec("执行率栏", "如 执行率 (B/A)。")
    target: str | None = spec("年度指标值栏", "如 年度指标值（A）、目标值。")
    actual: str | None = spec("实际完成值栏", "如 实际完成值（B）。")
    weight: str | None = spec("分值栏", "如 权重。")
    score: str | None = spec("得分栏", "如 自评分。")
    reason: str | None = spec("偏差原因栏", "如 偏差原因分析及改进措施。")


@dataclass
class RateFormat(Located):
    places: int | None = spec("小数位数", "执行率印出的小数位数，如 2（89.88%）。", INTEGER, required=True)
    strip_zeros: bool | None = spec("去掉末尾的 0", "true：100% 而不是 100.00%。", BOOLEAN, required=True)


@dataclass
class Level1(Located):
    name: str | None = spec("一级指标", "如 产出指标。", required=True)
    weight: Decimal | None = spec("分值", "表式规定的分值，如 50。", DECIMAL, required=True)
    children: list[str] = spec("二级指标", "其下的二级指标名称，按表中顺序。", ListOf(TEXT), default=[])


MAX_PLACES = 6  # decimal places a form or scheme may ask for: figures have at most 28 digits
LEVEL_NUMERALS = "一二三四五六七八九"  # 四级指标: the heading of a level below the form's
HEADER_FIELDS = ("project", "year", "department", "implementer", "contact")
DEFAULT_HEADER_ROWS = (("project",), ("department", "implementer"))
DEFAULT_COLUMN_WIDTHS = (8.3, 8.5, 8.5, 20.5, 12.2, 12.2, 6.1, 7.2, 16.5)
# The columns after the indicator levels, in the order most forms print them, with their headings.
INDICATOR_COLUMNS = {"target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分",
                     "reason": "偏差原因分析及改进措施", "definition": "指标解释", "criteria": "评分标准"}
# The columns a form prints unless it says otherwise, and those every form prints (a form that
# prints the points in the names needs no weight column).
DEFAULT_INDICATOR_COLUMNS = ("target", "actual", "weight", "score", "reason")
REQUIRED_COLUMNS = ("weight", "score")
TOTAL_COLUMNS = ("weight", "score")


@dataclass
class Form(Located):
    """表式：一种官方自评表的版式（标题、资金行、执行率精度、各级指标名称与分值、打印版式）。"""

    id: str | None = spec("表式编号", "评价文件的 form 写这个编号；不写则为文件名（不含 .yml）。")
    title: str | None = spec("表名", "如 项目支出绩效自评表。", required=True)
    region: str | None = spec("地区", "如 山东省淄博市。", required=True)
    report_title: str | None = spec("报告名称", "印在表名之上的报告名称，如 苏州市级财政支出项目绩效自评价报告；没有则不写。")
    year_line: str | None = spec("年度行", "标题下的年度行，{year} 处填年度，如 （ {year} 年度）；"
                                          "年度印在表头（header_rows 的 year）时不写。", Template(("year",)))
    unit_line: str = spec("单位行", "如 单位：万元；没有则写 \"\"。", default="")
    title_line: str | None = spec("标题行", "表上唯一的一行标题，{year} 为年度，{department} 为主管部门名称，{title} 为表名，"
                                           "如 {year}年度{department}{title}；写了它就不另印报告名称、表名、年度行与单位行。",
                                  Template(("year", "department", "title")))
    orientation: str = spec("纸张方向", "portrait 纵向，landscape 横向。", Choice(("portrait", "landscape")),
                            default="portrait")
    party_format: str | None = spec("单位及代码的写法", "{name} 为名称，{code} 为代码，如 {code}-{name}。",
                                    Template(("name", "code")), required=True)
    year_label: str = spec("年度栏", "表头印年度时的栏目名，如 项目年份。", default="年度")
    department_label: str | None = spec("主管部门栏", "如 主管部门及代码。", required=True)
    implementer_label: str = spec("实施单位栏", "如 实施单位。", default="实施单位")
    funds_label: str = spec("资金栏", "如 项目资金 (万元)。", default="项目资金 (万元)")
    funds_rows: FundsRowLabels | None = spec("资金行", "表中印出的资金行及其名称；表中没有资金块（执行率与资金得分）则不写。",
                                             FundsRowLabels)
    rate_rows: list[str] = spec("印出执行率的资金行", "如 [total, fiscal]。", ListOf(Choice(FUNDS_ROW_KEYS)),
                                default=[])
    rate_format: RateFormat | None = spec("执行率格式", "不写为两位小数并去掉末尾的 0（89.88%、100%）。", RateFormat)
    goal_labels: GoalLabels | None = spec("年度总体目标栏目", "预期目标与实际完成情况两栏的名称。", GoalLabels)
    level1_label: str = spec("一级指标的写法", "{name} 为名称，{weight} 为分值，如 {name}（{weight} 分）。",
                             Template(("name", "weight")), default="{name}({weight}分)")
    level_label: str = spec("二级及以下指标的写法", "{name} 为名称，{weight} 为分值；部门整体评价的得分表写 {name}（{weight}分）。",
                            Template(("name", "weight")), default="{name}")
    column_labels: ColumnLabels | None = spec("栏目名称", "表式自有的栏目名称（如带 A/B 标记）。", ColumnLabels)
    levels: list[str] = spec("各级指标栏", "各级指标的栏目名，如 [一级指标, 二级指标, 三级指标]；其个数即指标树的层数。",
                             ListOf(TEXT), required=True, default=[])
    level1: list[Level1] = spec("一级指标", "表式规定的一级指标、分值及其下的二级指标。", ListOf(Level1),
                                required=True, default=[])
    empty_category: str | None = spec(
        "空白的二级指标", "没有三级指标的二级指标如何印：row 印空行，omit 不印，not-applicable 印“不适用”。",
        Choice(("row", "omit", "not-applicable")), required=True)
    explanation_below: Decimal | None = spec("低分说明线", "总分低于此分数须填写低分说明；不要求则不写。", DECIMAL)
    header_rows: list[list[str]] | None = spec(
        "表头各行", "每行印哪些栏目：project、year、department、implementer、contact，"
        "如 [[project], [department, implementer]]；一行最多两个栏目；不印表头写 []。", ListOf(ListOf(Choice(HEADER_FIELDS))))
    funds_dashes: FundsDashes | None = spec("资金块印“—”的单元格", "如 {fiscal: [weight, score]}。", FundsDashes)
    indicator_columns: list[str] = spec(
        "指标栏目", "各级指标之后印哪些栏目及其顺序：target 年度指标值、actual 实际完成值、weight 分值、score 得分、"
        "reason 偏差原因、definition 指标解释、criteria 评分标准；不写为 [target, actual, weight, score, reason]。",
        ListOf(Choice(tuple(INDICATOR_COLUMNS))),
        default=[])
    indicators_head: str = spec("指标区第一栏的栏目名", "指标表头行最左一格的文字，如 项目；不写则空白。", default="")
    indicators_column: bool = spec("指标区最左一栏", "false：不印这一栏，表从一级指标起（如部门整体评价的得分表）。",
                                   BOOLEAN, default=True)
    indicators_label: str = spec("指标区的名称", "指标区最左一栏合并单元格中的文字，如 项目绩效实现情况（80分）。",
                                 default="绩效指标")
    total_label: str = spec("总分行的名称", "如 合计。", default="总分")
    total_columns: list[str] = spec("总分行印出的数", "weight 分值合计、score 总分；不写为 [weight, score]。",
                                    ListOf(Choice(TOTAL_COLUMNS)), default=[])
    footnote: str | None = spec("表下说明", "总分行之后通栏印出的文字，如 填表说明：……；没有则不写。")
    tables_position: str = spec(
        "数据表的位置", "评价文件 tables 中的数据表印在哪里：after-header 在表头之后、指标之前（表的一部分，如苏州表的资金表），"
        "end 在报告正文之后。", Choice(("after-header", "end")), default="end")
    column_widths: list[Decimal] | None = spec("各列宽度", "各列的宽度（%）：指标区一栏、各级指标、各指标栏目。",
                                               ListOf(DECIMAL))

    def finish(self, stem: str) -> None:
        """Defaults that are not a single value, and tuples where the form is read, not changed."""
        self.id = self.id or stem
        self.column_labels = self.column_labels or ColumnLabels()
        self.funds_dashes = self.funds_dashes or FundsDashes()
        self.goal_labels = self.goal_labels or GoalLabels(expected="预期目标", actual="实际完成情况")
        self.header_rows = tuple(tuple(row) for row in
                                 (DEFAULT_HEADER_ROWS if self.header_rows is None else self.header_rows))
        self.column_widths = tuple(float(width) for width in self.column_widths or DEFAULT_COLUMN_WIDTHS)
        self.rate_rows, self.levels, self.level1 = tuple(self.rate_rows), tuple(self.levels), tuple(self.level1)
        self.indicator_columns = tuple(self.indicator_columns or DEFAULT_INDICATOR_COLUMNS)
        self.total_columns = tuple(self.total_columns or TOTAL_COLUMNS)

    def problems(self) -> list[Finding]:
        """What conversion cannot see: figures a printout could not use."""
        found = []
        if not self.levels:
            found.append(F.RULES_VALUE.at(self.where("levels"), key="levels", problem="不能为空",
                                          fix="写各级指标的栏目名，如 [一级指标, 二级指标, 三级指标]。"))
        if self.rate_format is not None and not 0 <= self.rate_format.places <= MAX_PLACES:
            found.append(F.RULES_VALUE.at(self.rate_format.where("places"), key="rate_format.places",
                                          problem=f"应在 0 至 {MAX_PLACES} 之间", fix="如 2（89.88%）。"))
        missing = [key for key in REQUIRED_COLUMNS if key not in self.indicator_columns
                   and not (key == "weight" and self.weights_in_names)]
        if missing:
            found.append(F.RULES_VALUE.at(self.where("indicator_columns"), key="indicator_columns",
                                          problem=f"缺少 {'、'.join(missing)}",
                                          fix="指标栏目至少有 weight、score（分值印在指标名称中的可不要 weight），"
                                              "如 [target, weight, actual, score]。"))
        found += [F.RULES_VALUE.at(self.where("header_rows"), key="header_rows", problem="中有一行超过两个栏目",
                                   fix="一行最多两个栏目，如 [[project, year], [department]]。")
                  for row in self.header_rows if len(row) > 2][:1]
        return found

    @property
    def weights_in_names(self) -> bool:
        """Whether every level prints its points in the names (`绩效目标（4分）`)."""
        return "{weight}" in self.level1_label and "{weight}" in self.level_label

    def label(self, depth: int, name: str, weight: str | None) -> str:
        """An indicator's name as the form prints it at `depth` (from 1), with its points where it prints them."""
        if depth == 1:
            return self.level1_title(name, weight)
        return self.level_label.format(name=name, weight=weight) if weight else name

    @property
    def funds_block(self) -> bool:
        """Whether the form prints a funds block (execution rates and the funds score)."""
        return self.funds_rows is not None

    @property
    def rate_places(self) -> int:
        return self.rate_format.places if self.rate_format else 2

    @property
    def rate_strip_zeros(self) -> bool:
        return self.rate_format.strip_zeros if self.rate_format else True

    def column(self, key: str, default: str | None = None) -> str:
        """A column heading as this form prints it (some add A/B markers): its own, else `default`,
        else the common one of an indicator column."""
        return self.column_labels.get(key, default if default is not None else INDICATOR_COLUMNS.get(key, key))

    def funds_row_label(self, key: str) -> str | None:
        return self.funds_rows.get(key) if self.funds_rows else None

    def party(self, name: str, code: str | None) -> str:
        if not code:
            return name
        return self.party_format.format(name=name, code=code)

    def level1_title(self, name: str, weight: str | None) -> str:
        """`产出指标(50分)`: a level-1 indicator's label with its weight, as the form prints it."""
        return self.level1_label.format(name=name, weight=weight) if weight else name

    def level1_weight(self, name: str) -> Decimal | None:
        return next((item.weight for item in self.level1 if item.name == name), None)

    def level_name(self, depth: int) -> str:
        """The heading of the indicators at `depth` (from 1): the form's, or 四级指标 below its levels."""
        if depth <= len(self.levels):
            return self.levels[depth - 1]
        return f"{LEVEL_NUMERALS[depth - 1]}级指标" if depth <= len(LEVEL_NUMERALS) else f"{depth} 级指标"


# --- schemes --------------------------------------------------------------------------------

def _points(value: Decimal) -> str:
    return f"{format_number(value, 2)} 分"


@dataclass
class Grade(Located):
    min: Decimal | None = spec("下限（含）", "总分达到此分数（含）得此等级，如 90。", DECIMAL, required=True)
    grade: str | None = spec("等级", "如 优。", required=True)


@dataclass
class QualitativeLevel(Located):
    """定性的实际完成值（如 达成预期指标）及其得分占分值的区间。"""

    labels: list[str] = spec("等级写法", "实际完成值写成这些文字之一时按本等级评分。", ListOf(TEXT), required=True,
                             default=[])
    min: Decimal | None = spec("得分下限", "占分值的比例（含），如 80%。", DECIMAL, required=True)
    max: Decimal | None = spec("得分上限", "占分值的比例，如 100%；与下限相同时该等级只得这一比例。", DECIMAL,
                               required=True)

    @property
    def low(self) -> Decimal:
        return self.min

    @property
    def high(self) -> Decimal:
        return self.max

    def admits(self, fraction: Decimal) -> bool:
        """Bands include their lower bound; only the top band includes its upper one.
        A level with one fixed share (low == high) admits exactly that share."""
        if self.low == self.high:
            return fraction == self.low
        return self.low <= fraction < self.high or (self.high == 1 and fraction == 1)

    @property
    def description(self) -> str:
        names = "、".join(self.labels)
        if self.min == self.max:
            return f"{names}，得分值的 {percent_text(self.min)}"
        low = "0 " if self.min == 0 else f"{percent_text(self.min)}（含）"
        return f"{names}，得分值的 {low}至 {percent_text(self.max)}"


_SELECTORS = {"level1": "一级指标为", "level2": "二级指标为", "ancestor": "上级指标含", "name": "指标名称为",
              "rule": "写明 rule 为"}


@dataclass
class Selector(Located):
    """规则适用于哪些指标：写出的条件须全部符合。"""

    level1: list[str] = spec("一级指标", "指标所在的一级指标名称之一，如 [投入目标, 产出目标]。", ListOf(TEXT),
                             default=[])
    level2: list[str] = spec("二级指标", "指标所在的二级指标名称之一，如 [成本指标]。", ListOf(TEXT), default=[])
    ancestor: list[str] = spec("上级指标", "任一层上级指标的名称之一（四级指标树的三级指标等）。", ListOf(TEXT),
                               default=[])
    name: list[str] = spec("指标名称", "指标自身的名称之一，如 [预算执行率]。", ListOf(TEXT), default=[])
    rule: list[str] = spec("指标的 rule", "指标写 rule: 其中之一时选用本规则，如 [政府采购执行率]。", ListOf(TEXT),
                           default=[])

    def matches(self, node: Indicator, path: tuple[Indicator, ...]) -> bool:
        names = [ancestor.name for ancestor in path]
        return ((not self.level1 or (len(names) > 0 and names[0] in self.level1))
                and (not self.level2 or (len(names) > 1 and names[1] in self.level2))
                and (not self.ancestor or any(name in self.ancestor for name in names))
                and (not self.name or node.name in self.name)
                and (not self.rule or node.rule in self.rule))

    def text(self) -> str:
        return "，".join(f"{_SELECTORS[key]}{'、'.join(getattr(self, key))}"
                        for key in _SELECTORS if getattr(self, key))


@dataclass
class Rule(Located):
    """一条评分公式：公式种类、参数及其适用的指标。"""

    when: Selector | None = spec("适用范围", "规则只用于符合这些条件的指标；不写则用于其余全部指标。", Selector)
    rule: str | None = spec("公式", "公式的种类。", Choice(tuple(formulas.KINDS)), required=True)
    params: Located | None = spec("参数", "公式的参数，随公式种类而定。", Variant("rule", formulas.PARAMS))
    zero_denominator: Num | None = spec(
        "除数为零时得分", "比率的除数为零时的得分：分数（如 0），或占分值的百分比（如 100%）；不写则不按公式计分。", AWARD)
    note: str | None = spec("补充说明", "印在数据页该规则之后，如规则的出处。")

    @cached_property
    def kind(self) -> formulas.Kind:
        return formulas.KINDS[self.rule]

    def value(self, node: Indicator, completion: Decimal | None, divides_by_zero: bool, figures: dict):
        """The input this rule's kind reads, for one indicator. Completion is worked out by scoring;
        its zero denominator keeps its conventional value unless the rule gives one."""
        reads = self.kind.reads
        if reads is COMPLETION:
            return ZERO_DENOMINATOR if divides_by_zero and self.zero_denominator is not None else completion
        return reads.read(node, figures)

    def points(self, weight: Decimal, value) -> Decimal | None:
        """Points within 0…weight, or None when the input is missing or the formula cannot say."""
        if value is None:
            return None
        if value is ZERO_DENOMINATOR:
            if self.zero_denominator is None:
                return None
            return clamp(award(self.zero_denominator, weight), weight)
        points = self.kind.compute(weight, value, self.params)
        return None if points is None else clamp(points, weight)

    def description(self, input_title: str | None = None) -> str:
        text = self.kind.describe(self.params, input_title)
        if self.zero_denominator is not None:
            text += f"；除数为零时{formulas.award_text(self.zero_denominator)}"
        return text + (f"（{self.note}）" if self.note else "")


@dataclass
class Scheme(Located):
    """评分规则：资金执行、定量与定性指标的计分方式和等级划分。"""

    id: str | None = spec("规则编号", "评价文件的 scheme 写这个编号；不写则为文件名（不含 .yml）。")
    title: str | None = spec("规则名称", "如 项目支出绩效自评通用评分规则。", required=True)
    basis: str = spec("依据", "规则的出处，如 财预〔2020〕10号。", default="")
    total_points: Decimal | None = spec("满分", "资金分值与各指标分值之和，如 100。", DECIMAL, required=True)
    score_places: int = spec("得分小数位数", "按规则计算的得分保留的小数位数。", INTEGER, default=2)
    funds: Rule | None = spec("资金执行得分", "资金块的得分公式，读取执行率（全年执行数 ÷ 全年预算数）；"
                                        "不写则资金块不计分。", Rule)
    grades: list[Grade] = spec("等级", "从高到低，总分达到下限即得该等级；不评等级则不写。", ListOf(Grade), default=[])
    qualitative_levels: list[QualitativeLevel] = spec(
        "定性等级", "定性的实际完成值（如 达成预期指标）及其得分区间。", ListOf(QualitativeLevel), default=[])
    levels_only: bool = spec(
        "定性指标只按等级评", "true：定性指标的实际完成值须写成定性等级之一（苏州：好、较好、一般、较差、差），"
        "写成别的文字（如“规范”）时报告出来，因为无法按规则评分。", BOOLEAN, default=False)
    lower_is_better_categories: list[str] = spec(
        "越小越好的指标类别", "这些上级指标（如 成本指标）下的指标按越小越好计算完成率。", ListOf(TEXT), default=[])
    equal_sign: str = spec(
        "目标值中的“=”", "equal：等于目标最好，高于、低于都按比例计；higher：“=5家”写的是要达到的数，"
        "完成率为 实际完成值 ÷ 目标值（超出多少由公式决定）。", Choice(("equal", "higher")), default="equal")
    scores_from: str = spec(
        "总分的来源", "entered：各级小计与总分按表中填报的得分相加，按规则算出的得分另列比较（自评表）；"
        "rules：按规则由计算依据算出得分的指标以算出的得分计入小计与总分，填报的得分只供核对（部门整体评价）。",
        Choice(("entered", "rules")), default="entered")
    weights: str = spec(
        "分值的分配", "free：各指标分值由表中填写；equal-share：各类指标的分值 = 该类总分值 ÷ 指标个数"
        "（保留 score_places 位小数，余数归最后一项），不符的报告出来。", Choice(("free", "equal-share")),
        default="free")
    no_value: Num | None = spec(
        "无法提供数值的得分", "定量指标的实际完成值没有具体数值（如“高于上年”、空白）又没有说明（reason）时的得分，"
        "如 0；不写则这种指标不按规则计分。", AWARD)
    rules: list[Rule] = spec("评分公式", "逐条比较，选用第一条适用的；写明 rule 的指标选用列出它的那条。",
                             ListOf(Rule), default=[])
    notes: list[str] = spec("补充说明", "印在数据页的其他说明。", ListOf(TEXT), default=[])
    not_applicable: str = spec("不适用的指标", "不适用的指标如何处理（数据页照印）。", default="")
    shortfall_needs_reason: bool = spec("未得满分须说明原因", "true：未得满分的指标须填写偏差原因。", BOOLEAN,
                                        default=True)

    def finish(self, stem: str) -> None:
        self.id = self.id or stem

    # Reading.

    def grade(self, total: Decimal) -> str | None:
        return next((item.grade for item in self.grades if total >= item.min), None)

    def level(self, text: str) -> QualitativeLevel | None:
        return self._level_of_label.get("".join(text.split()))

    @cached_property
    def _level_of_label(self) -> dict[str, QualitativeLevel]:
        return {label: level for level in reversed(self.qualitative_levels) for label in level.labels}

    @property
    def levels(self) -> list[QualitativeLevel]:
        return self.qualitative_levels

    @property
    def funds_cap(self) -> Decimal:
        """The cap on the execution rate of a funds rule that has one (1 when it has none)."""
        return getattr(self.funds.params, "cap", Decimal(1)) if self.funds else Decimal(1)

    def rule_for(self, node: Indicator, path: tuple[Indicator, ...]) -> Rule | None:
        """The rule an indicator names (by `rule:`), else the first whose selector it meets."""
        if node.rule is not None:
            return next((rule for rule in self.rules if rule.when and node.rule in rule.when.rule), None)
        return next((rule for rule in self.rules if rule.when is None or rule.when.matches(node, path)), None)

    def unknown_rules(self, indicators: list[Indicator]) -> list[Finding]:
        """An indicator's `rule:` that no rule of this scheme lists."""
        named = sorted({name for rule in self.rules if rule.when for name in rule.when.rule})
        return [F.UNKNOWN_CHOICE.at(node.where("rule"), key=f"{node.name}.rule", value=node.rule,
                                    suggestion=suggest(node.rule, named),
                                    allowed="、".join(named) or f"（评分规则“{self.id}”没有按 rule 选用的规则）")
                for node, _, _ in walk(indicators) if node.rule is not None and node.rule not in named]

    # Describing: what the data page and every evaluation page print (made once a scheme).

    @cached_property
    def rule_descriptions(self) -> list[str]:
        return rule_descriptions(self)

    @cached_property
    def grades_description(self) -> str:
        parts, above = [], None
        for item in self.grades:
            low = _points(item.min)
            if above is None:
                parts.append(f"{item.grade}（{low}（含）以上）")
            elif item.min == 0:
                parts.append(f"{item.grade}（{above}以下）")
            else:
                parts.append(f"{item.grade}（{low}（含）至 {above}）")
            above = _points(item.min)
        return "等级：" + "，".join(parts) + "。" if parts else ""

    # Checking what conversion cannot: figures that contradict each other.

    def problems(self) -> list[Finding]:
        found = []
        if not 0 <= self.score_places <= MAX_PLACES:
            found.append(F.RULES_VALUE.at(self.where("score_places"), key="score_places",
                                          problem=f"应在 0 至 {MAX_PLACES} 之间", fix="如 2。"))
        unordered = next((index for index, (above, item) in enumerate(zip(self.grades, self.grades[1:]), 1)
                          if item.min >= above.min), None)
        if unordered is not None:
            found.append(F.RULES_VALUE.at(self.grades[unordered].where("min"), key=f"grades[{unordered}].min",
                                          problem="不低于上一等级的下限：等级应从高到低排列",
                                          fix="按等级从高到低书写，如 优 90、良 80、中 60、差 0。"))
        for index, level in enumerate(self.qualitative_levels):
            if not 0 <= level.min <= level.max <= 1:
                found.append(F.RULES_VALUE.at(level.where("min"), key=f"qualitative_levels[{index}]",
                                              problem="的得分区间应在 0 至 100% 之间，且下限不大于上限",
                                              fix="如 {min: 80%, max: 100%}。"))
        rules = [("funds", self.funds)] + [(f"rules[{index}]", rule) for index, rule in enumerate(self.rules)]
        for key, rule in rules:
            if rule is not None and rule.params is not None:
                found += [F.RULES_VALUE.at(rule.params.where(name), key=f"{key}.params.{name}", problem=problem,
                                           fix=fix) for name, problem, fix in getattr(rule.params, "problems", list)()]
        if self.funds is not None and self.funds.kind.reads is not RATE:
            found.append(F.RULES_VALUE.at(self.funds.where("rule"), key="funds.rule",
                                          problem=f"为“{self.funds.rule}”，它不读取执行率",
                                          fix="资金得分用读取比率的公式，如 rate_points。"))
        return found


COMPLETION_DEFINITION = ("完成率 = 实际完成值 ÷ 年度指标值；越小越好的指标为 年度指标值 ÷ 实际完成值，"
                         "实际完成值不超过年度指标值即为 100%")
EQUAL_SIGN_HIGHER = "年度指标值写作“=5家”的，是要达到的数，完成率同样为 实际完成值 ÷ 年度指标值"
FUNDS_RATE = "执行率 = 全年执行数 ÷ 全年预算数（调整后预算）"


def rule_descriptions(scheme: Scheme) -> list[str]:
    """The scheme's rules in Chinese, each filled with the scheme's own figures: funds, the
    share of the points, the definition of completion when a rule reads it, each formula,
    each qualitative level, a value that cannot be given, and the notes. The data page prints
    them as a list (and the grades after them)."""
    texts = []
    if scheme.funds is not None:
        texts.append(f"资金执行：{FUNDS_RATE}；{scheme.funds.description('执行率')}。")
    else:
        texts.append("资金执行不计分。")
    if scheme.weights == "equal-share":
        texts.append(f"分值：各类指标的分值 = 该类总分值 ÷ 指标个数，保留 {scheme.score_places} 位小数，"
                     "除不尽的余数归该类最后一项指标。")
    if any(rule.kind.reads is COMPLETION for rule in scheme.rules):
        lower = "、".join(scheme.lower_is_better_categories)
        equal = f"；{EQUAL_SIGN_HIGHER}" if scheme.equal_sign == "higher" else ""
        texts.append(f"{COMPLETION_DEFINITION}{equal}" + (f"（{lower}下的指标按越小越好计算）。" if lower else "。"))
    for rule in scheme.rules:
        scope = rule.when.text() if rule.when else ""
        subject = "定量指标" if rule.kind.reads is COMPLETION else "指标"
        texts.append(f"{scope + '的' if scope else ''}{subject}（{rule.kind.title}）：{rule.description()}。")
    texts += [f"定性指标：{level.description}。" for level in scheme.qualitative_levels]
    if scheme.no_value is not None:
        texts.append(f"定量指标无法提供具体数值、且无说明的，{formulas.award_text(scheme.no_value)}。")
    if not scheme.grades:
        texts.append(f"满分 {format_number(scheme.total_points, 2)} 分，不评等级。")
    return texts + list(scheme.notes)


# --- reading the files --------------------------------------------------------------------------

@dataclass
class Broken:
    """A form or scheme file that has errors, with its findings."""

    what: str
    id: str
    file: str
    findings: list[Finding]


_KINDS = {"forms": (Form, "表式"), "schemes": (Scheme, "评分规则")}


@dataclass
class Rules:
    """The forms and schemes of a project: built-in ones, then its own (overriding by id)."""

    forms: dict[str, Form]
    schemes: dict[str, Scheme]
    broken: dict[tuple[str, str], Broken]  # by (kind, id)

    @cached_property
    def choices(self) -> dict[str, list[str]]:
        """The ids an evaluation may name, the broken ones too (they are reported where used)."""
        return {kind: sorted({*getattr(self, kind), *(id_ for k, id_ in self.broken if k == kind)})
                for kind in _KINDS}

    def unused_problems(self, results) -> list[Finding]:
        """The findings of each file with errors that no evaluation uses, as notices: they
        stop nothing, and tell the author before an evaluation names the file."""
        found = []
        for broken in self.broken.values():
            if not any(broken.findings[0] in result.findings for result in results):
                found += [F.RULES_FILE_UNUSED.at(Pos(f.file, f.line, f.column), message=f.message, hint=f.hint,
                                                 what=broken.what) for f in broken.findings]
        return found

    def problems_of(self, evaluation) -> list[Finding]:
        """For an evaluation whose form or scheme file has errors: those errors, and one
        finding at its own `form:` or `scheme:` naming the file."""
        found = []
        for kind, key in (("forms", "form"), ("schemes", "scheme")):
            broken = self.broken.get((kind, getattr(evaluation, key)))
            if broken is not None:
                errors = sum(1 for f in broken.findings if f.severity == F.ERROR)
                found += broken.findings + [F.RULES_FILE_BROKEN.at(evaluation.where(key), what=broken.what,
                                                                   id=broken.id, file=broken.file, count=errors)]
        return found

    def _put(self, kind: str, id_: str, obj, broken: Broken | None) -> None:
        table = getattr(self, kind)
        table.pop(id_, None)
        self.broken.pop((kind, id_), None)
        if broken is None:
            table[id_] = obj
        else:
            self.broken[(kind, id_)] = broken


def _shown(path: Path) -> str:
    """A file's name as findings give it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except (OSError, ValueError):
        return str(path)


def read_file(kind: str, path: Path) -> tuple[str, object | None, list[Finding]]:
    """(id, the form or scheme or None when it has errors, findings) of one file."""
    cls, _ = _KINDS[kind]
    file = _shown(path)
    try:
        node = load_file(file)
    except LoadError as exc:
        return path.stem, None, [exc.finding]
    except OSError as exc:
        return path.stem, None, [F.YAML_SYNTAX.at(Pos(file, 1, 1), problem=f"无法读取文件（{exc.strerror}）")]
    if type(node) is not Mapping:
        actual = "空文件" if node is None else "列表" if type(node) is Sequence else f"文字“{node.value}”"
        return path.stem, None, [F.NOT_A_MAPPING.at(Pos(file, 1, 1) if node is None else node_pos(node),
                                                    actual=actual)]
    converter = Converter({})
    obj = converter.to_object(cls, node)
    found = converter.findings
    obj.finish(path.stem)
    if not any(f.severity == F.ERROR for f in found):
        found += obj.problems()
    return obj.id, (None if any(f.severity == F.ERROR for f in found) else obj), found


def rule_files(roots: tuple[Path, ...]) -> list[tuple[str, Path]]:
    """Every form and scheme file: built-in ones first, then each project's."""
    return [(kind, path) for kind in _KINDS
            for directory in (PACKAGE_DIR / kind, *(root / kind for root in roots))
            for path in sorted(directory.glob("*.yml"))]


@lru_cache(maxsize=None)
def load(roots: tuple[Path, ...] = ()) -> Rules:
    rules = Rules({}, {}, {})
    for kind, path in rule_files(roots):
        id_, obj, found = read_file(kind, path)
        rules._put(kind, id_, obj, None if obj is not None else Broken(_KINDS[kind][1], id_, _shown(path), found))
    return rules


@lru_cache(maxsize=4096)
def extension_roots(directory: Path) -> tuple[Path, ...]:
    """The project directory (the one with `site_config.yml`) whose `forms/` and `schemes/`
    apply to files in `directory`; none outside a project."""
    for current in [directory, *directory.parents]:
        if (current / CONFIG_NAME).is_file():
            return (current,)
        if (current / ".git").exists():
            break
    return ()


# The project the last pipeline run read: what forms() and schemes() give without an argument,
# so that a page or a printout of its evaluations finds the project's own forms and schemes.
# Before any run, the project of the working directory (`jixiao new`, `jixiao schema`).
_active: tuple[Path, ...] | None = None


def activate(roots: tuple[Path, ...]) -> Rules:
    global _active
    _active = roots
    return load(roots)


def active_roots() -> tuple[Path, ...]:
    return _active if _active is not None else extension_roots(Path.cwd().absolute())


def forget() -> None:
    """Forget what was read: files may have changed (a long `serve`, a test)."""
    load.cache_clear()
    extension_roots.cache_clear()


def forms(extra_dirs: tuple[Path, ...] | None = None) -> dict[str, Form]:
    return load(active_roots() if extra_dirs is None else extra_dirs).forms


def schemes(extra_dirs: tuple[Path, ...] | None = None) -> dict[str, Scheme]:
    return load(active_roots() if extra_dirs is None else extra_dirs).schemes
