"""The grid every renderer draws: cells with their text, figure, format, spans, style
role and repeat-on-continuation; formulas over grid coordinates, what they compute and
how a spreadsheet writes them; page breaks that cut the repeated cells.

A cell has its printed text and a style role; a figure also its Decimal value and a
number format that prints the value as the text; a figure a spreadsheet should compute
also its formula, over grid coordinates (`Ref`, `Area`), which the XLSX writer turns
into A1 references. The head rows of a table part are printed again at the top of
each page it continues onto, and so are the cells marked `repeat` (the 绩效指标 and
level labels), cut at the page breaks by `Grid.split`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Callable, Iterable, NamedTuple

from ..quantities import parse_num, round_to


# --- formulas over grid coordinates -------------------------------------------------------

class Ref(NamedTuple):  # a tuple: grids look up and hash hundreds of these per table
    row: int
    col: int


@dataclass(frozen=True)
class Area:
    first: Ref
    last: Ref


@dataclass(frozen=True)
class Formula:
    """`op` is "+", "-", "*", "/" (two arguments) or SUM, MIN, ROUND; an argument is a Ref,
    an Area (SUM only), a Formula or a number."""

    op: str
    args: tuple

    def refs(self) -> Iterable[Ref]:
        for arg in self.args:
            yield from _references(arg)


def _references(arg) -> Iterable[Ref]:
    """The cells a formula's argument reads."""
    if isinstance(arg, Ref):
        yield arg
    elif isinstance(arg, Area):  # plain tuples: equal to Refs, and far cheaper to make
        yield from ((r, c) for r in range(arg.first.row, arg.last.row + 1)
                    for c in range(arg.first.col, arg.last.col + 1))
    elif isinstance(arg, Formula):
        yield from arg.refs()


def plus(a, b) -> Formula:
    return Formula("+", (a, b))


def minus(a, b) -> Formula:
    return Formula("-", (a, b))


def times(a, b) -> Formula:
    return Formula("*", (a, b))


def divided(a, b) -> Formula:
    return Formula("/", (a, b))


def call(name: str, *args) -> Formula:
    return Formula(name, args)


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def excel(formula: Formula, a1: Callable[[Ref], str]) -> str:
    """The formula in spreadsheet notation (without `=`), each Ref named by `a1`."""
    def term(arg, parent: str | None = None, right: bool = False) -> str:
        if isinstance(arg, Ref):
            return a1(arg)
        if isinstance(arg, Area):
            return f"{a1(arg.first)}:{a1(arg.last)}"
        if isinstance(arg, Formula):
            if arg.op in _PRECEDENCE:
                text = term(arg.args[0], arg.op) + arg.op + term(arg.args[1], arg.op, True)
                outer = _PRECEDENCE.get(parent or "", 0)
                inner = _PRECEDENCE[arg.op]
                return f"({text})" if inner < outer or (right and inner == outer and parent in "-/") else text
            return f"{arg.op}({','.join(term(a) for a in arg.args)})"
        return format(Decimal(arg), "f")
    return term(formula)


def _summed(args: tuple, number: Callable[[Ref], Decimal | None]) -> list[Decimal]:
    """The figures a SUM adds up: an area's cells read down its column (the subtotals of a
    table: a few hundred a table), anything else by its references."""
    found = []
    for arg in args:
        if isinstance(arg, Area) and arg.first.col == arg.last.col:
            col = arg.first.col
            found += [n for row in range(arg.first.row, arg.last.row + 1) if (n := number((row, col))) is not None]
        else:
            found += [n for ref in _references(arg) if (n := number(ref)) is not None]
    return found


def evaluate(formula: Formula, number: Callable[[Ref], Decimal | None]) -> Decimal | None:
    """What a spreadsheet computes: a blank cell counts 0, SUM skips blanks; None for an
    error (a division by zero)."""
    def value(arg):
        if isinstance(arg, Formula):
            return evaluate(arg, number)
        if isinstance(arg, Ref):
            found = number(arg)
            return Decimal(0) if found is None else found
        return Decimal(arg)

    op, args = formula.op, formula.args
    if op == "SUM":
        return sum(_summed(args, number), Decimal(0))
    values = [value(arg) for arg in args]
    if any(v is None for v in values):
        return None
    if op == "+":
        return values[0] + values[1]
    if op == "-":
        return values[0] - values[1]
    if op == "*":
        return values[0] * values[1]
    if op == "/":
        return values[0] / values[1] if values[1] else None
    if op == "MIN":
        return min(values)
    if op == "ROUND":
        return round_to(values[0], int(values[1]))
    raise ValueError(f"unknown formula operation {op}")


# --- cells, rows, parts and the grid -----------------------------------------------------

@dataclass(slots=True)
class Cell:
    row: int
    col: int
    text: str = ""
    role: str = "blank"
    rows: int = 1
    cols: int = 1
    number: Decimal | None = None   # a figure's value; `text` is how it prints
    fmt: str | None = None          # a number format (spreadsheet notation) printing `number` as `text`
    formula: Formula | None = None  # how a spreadsheet computes the figure
    repeat: bool = False            # printed again on each page the cell continues onto
    what: str | None = None         # the figure's name, for notes: 总分、年度资金总额执行率
    copied: str | None = None       # why a figure that cannot be computed is copied from the original


@dataclass
class Row:
    cells: list[Cell]
    role: str = ""            # "total", "explanation": the row's own style
    line: int | None = None   # an indicator row's number (from 0): pages may break before it
    page_start: bool = False  # a page break falls before this row


@dataclass(frozen=True)
class Part:
    """Consecutive rows drawn together: the title lines, or a table with its head rows."""

    kind: str      # "lines" or "table"
    name: str      # "title", "top", "indicators"
    caption: str
    first: int
    head: int      # rows from `first` repeated at the top of each page
    end: int


@dataclass
class Grid:
    widths: tuple[float, ...]   # the printed columns, in percent of the table's width
    rows: list[Row]
    parts: list[Part]
    aside: tuple[float, ...] = ()  # columns after the printed ones (spreadsheet only), same units

    def cells(self) -> Iterable[Cell]:
        for row in self.rows:
            yield from row.cells

    def part(self, name: str) -> Part | None:
        return next((p for p in self.parts if p.name == name), None)

    def value(self, ref: Ref) -> Decimal | None:
        """The number a cell holds: its formula's result, or its figure. Each is worked out
        once (a total sums subtotals that sum rows): a laid-out grid's figures do not change."""
        if ref in self._values:
            return self._values[ref]
        cell = self._by_ref.get(ref)
        if cell is None or cell.formula is None:
            found = None if cell is None else cell.number
        else:
            found = evaluate(cell.formula, self.value)
        self._values[ref] = found
        return found

    @cached_property
    def _values(self) -> dict[Ref, Decimal | None]:
        return {}

    @cached_property
    def _by_ref(self) -> dict[Ref, Cell]:
        return {(c.row, c.col): c for c in self.cells()}  # keyed by plain tuples, which equal Refs

    @cached_property
    def computed(self) -> list[Cell]:
        """The cells a spreadsheet computes (those with a formula), in order."""
        return [cell for cell in self.cells() if cell.formula is not None]

    def departures(self) -> list[tuple[Cell, Decimal | None]]:
        """Computed cells whose formula gives another figure than the one printed (an aside's
        figure is the one its formula gives: it never departs)."""
        found = []
        for cell in self.computed:
            if cell.role != "aside":
                value = self.value(Ref(cell.row, cell.col))
                if not prints_as(value, cell.text):
                    found.append((cell, value))
        return found

    def split(self, lines: Iterable[int]) -> "Grid":
        """The grid with a page break before each of these indicator rows: the rows are
        marked, and each repeated cell that runs across a break is cut there, its text
        printed again below the break."""
        wanted = set(lines)
        starts = sorted(i for i, row in enumerate(self.rows) if row.line and row.line in wanted)
        rows = [Row([replace(c) for c in row.cells], row.role, row.line, i in starts)
                for i, row in enumerate(self.rows)]
        for row in list(rows):
            for cell in row.cells:
                if cell.repeat:
                    _cut(cell, [s for s in starts if cell.row < s < cell.row + cell.rows], rows)
        for row in rows:
            row.cells.sort(key=lambda c: c.col)
        return Grid(self.widths, rows, self.parts, self.aside)


def _cut(cell: Cell, starts: list[int], rows: list[Row]) -> None:
    if not starts:
        return
    end = cell.row + cell.rows
    cell.rows = starts[0] - cell.row
    for start, stop in zip(starts, starts[1:] + [end]):
        rows[start].cells.append(replace(cell, row=start, rows=stop - start))


def prints_as(value: Decimal | None, text: str) -> bool:
    """Whether a computed value prints as this text at the text's own precision."""
    printed = parse_num(text) if text else None
    if value is None or printed is None:
        return value is None and printed is None
    scale = 100 if printed.percent else 1
    return round_to(value * scale, printed.places) == round_to(printed.value * scale, printed.places)


@lru_cache(maxsize=4096)  # a table's figures share a few dozen texts (`5.00`, `10`)
def number_format(text: str) -> str:
    """The number format that prints a figure as this text: `5.00`, `08`, `1,000`, `89.88%`."""
    digits = text.strip()
    percent = digits.endswith("%")
    whole, _, places = digits.rstrip("%").strip().lstrip("+-").partition(".")
    if "," in whole:
        integer = "#,##0"
    elif whole.startswith("0") and len(whole) > 1:
        integer = "0" * len(whole)
    else:
        integer = "0"
    return integer + ("." + "0" * len(places) if places else "") + ("%" if percent else "")
