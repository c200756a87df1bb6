import pytest

from generator.loader import LoadError, Mapping, Scalar, decode, merge, parse


def test_scalars_keep_verbatim_text_and_position():
    node = parse("a:\n  b: 5.00\n  c: '08'\n", "f.yml")
    b = node.items["a"][1].items["b"][1]
    assert isinstance(b, Scalar) and b.text == "5.00" and b.plain
    assert (b.pos.line, b.pos.column) == (2, 6)
    assert not node.items["a"][1].items["c"][1].plain


def test_duplicate_key_is_an_error():
    with pytest.raises(LoadError) as err:
        parse("a: 1\nb: 2\na: 3\n", "f.yml")
    assert err.value.finding.code == "duplicate-key" and err.value.finding.line == 3


def test_python_tags_are_refused():
    with pytest.raises(LoadError) as err:
        parse("a: !!python/object/apply:os.system ['ls']\n", "f.yml")
    assert err.value.finding.code == "unsafe-tag"


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
    merged = merge(base, over)
    department = merged.items["department"][1]
    assert isinstance(department, Mapping)
    assert department.items["name"][1].text == "乙" and department.items["code"][1].text == "1"
    assert merged.items["form"][1].pos.file == "d.yml"
