"""The content tree: the defaults a directory's `_defaults.yml` files give before any evaluation is read."""
from pathlib import Path

from generator.project.tree import defaults_of, forget

CONTENT = Path(__file__).resolve().parent.parent / "content"


def test_the_seed_units_defaults_give_their_department():
    defaults = defaults_of(CONTENT / "zibo-gxj" / "2020")
    assert defaults.values["department"]["name"] == "淄博市工业和信息化局"
    assert defaults.sources["department"] == CONTENT / "zibo-gxj" / "_defaults.yml"
    assert defaults.unreadable == []


def test_inner_defaults_win_key_by_key_and_say_where_each_came_from(tmp_path):
    (tmp_path / "site_config.yml").write_text("title: 测试\n", encoding="utf-8")
    unit = tmp_path / "content" / "u"
    (unit / "2020").mkdir(parents=True)
    (unit / "_defaults.yml").write_text("department: {name: 甲局, code: '901'}\nyear: 2019\n", encoding="utf-8")
    (unit / "2020" / "_defaults.yml").write_text("department: {name: 乙局}\nyear: 2020\n", encoding="utf-8")
    forget()
    defaults = defaults_of(unit / "2020")
    assert defaults.values["department"] == {"name": "乙局", "code": "901"}
    assert defaults.values["year"] == "2020" and defaults.sources["year"] == unit / "2020" / "_defaults.yml"


def test_an_unreadable_defaults_file_is_named_and_the_others_still_count(tmp_path):
    (tmp_path / "site_config.yml").write_text("title: 测试\n", encoding="utf-8")
    unit = tmp_path / "content" / "u"
    (unit / "2020").mkdir(parents=True)
    (unit / "_defaults.yml").write_text("department: {name: 甲局}\n", encoding="utf-8")
    (unit / "2020" / "_defaults.yml").write_text("year: [2020\n", encoding="utf-8")
    forget()
    defaults = defaults_of(unit / "2020")
    assert defaults.values == {"department": {"name": "甲局"}}
    assert len(defaults.unreadable) == 1 and "_defaults.yml" in defaults.unreadable[0]
