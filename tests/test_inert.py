"""Text that a spreadsheet would evaluate, kept as text."""
import csv
import io

import pytest

from generator.render.export import to_csv
from generator.render.inert import csv_text, looks_like_formula


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "=6000 个", "+1+2", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1", "=cmd|' /C calc'!A0", "-", "+"])
def test_text_that_begins_like_a_formula_is_prefixed(text):
    assert looks_like_formula(text) and csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["-8", "+5.5", "-1,000.25", "+99.5%", "测试 =1", "100 人", "", "'=1"])
def test_numbers_and_other_text_are_left_as_they_are(text):
    assert not looks_like_formula(text) and csv_text(text) == text


def test_csv_rows_neutralise_text_but_not_numbers():
    text = to_csv([{"name": "=1+1", "total": -5, "budget_text": "-5", "applicable": True}])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["name", "total", "budget_text", "applicable"], ["'=1+1", "-5", "-5", "是"]]
