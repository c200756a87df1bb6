"""Identities between a report's figures (指标结余数 = 年初预算数 + 调整数 − 财政拨款数): read as
written, resolved against the evaluation's tables, and the columns they make formulas of."""
from decimal import Decimal

from generator.checking.identities import (Tables, Term, cells_printed, cells_words, own_formulas, parse,
                                          table_figure)
from generator.loading.model import Table, TableRow
from generator.quantities import parse_num


def _table(title, columns, *rows, identities=(), **more):
    return Table(title=title, columns=list(columns), identities=list(identities),
                 rows=[TableRow(label=label, values=[parse_num(v) if v else None for v in values])
                       for label, *values in rows], **more)


BUDGET = _table("预算执行", ["年初", "调整", "拨款", "结余"], (None, "100", "20", "110.5", "9.5"),
                identities=["结余 = 年初 + 调整 - 拨款"])
USE = _table("资金使用", ["拨款", "支付", "结转"], (None, "110.5", "100", "10.5"),
             identities=["结转 = 拨款 − 支付", "拨款 = 预算执行.拨款"])


def test_sides_and_signs_are_read_as_written():
    identity = parse("资金结余、结转数 = 财政拨款数 - 实际支付数 = 结转数 + 财政收回数")
    assert [[(t.sign, t.column) for t in side] for side in identity.sides] == [
        [(1, "资金结余、结转数")], [(1, "财政拨款数"), (-1, "实际支付数")], [(1, "结转数"), (1, "财政收回数")]]
    assert parse("先导产业类-新一代信息技术 = 合计").sides[0][0].column == "先导产业类-新一代信息技术"  # no spaces: a name
    assert parse("合计 = 市级预算执行情况（万元）.财政拨款数").sides[1][0] == Term(1, "市级预算执行情况（万元）", "财政拨款数")
    assert parse("结余") is None and parse("结余 = ") is None


def test_references_resolve_to_this_row_or_the_other_tables_one_row():
    tables = Tables([BUDGET, USE])
    own, other = parse(USE.identities[0]), parse(USE.identities[1])
    assert tables.resolve(USE, USE.rows[0], own.sides[1]).value == Decimal("10.5")
    assert tables.resolve(USE, USE.rows[0], other.sides[1]).value == Decimal("110.5")
    assert tables.problem(USE, Term(1, None, "结余")) == ("结余", ["拨款", "支付", "结转"])
    assert tables.problem(USE, Term(1, "预算", "拨款"))[0] == "预算"


def test_a_blank_figure_leaves_a_side_incomplete():
    blank = _table("t", ["a", "b"], (None, "1", None))
    assert not Tables([blank]).resolve(blank, blank.rows[0], parse("a = b").sides[1]).complete


def test_only_an_identity_of_the_rows_own_columns_is_a_formula():
    assert list(own_formulas(BUDGET)) == [3] and [t.column for t in own_formulas(BUDGET)[3]] == ["年初", "调整", "拨款"]
    assert list(own_formulas(USE)) == [2]  # 拨款 = 预算执行.拨款 reads another table: checked, not computed


def test_a_figure_outside_the_tables_names_a_head_row_or_a_labelled_row_at_any_depth():
    parts = Table(title="资金构成", columns=["金额"], rows=[TableRow(
        label="合计", values=[parse_num("30")], children=[TableRow(label="甲", values=[parse_num("10")]),
                                                          TableRow(label="乙", values=[parse_num("20.5")])])])
    tables = Tables([BUDGET, parts])
    side = table_figure("预算执行.年初 + 预算执行.调整")
    assert tables.outside_problem(side) is None and tables.figure(side) == Decimal("120")
    assert cells_words(tables.cells(side)) == "表“预算执行”的年初 + 调整"
    rows = table_figure("资金构成.甲.金额 + 资金构成.乙.金额")
    assert tables.figure(rows) == Decimal("30.5")
    assert cells_words(tables.cells(rows)) == "表“资金构成”中“甲”的金额 + “乙”的金额"
    assert cells_printed(tables.cells(rows)) == "10 + 20.5 = 30.5"
    assert tables.outside_problem(table_figure("资金构成.丙.金额")) == ("资金构成.丙", ["资金构成.合计", "资金构成.甲", "资金构成.乙"])
    assert tables.outside_problem(table_figure("预算执行.拨付")) == ("预算执行.拨付", ["预算执行.年初", "预算执行.调整",
                                                                             "预算执行.拨款", "预算执行.结余"])
    assert table_figure("年初 + 调整") is None  # no table named: not a figure outside the tables
