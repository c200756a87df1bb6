"""Identities between the figures of a report's tables, as the evaluation file declares them
(`identities:` of a figure table): `指标结余数 = 年初预算数 + 当年调整预算数 - 财政拨款数`.

An identity is two or more sides joined by `=`; a side is columns added or taken away
(`+`, `-` or `−`, with a space on either side). A column is one of its own table's, or
another table's written `表名.栏目` (or `表号.栏目`). An identity holds for each top-level
row of its table; another table's column is the figure of that table's one top-level row.
The checks compare the sides (`checks.check_identities`); the layout makes the first
column of an identity whose other side is its own row's a formula of that side.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..loading.model import Table, TableRow
from ..quantities import Num, format_number

_SIDES = re.compile(r"\s*=\s*")
_OPERATOR = re.compile(r"\s+([+\-−])\s+")
MINUS = "−"  # how a reader's text writes taking away


@dataclass(frozen=True)
class Term:
    sign: int          # 1 or -1
    table: str | None  # another table, by its id or title; None: the identity's own
    column: str

    @property
    def text(self) -> str:
        return self.column if self.table is None else f"{self.table}.{self.column}"


@dataclass(frozen=True)
class Identity:
    text: str
    sides: tuple[tuple[Term, ...], ...]


def parse(text: str) -> Identity | None:
    """The identity a text writes, or None when it is not one (no `=`, an empty side)."""
    parts = _SIDES.split(text.strip())
    if len(parts) < 2 or not all(parts):
        return None
    sides = [parse_side(part) for part in parts]
    return None if None in sides else Identity(text, tuple(sides))


def parse_side(text: str) -> tuple[Term, ...] | None:
    """The columns a text adds up (`甲 + 乙 − 丙`), or None when one of them has no name."""
    tokens = _OPERATOR.split(text.strip())
    terms = [_term(1, tokens[0])]
    terms += [_term(-1 if operator != "+" else 1, name) for operator, name in zip(tokens[1::2], tokens[2::2])]
    return None if any(not term.column for term in terms) else tuple(terms)


def table_figure(text: str) -> tuple[Term, ...] | None:
    """A figure written outside the tables as a sum of their cells, each `表名.栏目` or
    `表名.行名.栏目` (`市级预算执行情况（万元）.年初预算数 + 市级预算执行情况（万元）.当年调整预算数`);
    None when the text is not one (a term names no table)."""
    side = parse_side(text)
    return side if side is not None and all(term.table for term in side) else None


def _term(sign: int, name: str) -> Term:
    table, dot, column = name.strip().rpartition(".")
    return Term(sign, table if dot else None, column)


@dataclass
class Resolved:
    """The figures of one side for one row: each term's cell and what they add up to."""

    cells: list[tuple[Term, Decimal | None]]

    @property
    def complete(self) -> bool:
        return all(value is not None for _, value in self.cells)

    @property
    def value(self) -> Decimal:
        return sum((term.sign * value for term, value in self.cells), Decimal(0))


class Tables:
    """The evaluation's figure tables, by id and by title, for resolving references."""

    def __init__(self, tables: list[Table]):
        self.tables = tables
        self.named = {key: table for table in tables for key in (table.title, table.id) if key}

    def table(self, own: Table, term: Term) -> Table | None:
        return own if term.table is None else self.named.get(term.table)

    def problem(self, own: Table, term: Term) -> tuple[str, list[str]] | None:
        """(the reference as written, what it may be) when a term names nothing it can read."""
        table = self.table(own, term)
        if table is None:
            return term.table, sorted(self.named)
        if term.column not in table.columns:
            return term.text, [c if table is own else f"{term.table}.{c}" for c in table.columns]
        if table is not own and len(table.rows) != 1:
            return term.text, []
        return None

    # A figure written outside the tables (an indicator's input, a claim of the narrative) names
    # each cell `表名.栏目` (the table's one top-level row) or `表名.行名.栏目` (a row at any depth).

    def locate(self, term: Term) -> tuple[Table | None, str | None]:
        """The table a term outside the tables names, and the label of the row it names below the head."""
        table = self.named.get(term.table)
        if table is not None:
            return table, None
        title, _, label = term.table.partition(".")
        table = self.named.get(title)
        return (table, label) if table is not None and label else (None, None)

    def outside_problem(self, side: tuple[Term, ...]) -> tuple[str, list[str]] | None:
        """(the reference as written, what it may be) for the first term that names no cell."""
        for term in side:
            table, label = self.locate(term)
            if table is None:
                return term.table, sorted(self.named)
            if label is not None and label not in _labelled(table):
                return term.table, [f"{table.title}.{name}" for name in _labelled(table)]
            if term.column not in table.columns:
                return term.text, [f"{term.table}.{column}" for column in table.columns]
            if label is None and len(table.rows) != 1:
                return term.text, []
        return None

    def cells(self, side: tuple[Term, ...]) -> list[Cell]:
        """The cells a figure outside the tables adds up (its terms name cells: see outside_problem)."""
        found = []
        for term in side:
            table, label = self.locate(term)
            row = table.rows[0] if label is None else _labelled(table)[label]
            column = table.columns.index(term.column)
            found.append(Cell(term, table, label, row.values[column] if column < len(row.values) else None))
        return found

    def figure(self, side: tuple[Term, ...]) -> Decimal | None:
        """What a figure outside the tables adds up to; None when a cell is blank."""
        cells = self.cells(side)
        if any(cell.num is None for cell in cells):
            return None
        return sum((cell.term.sign * cell.num.value for cell in cells), Decimal(0))


    def resolve(self, own: Table, row: TableRow, side: tuple[Term, ...]) -> Resolved:
        cells = []
        for term in side:
            table = self.table(own, term)
            source = row if table is own else table.rows[0]
            column = table.columns.index(term.column)
            num = source.values[column] if column < len(source.values) else None
            cells.append((term, num.value if isinstance(num, Num) else None))  # a blank or a text: nothing to add
        return Resolved(cells)


@dataclass(frozen=True)
class Cell:
    """A cell a figure outside the tables names: its table, the row's label (None for the one
    top-level row) and its figure as printed (None when blank)."""

    term: Term
    table: Table
    label: str | None
    num: Num | None


def cells_words(cells: list[Cell]) -> str:
    """Cells as a reader names them: `表“甲”的乙 + 丙`, `表“甲”中“某行”的乙`, each table named
    once for its cells that follow one another."""
    parts, last = [], None
    for cell in cells:
        name = f"“{cell.label}”的{cell.term.column}" if cell.label else cell.term.column
        if cell.table is not last:
            name = f"表“{cell.table.title}”{'中' if cell.label else '的'}{name}"
        parts.append((cell.term.sign, name))
        last = cell.table
    return signed(parts)


def cells_printed(cells: list[Cell]) -> str:
    """Their figures as printed: `57572.29`, or `50660.00 + 6962.80 = 57622.80`."""
    if len(cells) == 1:
        return cells[0].num.text
    total = sum((cell.term.sign * cell.num.value for cell in cells), Decimal(0))
    figures = signed([(cell.term.sign, cell.num.text) for cell in cells])
    return f"{figures} = {format_number(total, max(cell.num.places for cell in cells), False)}"


def _labelled(table: Table) -> dict[str, TableRow]:
    """A table's rows at any depth, by label."""
    found, rows = {}, list(table.rows)
    while rows:
        row = rows.pop(0)
        if row.label:
            found.setdefault(row.label, row)
        rows[:0] = row.children
    return found


def signed(parts: list[tuple[int, str]]) -> str:
    """`甲 + 乙 − 丙`."""
    (sign, first), rest = parts[0], parts[1:]
    return (first if sign > 0 else f"{MINUS}{first}") + \
        "".join(f" {'+' if sign > 0 else MINUS} {text}" for sign, text in rest)


def own_formulas(table: Table) -> dict[int, tuple[Term, ...]]:
    """The columns of a table that its identities compute from its own row: the first side of
    an identity when it is one of the table's columns, and its second side reads only the same
    row (`指标结余数 = 年初预算数 + 调整数 − 财政拨款数`), by column index."""
    found = {}
    for text in table.identities:
        identity = parse(text)
        if identity is None or len(identity.sides[0]) != 1:
            continue
        first, formula = identity.sides[0][0], identity.sides[1]
        if first.sign > 0 and first.table is None and first.column in table.columns \
                and all(term.table is None and term.column in table.columns for term in formula):
            found.setdefault(table.columns.index(first.column), formula)
    return found
