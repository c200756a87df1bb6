"""The data model of one evaluation, for all published formats.

Each field is declared once, with its YAML key, kind, Chinese title and
description; `schema.py` reads these declarations both to convert YAML nodes
(with located errors) and to print a JSON Schema for editors.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from itertools import chain
from operator import attrgetter
from typing import Any

from ..findings import Pos
from ..quantities import Num

# How `jixiao new` marks text still to be written; conversion reports any left in place.
PLACEHOLDER = "请填写"

# Kinds of field value understood by schema.py. A DECIMAL is a number without its printed
# text (`5%` is 0.05), for the figures of forms and schemes; an AWARD is a score written as
# points (`3`) or as a share of the weight (`60%`); an INPUT is a number or a Reference to a
# figure computed elsewhere in the same file.
TEXT, NUMBER, INTEGER, BOOLEAN, VALUE, RATE = "text", "number", "integer", "boolean", "value", "rate"
DECIMAL, AWARD, INPUT = "decimal", "award", "input"
# A figure table's cell: a number as written (`3,760.00`), or a text (`台式机`, a quoted `"2022000001"`).
CELL = "cell"


@dataclass(frozen=True)
class ListOf:
    item: Any
    blanks: bool = False  # a blank (null) item is kept, as None: the items are columns


@dataclass(frozen=True)
class MapOf:
    item: Any


@dataclass(frozen=True)
class Choice:
    """A text restricted to known values; `source` names a registry (forms, schemes)."""

    values: tuple[str, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class Template:
    """A text with `{placeholders}`, each one of `fields` (`{name}-{code}`)."""

    fields: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    """A mapping declared by the class that the sibling field `by` names through `options`
    (a formula's parameters, by its kind)."""

    by: str
    options: dict = dc_field(compare=False, hash=False)


def spec(title: str, description: str = "", kind: Any = TEXT, required: bool = False,
         default: Any = None, **more):
    """A declared field; `more` is kept beside the declaration (how a formula's parameter is printed)."""
    meta = {"title": title, "description": description, "kind": kind, "required": required, **more}
    if isinstance(default, (list, dict)):  # a new one for each object
        return dc_field(default_factory=type(default), metadata=meta)
    return dc_field(default=default, metadata=meta)


@dataclass
class Located:
    """Where the mapping was written, and where each of its fields was."""

    pos: Pos = dc_field(default=Pos("", 0, 0), metadata={"internal": True})
    # Where each field's value starts, as 0-based (line, column) in the file of `pos`:
    # made into a Pos only for a finding.
    marks: dict[str, tuple[int, int]] = dc_field(default_factory=dict, metadata={"internal": True})

    def where(self, key: str) -> Pos:
        mark = self.marks.get(key)
        return self.pos if mark is None else Pos(self.pos.file, mark[0] + 1, mark[1] + 1)


@dataclass(frozen=True)
class Reference:
    """A figure computed elsewhere in the same file, by name (`funds.total.rate`), or cells of its
    figure tables (`表名.栏目`, `1-2.总计.支出决算数`: the table's number, the row's name, the column;
    several joined by + and −), resolved with the tables."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Expression:
    """Figures combined by + − × ÷ (`1-2.公用经费.支出决算数 ÷ 35`, `32.13 ÷ 32`):
    operands are numbers or references, each operator with a space on either side. × and ÷
    bind before + and −."""

    text: str
    operands: tuple  # Num | Reference, one more than the operators
    operators: tuple[str, ...]  # "+", "-", "*", "/"

    def __str__(self) -> str:
        return self.text


FUNDS_FIGURES = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数",
                 "rate": "执行率（全年执行数 ÷ 全年预算数）"}


@dataclass
class Value:
    """A target or actual as written (`≥90.0%`, `达成预期指标`), kept verbatim."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Party(Located):
    """主管部门 or 实施单位, with its optional code (`902001`, `601`)."""

    name: str = spec("名称", "单位全称。", required=True)
    code: str | None = spec("代码", "单位代码，如 902001、601；没有可省略。")


@dataclass
class FundsRow(Located):
    initial: Num | None = spec("年初预算数", "万元。", NUMBER)
    budget: Num | None = spec("全年预算数", "调整后的全年预算（万元），执行率的分母。", NUMBER)
    executed: Num | None = spec("全年执行数", "万元，执行率的分子。", NUMBER)


FUNDS_ROW_KEYS = ("total", "fiscal", "carryover", "other")
# The figures an input may refer to: each funds row's amounts and its execution rate.
FIGURES = tuple(f"funds.{row}.{figure}" for row in FUNDS_ROW_KEYS for figure in FUNDS_FIGURES)


@dataclass
class FundsRows(Located):
    total: FundsRow | None = spec("年度资金总额", "各列为下列分项之和。", FundsRow, required=True)
    fiscal: FundsRow | None = spec("财政拨款", "其中：（当年/本年）财政拨款。", FundsRow)
    carryover: FundsRow | None = spec("上年结转资金", "2021 年及以后的表式才有此行。", FundsRow)
    other: FundsRow | None = spec("其他资金", "", FundsRow)

    def present(self) -> list[tuple[str, FundsRow]]:
        return [(key, row) for key in FUNDS_ROW_KEYS if (row := getattr(self, key)) is not None]


@dataclass
class Funds(Located):
    weight: Num | None = spec("分值", "资金执行率的分值，通常为 10。", NUMBER, required=True)
    rows: FundsRows | None = spec("资金行", "年度资金总额及其分项。", FundsRows, required=True)


@dataclass
class Goals(Located):
    expected: str | None = spec("预期目标", "年初预期目标，照原文；可含 <p>…</p>，显示时去除标签。")
    actual: str | None = spec("实际完成情况", "目标实际完成情况，照原文。")


@dataclass
class Inputs(Located):
    """The figures a formula reads: numbers, references to figures of the same file (a funds
    figure, a figure table's cell), or an expression of them."""

    rate: Num | Reference | Expression | None = spec(
        "比率", "如 99.08%，或引用同一文件算出的数，如 funds.total.rate（资金执行率）。", INPUT)
    numerator: Num | Reference | Expression | None = spec(
        "分子", "比率 = 分子 ÷ 分母，如实际采购数；或数据表的数，写“表名.栏目”或“表号.行名.栏目”，"
        "如 市级预算执行情况（万元）.财政拨款数、1-2.总计.支出决算数。", INPUT)
    denominator: Num | Reference | Expression | None = spec(
        "分母", "如采购预算数，或数据表中几栏相加（表名.栏目 + 表名.栏目，加号两边留空格）；"
        "为 0 时按评分规则的 zero_denominator 计分。", INPUT)
    current: Num | Reference | Expression | None = spec(
        "本年数", "变动率 = (本年数 − 上年数) ÷ 上年数；可写算式，如 1-2.公用经费.支出决算数 ÷ 35。", INPUT)
    previous: Num | Reference | Expression | None = spec("上年数", "变动率的基数；为 0 时按评分规则的 zero_denominator 计分。",
                                                         INPUT)
    problems: Num | Reference | Expression | None = spec("问题个数", "按问题扣分时，发现并列出的问题个数。", INPUT)
    printed: Num | None = spec("原文印出的比率", "报告正文印出的比率（如 367.91%），与由上面的数算出的比率核对。", RATE)
    printed_numerator: Num | None = spec("原文印出的分子", "报告正文印出的分子金额（如 调整额 1,630.93），与算出的分子核对。",
                                         NUMBER)


@dataclass
class Indicator(Located):
    """A node of the indicator tree; leaves carry target, actual, weight and score."""

    name: str = spec("指标名称", "一级指标写“产出指标”，分值写在 weight。", required=True)
    weight: Num | None = spec("分值", "一级指标为其分值（如 50）；三级指标为该项分值，原表空白写 ~（按 0 计，印为空白）。",
                              NUMBER)
    target: Value | None = spec("年度指标值", "照原文，如 100 家、≥90.0%、=6000 个、提高。", VALUE)
    actual: Value | None = spec("实际完成值", "照原文，如 57 家、达成预期指标。", VALUE)
    score: Num | None = spec("得分", "表中填报的得分；原表空白写 ~。", NUMBER)
    reason: str | None = spec("偏差原因分析及改进措施", "未得满分时必填。")
    direction: str | None = spec(
        "指标方向", "higher 越大越好，lower 越小越好，equal 等于目标；原文无法判断时填写。",
        Choice(("higher", "lower", "equal")))
    applicable: bool | None = spec("是否适用", "false 表示本指标不适用；名称或指标值含“不适用”时自动判定。",
                                   BOOLEAN)
    definition: str | None = spec("指标解释", "部门整体评价的四级指标解释。")
    criteria: str | None = spec("评分标准", "部门整体评价的评分标准原文。")
    inputs: Inputs | None = spec("计算依据", "评分公式读取的数字，如 {rate: 99.08%} 或 {rate: funds.total.rate}。",
                                 Inputs)
    judgement: str | None = spec("评价结论", "评价人员的判断（如 效果显著、较为完善），其后写理由，"
                                            "如“较为完善：制度齐全，个别未执行”。")
    rule: str | None = spec("评分规则", "选用评分规则中 when.rule 列出此名称的那条规则，如 预算执行率。")
    children: list[Indicator] = spec("下级指标", "下一级指标列表。", ListOf("Indicator"), default=[])


@dataclass
class ScoreRow(Located):
    """A row of a printed score table (表 4-x): an indicator's points, score and score rate."""

    name: str | None = spec("指标", "照原表。", required=True)
    weight: Num | None = spec("分值", "", NUMBER)
    score: Num | None = spec("得分", "", NUMBER)
    rate: Num | None = spec("得分率", "得分 ÷ 分值，如 73.92%。", RATE)


@dataclass
class ScoreTable(Located):
    """A score table a report prints (表 4-1 to 4-8): derived from the indicators' scores, its
    printed figures kept only to compare. Without `indicator`, it lists every first-level
    indicator (4-1); with one, that indicator and its second- and third-level ones (4-2…)."""

    id: str | None = spec("表号", "如 4-1。", required=True)
    title: str | None = spec("表名", "照原表，如 区工业和信息化局管理效率得分情况表。", required=True)
    indicator: str | None = spec("一级指标", "本表列出的一级指标；不写则为各一级指标的汇总表（表 4-1）。")
    rows: list[ScoreRow] = spec("各行", "原表各行印出的分值、得分、得分率，按原表顺序。", ListOf(ScoreRow), default=[])
    total: ScoreRow | None = spec("合计行", "汇总表的合计（得分）行。", ScoreRow)
    grade: str | None = spec("评价等级", "汇总表印出的等级。")


@dataclass
class Published(Located):
    total: Num | None = spec("总分", "原表总分行印出的得分。", NUMBER)
    weight_total: Num | None = spec("分值合计", "原表总分行印出的分值。", NUMBER)
    funds_score: Num | None = spec("资金得分", "原表年度资金总额行印出的得分。", NUMBER)
    rates: dict[str, Num] = spec("执行率", "各资金行印出的执行率，如 {total: 100%, fiscal: 100%}。",
                                 MapOf(RATE), default={})
    grade: str | None = spec("等级", "原文给出的等级（优/良/中/差）。")
    indicator_counts: list[int] = spec("各级指标个数", "报告写明的一级、二级……指标个数，如 [7, 14, 26, 41]。",
                                       ListOf(INTEGER), default=[])
    score_tables: list[ScoreTable] = spec(
        "得分情况表", "报告印出的各级指标得分表（表 4-1 至 4-8）的数字；表由得分算出，这些数只供核对。",
        ListOf(ScoreTable), default=[])


@dataclass
class Claim(Located):
    """A figure the narrative states that restates a figure of the tables (下达资金总额57508.48万元
    restates 财政拨款数): both as printed, tied by the author, compared by the checks."""

    figure: str = spec("正文中的数字", "照正文原样写出，连同单位，如 57508.48万元、53个、77.06%。", required=True)
    text: str | None = spec("正文原话", "含这个数字的一段原话，如 获评省级示范智能车间数量53个；"
                                       "同一个数字在正文中出现几次时用它指明是哪一处。不写则只找数字本身。")
    restates: str = spec(
        "所重述的数字", "数据表的栏目写“表名.栏目”（几栏相加用 + 连接，加号两边留空格）；"
        "绩效指标写“指标名称.栏目”，栏目为 目标值、实际完成值、权重、自评分 或 完成率。", required=True)


@dataclass
class Section(Located):
    """A narrative section of a report (项目概况, 存在的问题…), in Markdown."""

    title: str | None = spec("标题", "不写则只印正文（如报告末尾的标注，或一节中表格之后的正文）。")
    body: str | None = spec("正文", "Markdown；不允许原始 HTML。")
    tables: list[str] = spec("本节的表", "正文之后、下级小节之前印出的表，按表号：数据表（tables 的 id）或得分情况表"
                             "（published.score_tables 的 id），如 [1-1]。", ListOf(TEXT), default=[])
    claims: list[Claim] = spec("正文中的数字", "正文重述表中数字的地方：每项写正文中的数字和它重述的表中数字，两者不符时报告。",
                               ListOf(Claim), default=[])
    restates_all: str | None = spec(
        "逐项重述的指标", "本节的 claims 逐项重述其下每一项指标的那一级指标，如 产出目标（年度绩效目标一节）；"
        "有指标没有被重述时报告。")
    children: list[Section] = spec("下级小节", "", ListOf("Section"), default=[])


@dataclass
class TableRow(Located):
    label: str | None = spec("行名", "不写则该行不印行名；各行都没有行名的表不印行名一栏。")
    values: list[Num | Value | None] = spec(
        "各列数值", "与表的 columns 一一对应，空白写 ~；带千分位的数加引号，如 \"2,183.41\"；文字栏（text_columns）的格为文字。",
        ListOf(CELL, blanks=True), default=[])
    children: list[TableRow] = spec("分项", "分项之和应等于本行。", ListOf("TableRow"), default=[])


@dataclass
class ColumnGroup(Located):
    """Adjacent columns printed under one heading (其中：结转数、财政收回数)."""

    title: str = spec("组名", "印在这几栏之上，如 其中：。", required=True)
    columns: list[str] = spec("栏目", "组内的栏目名，须是 columns 中相邻的几栏。", ListOf(TEXT), required=True,
                              default=[])


@dataclass
class Table(Located):
    """A figure table of a report (收入表、支出表、资金构成…) whose parts add up, and whose
    columns may be tied by identities (指标结余数 = 年初预算数 + 调整数 − 财政拨款数)."""

    id: str | None = spec("表号", "如 1-1，印在表名之前（表 1-1 …）；原表没有表号则不写。")
    title: str = spec("表名", "照原表，如 市级预算执行情况（万元）。", required=True)
    unit: str | None = spec("单位", "表上方印出的单位，如 万元；没有则不写。")
    note: str | None = spec("表首说明", "印在栏目之上、通栏的文字，如 战略目标：……。")
    label_heading: str = spec("行名一栏的栏目名", "如 子项目名称；不写为“项目”。", default="项目")
    unit: str | None = spec("单位", "表中金额的单位，如 万元（表名中已印出的照写）；正文以别的单位（如 亿元）重述表中的数时据此换算。")
    columns: list[str] = spec("列名", "", ListOf(TEXT), default=[])
    text_columns: list[str] = spec("文字栏", "内容为文字的栏目（如 资产名称、取得方式），不参与合计。", ListOf(TEXT),
                                   default=[])
    groups: list[ColumnGroup] = spec("栏目分组", "几栏印在一个组名之下，如 {title: 其中：, columns: [结转数, 财政收回数]}。",
                                     ListOf(ColumnGroup), default=[])
    rows: list[TableRow] = spec("行", "", ListOf(TableRow), default=[])
    identities: list[str] = spec(
        "勾稽关系", "每条写“栏目 = 算式”，如 指标结余数 = 年初预算数 + 调整预算数 - 财政拨款数；可连写几个等号。"
        "算式由栏目名与 + - 组成（运算符两边留空格），用于表中每一个最上层的行；"
        "别的表的栏目写“表名.栏目”（或“表号.栏目”），该表应只有一个最上层的行。", ListOf(TEXT), default=[])
    stated_rows: int | None = spec("正文所述的项数", "报告正文写明本表列出的项数（如“等10个指标”），与表中的行数核对。",
                                   INTEGER)
    totals: list[str] = spec(
        "合计行", "每条写“行名 = 行名 + 行名 …”（运算符两边留空格），如 总计 = 一、基本支出 + 二、项目支出；"
        "每一栏都核对。合计行印在其分项之后时用这种写法，分项写在 children 中时不必写。", ListOf(TEXT), default=[])

    def settle(self) -> None:
        """The cells of the text columns are texts, whatever they look like (资产编号 2022000001)."""
        texts = [n for n, column in enumerate(self.columns) if column in self.text_columns]
        rows = list(self.rows)
        while rows and texts:
            row = rows.pop()
            rows += row.children
            for n in texts:
                if n < len(row.values) and isinstance(row.values[n], Num):
                    row.values[n] = Value(row.values[n].text)


@dataclass
class Cover(Located):
    title: str | None = spec("报告名称", "封面印出的名称，如 2021年度枣庄市山亭区工业和信息化局部门整体绩效评价报告。")
    report_number: str | None = spec("报告编号", "如 鲁舜绩评字（2022）第3701038号。")
    commissioner: str | None = spec("委托单位", "")
    budget_unit: str | None = spec("预算单位", "被评价的预算单位。")
    evaluator: str | None = spec("评价机构", "")
    date: str | None = spec("报告日期", "")


@dataclass
class Evaluation(Located):
    """One evaluation: a project table, a project report or a department report."""

    project: str = spec("项目名称", "部门整体评价写部门名称。", required=True)
    year: int | None = spec("年度", "评价年度，如 2020。", INTEGER, required=True)
    form: str | None = spec("表式", "原表的版式。", Choice(source="forms"), required=True)
    scheme: str | None = spec("评分规则", "适用的评分规则。", Choice(source="schemes"), required=True)
    department: Party | None = spec("主管部门", "主管部门及代码。", Party, required=True)
    implementer: Party | None = spec("实施单位", "项目实施单位及代码。", Party)
    contact: str | None = spec("联系电话", "")
    funds: Funds | None = spec("项目资金（万元）", "资金执行情况。", Funds)
    goals: Goals | None = spec("年度总体目标", "", Goals)
    indicators: list[Indicator] = spec("绩效指标", "一级指标列表，逐级嵌套。", ListOf(Indicator), default=[])
    explanation: str | None = spec(
        "低分说明", "总分低于表式规定的分数（表式的 explanation_below）时，未实现绩效目标的原因分析及拟采取的措施说明。")
    cover: Cover | None = spec("封面", "评价报告的封面信息。", Cover)
    sections: list[Section] = spec("报告正文", "评价报告的叙述章节。", ListOf(Section), default=[])
    tables: list[Table] = spec("数据表", "报告中的资金、收支等数据表。", ListOf(Table), default=[])
    published: Published | None = spec("原表数字", "原表印出的合计与执行率，供核对。", Published)


@dataclass
class IndexEntry(Located):
    no: int | None = spec("序号", "", INTEGER, required=True)
    project: str = spec("项目名称", "", required=True)
    note: str | None = spec("备注", "")


@dataclass
class BundleIndex(Located):
    """`_index.yml`: a unit's bundle cover and index page (序号 / 项目名称 / 备注)."""

    title: str = spec("单位名称", "", required=True)
    subtitle: str | None = spec("副标题", "如 项目绩效自评表。")
    entries: list[IndexEntry] = spec("目录", "", ListOf(IndexEntry), default=[])


def is_department_report(ev: Evaluation) -> bool:
    """A department's evaluation report (部门整体绩效评价报告): an evaluation with a cover."""
    return ev.cover is not None


def walk(indicators: list[Indicator], depth: int = 1, parents: tuple = ()) -> list[tuple]:
    """Every node of the tree with its depth and its ancestors, in document order."""
    found: list[tuple] = []
    _collect(indicators, depth, parents, found)
    return found


def _collect(indicators: list[Indicator], depth: int, parents: tuple, found: list[tuple]) -> None:
    for node in indicators:
        found.append((node, depth, parents))
        if node.children:
            _collect(node.children, depth + 1, parents + (node,), found)


def every_indicator(indicators: list[Indicator]) -> list[Indicator]:
    """Every node of the tree level by level (not in document order), in C calls only, without a
    Python step per node: for what every file asks and nearly none has (a row with `inputs`)."""
    found, level = [], indicators
    while level:
        found += level
        level = list(chain.from_iterable(map(_CHILDREN_OF, level)))
    return found


_CHILDREN_OF = attrgetter("children")
