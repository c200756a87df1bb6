"""Worksheet cells: only jixiao's own formulas are formulas; content is text, shown as written."""
import re
import shutil

import openpyxl
import pytest
from openpyxl import Workbook

from generator.building.pipeline import run
from generator.render.printing import print_outputs
from generator.render.printing.cells import Formula, set_value
from generator.project.structure import locate

from .conftest import CONTENT


@pytest.fixture
def cell():
    return Workbook().active.cell(1, 1)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "=6000 个", "+1+2", "@A1", "-2+3"])
def test_text_that_looks_like_a_formula_is_a_string_with_a_quote_prefix(cell, text):
    set_value(cell, text)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_an_error_code_is_text_too(cell):
    set_value(cell, "#N/A")
    assert (cell.value, cell.data_type) == ("#N/A", "s")


def test_jixiaos_formulas_and_numbers_keep_their_type(cell):
    set_value(cell, Formula("=SUM(A2:A3)"))
    assert (cell.value, cell.data_type) == ("=SUM(A2:A3)", "f")
    set_value(cell, 8.99)
    assert (cell.value, cell.data_type) == (8.99, "n")


def test_characters_a_workbook_cannot_hold_are_dropped_not_a_crash(cell):
    set_value(cell, "项\x01目\x1b")
    assert cell.value == "项目"


def test_seed_targets_that_begin_with_an_equals_sign_print_as_text(tmp_path):
    """安庆 writes targets such as `=6000 个`: each is a string cell showing that text."""
    (tmp_path / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    shutil.copytree(CONTENT / "anqing-jxj", tmp_path / "content/anqing-jxj")
    for path in (tmp_path / "content/anqing-jxj/2023").glob("0[1-35-7]-*.yml"):
        path.unlink()  # 04 and 08 remain: the tables with such targets
    report = run([tmp_path / "content"], use_cache=False, full=True)
    print_outputs(report, tmp_path / "content", tmp_path / "out", jobs=1)
    shown = 0
    for result in report.results:
        targets = {leaf.node.target.text for leaf in result.scores.leaves if leaf.node.target}
        url = locate(result.file, tmp_path / "content").url
        sheet = openpyxl.load_workbook(tmp_path / "out" / url / "table.xlsx").active
        for row in sheet.iter_rows():
            for item in row:
                if item.data_type == "f":
                    # jixiao's own formulas, over the sheet's cells; never a text of the content
                    assert item.value not in targets and re.search(r"[A-Z]+[0-9]+", item.value), (url, item.value)
                elif item.value in targets and item.value.startswith("="):
                    assert item.data_type == "s" and item.quotePrefix
                    shown += 1
    assert shown == 6
