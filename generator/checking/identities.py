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
    sides = []
    for part in parts:
        tokens = _OPERATOR.split(part)
        terms = [_term(1, tokens[0])]
        terms += [_term(-1 if operator != "+" else 1, name) for operator, name in zip(tokens[1::2], tokens[2::2])]
        if any(not term.column for term in terms):
            return None
        sides.append(tuple(terms))
    return Identity(text, tuple(sides))


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

    def resolve(self, own: Table, row: TableRow, side: tuple[Term, ...]) -> Resolved:
        cells = []
        for term in side:
            table = self.table(own, term)
            source = row if table is own else table.rows[0]
            column = table.columns.index(term.column)
            num = source.values[column] if column < len(source.values) else None
            cells.append((term, None if num is None else num.value))
        return Resolved(cells)


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
