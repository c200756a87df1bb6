"""The catalogue of findings: every problem jixiao reports has a stable code.

Each code is declared once, with its severity, a Chinese title, the author's
message and hint templates, a description and, for every finding that can reach
a published page, a public template: what was found and what it means for a
reader, with no code, line number or instruction to the author. The catalogue
documents itself (`jixiao validate --codes`, the site's 数据与方法 page,
docs/authoring.md).
"""
from __future__ import annotations

from dataclasses import dataclass, asdict
from typing import NamedTuple

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", INFO: "提示"}


class Pos(NamedTuple):
    """Where a YAML node starts: file path as given, 1-based line and column."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    file: str
    line: int
    column: int
    message: str
    hint: str
    public: str | None = None  # for the reader of a published page; None where no page is made

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.file}:{self.line}:{self.column}: {SEVERITY_ZH[self.severity]} "
                f"[{self.code}] {self.message}\n    提示：{self.hint}")


@dataclass(frozen=True)
class FindingType:
    code: str
    severity: str
    title: str
    template: str
    hint: str
    description: str
    public: str | None = None
    defaults: tuple[tuple[str, str], ...] = ()  # figures a message may leave out, with their text
    public_description: str | None = None  # the description in a reader's words, where the author's names fields

    def at(self, pos: Pos, **params) -> Finding:
        params = dict(self.defaults, **params)
        public = self.public.format(**params) if self.public is not None else None
        return Finding(self.code, self.severity, pos.file, pos.line, pos.column,
                       self.template.format(**params), self.hint.format(**params), public)

    @property
    def reader_description(self) -> str:
        """What the check is, as the site's 数据与方法 page tells a reader."""
        return self.public_description or self.description

    @property
    def is_public(self) -> bool:
        """Whether a published page can show it: files with errors get no page."""
        return self.public is not None


CATALOGUE: dict[str, FindingType] = {}


def declare(code: str, severity: str, title: str, template: str, hint: str,
            description: str, public: str | None = None, public_description: str | None = None,
            **defaults: str) -> FindingType:
    assert code not in CATALOGUE, code
    assert (public is None) == (severity == ERROR), f"{code}: a warning or an info needs its public text"
    CATALOGUE[code] = FindingType(code, severity, title, template, hint, description, public,
                                  tuple(defaults.items()), public_description)
    return CATALOGUE[code]


def public_types() -> list[FindingType]:
    return [item for item in CATALOGUE.values() if item.is_public]


# --- structure: the file cannot be read as an evaluation --------------------------
# A file with an error gets no page, so these speak only to the author.

ENCODING = declare(
    "encoding", ERROR, "文件编码错误",
    "文件不是 UTF-8 编码（第 {offset} 字节无法解码{guess}）",
    "用编辑器将文件另存为 UTF-8 编码。",
    "评价文件必须以 UTF-8 保存；常见原因是用 GBK 编码保存。")
EMPTY_FILE = declare(
    "empty-file", ERROR, "文件为空",
    "文件为空，没有任何内容",
    "用 `jixiao new` 生成带注释的模板，再填写内容。",
    "评价文件至少需要项目名称等必填字段。")
YAML_SYNTAX = declare(
    "yaml-syntax", ERROR, "YAML 语法错误",
    "YAML 语法错误：{problem}",
    "检查该位置的缩进、冒号后的空格和引号是否成对；含冒号或以特殊符号开头的文字请加引号。",
    "文件无法按 YAML 语法解析。")
DUPLICATE_KEY = declare(
    "duplicate-key", ERROR, "重复的键",
    "键“{key}”重复出现（第一次在第 {first_line} 行）",
    "删除或合并重复的键；YAML 只会保留最后一个值，前面的内容会被悄悄丢弃。",
    "同一映射中同一个键出现两次。")
UNSAFE_TAG = declare(
    "unsafe-tag", ERROR, "不允许的 YAML 标签",
    "不允许使用 YAML 标签 {tag}",
    "删除该标签，直接写文字或数字。",
    "出于安全考虑，只接受普通的文字、数字、列表和映射。")
UNKNOWN_KEY = declare(
    "unknown-key", ERROR, "未知字段",
    "“{where}”中没有字段“{key}”{suggestion}",
    "可用的字段：{allowed}。",
    "字段名写错或放错了层级。")
MISSING_FIELD = declare(
    "missing-field", ERROR, "缺少必填字段",
    "“{where}”缺少必填字段“{key}”（{title}）",
    "在该处添加 `{key}: …`。{blank}",
    "必填字段没有填写。三级指标的分值和得分必须写出；原表空白的格写 `~`。",
    blank="")
WRONG_TYPE = declare(
    "wrong-type", ERROR, "类型错误",
    "“{key}”（{title}）应为{expected}，实际是{actual}",
    "{fix}",
    "字段的值类型不对，例如该写数字的地方写了文字。")
UNKNOWN_CHOICE = declare(
    "unknown-choice", ERROR, "取值无效",
    "“{key}”的值“{value}”无效{suggestion}",
    "可选值：{allowed}。",
    "字段只能取若干固定值之一，例如表式和评分规则的编号。")
NOT_A_MAPPING = declare(
    "not-a-mapping", ERROR, "文件结构错误",
    "文件顶层应为映射（“字段: 值”的形式），实际是{actual}",
    "参照 `jixiao new` 生成的模板书写。",
    "评价文件的顶层必须是字段映射。")

# --- the content tree: what jixiao reads, and where it publishes it ----------------------

NOT_A_FILE = declare(
    "not-a-file", ERROR, "不是普通文件",
    "“{name}”{kind}，未读取",
    "内容目录中只放 YAML 文本文件；删除它，或换成真正的文件。",
    "命名管道、设备文件、失效的符号链接等不是普通文件，jixiao 不打开它们。")
OUTSIDE_PROJECT = declare(
    "outside-project", ERROR, "项目之外的文件",
    "“{name}”指向项目目录之外，未读取",
    "把文件复制到项目目录中，而不是链接到外部。",
    "jixiao 只读取、只发布项目目录之内的文件：指向项目之外的符号链接（或链接的目录）、站点配置中项目之外的路径都不读取。")
FILE_TOO_LARGE = declare(
    "file-too-large", ERROR, "文件过大",
    "文件大小 {size} 超过上限 {limit}，未读取",
    "评价文件通常只有几 KB 到几十 KB：检查是否放错了文件；报告过长时拆分正文。",
    "为保证生成速度，评价文件不能超过 1 MiB。",
    limit="1 MiB（1,048,576 字节）")
FILE_NAME = declare(
    "file-name", ERROR, "文件名无法使用",
    "{problem}",
    "{fix}",
    "文件名和目录名必须是 UTF-8 编码；由它们得出的网址，每一段不能超过文件系统允许的 255 字节。")
URL_COLLISION = declare(
    "url-collision", ERROR, "网址重复",
    "与“{other}”生成同一网址 {url}，发布时一份会覆盖另一份",
    "重命名其中一个文件或目录。网址由单位、年度目录以下的目录名和文件名得出："
    "x-y.yml 与 x/y.yml，单位目录下的 c.yml 与年度目录下的 c.yml，都会得到同一网址。",
    "每份评价必须有自己的网址。")
CONTROL_CHARACTER = declare(
    "control-character", ERROR, "不可见的控制字符",
    "文字中有不可见的控制字符 {char}，表格文件（XLSX）和网页都无法容纳",
    "删除该字符：双引号中的 \\x01、\\u0001、\\0、\\b、\\e 之类转义会写出控制字符；换行写 \\n，制表符写 \\t。",
    "文字中不能有换行、制表符以外的控制字符。")
TOO_DEEP = declare(
    "too-deep", ERROR, "层级过深",
    "{what}",
    "检查缩进是否逐级多缩进了，或括号是否多写了；表式的指标只有三级。",
    "评价文件的结构有层数上限：指标、报告小节、数据表的行最多 10 级，YAML 嵌套最多 64 层。")
TOO_LONG = declare(
    "too-long", ERROR, "内容过长",
    "{what}有 {size}，超过上限 {limit}",
    "检查是否把别处的内容误贴了进来；报告正文写在 sections 中，不受此限。",
    "一项文字最多 5,000 字，一张表最多 500 行指标、文字合计最多 5 万字：更长的内容无法在合理的时间内排版打印。")
NUMBER_RANGE = declare(
    "number-range", ERROR, "数字超出范围",
    "{title}{problem}",
    "核对该数字：金额以万元计，整数部分最多 15 位，小数最多 6 位；年度写四位数的年份。",
    "表中的数字必须在表格能容纳的范围之内。")
NEGATIVE_AMOUNT = declare(
    "negative-amount", ERROR, "金额为负",
    "“{title}”为 {text}，金额不能为负数",
    "照原表核对该金额：预算数和执行数以万元计，不能为负数。",
    "预算数和执行数是支出金额，不能为负；负数会算出没有意义的执行率。")
BLANK_NAME = declare(
    "blank-name", ERROR, "名称空白",
    "“{title}”只有空白，没有文字",
    "照原表填写{title}。",
    "项目名称、单位名称、指标名称不能只有空格。")
# --- forms and schemes: the files an evaluation is laid out and scored by --------------

RULES_FILE_BROKEN = declare(
    "rules-file-broken", ERROR, "表式或评分规则文件有错误",
    "{what}“{id}”的文件 {file} 有 {count} 处错误，本评价无法检查和评分",
    "先改正 {file} 中的错误（见该文件各处的提示）；使用其他{what}的评价不受影响。",
    "评价所用的表式或评分规则文件本身有错误时，只有使用它的评价停止检查。")
RULES_FILE_UNUSED = declare(
    "rules-file-unused", INFO, "未使用的规则文件有错误",
    "{message}（目前没有评价使用这个{what}文件）",
    "{hint}",
    "项目目录中 forms/、schemes/ 下的文件有错误，但还没有评价使用它。",
    public="一个尚未用于任何评价的表式或评分规则文件有错误，不影响已发布的评价。",
    public_description="本站的表式或评分规则文件中，尚未用于任何评价的一个有错误；已发布的评价不受影响。")
RULES_VALUE = declare(
    "rules-value", ERROR, "规则取值不合理",
    "“{key}”{problem}",
    "{fix}",
    "表式或评分规则中的数值彼此矛盾，例如等级下限没有从高到低排列、分档之间有空隙却没有写明落在空隙时的得分。")

# --- arithmetic ----------------------------------------------------------------------

FUNDS_SUM = declare(
    "funds-sum", WARNING, "资金分项合计不符",
    "{column}：{parts}，与年度资金总额 {total} 不符",
    "核对各分项与年度资金总额，改正转录错误；原表如此印出时照录，本警告保留。",
    "财政拨款、上年结转资金、其他资金之和应等于年度资金总额。",
    "{column}一栏中，{parts}，与年度资金总额 {total} 不符。分项之和本应等于总额，"
    "原表至少有一个数字印错{effect}。")
FUNDS_EXECUTED_MISSING = declare(
    "funds-executed-missing", WARNING, "缺少全年执行数",
    "全年执行数为空，无法计算执行率{published}",
    "照原表填写全年执行数（万元）；原表空白时照录，本警告保留。",
    "执行率 = 全年执行数 ÷ 全年预算数，缺少执行数时无法计算。",
    "原表的全年执行数空白，执行率和资金得分无从核算{published}。")
FUNDS_ZERO_BUDGET = declare(
    "funds-zero-budget", WARNING, "全年预算数为零",
    "全年预算数为 0，执行率无法计算（除数为零）",
    "核对全年预算数；确无预算时说明原因。",
    "执行率以全年预算数为分母，全年预算数为 0 时无法计算。",
    "原表的全年预算数为 0，执行率（全年执行数 ÷ 全年预算数）无法计算。")
WEIGHT_TOTAL = declare(
    "weight-total", WARNING, "分值合计不符",
    "各项分值合计为 {actual}，应为 {expected}",
    "核对各指标分值；原表如此印出时照录，本警告保留。",
    "资金分值与全部三级指标分值之和应为满分（通常为 100）。",
    "表中各项分值加起来是 {actual}，而不是满分 {expected}：分值分配有误，"
    "这份评价的总分不能与其他评价直接比较。")
LEVEL_WEIGHT = declare(
    "level-weight", WARNING, "指标分值与下级合计不符",
    "{name}下{level}分值合计为 {actual}，应为 {expected}",
    "核对{name}及其下各指标的分值；原表如此印出时照录，本警告保留。",
    "一项指标写出的分值（或表式规定的一级指标分值，如产出 50、效益 30、满意度 10）应等于其下各指标分值之和，"
    "在指标树的每一级都是如此。",
    "{name}下各项{level}的分值加起来是 {actual}，而表中规定{name}为 {expected} 分。")
WEIGHT_SHARE = declare(
    "weight-share", WARNING, "分值未按等分规则分配",
    "{name}的 {count} 项指标分值为 {weights}，按评分规则的等分办法应为 {expected}（{points} 分 ÷ {count} 项），{differ} 项不符",
    "照原表录入分值；原表如此印出时照录，本警告保留。",
    "评分规则规定各类指标的分值由该类总分值平均分配（除不尽的余数归最后一项）时，核对每一类的分值。",
    "{name}共 {count} 项指标，分值为 {weights}；按评分规则（该类 {points} 分由各项平均分配）应为 {expected}，"
    "有 {differ} 项不符：原表没有按自己的规则分配分值，各项得分的轻重因此与规则不同。")
SCORE_RANGE = declare(
    "score-range", WARNING, "得分超出范围",
    "“{name}”得分 {score} 不在 0 至分值 {weight} 之间",
    "得分不能为负，也不能超过分值；核对分值和得分。",
    "每项得分应在 0 和分值之间。",
    "“{name}”的得分 {score} 不在 0 到该项分值 {weight} 之间：这一行的分值和得分至少有一个印错，"
    "由它们算出的合计也因此不再单独列出。")
BLANK_FIGURE = declare(
    "blank-figure", WARNING, "分值或得分空白",
    "“{name}”的{title}空白，按 0 计入合计",
    "照原表填写{title}；原表确实空白时照录，本警告保留。只有不适用的指标才应空白。",
    "适用的三级指标应有分值和得分；原表空白的格按 0 计入合计。",
    "“{name}”的{title}在原表中空白，本站按 0 计入合计。")
PUBLISHED_MISMATCH = declare(
    "published-mismatch", WARNING, "原表数字与计算不符",
    "原表印出的{what}为 {published}，按表中数字计算应为 {computed}",
    "核对转录；原表确实如此印出时照录，本警告保留，供读者核对。",
    "原表印出的合计、执行率、得分与按表中数字计算的结果不一致。",
    "原表印出的{what}是 {published}，按表中各项数字计算应为 {computed}：原表的这个数字或其所依据的数字有误。")

# --- rules of the scheme -------------------------------------------------------------

QUALITATIVE_BAND = declare(
    "qualitative-band", WARNING, "定性等级与得分不符",
    "“{name}”实际完成值为“{level}”，应得分值的 {band}（{low}–{high} 分），实际得分 {score}",
    "按评分规则在该等级的分数区间内打分，或改正实际完成值的等级。",
    "定性指标按等级打分：达成预期指标 80%–100%，部分达成 60%–80%，未达成 0–60%。",
    "“{name}”的完成情况为“{level}”，按评分规则应得该项分值的 {band}（{low}–{high} 分），表中给了 {score} 分。")
UNRATED_LEVEL = declare(
    "unrated-level", WARNING, "定性指标不是规定的等级",
    "“{name}”的实际完成值“{actual}”不是评分规则的定性等级（{levels}），无法按规则评分；表中填 {score} 分",
    "照原表录入；原表如此印出时照录，本警告保留。",
    "评分规则规定定性指标按等级评分（levels_only）时，实际完成值应写成其中一个等级。",
    "“{name}”的完成情况写作“{actual}”，不是评分规则规定的等级（{levels}）之一，无从按规则核对表中的 {score} 分。",
    public_description="评分规则规定定性指标只按几个等级评分时，实际完成情况应是其中一个等级，否则无从按规则核对得分。")
MISSING_REASON = declare(
    "missing-reason", WARNING, "缺少偏差原因",
    "“{name}”得分 {score} 低于分值 {weight}，但未填写偏差原因分析及改进措施",
    "在 reason 中说明未达成的原因和改进措施。",
    "指标未得满分时必须说明偏差原因及改进措施。",
    "“{name}”没有得满分（{score} / {weight} 分），表中却没有说明偏差原因和改进措施。")
NOT_APPLICABLE_WEIGHTED = declare(
    "not-applicable-weighted", WARNING, "不适用指标带分值",
    "“{name}”标为不适用，却有分值 {weight} / 得分 {score}",
    "不适用的指标分值和得分应为 0 或空白，分值分配给其他指标。",
    "标为不适用的指标不参与评价，不应有分值和得分。",
    "“{name}”标为不适用，却有分值 {weight}、得分 {score}：不适用的指标本不应计分，这些分数仍计入了合计。")
FORMULA_DEPARTURE = declare(
    "formula-departure", WARNING, "得分与评分公式不符",
    "“{name}”目标 {target}、实际 {actual}，按{rule}应得 {rule_score} 分，表中填 {score} 分",
    "按评分规则重新计算得分；有意偏离时在偏差原因中说明依据（说明后本警告仍保留，供读者核对）。",
    "定量指标的得分应按评分规则的公式计算。",
    "“{name}”目标 {target}、实际完成 {actual}，按{rule}应得 {rule_score} 分，表中给了 {score} 分。"
    "本站总分照表中得分相加，另列按评分规则计算的总分供比较。")
MISSING_EXPLANATION = declare(
    "missing-explanation", WARNING, "缺少低分说明",
    "总分 {total} 低于 {threshold} 分，但未填写未实现绩效目标的原因分析及拟采取的措施说明",
    "在 explanation 中填写原因分析及拟采取的措施。",
    "表式要求总分低于 80 分的项目说明原因和措施。",
    "总分 {total} 低于 {threshold} 分，表式要求说明未实现绩效目标的原因和拟采取的措施，表中却没有填写。")
FORM_ROW = declare(
    "form-row", WARNING, "表式中没有该行",
    "表式“{form}”没有资金行“{row}”",
    "删除该行，或改用包含该行的表式（{forms}）。",
    "资金表中的行应是该表式印出的行。",
    "资金表中有“{title}”一行，而这份表式并不印这一行，页面上不显示它。")
PLACEHOLDER = declare(
    "placeholder", WARNING, "内容尚未填写",
    "{title}仍是模板中的占位文字“{text}”",
    "照原表填写，或删除该项。",
    "表中某项仍是编写模板里的提示文字，没有照原表填写。",
    "表中{title}一项尚未照原表填写，页面上显示的是编写模板里的占位文字。",
    public_description="表中某项仍是模板里预留的说明文字，而不是原表的内容。")

# --- what a reader of the table expects to agree -------------------------------------

COST_ACTUAL = declare(
    "cost-actual", WARNING, "成本指标与执行数不符",
    "成本指标{indicators}，与全年执行数 {executed} 万元不符",
    "核对成本指标的实际完成值与全年执行数；原表如此印出时照录，本警告保留。",
    "成本指标的实际完成值是一笔金额时，它（几个成本指标时为它们之和）应等于项目的全年执行数。",
    "成本指标{indicators}，而资金表中的全年执行数是 {executed} 万元。两者本应一致，"
    "除非该指标只计项目的一部分支出；至少有一个数字需要核对。")
DUPLICATE_INDICATOR = declare(
    "duplicate-indicator", WARNING, "指标重复",
    "指标“{name}”在表中出现 {count} 次（第一次在第 {first_line} 行）",
    "删除重复的行，或照原表改正名称；原表确实重复时照录，本警告保留。",
    "同一张表中两个三级指标同名，可能是重复填报或名称写错。",
    "指标“{name}”在本表中出现了 {count} 次：可能是重复填报，也可能是名称写错；每一次的分值和得分都计入了合计。")

# --- a report's figure tables (tables:) -----------------------------------------------

TABLE_SUM = declare(
    "table-sum", WARNING, "数据表分项合计不符",
    "{table}：“{label}”的{column}为 {total}，{parts}",
    "核对“{label}”及其分项，改正转录错误；原表如此印出时照录，本警告保留。",
    "数据表（tables）中一行的分项（children）之和应等于该行，每一栏都核对。",
    "{table}中，“{label}”的{column}是 {total}，而{parts}：分项之和本应等于该行，原表至少有一个数字印错。",
    public_description="报告数据表中一行的各分项之和应等于该行，每一栏都核对。")
TABLE_ROW_WIDTH = declare(
    "table-row-width", WARNING, "数据表的行与栏目不对应",
    "{table}：“{label}”一行有 {count} 个数，表有 {columns} 栏",
    "values 与 columns 一一对应，空白的格写 ~。",
    "数据表（tables）每一行的数字个数应等于栏目数。",
    "{table}中“{label}”一行的数字个数（{count} 个）与栏目数（{columns} 栏）不符，这一行的数字可能错位。",
    public_description="报告数据表每一行的数字个数应等于表的栏目数，否则数字可能错位。")
TABLE_IDENTITY = declare(
    "table-identity", WARNING, "数据表勾稽关系不符",
    "{table}：{left}，而{right}，两者相差 {difference}（勾稽关系：{identity}）",
    "核对这几个数字，改正转录错误；原表如此印出时照录，本警告保留。",
    "数据表写明的勾稽关系（identities，如 指标结余数 = 年初预算数 + 调整预算数 − 财政拨款数、"
    "资金构成的合计 = 财政拨款数）两边应相等，每个等号都核对。",
    "{table}中，{left}，而{right}，两者相差 {difference}。按“{identity}”两者本应相等，"
    "原表至少有一个数字有误。",
    public_description="报告数据表中本应相等的数（勾稽关系，如 指标结余数 = 年初预算数 + 调整预算数 − 财政拨款数、"
                       "资金构成的合计 = 财政拨款数）两边应相等，每个等号都核对。")

# --- a department report: rates from amounts, score tables from the indicators ----------

PRINTED_RATE = declare(
    "printed-rate", WARNING, "印出的比率与金额不符",
    "“{name}”：报告印出的{what}为 {published}，按计算依据 {formula} 应为 {computed}",
    "核对转录；原文确实如此印出时照录，本警告保留。评分按由金额算出的比率。",
    "部门整体评价中由金额算出的比率（预算执行率、变动率、控制率……），报告印出的数应与由金额算出的一致。",
    "报告印出“{name}”的{what}为 {published}，而按其所依据的金额 {formula} 算出为 {computed}："
    "报告的比率与金额不符。本站按由金额算出的比率评分。")
SCORE_TABLE = declare(
    "score-table", WARNING, "得分情况表与指标得分不符",
    "表 {table} 印出“{name}”的{what}为 {published}，由指标体系各项算出为 {computed}",
    "核对转录；原文确实如此印出时照录，本警告保留。得分情况表由指标体系算出，不另录入。",
    "得分情况表（表 4-1 至 4-8）中各级指标的分值、得分与得分率，应等于其下各项指标相加的结果。",
    "报告表 {table}中“{name}”的{what}印为 {published}，而由指标体系中其下各项指标算出为 {computed}："
    "原表的这个数字有误。本站的得分情况表由各项指标算出。")
INDICATOR_COUNT = declare(
    "indicator-count", WARNING, "指标个数与指标体系不符",
    "报告写明{level}{published} 个，指标体系中有 {computed} 个",
    "核对指标体系的转录；原文确实如此时照录，本警告保留。",
    "报告正文写明的各级指标个数应与指标体系（附件）一致。",
    "报告写明{level}共 {published} 个，而指标体系中有 {computed} 个。")
TABLE_COUNT = declare(
    "table-count", WARNING, "正文所述项数与表不符",
    "正文写{table}有 {stated} 项，表中列出 {counted} 项",
    "核对转录；原文确实如此时照录，本警告保留。",
    "报告正文写明一张表列出的项数（如“等10个指标”）时，应与表中的行数一致。",
    "报告正文写{table}有 {stated} 项，而表中列出了 {counted} 项：正文与表不一致。")
UNKNOWN_TABLE = declare(
    "unknown-table", WARNING, "引用的表不存在",
    "{where}引用的“{name}”不存在{suggestion}",
    "写数据表的表号（tables 的 id）或得分情况表的表号（published.score_tables 的 id），如 1-2、4-1。",
    "小节的 tables 应指向文件中的数据表或得分情况表。",
    "报告中{where}所引用的“{name}”没有找到，相应的表或数字未能印出或算出。",
    public_description="报告正文引用的表应在报告中找得到；找不到时，相应的表或数字未能印出或算出。")
COMPUTED_ACTUAL = declare(
    "computed-actual", WARNING, "实际完成值与表中数字算出的不符",
    "“{name}”的实际完成值印为 {printed}，按计算依据（{basis}）应为 {computed}",
    "核对实际完成值与计算依据所引的数字；原表如此印出时照录，本警告保留。按规则计分用算出的 {computed}。",
    "指标写了计算依据（inputs，如 预算执行率 = 财政拨款数 ÷ 年初预算数与调整预算数之和）时，"
    "印出的实际完成值应与由表中数字算出的一致（按印出的小数位数比较）；按规则计分用算出的数。",
    "“{name}”的实际完成值印为 {printed}，而由表中数字算出（{basis}）是 {computed}：两者本应一致，"
    "原表至少有一个数字有误。本站按规则计算的得分用算出的 {computed}。",
    public_description="指标的实际完成值由报告表中的数字算出时（如 预算执行率 = 财政拨款数 ÷ 年初预算数与调整预算数之和），"
                       "印出的数应与算出的一致（按印出的小数位数比较）；本站按规则计分用算出的数。")

# --- the narrative against the tables (claims: of a section) ---------------------------

NARRATIVE_FIGURE = declare(
    "narrative-figure", WARNING, "正文数字与表中不符",
    "报告正文“{section}”{stated}，重述{place}，而后者为 {restated}，两者相差 {difference}",
    "核对正文与表中的这两个数字；原文如此印出时照录，本警告保留。",
    "报告正文中声明（claims）重述表中数字的地方，正文的数字应与表中的数字一致（按两者中较少的小数位数比较）。",
    "报告正文“{section}”一节{stated}，而{place}是 {restated}，两者相差 {difference}。"
    "正文说的是表中的同一个数字，两处本应一致，至少有一处有误。",
    public_description="报告正文重述表中数字的地方，正文的数字应与表中的数字一致（按两者中较少的小数位数比较）。")
NARRATIVE_OMITS = declare(
    "narrative-omits", WARNING, "正文少列了指标",
    "报告正文“{section}”逐项重述{category}的指标，表中 {count} 项，正文只有 {stated} 项，缺少{missing}",
    "核对正文与指标表；原文如此印出时照录，本警告保留。正文确实列出了的，在 claims 中补上。",
    "小节写明逐项重述某一类指标（restates_all）时，该类的每一项指标都应在正文中出现（由 claims 重述）。",
    "报告正文“{section}”一节逐项列出{category}的指标，而表中{category}有 {count} 项，正文只列了 {stated} 项，"
    "缺少{missing}：两处本应一一对应，至少有一处不全。",
    public_description="报告正文逐项列出某一类指标时，该类的每一项指标都应在正文中出现。")
CLAIM_NOT_IN_TEXT = declare(
    "claim-not-in-text", ERROR, "正文中没有声明的数字",
    "报告正文“{section}”中找不到{what}“{text}”",
    "照正文原样抄写 figure（和 text），连同单位和标点；figure 应出现在 text 之中。",
    "正文中的数字（claims）须照正文原样写出，以便核对的正是读者读到的那个数字。")

# --- a unit's bundle -----------------------------------------------------------------

INDEX_MISSING_TABLE = declare(
    "index-missing-table", INFO, "目录项没有对应的评价表",
    "目录第 {no} 项“{project}”没有对应的评价文件",
    "补充该项目的评价文件，或从目录中删除该项。",
    "单位汇编的目录应与评价表一一对应。",
    "目录第 {no} 项“{project}”在本站还没有对应的评价表。")
INDEX_MISSING_ENTRY = declare(
    "index-missing-entry", WARNING, "评价表未列入目录",
    "评价“{project}”未列入本单位目录 _index.yml",
    "在 _index.yml 的 entries 中添加该项目。",
    "单位汇编的目录应与评价表一一对应。",
    "评价“{project}”没有列入本单位汇编的目录。")
