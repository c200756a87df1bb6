import pytest

from generator.findings import Pos
from generator.loader import LoadError, Scalar, decode, entries, is_null, merge, node_pos, parse


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
