"""Loading: YAML text into PyYAML's node tree, every node knowing where it stands.

Only plain files are read, of at most 1 MiB, and (given the project root) only
files inside the project: a FIFO, a device or a symlink out of the project is
refused with a located error, never opened.

PyYAML's C parser composes the node graph (about twice as fast as a full
`yaml.load`, which constructs Python objects in pure Python) and is given the
file name, so every node's start mark carries file, line and column. jixiao reads
each scalar's verbatim text itself; this module refuses explicit tags and reports
duplicate keys, which PyYAML keeps silently (the last one wins).
"""
from __future__ import annotations

import errno
import io
import os
import re
import stat
import threading
from pathlib import Path

import yaml
from yaml import MappingNode as Mapping, ScalarNode as Scalar, SequenceNode as Sequence
from yaml._yaml import CParser

from .. import findings as F
from ..findings import Finding, Pos

_TAG_PREFIX = "tag:yaml.org,2002:"
PLAIN_TAGS = frozenset(_TAG_PREFIX + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq"))
NULLS = frozenset(("", "~", "null", "Null", "NULL"))

Node = Scalar | Mapping | Sequence


class _Composer(CParser):
    """libyaml's composer with tag resolution switched off.

    jixiao reads every scalar's text itself, and a node's kind from its class, so
    PyYAML's implicit resolver (a pure-Python regex match per scalar, a third of
    the loading time) is skipped; explicit tags are still seen, and refused.
    The composer calls these three hooks for every node: they are C callables that
    ignore what they are given, so no Python frame is entered (400 nodes a file).
    `slice` is the cheapest one that takes the resolver's three arguments: a node
    without an explicit tag gets a slice as its tag, and only tags that are text
    were written in the file.
    """

    resolve = slice  # (kind, value, implicit) -> a placeholder, not text
    descend_resolver = {}.get  # (parent, index) -> nothing to do
    ascend_resolver = {}.clear  # () -> nothing to do


class _NamedBytes(io.BytesIO):
    """A stream with a name: libyaml's composer puts `name` into every mark."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


DEFAULTS_NAME = "_defaults.yml"
INDEX_NAME = "_index.yml"


class LoadError(Exception):
    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding


def position(mark) -> Pos:
    """A PyYAML mark (0-based) as a Pos (1-based)."""
    return _new_tuple(Pos, (mark.name, mark.line + 1, mark.column + 1))  # a C call, not Pos's Python __new__


_new_tuple = tuple.__new__


def node_pos(node: Node) -> Pos:
    return position(node.start_mark)


def is_null(node: Node) -> bool:
    return type(node) is Scalar and not node.style and node.value in NULLS


def text_of(node: Node) -> str | None:
    """A scalar's verbatim text; None for null, a mapping or a list."""
    return None if type(node) is not Scalar or is_null(node) else node.value


def plain(node: Node | None):
    """A node tree as plain values: texts (None for null), dicts and lists."""
    if type(node) is Mapping:
        return {key: plain(value) for key, (_, value) in entries(node).items()}
    if type(node) is Sequence:
        return [plain(item) for item in node.value]
    return text_of(node) if node is not None else None


def entries(node: Mapping, report=None) -> dict[str, tuple[Scalar, Node]]:
    """A mapping's (key node, value node) by key. A repeated or non-text key raises a
    LoadError, or, given `report`, is passed to it as a finding and left out."""
    found: dict[str, tuple[Scalar, Node]] = {}
    for key_node, value_node in node.value:
        if type(key_node) is Scalar and key_node.value not in found:
            found[key_node.value] = (key_node, value_node)
            continue
        finding = bad_key(key_node, found)
        if report is None:
            raise LoadError(finding)
        report(finding)
    return found


def kind_of(node) -> str:
    """A node that should have been a mapping, as a message names it (a text only by its start)."""
    if type(node) is Sequence:
        return "列表"
    text = node.value if len(node.value) <= 20 else node.value[:20] + "……"
    return f"文字“{text}”"


def bad_key(key_node: Node, found: dict[str, tuple[Scalar, Node]]) -> Finding:
    if type(key_node) is not Scalar:
        return F.WRONG_TYPE.at(node_pos(key_node), key="(键)", title="键", expected="文字",
                               actual="列表或映射", fix="键必须是简单的文字。")
    first = found[key_node.value][0]
    return F.DUPLICATE_KEY.at(node_pos(key_node), key=key_node.value, first_line=first.start_mark.line + 1)


# libyaml's problems (matched by what they contain), and the constructs it was reading.
_PROBLEMS_ZH = [
    ("mapping values are not allowed", "此处不能出现“键: 值”（文字中含“冒号加空格”时整段加双引号，或检查缩进）"),
    ("could not find expected ':'", "找不到应有的冒号“:”"),
    ("cannot start any token", "出现了不能作为开头的字符（YAML 只能用空格缩进，不能用制表符；以 @ ` 等开头的文字请加引号）"),
    ("did not find expected key", "找不到应有的键：缩进不一致，或引号、括号后面多了文字"),
    ("control characters are not allowed", "文件中有不允许的控制字符（可能不是文本文件，或复制时带入了不可见字符）"),
    ("tab character", "出现了制表符，YAML 只能用空格缩进"),
    ("unknown directive", "不认识的“%”指令（以 % 开头的文字请加引号）"),
    ("did not find expected '-' indicator", "列表缩进不一致，找不到应有的“-”"),
    ("expected ',' or ']'", "方括号列表中缺少逗号或右方括号“]”"),
    ("expected ',' or '}'", "花括号映射中缺少逗号或右花括号“}”"),
    ("found unexpected end of stream", "文件意外结束（引号或括号未闭合）"),
    ("did not find expected node content", "此处缺少内容（括号或引号没有写完整）"),
    ("found undefined alias", "引用了未定义的锚点"),
    ("found unknown escape character", "双引号中出现了未知的转义字符（反斜杠请写成 \\\\）"),
    ("expected <block end>", "缩进不一致"),
    ("found duplicate anchor", "锚点重复定义"),
    ("expected a single document", "文件中只能有一个文档（删除多余的“---”）"),
]
_CONTEXTS_ZH = {"flow mapping": "花括号“{”", "flow sequence": "方括号“[”", "quoted scalar": "引号",
                "block mapping": "这一层映射", "block collection": "这一层列表", "simple key": "这个键"}


def _translate(problem: str, context: str | None = None, context_mark=None) -> str:
    """libyaml's problem in Chinese (the original kept in brackets), with where the
    construct it was reading began when that is on another line."""
    chinese = next((zh for english, zh in _PROBLEMS_ZH if english in f"{context} {problem}"), None)
    text = f"{chinese}（{problem}）" if chinese else problem
    where = next((zh for english, zh in _CONTEXTS_ZH.items() if context and english in context), None)
    if where and context_mark is not None:
        text += f"；{where}从第 {context_mark.line + 1} 行第 {context_mark.column + 1} 列开始"
    return text


def _byte_pos(data: bytes, offset: int, file: str) -> Pos:
    head = data[:offset]
    column = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
    return Pos(file, head.count(b"\n") + 1, column)


def decode(data: bytes, file: str) -> str:
    """UTF-8 text of a file, or a located error naming the undecodable byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            data.decode("gb18030")
            guess = "，看起来是 GBK/GB18030 编码"
        except UnicodeDecodeError:
            guess = ""
        raise LoadError(F.ENCODING.at(_byte_pos(data, exc.start, file), offset=exc.start, guess=guess))
    return text.removeprefix("\ufeff")


def parse(source: str | bytes, file: str) -> Node | None:
    """The node tree of a YAML document, or None for an empty document."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    _check_nesting(data, file)
    composer = _Composer(_NamedBytes(data, file))
    try:
        node = composer.get_single_node()
    except yaml.YAMLError as exc:
        raise LoadError(_syntax_finding(exc, data, file))
    finally:
        composer.dispose()
    if node is not None and (b"!" in data or b"*" in data):  # tags begin with "!", aliases with "*"
        _inspect(node)
    if node is not None and b"\\" in data:  # only a double-quoted escape can write a control character
        _check_characters(node)
    return node


def _syntax_finding(exc: yaml.YAMLError, data: bytes, file: str) -> Finding:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        pos = position(mark) if mark else Pos(file, 1, 1)
        return F.YAML_SYNTAX.at(pos, problem=_translate(exc.problem or str(exc), exc.context, exc.context_mark))
    if isinstance(exc, yaml.reader.ReaderError):  # bytes that are not UTF-8, or a character YAML does not allow
        decode(data, file)  # not UTF-8: say so, and guess the encoding
        return F.YAML_SYNTAX.at(_byte_pos(data, exc.position, file), problem=_translate(exc.reason))
    return F.YAML_SYNTAX.at(Pos(file, 1, 1), problem=str(exc))


# --- limits: what no evaluation needs, and what would exhaust the machine ---------------

MAX_FILE_BYTES = 1 << 20  # a table is a few KB, the longest report a few hundred
NESTING_LIMIT = 64  # an evaluation nests about 25 levels at most (10 levels of indicators)
# libyaml's composer recurses in C, one frame per level, and overflows the stack at some
# 30,000 levels. Every level is opened by one of these characters, so a document with
# fewer of them cannot nest that deep; one with more is first measured event by event
# (a document nested deeper than the limit but composed is refused after conversion).
_OPENERS = (b"-", b":", b"?", b"[", b"{")
_COMPOSABLE_OPENERS = 10_000
MAX_EXPANDED_NODES = 50_000  # aliases may repeat a node, but not grow the tree beyond this
# XML (and so XLSX, and every page) cannot hold these; YAML writes them only as escapes.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _check_nesting(data: bytes, file: str) -> None:
    """Refuses a document nested deeper than NESTING_LIMIT before it is composed."""
    if len(data) <= _COMPOSABLE_OPENERS or sum(data.count(opener) for opener in _OPENERS) <= _COMPOSABLE_OPENERS:
        return
    parser = CParser(_NamedBytes(data, file))
    depth = 0
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                depth += 1
                if depth > NESTING_LIMIT:
                    raise LoadError(too_deep(position(event.start_mark)))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
            elif kind is yaml.StreamEndEvent:
                return
    except yaml.YAMLError:
        return  # the composer meets the same problem, no deeper than here, and reports it
    finally:
        parser.dispose()


def too_deep(pos: Pos) -> Finding:
    return F.TOO_DEEP.at(pos, what=f"YAML 结构嵌套超过 {NESTING_LIMIT} 层，未读取")


def deepest(node: Node) -> Node | None:
    """The first node nested deeper than NESTING_LIMIT, found level by level (no recursion)."""
    level, depth = [node], 1
    while level:
        if depth > NESTING_LIMIT:
            return level[0]
        level = [child for parent in level if type(parent) is not Scalar for child in _children(parent)
                 if type(child) is not Scalar]
        depth += 1
    return None


def _children(node: Node):
    return node.value if type(node) is Sequence else [part for pair in node.value for part in pair]


def _inspect(root: Node) -> None:
    """Refuses explicit tags, an alias inside the node it refers to (the tree would never
    end), and aliases that repeat nodes into more than MAX_EXPANDED_NODES (a "billion
    laughs"). Depth first, on a stack of its own; each node's expanded size is counted once."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes whose children are being inspected: the path from the root
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_EXPANDED_NODES:
                raise LoadError(F.YAML_SYNTAX.at(node_pos(node), problem=(
                    f"别名（*）把内容重复展开到 {MAX_EXPANDED_NODES:,} 个以上的节点")))
            continue
        if key in sizes:  # an alias met before: its node was inspected then
            continue
        if key in open_nodes:
            raise LoadError(F.YAML_SYNTAX.at(node_pos(node), problem="锚点在自身内部被别名引用（循环引用）"))
        if type(node.tag) is str and node.tag not in PLAIN_TAGS:  # written in the file
            raise LoadError(F.UNSAFE_TAG.at(node_pos(node), tag=node.tag.replace(_TAG_PREFIX, "!!")))
        if type(node) is Scalar:
            sizes[key] = 1
            continue
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _check_characters(root: Node) -> None:
    """Refuses a control character that a double-quoted escape (`\\x01`, `\\e`) wrote."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is not Scalar:
            stack.extend(_children(node))
        elif node.style == '"' and (found := _UNWRITABLE.search(node.value)):
            raise LoadError(F.CONTROL_CHARACTER.at(node_pos(node), char=f"U+{ord(found.group()):04X}"))


# --- reading files -------------------------------------------------------------------

def shown(path: str | os.PathLike) -> str:
    """A path as it can be printed: bytes of its name that are not UTF-8 as `\\xff`."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def inside(path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """Whether a path, its symlinks followed, lies within the root (its symlinks followed)."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([real, base]) == base


def read_source(path: str | os.PathLike, root: str | os.PathLike | None = None) -> bytes:
    """The bytes of a file to load, or a LoadError saying why it is not read: a symlink
    that leaves the root (when one is given), anything but a plain file (a FIFO or a
    device is never opened), or more than MAX_FILE_BYTES. Nothing from outside is quoted."""
    real = path
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):  # opened where it points now: a link swapped since is not followed
            real = os.path.realpath(path)
            if root is not None and not inside(real, root):
                raise LoadError(_refused(F.OUTSIDE_PROJECT, path))
            info = os.stat(real)
    except OSError as exc:
        raise LoadError(_refused(F.NOT_A_FILE, path, kind=_unreadable(path, exc)))
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(_refused(F.NOT_A_FILE, path, kind=_special_kind(info.st_mode)))
    if info.st_size > MAX_FILE_BYTES:
        raise LoadError(_refused(F.FILE_TOO_LARGE, path, size=_size_text(info.st_size)))
    data = _read_plain_file(path, real)
    if len(data) > MAX_FILE_BYTES:  # it grew since
        raise LoadError(_refused(F.FILE_TOO_LARGE, path, size=_size_text(len(data)) + "以上"))
    return data


def _refused(finding: F.FindingType, path, **params) -> Finding:
    return finding.at(Pos(shown(path), 1, 1), name=shown(os.path.basename(path)), **params)


READ_AT_LEAST = 1 << 16  # what a file that grew since its size was taken is read by


def _read_plain_file(path, real) -> bytes:
    """At most one byte more than the limit; O_NONBLOCK, so that a FIFO put in the file's
    place since it was looked at cannot block the open, and is then refused."""
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LoadError(_refused(F.NOT_A_FILE, path, kind=_unreadable(path, exc)))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(_refused(F.NOT_A_FILE, path, kind=_special_kind(info.st_mode)))
        # Asked for its size and a byte more, not for the limit: `os.read` allocates what it is
        # asked for, a megabyte for each 4 KB file.
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            rest = info.st_size + 1 - size  # more than 1: what is left of the size it had
            chunk = os.read(fd, min(rest if rest > 1 else READ_AT_LEAST, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_ahead(paths: list) -> None:
    """Have the system read these files into memory, from a thread of this process, ahead of
    the workers that will load them. A file the system has dropped from memory since it was
    last read (on a machine that reclaims idle memory, after a minute) takes ~150 µs to open
    and read instead of 8, and a worker would wait for each: validating 2,000 such files took
    10–15 % less time. Only plain files are opened, never a link, FIFO or device (as
    `read_source`), and nothing is read here: the kernel is asked to (WILLNEED)."""
    if hasattr(os, "posix_fadvise"):
        threading.Thread(target=_ask_to_read, args=(list(paths),), name="jixiao-read-ahead", daemon=True).start()


def _ask_to_read(paths: list) -> None:
    for path in paths:
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def _unreadable(path, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "是符号链接，指向的文件不存在" if os.path.islink(path) else "不存在（可能刚被删除）"
    if exc.errno == errno.ELOOP:
        return "是循环的符号链接"
    if isinstance(exc, PermissionError):
        return "没有读取权限"
    return f"无法读取（{exc.strerror}）"


_SPECIAL_KINDS = ((stat.S_ISDIR, "是目录"), (stat.S_ISFIFO, "是命名管道（FIFO）"), (stat.S_ISCHR, "是设备文件"),
                  (stat.S_ISBLK, "是设备文件"), (stat.S_ISSOCK, "是套接字"))


def _special_kind(mode: int) -> str:
    kind = next((text for test, text in _SPECIAL_KINDS if test(mode)), "")
    return f"{kind}，不是普通文件"


def _size_text(size: int) -> str:
    return f"{size:,} 字节"


def load_file(path: Path | str, root: Path | str | None = None) -> Node | None:
    """The node tree of a file, read as read_source reads it."""
    return parse(read_source(path, root), shown(path))


def merge(base: Node | None, override: Node | None) -> Node | None:
    """Mappings merge key by key (override wins); anything else is replaced."""
    if type(base) is not Mapping or type(override) is not Mapping:
        return override if override is not None else base
    base_entries, override_entries = entries(base), entries(override)
    pairs = [_merged_pair(pair, override_entries.get(key)) for key, pair in base_entries.items()]
    pairs += [pair for key, pair in override_entries.items() if key not in base_entries]
    return Mapping(override.tag, pairs, override.start_mark, override.end_mark)


def _merged_pair(base: tuple[Scalar, Node], override: tuple[Scalar, Node] | None) -> tuple[Scalar, Node]:
    return base if override is None else (override[0], merge(base[1], override[1]))
