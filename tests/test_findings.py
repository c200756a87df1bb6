"""The catalogue of findings: what each says to the author, and to the public."""
import re
import string

from generator import findings as F

from .conftest import ROOT


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_finding_a_page_can_show_has_public_text_and_no_error_does():
    for item in F.CATALOGUE.values():
        assert item.is_public == (item.severity != F.ERROR), item.code


def test_public_text_names_no_code_line_field_or_instruction():
    for item in F.public_types():
        words = re.sub(r"\{\w+\}", "", item.public)  # the figures filled in are the table's own
        assert not re.search(r"[A-Za-z`]", words), item.code
        assert not re.search(r"第\s*行", words) and "提示" not in words and "请" not in words, item.code
        assert not _placeholders(item.public) & {"first_line", "line", "key", "forms", "form", "code"}, item.code


def test_what_the_site_says_of_each_check_names_no_field_or_instruction():
    """The 数据与方法 page lists the checks: in a reader's words, not the author's (no `claims`)."""
    for item in F.public_types():
        words = item.title + item.reader_description
        assert not re.search(r"[A-Za-z`/]", words), item.code
        assert "请" not in words and "提示" not in words, item.code
    assert F.TABLE_SUM.reader_description != F.TABLE_SUM.description  # the author's names `tables`
    assert F.FUNDS_SUM.reader_description == F.FUNDS_SUM.description  # already in a reader's words


def test_public_text_is_filled_from_the_same_figures():
    finding = F.FUNDS_SUM.at(F.Pos("t.yml", 7, 35), column="全年预算数", parts="唯一的分项财政拨款为 08", total="80",
                             effect="")
    assert finding.public.startswith("全年预算数一栏中") and "08" in finding.public
    assert finding.as_dict()["public"] == finding.public and finding.line == 7


def test_the_authoring_guide_lists_every_code():
    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in guide for code in F.CATALOGUE)
