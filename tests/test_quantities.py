from decimal import Decimal

import pytest

from generator.quantities import (HIGHER, LOWER, EQUAL, as_printed, direction_in_name, fits, format_rate,
                                  oversized_quantity, parse_num, parse_quantity, reduce_html, round_to)


@pytest.mark.parametrize("text, direction, number, unit", [
    ("≥90.0%", HIGHER, "90.0", "%"),
    ("=6000 个", EQUAL, "6000", "个"),
    ("≤80万元", LOWER, "80", "万元"),
    ("≤30000 元", LOWER, "30000", "元"),
    ("40 万", None, "40", "万元"),
    ("90", None, "90", ""),
    ("100 家", None, "100", "家"),
    ("每年至少 50 次", HIGHER, "50", "次"),
    ("不低于90.0%", HIGHER, "90.0", "%"),
    ("≥９０．０％", HIGHER, "90.0", "%"),
    ("1,000 人次", None, "1000", "人次"),
    ("10 万元以内", LOWER, "10", "万元"),
    ("15%及其以下", LOWER, "15", "%"),                  # 苏州 资金节约率
    ("=660万重量箱/年", EQUAL, "660", "万重量箱/年"),
    ("全省第二", LOWER, "2", "全省名次"),                # a rank: lower is better, within its scope
    ("第十二名", LOWER, "12", "名次"),
    ("全国第 23 位", LOWER, "23", "全国名次"),
])
def test_targets_are_read_into_operator_number_unit(text, direction, number, unit):
    quantity = parse_quantity(text)
    assert (quantity.direction, quantity.number, quantity.unit) == (direction, Decimal(number), unit)


@pytest.mark.parametrize("text", ["达成预期指标", "提高", "不超预算", "十四五期间, 我市计划减少矿山 10%, 关闭 6 家矿山",
                                  "高于上年", "第一季度"])
def test_prose_is_qualitative(text):
    assert parse_quantity(text) is None


def test_money_units_convert():
    target = parse_quantity("≤30000 元")
    assert parse_quantity("3 万元").in_unit_of(target) == Decimal(30000)
    assert parse_quantity("30000").in_unit_of(target) == Decimal(30000)
    assert parse_quantity("5 人").in_unit_of(target) is None


def test_operator_inside_the_name():
    assert direction_in_name("股权投资总额小于") == LOWER
    assert direction_in_name("企业数量不低于") == HIGHER
    assert direction_in_name("企业数量") is None


def test_numbers_keep_their_printed_text():
    assert parse_num("5.00").text == "5.00" and parse_num("5.00").places == 2
    assert parse_num("08").value == 8 and parse_num("08").text == "08"
    rate = parse_num("89.88%")
    assert rate.percent and rate.value == Decimal("0.8988") and rate.places == 2
    assert parse_num("abc") is None


def test_rates_print_at_the_form_precision():
    assert format_rate(Decimal("0.89875"), 2, True) == "89.88%"
    assert format_rate(Decimal(1), 2, True) == "100%"
    assert format_rate(Decimal(1), 1, False) == "100.0%"
    assert format_rate(Decimal("27.97") / Decimal(34), 1, False) == "82.3%"


def test_computed_figures_take_the_printed_precision():
    assert as_printed(Decimal(99), parse_num("99.00")) == "99.00"
    assert as_printed(Decimal("100.02") / Decimal("100.30"), parse_num("99.72%"), 1, False, percent=True) == "99.72%"
    assert as_printed(Decimal(1), None, 1, False, percent=True) == "100.0%"  # none printed: the form's
    assert as_printed(Decimal(95), parse_num("100")) == "95"  # they differ: the computed figure
    assert as_printed(Decimal("98.5"), parse_num("99.00")) == "98.50"  # …as the original writes figures
    assert as_printed(Decimal("1234567.891"), None) == "1234567.89"  # never 1.23457e+06


def test_html_fragments_reduce_to_text():
    assert reduce_html("<p>目标 1：<b>完成</b></p><script>x</script>") == "目标 1：完成"


@pytest.mark.parametrize("text, fits_a_table", [
    ("999999999999999", True), ("1,000,000,000,000.5", True), ("-08", True), ("99.123456%", True),
    ("0000000000000000001", True), ("1000000000000000", False), ("1.1234567", False),
    ("123456789012345678901234567890", False), ("８８８８８８８８８８８８８８８８", False),
])
def test_fits_bounds_digits_before_and_after_the_point(text, fits_a_table):
    assert fits(text) is fits_a_table


def test_a_quantity_beyond_a_table_is_not_read_as_one():
    assert parse_quantity("123456789012345678901234567890 人") is None
    assert oversized_quantity("123456789012345678901234567890 人") == "123456789012345678901234567890"
    assert oversized_quantity("100 人") is None and oversized_quantity("提高") is None


def test_rounding_never_fails_for_want_of_precision():
    rate = Decimal("999999999999999") / Decimal("0.000001")  # the largest rate within the bounds
    assert round_to(rate * 100, 8) == Decimal("99999999999999900000000.00000000")
    assert format_rate(rate, 6, False).endswith("%")
