import os

import pytest

from generator.loading import loader
from generator.findings import Pos
from generator.loading.loader import LoadError, Scalar, decode, entries, is_null, load_file, merge, node_pos, parse, read_source


def test_scalars_keep_verbatim_text_and_position():
    node = parse("a:\n  b: 5.00\n  c: '08'\n  d: ~\n  e: '~'\n", "f.yml")
    inner = entries(entries(node)["a"][1])
    b = inner["b"][1]
    assert isinstance(b, Scalar) and b.value == "5.00" and not b.style
    assert node_pos(b) == Pos("f.yml", 2, 6)
    assert inner["c"][1].value == "08" and inner["c"][1].style
    assert is_null(inner["d"][1]) and not is_null(inner["e"][1])


def test_duplicate_key_is_an_error_at_the_second_occurrence():
    with pytest.raises(LoadError) as err:
        entries(parse("a: 1\nb: 2\na: 3\n", "f.yml"))
    assert err.value.finding.code == "duplicate-key" and err.value.finding.line == 3
    assert "第一次在第 1 行" in err.value.finding.message


def test_duplicate_key_can_be_reported_and_skipped():
    reported = []
    found = entries(parse("a: 1\nb: 2\na: 3\n", "f.yml"), reported.append)
    assert list(found) == ["a", "b"] and found["a"][1].value == "1"
    assert [(f.code, f.line) for f in reported] == [("duplicate-key", 3)]


@pytest.mark.parametrize("text, line", [
    ("a: !!python/object/apply:os.system ['ls']\n", 1),
    ("a:\n  - {b: !custom 1}\n", 2),
    ("? !!python/name:os.system\n: 1\n", 1),
])
def test_explicit_tags_are_refused_wherever_they_are(text, line):
    with pytest.raises(LoadError) as err:
        parse(text, "f.yml")
    assert err.value.finding.code == "unsafe-tag" and err.value.finding.line == line


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(LoadError) as err:
        parse("a: 1\nb: &x\n  - c: *x\n", "f.yml")
    assert err.value.finding.code == "yaml-syntax" and err.value.finding.line == 2  # at the anchor


def test_aliases_elsewhere_are_allowed():
    node = parse("a: &x {b: 1}\nc: *x\n", "f.yml")
    assert entries(node)["c"][1] is entries(node)["a"][1]


def test_syntax_error_is_located_and_translated():
    with pytest.raises(LoadError) as err:
        parse("a: 1\n b: 2\nc: [\n", "f.yml")
    assert err.value.finding.code == "yaml-syntax" and err.value.finding.line >= 2


def test_gbk_bytes_are_reported_with_their_position():
    with pytest.raises(LoadError) as err:
        decode("a: 1\nb: 项目\n".encode("gbk"), "f.yml")
    finding = err.value.finding
    assert finding.code == "encoding" and (finding.line, finding.column) == (2, 4) and "GBK" in finding.message


def test_merge_is_key_by_key_and_override_wins():
    base = parse("department: {name: 甲, code: '1'}\nform: a\n", "d.yml")
    over = parse("department: {name: 乙}\n", "f.yml")
    merged = entries(merge(base, over))
    department = entries(merged["department"][1])
    assert department["name"][1].value == "乙" and department["code"][1].value == "1"
    assert node_pos(merged["form"][1]).file == "d.yml"
    assert node_pos(merged["department"][0]).file == "f.yml"


@pytest.mark.parametrize("text, expected", [
    ("a: {b: 1\nc: 2\n", "花括号“{”从第 1 行第 4 列开始"),
    ("project: 目标 1: 3 户\n", "冒号加空格"),
    ("a:\n\t- 1\n", "制表符"),
    ("a: 1\n---\nb: 2\n", "只能有一个文档"),
])
def test_libyaml_problems_are_explained_in_chinese(text, expected):
    with pytest.raises(LoadError) as err:
        parse(text, "f.yml")
    assert expected in err.value.finding.message


def test_a_control_character_is_located_by_line_and_column():
    with pytest.raises(LoadError) as err:
        parse("a: 1\nb: 项\x00\n", "f.yml")
    finding = err.value.finding
    assert (finding.line, finding.column) == (2, 5) and "控制字符" in finding.message


# --- what is read, and how much ------------------------------------------------------------

def test_a_fifo_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "x.yml"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    with pytest.raises(LoadError) as err:
        read_source(fifo, tmp_path)
    assert err.value.finding.code == "not-a-file" and "命名管道" in err.value.finding.message


def test_a_symlink_out_of_the_root_is_refused_and_nothing_of_its_target_quoted(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    for target in ("/etc/passwd", "/dev/zero", tmp_path / "missing.yml"):
        link = root / "b.yml"
        link.unlink(missing_ok=True)
        os.symlink(target, link)
        with pytest.raises(LoadError) as err:
            load_file(link, root)
        finding = err.value.finding
        assert finding.code == "outside-project" and finding.file == str(link) and "root:" not in str(finding)


def test_a_symlink_inside_the_root_is_read_and_a_broken_one_named(tmp_path):
    (tmp_path / "a.yml").write_text("a: 1\n", encoding="utf-8")
    os.symlink("a.yml", tmp_path / "b.yml")
    assert read_source(tmp_path / "b.yml", tmp_path) == b"a: 1\n"
    os.symlink("gone.yml", tmp_path / "c.yml")
    with pytest.raises(LoadError) as err:
        read_source(tmp_path / "c.yml", tmp_path)
    assert err.value.finding.code == "not-a-file" and "不存在" in err.value.finding.message


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    big = tmp_path / "a.yml"
    big.write_bytes(b"# " + b"x" * loader.MAX_FILE_BYTES)
    with pytest.raises(LoadError) as err:
        read_source(big, tmp_path)
    assert err.value.finding.code == "file-too-large" and "1 MiB" in err.value.finding.message
    big.write_bytes(b"# " + b"x" * (loader.MAX_FILE_BYTES - 3))
    assert len(read_source(big, tmp_path)) == loader.MAX_FILE_BYTES - 1


@pytest.mark.parametrize("size", [10, 150_000, loader.MAX_FILE_BYTES + 5])
def test_a_file_that_grew_after_its_size_was_taken_is_read_to_its_end(tmp_path, monkeypatch, size):
    """Read in chunks of the size it had (here 10 bytes, taken before it grew), then more, to the
    end of the file or one byte past the limit."""
    grown = tmp_path / "a.yml"
    grown.write_bytes(b"x: 1\n" * (size // 5) + b"#" * (size % 5))
    real = os.fstat
    monkeypatch.setattr(loader.os, "fstat", lambda fd: os.stat_result((*real(fd)[:6], 10, *real(fd)[7:10])))
    if size > loader.MAX_FILE_BYTES:
        with pytest.raises(LoadError) as err:
            read_source(grown, tmp_path)
        assert err.value.finding.code == "file-too-large"
    else:
        assert read_source(grown, tmp_path) == grown.read_bytes()


@pytest.mark.parametrize("text", ["a: " + "[" * 100_000 + "]" * 100_000, "- " * 100_000 + "x"])
def test_nesting_too_deep_for_the_composer_is_refused_before_composing(text):
    with pytest.raises(LoadError) as err:  # libyaml would overflow the C stack (a crash, not an error)
        parse(text, "f.yml")
    finding = err.value.finding
    assert finding.code == "too-deep" and finding.line == 1 and finding.column > loader.NESTING_LIMIT


def test_deepest_finds_the_first_node_past_the_limit_without_recursion():
    node = parse("a: " + "[" * 900 + "]" * 900, "f.yml")  # 900 levels: deeper than Python recursion allows
    # the document's mapping is the first level, the list at column 4 the second
    assert node_pos(loader.deepest(node)) == Pos("f.yml", 1, 4 + loader.NESTING_LIMIT - 1)
    assert loader.deepest(parse("a: [[1]]", "f.yml")) is None


def test_aliases_repeated_past_the_node_limit_are_refused():
    text = "a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
    for level in range(1, 7):
        text += f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]\n"
    with pytest.raises(LoadError) as err:
        parse(text, "f.yml")
    assert "别名" in err.value.finding.message
    parse("a: &x [1, 2]\nb: [*x, *x]\n", "f.yml")  # a few repeats are fine


@pytest.mark.parametrize("escape", ["\\x01", "\\u0007", "\\0", "\\e", "\\uFFFE"])
def test_an_escaped_control_character_is_located(escape):
    with pytest.raises(LoadError) as err:
        parse(f'a: 1\nb: {{c: "项{escape}目"}}\n', "f.yml")
    finding = err.value.finding
    assert finding.code == "control-character" and (finding.line, finding.column) == (2, 8)
    parse('a: "制表\\t与换行\\n"\n', "f.yml")  # these two every format holds


def test_a_path_that_is_not_utf8_is_shown_escaped():
    assert loader.shown(os.fsdecode(b"content/\xff.yml")) == "content/\\xff.yml"
    assert loader.shown("content/中文.yml") == "content/中文.yml"


def test_read_ahead_asks_the_system_to_read_plain_files_only(tmp_path, monkeypatch):
    """Files are read ahead of the workers from a thread: the plain ones are asked for
    (WILLNEED), and a FIFO, a device, a link or a missing file is never opened."""
    import threading

    plain = tmp_path / "a.yml"
    plain.write_text("name: 甲\n", encoding="utf-8")
    os.mkfifo(tmp_path / "fifo.yml")
    (tmp_path / "link.yml").symlink_to(plain)
    opened, asked = [], []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *args, **kwargs: opened.append(str(path)) or real_open(path, *args, **kwargs))
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: asked.append(
        (os.readlink(f"/proc/self/fd/{fd}"), advice)))
    loader.read_ahead([tmp_path / name for name in ("a.yml", "fifo.yml", "link.yml", "gone.yml")] + ["/dev/null"])
    for thread in threading.enumerate():
        if thread.name == "jixiao-read-ahead":
            thread.join()
    assert opened == [str(plain)] and asked == [(str(plain), os.POSIX_FADV_WILLNEED)]
