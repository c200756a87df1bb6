"""The content tree: the defaults a directory's `_defaults.yml` files give before any evaluation is read."""
from pathlib import Path

from generator.project.tree import defaults_of, forget

CONTENT = Path(__file__).resolve().parent.parent / "content"


def test_the_seed_units_defaults_give_their_department():
    defaults = defaults_of(CONTENT / "zibo-gxj" / "2020")
    assert defaults.values["department"]["name"] == "淄博市工业和信息化局"
    assert defaults.sources["department"] == CONTENT / "zibo-gxj" / "_defaults.yml"
    assert defaults.unreadable == []


def _unit(tmp_path: Path, outer: str, inner: str) -> Path:
    """A project with a unit's _defaults.yml and its 2020 folder's; the 2020 folder."""
    (tmp_path / "site_config.yml").write_text("title: 测试\n", encoding="utf-8")
    unit = tmp_path / "content" / "u"
    (unit / "2020").mkdir(parents=True)
    (unit / "_defaults.yml").write_text(outer, encoding="utf-8")
    (unit / "2020" / "_defaults.yml").write_text(inner, encoding="utf-8")
    forget()
    return unit / "2020"


def test_inner_defaults_win_key_by_key_and_say_where_each_came_from(tmp_path):
    year = _unit(tmp_path, "department: {name: 甲局, code: '901'}\nyear: 2019\n", "department: {name: 乙局}\nyear: 2020\n")
    defaults = defaults_of(year)
    assert defaults.values["department"] == {"name": "乙局", "code": "901"}
    assert defaults.values["year"] == "2020" and defaults.sources["year"] == year / "_defaults.yml"


def test_an_unreadable_defaults_file_is_named_and_the_others_still_count(tmp_path):
    defaults = defaults_of(_unit(tmp_path, "department: {name: 甲局}\n", "year: [2020\n"))
    assert defaults.values == {"department": {"name": "甲局"}}
    assert len(defaults.unreadable) == 1 and "_defaults.yml" in defaults.unreadable[0]
