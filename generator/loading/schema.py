"""Structure: YAML node trees into model objects, and the JSON Schema of the YAML.

Both read the field declarations of `model.py`, so the checks, the editor schema
and the documentation never disagree.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import string
from functools import lru_cache

from .. import findings as F
from . import model
from ..findings import Finding
from .loader import NULLS, Mapping, Node, Scalar, Sequence, bad_key, entries, is_null, node_pos
from .model import (AWARD, BOOLEAN, CELL, DECIMAL, FIGURES, INPUT, INTEGER, NUMBER, PLACEHOLDER, RATE, TEXT, VALUE,
                    Choice, Expression, ListOf, MapOf, Reference, Template, Value, Variant)
from ..quantities import Num, parse_num

_KIND_ZH = {TEXT: "文字", NUMBER: "数字", INTEGER: "整数", BOOLEAN: "true 或 false", VALUE: "文字或数字",
            RATE: "百分比（如 100%）", DECIMAL: "数字（可写成百分数，如 5%）",
            AWARD: "分数或百分比（如 3 或 60%）", INPUT: "数字、引用（如 funds.total.rate、1-2.总计.支出决算数）或其算式",
            CELL: "数字或文字"}
_OPERATORS = {"+": "+", "-": "-", "−": "-", "×": "*", "*": "*", "÷": "/", "/": "/"}
_TABLE_ID = re.compile(r"\d+(-\d+)+\.")  # a table's number (1-2) before the row and column it names
_EXPRESSION = re.compile(r"\s+([+\-−×*÷/])\s+")
_TRUE = {"true", "True", "TRUE", "yes", "是"}
_FALSE = {"false", "False", "FALSE", "no", "否"}


def _resolve(kind):
    return getattr(model, kind) if isinstance(kind, str) and hasattr(model, kind) else kind


@lru_cache(maxsize=None)
def fields_of(cls) -> tuple[tuple[str, dict], ...]:
    return tuple((f.name, f.metadata) for f in dataclasses.fields(cls)
                 if not f.metadata.get("internal"))


def _describe(node: Node) -> str:
    if type(node) is Mapping:
        return "映射（字段: 值）"
    if type(node) is Sequence:
        return "列表"
    return f"文字“{node.value}”"


def suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"，是否想写“{close[0]}”？" if close else ""


def _cut_by_comma(node: Mapping, key: str, value_node: Node) -> str:
    """In `{…}` an ASCII comma ends a text: `{name: 甲, 乙, …}` reads 乙 as a key without a value."""
    if node.flow_style and is_null(value_node):
        return f"；若“{key}”是前一项文字的一部分（被英文逗号“,”截断），请把那段文字整个加上双引号"
    return ""


def _is_blank(node: Node) -> bool:
    """A number's cell left blank: null, or a quoted text of nothing but spaces (`""`)."""
    return type(node) is Scalar and (is_null(node) or not node.value.strip())


def _kind_zh(kind) -> str:
    kind = _resolve(kind)
    if isinstance(kind, ListOf):
        return "列表"
    if isinstance(kind, (MapOf, type, Variant)):
        return "映射（字段: 值）"
    if isinstance(kind, (Choice, Template)):
        return "文字"
    return _KIND_ZH[kind]


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    """How one field's value is converted, worked out once per class (not per value).

    Both converters are Converter methods, (converter, node, path, key, field) -> value
    or None: `scalar` is given a scalar that is not null, `collection` a mapping or a list."""

    title: str
    kind: object  # with class names resolved to classes
    scalar: object
    collection: object
    item: "_Field | None" = None  # for a list or a mapping of values: how each value is converted


@lru_cache(maxsize=None)
def _plan(cls) -> tuple[dict[str, _Field], tuple[tuple[str, str, bool], ...], tuple[tuple[str, _Field], ...]]:
    """A class's fields by key, its required fields as (key, title, whether a number: `""` leaves
    one out), and its variant fields (converted once the field they depend on is known)."""
    declared = fields_of(cls)
    fields = {name: _field(meta["title"], _resolve(meta["kind"])) for name, meta in declared}
    return (fields, tuple((name, meta["title"], meta["kind"] == NUMBER) for name, meta in declared if meta["required"]),
            tuple((name, field) for name, field in fields.items() if isinstance(field.kind, Variant)))


def _field(title: str, kind) -> _Field:
    if isinstance(kind, Variant):  # the node is kept, and converted after its object's other fields
        return _Field(title, kind, Converter.keep, Converter.keep)
    if isinstance(kind, (ListOf, MapOf)):
        item = _field(title, _resolve(kind.item))
        convert = Converter.sequence if isinstance(kind, ListOf) else Converter.mapping
        return _Field(title, dataclasses.replace(kind, item=item.kind), Converter.wrong_type, convert, item)
    if isinstance(kind, type):
        return _Field(title, kind, Converter.wrong_type, Converter.object)
    if isinstance(kind, Choice):
        scalar = Converter.choice
    elif isinstance(kind, Template):
        scalar = Converter.template
    else:
        scalar = _SCALAR_CONVERTERS[kind]
    return _Field(title, kind, scalar, Converter.wrong_type)


def _path_text(path) -> str:
    """Paths travel as nested pairs (parent, key), made into text only for a finding. A list
    item's key is (index, node): the text names the item when it has a name, as indicators do."""
    parts = []
    while path:
        path, key = path
        if isinstance(key, tuple):
            index, node = key
            parts.append(f"[{index}]{_name_of(node)}")
        else:
            parts.append(f".{key}")
    return "".join(reversed(parts)).lstrip(".")


def _name_of(node: Node) -> str:
    name = entries(node, report=_already_reported).get("name") if type(node) is Mapping else None
    return f"（{name[1].value}）" if name and type(name[1]) is Scalar else ""


def _already_reported(finding: Finding) -> None:
    """A repeated key met again while naming a path: the conversion has reported it."""


@dataclasses.dataclass(slots=True)
class Tally:
    """The lengths of what a conversion read: the bounds on texts and figures (`limits.py`)
    skip what these show cannot be passed, instead of measuring every field again."""

    longest_text: int = 0  # the longest text or stated value (`≥90%`, `达成预期指标`)
    text_chars: int = 0  # all of them together
    longest_figure: int = 0  # the longest number, table cell, input or stated value as written


class Converter:
    """Converts node trees; collects located structure findings as it goes.

    Each field's value is converted by the method its _Field names; `path` (nested
    pairs) and `key` say where the value is, and become text only for a finding."""

    def __init__(self, choices: dict[str, list[str]]):
        self.choices = choices
        self.findings: list[Finding] = []
        # The lengths read (`Tally`), counted inline in the converters of a scalar: a call
        # for each of a file's 200 texts and figures would cost more than the bounds they spare.
        self.longest_text = self.text_chars = self.longest_figure = 0

    @property
    def tally(self) -> Tally:
        return Tally(self.longest_text, self.text_chars, self.longest_figure)

    def to_object(self, cls, node: Mapping, path=()):
        obj = cls(pos=node_pos(node))
        fields, required, variants = _plan(cls)
        marks = obj.marks
        seen: dict[str, tuple[Scalar, Node]] = {}
        for pair in node.value:
            key_node, value_node = pair
            if type(key_node) is not Scalar or key_node.value in seen:
                self.findings.append(bad_key(key_node, seen))
                continue
            key = key_node.value
            seen[key] = pair
            field = fields.get(key)
            if field is None:
                self._unknown_key(node, path, key_node, value_node, fields)
                continue
            start = value_node.start_mark
            marks[key] = (start.line, start.column)
            if type(value_node) is not Scalar:
                value = field.collection(self, value_node, path, key, field)
            elif value_node.style or value_node.value not in NULLS:  # not null: is_null(), inlined
                value = field.scalar(self, value_node, path, key, field)
            else:
                continue
            if value is not None:
                setattr(obj, key, value)
        for name, title, is_number in required:
            entry = seen.get(name)
            if entry is None or is_null(entry[1]) or (is_number and _is_blank(entry[1])):
                self.findings.append(F.MISSING_FIELD.at(
                    node_pos(entry[0]) if entry else obj.pos, where=_path_text(path) or "文件顶层", key=name,
                    title=title))
        for name, field in variants:
            self._variant(obj, node, path, name, field)
        settle = getattr(obj, "settle", None)
        if settle is not None:  # what depends on more than one field (a figure table's text columns)
            settle()
        return obj

    def _variant(self, obj, node: Mapping, path, key: str, field: _Field) -> None:
        """A mapping declared by the class its sibling field chose: converted now that the sibling
        is known; when it is absent, its required fields are reported at the object."""
        cls = field.kind.options.get(getattr(obj, field.kind.by))
        value_node = getattr(obj, key)
        if cls is None:  # the sibling is missing or unknown, and has been reported
            setattr(obj, key, None)
            return
        if value_node is None:
            value_node = Mapping("tag:yaml.org,2002:map", [], node.start_mark, node.start_mark)
        setattr(obj, key, self.object(value_node, path, key, dataclasses.replace(field, kind=cls)))
    def _unknown_key(self, node: Mapping, path, key_node: Scalar, value_node: Node, fields: dict) -> None:
        key = key_node.value
        self.findings.append(F.UNKNOWN_KEY.at(
            node_pos(key_node), where=_path_text(path) or "文件顶层", key=key,
            suggestion=suggest(key, fields) + _cut_by_comma(node, key, value_node),
            allowed="、".join(sorted(fields))))

    def convert(self, node: Node, path, key, field: _Field):
        """A value as its field says; None for null, or for a value reported as wrong."""
        if type(node) is not Scalar:
            return field.collection(self, node, path, key, field)
        return None if is_null(node) else field.scalar(self, node, path, key, field)

    # The converters of a mapping or a list.

    def object(self, node: Node, path, key, field: _Field):
        if type(node) is Mapping:
            return self.to_object(field.kind, node, (path, key))
        return self.wrong_type(node, path, key, field)

    def keep(self, node: Node, path, key, field: _Field):
        """The node itself, for a field converted after the others (a variant)."""
        return node

    def sequence(self, node: Node, path, key, field: _Field):
        if type(node) is not Sequence:
            return self.wrong_type(node, path, key, field)
        item, here = field.item, (path, key)
        converted = (self.convert(value, here, (i, value), item) for i, value in enumerate(node.value))
        return list(converted) if field.kind.blanks else [value for value in converted if value is not None]

    def mapping(self, node: Node, path, key, field: _Field):
        if type(node) is not Mapping:
            return self.wrong_type(node, path, key, field)
        item, here = field.item, (path, key)
        converted = ((name, self.convert(value, here, name, item))
                     for name, (_, value) in entries(node, self.findings.append).items())
        return {name: value for name, value in converted if value is not None}

    # The converters of a scalar that is not null.

    def text(self, node: Scalar, path, key, field: _Field):
        text = node.value
        if text.startswith(PLACEHOLDER):
            self._placeholder(node, field)
        length = len(text)
        self.text_chars += length
        if length > self.longest_text:
            self.longest_text = length
        return text

    def verbatim(self, node: Scalar, path, key, field: _Field):
        text = node.value
        if text.startswith(PLACEHOLDER):
            self._placeholder(node, field)
        length = len(text)  # a text, and a figure stated in words (`≥90%`)
        self.text_chars += length
        if length > self.longest_text:
            self.longest_text = length
        if length > self.longest_figure:
            self.longest_figure = length
        return Value(text)

    def _tally_figure(self, node: Scalar) -> None:
        if len(node.value) > self.longest_figure:
            self.longest_figure = len(node.value)

    def number(self, node: Scalar, path, key, field: _Field):
        if len(node.value) > self.longest_figure:  # `_tally_figure`, inlined
            self.longest_figure = len(node.value)
        number = parse_num(node.value)
        if number is None and not _is_blank(node):  # `""` is a blank cell, as `~` is
            self._wrong(node, path, key, field, "只写阿拉伯数字（可带小数点），单位等文字不要写进来；"
                                                "原表空白的格写 `~`。")
        return number

    def decimal(self, node: Scalar, path, key, field: _Field):
        number = self.number(node, path, key, field)
        return None if number is None else number.value

    def cell(self, node: Scalar, path, key, field: _Field):
        """A figure table's cell: a number (`2,183.41` quoted in a flow list), else a text; the
        cells of a table's text columns are made texts when the table is complete (`Table.settle`)."""
        self._tally_figure(node)
        number = parse_num(node.value)
        return number if number is not None else self.verbatim(node, path, key, field)

    def input(self, node: Scalar, path, key, field: _Field):
        """A number, the name of a figure computed elsewhere in the file, or an expression of them."""
        self._tally_figure(node)
        text = node.value.strip()
        parts = _EXPRESSION.split(text)
        # a sum of table cells (表名.栏目 + 表名.栏目) is one reference, resolved with the tables;
        # × ÷ or a written number make an expression
        if len(parts) > 1 and (any(_OPERATORS[op] in "*/" for op in parts[1::2])
                               or any(parse_num(part) is not None for part in parts[::2])):
            operands = [self._operand(part, node, path, key, field) for part in parts[::2]]
            if any(operand is None for operand in operands):
                return None
            return Expression(text, tuple(operands), tuple(_OPERATORS[op] for op in parts[1::2]))
        return self._operand(text, node, path, key, field)

    def _operand(self, text: str, node: Scalar, path, key, field: _Field):
        text = text.strip()
        if text in FIGURES:
            return Reference(text)
        number = parse_num(text)
        if number is not None:
            return number
        names_table = not text[0].isdigit() or _TABLE_ID.match(text)  # 表名.栏目, or 1-2.总计.支出决算数
        if "." in text and names_table and not suggest(text, FIGURES) and not text.startswith("funds."):
            return Reference(text)  # a figure of the report's tables (表名.栏目): the checks resolve it
        if "." in text and not text[0].isdigit():
            self.findings.append(F.UNKNOWN_CHOICE.at(
                node_pos(node), key=_path_text((path, key)), value=text, suggestion=suggest(text, FIGURES),
                allowed="、".join(FIGURES)))
        else:
            self._wrong(node, path, key, field, "写数字（如 99.08%），或引用同一文件中的数（如 funds.total.rate，"
                                                "或数据表的数：表名.栏目、表号.行名.栏目），或用 × ÷ 连接它们（运算符两边留空格）。")
        return None

    def template(self, node: Scalar, path, key, field: _Field):
        """A text whose `{placeholders}` are each one the field allows."""
        text, allowed = node.value, field.kind.fields
        try:
            used = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        except ValueError:
            self._wrong(node, path, key, field, "花括号须成对，如 {name}；文字中的花括号写成 {{ 和 }}。")
            return None
        unknown = next((name for name in used if name not in allowed), None)
        if unknown is None:
            return text
        placeholders = [f"{{{name}}}" for name in allowed]
        self.findings.append(F.UNKNOWN_CHOICE.at(
            node_pos(node), key=_path_text((path, key)), value=f"{{{unknown}}}",
            suggestion=suggest(f"{{{unknown}}}", placeholders), allowed="、".join(placeholders)))
        return None

    def rate(self, node: Scalar, path, key, field: _Field):
        number = self.number(node, path, key, field)
        if number is None or number.percent:
            return number
        return Num(number.value / 100, number.text, True)

    def integer(self, node: Scalar, path, key, field: _Field):
        number = parse_num(node.value)
        if number is not None and number.value == number.value.to_integral_value():
            return int(number.value)
        self._wrong(node, path, key, field, "只写整数，如 2020。")
        return None

    def boolean(self, node: Scalar, path, key, field: _Field):
        if node.value in _TRUE or node.value in _FALSE:
            return node.value in _TRUE
        self._wrong(node, path, key, field, "写 true 或 false。")
        return None

    def choice(self, node: Scalar, path, key, field: _Field):
        text = node.value
        allowed = list(field.kind.values) or self.choices.get(field.kind.source, [])
        if text in allowed:
            return text
        self.findings.append(F.UNKNOWN_CHOICE.at(
            node_pos(node), key=_path_text((path, key)), value=text, suggestion=suggest(text, allowed),
            allowed="、".join(allowed)))
        return None

    def wrong_type(self, node: Node, path, key, field: _Field) -> None:
        """A scalar where a mapping or a list belongs, or the other way round."""
        self._wrong(node, path, key, field, "按上面的类型改写该值。")

    def _placeholder(self, node: Scalar, field: _Field) -> None:
        self.findings.append(F.PLACEHOLDER.at(node_pos(node), title=f"“{field.title}”", text=node.value))

    def _wrong(self, node: Node, path, key, field: _Field, fix: str) -> None:
        self.findings.append(F.WRONG_TYPE.at(node_pos(node), key=_path_text((path, key)), title=field.title,
                                             expected=_kind_zh(field.kind), actual=_describe(node), fix=fix))


_SCALAR_CONVERTERS = {TEXT: Converter.text, VALUE: Converter.verbatim, NUMBER: Converter.number,
                      RATE: Converter.rate, INTEGER: Converter.integer, BOOLEAN: Converter.boolean,
                      DECIMAL: Converter.decimal, AWARD: Converter.number, INPUT: Converter.input, CELL: Converter.cell}


# --- JSON Schema ------------------------------------------------------------------

_JSON_TYPES = {
    TEXT: {"type": ["string", "number"]},
    VALUE: {"type": ["string", "number"]},
    NUMBER: {"type": ["number", "string", "null"], "pattern": r"^\s*([+-]?[\d,]+(\.\d+)?)?\s*$"},
    RATE: {"type": ["number", "string"], "pattern": r"^\s*[\d.]+\s*[%％]?\s*$"},
    INTEGER: {"type": "integer"},
    BOOLEAN: {"type": "boolean"},
    DECIMAL: {"type": ["number", "string"], "pattern": r"^\s*[+-]?[\d,]+(\.\d+)?\s*[%％]?\s*$"},
    AWARD: {"type": ["number", "string"], "pattern": r"^\s*[+-]?[\d,]+(\.\d+)?\s*[%％]?\s*$"},
    INPUT: {"type": ["number", "string"]},
    CELL: {"type": ["number", "string", "null"]},
}


def json_schema(cls=model.Evaluation, choices: dict[str, list[str]] | None = None,
                title: str = "jixiao 评价文件") -> dict:
    """A JSON Schema (draft 2020-12) of the YAML, with Chinese titles and descriptions."""
    defs: dict[str, dict] = {}
    root = _object_schema(cls, defs, choices or {})
    if cls is model.Evaluation:  # everything else may come from a directory's _defaults.yml
        root["required"] = ["project"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title, **root, "$defs": defs}


def _object_schema(cls, defs: dict, choices: dict) -> dict:
    properties, required, variants = {}, [], []
    for name, meta in fields_of(cls):
        properties[name] = {"title": meta["title"], "description": meta["description"],
                            **_kind_schema(meta["kind"], defs, choices)}
        if meta["required"]:
            required.append(name)
        if isinstance(meta["kind"], Variant):
            variants += _variant_schemas(name, meta["kind"], defs, choices)
    schema = {"type": "object", "description": _docstring(cls),
              "properties": properties, "required": required, "additionalProperties": False}
    return {**schema, "allOf": variants} if variants else schema


def _variant_schemas(name: str, kind: Variant, defs: dict, choices: dict) -> list[dict]:
    """For each value of the field a variant depends on: the declaration of the variant."""
    return [{"if": {"properties": {kind.by: {"const": value}}, "required": [kind.by]},
             "then": {"properties": {name: _kind_schema(cls, defs, choices)}}}
            for value, cls in kind.options.items()]


def _docstring(cls) -> str:
    """The class's own docstring; a dataclass without one gets its signature, not for readers."""
    doc = (cls.__doc__ or "").strip()
    return "" if doc.startswith(f"{cls.__name__}(") else doc


def _kind_schema(kind, defs: dict, choices: dict) -> dict:
    kind = _resolve(kind)
    if isinstance(kind, type):
        if kind.__name__ not in defs:
            defs[kind.__name__] = {}
            defs[kind.__name__] = _object_schema(kind, defs, choices)
        return {"$ref": f"#/$defs/{kind.__name__}"}
    if isinstance(kind, ListOf):
        return {"type": ["array", "null"], "items": _kind_schema(kind.item, defs, choices)}
    if isinstance(kind, MapOf):
        return {"type": "object", "additionalProperties": _kind_schema(kind.item, defs, choices)}
    if isinstance(kind, Choice):
        return {"enum": list(kind.values) or choices.get(kind.source, [])}
    if isinstance(kind, Variant):
        return {"type": "object"}
    if isinstance(kind, Template):
        return {"type": "string"}
    return dict(_JSON_TYPES[kind])
