"""Every value jixiao puts into a worksheet goes through `set_value`.

openpyxl makes any text that begins with `=` a formula (and `#N/A` an error value): text
from the content would be evaluated. Only a `Formula`, which jixiao itself builds over
its own cells, is written as one; every other text is a string cell, shown as written.
"""
from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..inert import looks_like_formula


class Formula(str):
    """A formula jixiao writes (`=SUM(G7:G20)`), as opposed to text that only looks like one."""


def set_value(cell, value) -> None:
    """A Formula stays a formula and numbers stay numbers. Text is a string cell, with Excel's
    quote prefix where it begins like a formula (so that editing it does not evaluate it
    either); characters XML cannot hold are dropped (`jixiao validate` reports them)."""
    if not isinstance(value, str) or isinstance(value, Formula):
        cell.value = str(value) if isinstance(value, Formula) else value
        return
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"
    if looks_like_formula(value):
        cell.quotePrefix = True
