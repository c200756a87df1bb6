"""Loading: YAML text into a tree of nodes that remember where they stand.

PyYAML's C parser composes the node graph (about twice as fast as a full
`yaml.load`, which constructs Python objects in pure Python); this module then
walks the nodes once, keeping every scalar's verbatim text and position,
refusing explicit tags and reporting duplicate keys, which PyYAML keeps silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import yaml

from . import findings as F
from .findings import Finding, Pos

from yaml._yaml import CParser


_TAG_PREFIX = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG_PREFIX + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_UNTAGGED = _TAG_PREFIX + "str"


class _Composer(CParser):
    """libyaml's composer with tag resolution switched off.

    jixiao reads every scalar's text itself, and a node's kind from its class, so
    PyYAML's implicit resolver (a pure-Python regex match per scalar, a third of
    the loading time) is skipped; explicit tags are still seen, and refused.
    The composer calls these three hooks for every node: they are bound C methods
    that ignore their arguments, so no Python frame is entered (500 nodes a file).
    """

    resolve = _UNTAGGED.format  # (kind, value, implicit) -> the plain tag
    descend_resolver = {}.get  # (parent, index) -> nothing to do
    ascend_resolver = {}.clear  # () -> nothing to do


DEFAULTS_NAME = "_defaults.yml"
INDEX_NAME = "_index.yml"


class Scalar(NamedTuple):
    text: str
    plain: bool
    pos: Pos

    @property
    def is_null(self) -> bool:
        return self.plain and self.text in ("", "~", "null", "Null", "NULL")


@dataclass(slots=True)
class Mapping:
    pos: Pos
    items: dict[str, tuple[Pos, "Node"]] = field(default_factory=dict)


@dataclass(slots=True)
class Sequence:
    pos: Pos
    items: list["Node"] = field(default_factory=list)


Node = Scalar | Mapping | Sequence


class LoadError(Exception):
    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding


_PROBLEMS_ZH = [
    ("mapping values are not allowed here", "此处不能出现“键: 值”（冒号后有空格的文字请加引号，或检查缩进）"),
    ("could not find expected ':'", "找不到应有的冒号“:”"),
    ("found character '\\t' that cannot start any token", "出现了制表符，YAML 只能用空格缩进"),
    ("found character", "出现了不能作为开头的字符"),
    ("did not find expected key", "缩进不一致，找不到应有的键"),
    ("did not find expected '-' indicator", "列表缩进不一致，找不到应有的“-”"),
    ("found unexpected end of stream", "文件意外结束（引号或括号未闭合）"),
    ("found undefined alias", "引用了未定义的锚点"),
    ("expected ',' or ']'", "方括号列表中缺少逗号或右方括号"),
    ("expected ',' or '}'", "花括号映射中缺少逗号或右花括号"),
    ("found unknown escape character", "双引号中出现了未知的转义字符（反斜杠请写成 \\\\）"),
    ("expected <block end>, but found", "缩进不一致"),
    ("found duplicate anchor", "锚点重复定义"),
]


def _translate(problem: str) -> str:
    for english, chinese in _PROBLEMS_ZH:
        if problem.startswith(english):
            return f"{chinese}（{problem}）"
    return problem


def decode(data: bytes, file: str) -> str:
    """UTF-8 text of a file, or a located error naming the undecodable byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        try:
            data.decode("gb18030")
            guess = "，看起来是 GBK/GB18030 编码"
        except UnicodeDecodeError:
            guess = ""
        raise LoadError(F.ENCODING.at(Pos(file, line, column), offset=exc.start, guess=guess))
    return text.removeprefix("\ufeff")


def parse(text: str, file: str) -> Node | None:
    """The node tree of a YAML document, or None for an empty document."""
    composer = _Composer(text)
    try:
        node = composer.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)
        raise LoadError(F.YAML_SYNTAX.at(pos, problem=_translate(exc.problem or str(exc))))
    except yaml.YAMLError as exc:
        raise LoadError(F.YAML_SYNTAX.at(Pos(file, 1, 1), problem=str(exc)))
    finally:
        composer.dispose()
    if node is None:
        return None
    return _convert(node, file)


# Scalars and positions are most of a file's nodes: they are made by tuple.__new__
# directly, a C call, instead of through their NamedTuple constructors.
_tuple = tuple.__new__


def _convert(node: yaml.Node, file: str) -> Node:
    mark = node.start_mark
    pos = _tuple(Pos, (file, mark.line + 1, mark.column + 1))
    if node.tag not in _PLAIN_TAGS:
        raise LoadError(F.UNSAFE_TAG.at(pos, tag=node.tag.replace(_TAG_PREFIX, "!!")))
    kind = type(node)
    if kind is yaml.ScalarNode:
        return _tuple(Scalar, (node.value, not node.style, pos))
    if kind is yaml.SequenceNode:
        return Sequence(pos, [_convert(item, file) for item in node.value])
    return Mapping(pos, _items(node, file))


def _items(node: yaml.MappingNode, file: str) -> dict[str, tuple[Pos, Node]]:
    items: dict[str, tuple[Pos, Node]] = {}
    for key_node, value_node in node.value:
        mark = key_node.start_mark
        key_pos = _tuple(Pos, (file, mark.line + 1, mark.column + 1))
        if type(key_node) is not yaml.ScalarNode:
            raise LoadError(F.WRONG_TYPE.at(key_pos, key="(键)", title="键", expected="文字",
                                            actual="列表或映射", fix="键必须是简单的文字。"))
        if key_node.tag not in _PLAIN_TAGS:
            raise LoadError(F.UNSAFE_TAG.at(key_pos, tag=key_node.tag.replace(_TAG_PREFIX, "!!")))
        key = key_node.value
        if key in items:
            raise LoadError(F.DUPLICATE_KEY.at(key_pos, key=key, first_line=items[key][0].line))
        items[key] = (key_pos, _convert(value_node, file))
    return items


def load_file(path: Path | str) -> Node | None:
    file = str(path)
    data = Path(path).read_bytes()
    return parse(decode(data, file), file)


def merge(base: Node | None, override: Node | None) -> Node | None:
    """Mappings merge key by key (override wins); anything else is replaced."""
    if not isinstance(base, Mapping) or not isinstance(override, Mapping):
        return override if override is not None else base
    merged = Mapping(override.pos, dict(base.items))
    for key, (key_pos, value) in override.items.items():
        if key in merged.items:
            value = merge(merged.items[key][1], value)
        merged.items[key] = (key_pos, value)
    return merged

