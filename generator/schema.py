"""Structure: YAML node trees into model objects, and the JSON Schema of the YAML.

Both read the field declarations of `model.py`, so the checks, the editor schema
and the documentation never disagree.
"""
from __future__ import annotations

import dataclasses
import difflib
from functools import lru_cache

from . import findings as F
from . import model
from .findings import Finding
from .loader import NULLS, Mapping, Node, Scalar, Sequence, entries, is_null, node_pos
from .model import BOOLEAN, INTEGER, NUMBER, PLACEHOLDER, RATE, TEXT, VALUE, Choice, ListOf, MapOf, Value
from .quantities import Num, parse_num

_KIND_ZH = {TEXT: "文字", NUMBER: "数字", INTEGER: "整数", BOOLEAN: "true 或 false", VALUE: "文字或数字",
            RATE: "百分比（如 100%）"}
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


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"，是否想写“{close[0]}”？" if close else ""


def _cut_by_comma(node: Mapping, key: str, value_node: Node) -> str:
    """In `{…}` an ASCII comma ends a text: `{name: 甲, 乙, …}` reads 乙 as a key without a value."""
    if node.flow_style and is_null(value_node):
        return f"；若“{key}”是前一项文字的一部分（被英文逗号“,”截断），请把那段文字整个加上双引号"
    return ""


def _kind_zh(kind) -> str:
    kind = _resolve(kind)
    if isinstance(kind, ListOf):
        return "列表"
    if isinstance(kind, (MapOf, type)):
        return "映射（字段: 值）"
    if isinstance(kind, Choice):
        return "文字"
    return _KIND_ZH[kind]


@lru_cache(maxsize=None)
def _plan(cls) -> tuple[dict[str, tuple[dict, object]], tuple[tuple[str, str], ...]]:
    """A class's fields by key with their kinds resolved, and its required fields (made once, not per value)."""
    declared = fields_of(cls)
    return ({name: (meta, _resolved(meta["kind"])) for name, meta in declared},
            tuple((name, meta["title"]) for name, meta in declared if meta["required"]))


def _resolved(kind):
    kind = _resolve(kind)
    if isinstance(kind, ListOf):
        return ListOf(_resolved(kind.item))
    if isinstance(kind, MapOf):
        return MapOf(_resolved(kind.item))
    return kind


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


class Converter:
    """Converts node trees; collects located structure findings as it goes."""

    def __init__(self, choices: dict[str, list[str]]):
        self.choices = choices
        self.findings: list[Finding] = []

    def to_object(self, cls, node: Mapping, path=()):
        obj = cls(pos=node_pos(node))
        fields, required = _plan(cls)
        items = entries(node, self.findings.append)
        marks = obj.marks
        for key, (key_node, value_node) in items.items():
            field = fields.get(key)
            if field is None:
                self.findings.append(F.UNKNOWN_KEY.at(
                    node_pos(key_node), where=_path_text(path) or "文件顶层", key=key,
                    suggestion=_suggest(key, fields) + _cut_by_comma(node, key, value_node),
                    allowed="、".join(sorted(fields))))
                continue
            marks[key] = value_node.start_mark
            meta, kind = field
            if type(value_node) is Scalar and kind.__class__ is str:  # most values: skip value()'s dispatch
                plain_null = not value_node.style and value_node.value in NULLS  # is_null(), inlined
                value = None if plain_null else self._scalar(kind, value_node, (path, key), meta)
            else:
                value = self.value(kind, value_node, (path, key), meta)
            if value is not None:
                setattr(obj, key, value)
        for name, title in required:
            entry = items.get(name)
            if entry is None or is_null(entry[1]):
                self.findings.append(F.MISSING_FIELD.at(
                    node_pos(entry[0]) if entry else obj.pos, where=_path_text(path) or "文件顶层", key=name,
                    title=title))
        return obj

    def value(self, kind, node: Node, path, meta: dict):
        """`kind` as _resolved() made it; None for null, or for a value that is reported wrong."""
        node_type = type(node)
        if node_type is Scalar:
            if is_null(node):
                return None
            if kind.__class__ is str:
                return self._scalar(kind, node, path, meta)
            if kind.__class__ is Choice:
                return self._choice(kind, node, path)
        elif isinstance(kind, type):
            if node_type is Mapping:
                return self.to_object(kind, node, path)
        elif isinstance(kind, ListOf):
            if node_type is Sequence:
                converted = [self.value(kind.item, item, (path, (i, item)), meta) for i, item in enumerate(node.value)]
                return [item for item in converted if item is not None]
        elif isinstance(kind, MapOf):
            if node_type is Mapping:
                converted = {key: self.value(kind.item, value, (path, key), meta)
                             for key, (_, value) in entries(node, self.findings.append).items()}
                return {key: value for key, value in converted.items() if value is not None}
        self._wrong(node, path, meta, kind, "按上面的类型改写该值。")
        return None

    def _wrong(self, node: Node, path, meta: dict, kind, fix: str) -> None:
        self.findings.append(F.WRONG_TYPE.at(node_pos(node), key=_path_text(path), title=meta["title"],
                                             expected=_kind_zh(kind), actual=_describe(node), fix=fix))

    def _scalar(self, kind, node: Scalar, path, meta: dict):
        text = node.value
        if kind == TEXT or kind == VALUE:
            if text.startswith(PLACEHOLDER):
                self.findings.append(F.PLACEHOLDER.at(node_pos(node), title=f"“{meta['title']}”", text=text))
            return text if kind == TEXT else Value(text)
        if kind in (NUMBER, RATE):
            number = parse_num(text)
            if number is None:
                self._wrong(node, path, meta, kind, "只写阿拉伯数字（可带小数点），单位等文字不要写进来；空白单元格整项省略。")
                return None
            if kind == RATE and not number.percent:
                return Num(number.value / 100, text, True)
            return number
        if kind == INTEGER:
            number = parse_num(text)
            if number is None or number.value != number.value.to_integral_value():
                self._wrong(node, path, meta, kind, "只写整数，如 2020。")
                return None
            return int(number.value)
        if text in _TRUE or text in _FALSE:  # BOOLEAN
            return text in _TRUE
        self._wrong(node, path, meta, kind, "写 true 或 false。")
        return None

    def _choice(self, kind: Choice, node: Scalar, path):
        allowed = list(kind.values) or self.choices.get(kind.source, [])
        if node.value in allowed:
            return node.value
        self.findings.append(F.UNKNOWN_CHOICE.at(
            node_pos(node), key=_path_text(path), value=node.value, suggestion=_suggest(node.value, allowed),
            allowed="、".join(allowed)))
        return None


# --- JSON Schema ------------------------------------------------------------------

_JSON_TYPES = {
    TEXT: {"type": ["string", "number"]},
    VALUE: {"type": ["string", "number"]},
    NUMBER: {"type": ["number", "string"], "pattern": r"^\s*[+-]?[\d,]+(\.\d+)?\s*$"},
    RATE: {"type": ["number", "string"], "pattern": r"^\s*[\d.]+\s*[%％]?\s*$"},
    INTEGER: {"type": "integer"},
    BOOLEAN: {"type": "boolean"},
}


def json_schema(cls=model.Evaluation, choices: dict[str, list[str]] | None = None) -> dict:
    """A JSON Schema (draft 2020-12) of the YAML, with Chinese titles and descriptions."""
    defs: dict[str, dict] = {}
    root = _object_schema(cls, defs, choices or {})
    if cls is model.Evaluation:  # everything else may come from a directory's _defaults.yml
        root["required"] = ["project"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "jixiao 评价文件", **root, "$defs": defs}


def _object_schema(cls, defs: dict, choices: dict) -> dict:
    properties, required = {}, []
    for name, meta in fields_of(cls):
        properties[name] = {"title": meta["title"], "description": meta["description"],
                            **_kind_schema(meta["kind"], defs, choices)}
        if meta["required"]:
            required.append(name)
    return {"type": "object", "description": _docstring(cls),
            "properties": properties, "required": required, "additionalProperties": False}


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
    return dict(_JSON_TYPES[kind])
