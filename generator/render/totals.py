"""The figures listing pages give of a set of evaluations: how many, their amounts, their
execution rate from what is known, their average total and grades.

A `Tally` is made in one pass over the rows of a unit's year (`site.table_row`) and added
up from set to set: the site's and each year's totals are the sums of their units'. A
folder kept whole from the last build (`blocks.py`) brings its tallies, never its rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..quantities import as_printed, figure, format_number, parse_num
from ..rules import registry
from . import charts


_AMOUNTS = (("全年预算数", "budget_text"), ("全年执行数", "executed_text"))  # an execution rate's two
NO_FUNDS = "—"  # the rate and amounts of a form that prints no funds block


def _blanks(row: dict) -> list[str]:
    """The amounts of an execution rate that a table leaves blank."""
    return [label for label, key in _AMOUNTS if not row[key]]


def no_rate(summary: dict) -> str:
    """Why an evaluation has no execution rate: the amount its table leaves blank (未填执行数)."""
    blanks = _blanks(summary)
    return charts.MISSING + blanks[0].removeprefix("全年") if blanks else "—"  # else a budget of 0


def printed_if_other(computed: str | None, printed: str | None) -> str | None:
    return printed if printed is not None and printed != computed else None


_LEFT_OUT = ("name", "budget_text", "executed_text")  # what the totals say of a row left out of the rate
_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # as most tables write an amount: `839.58`


# Each amount is summed in the site's totals, its unit's and its year's: parsed once.
@lru_cache(maxsize=1 << 16)
def _amount(text: str) -> tuple[Decimal, int]:
    """An amount's value and places; a plain one read as it is (what parse_num makes of it,
    without its normalizing: 20,000 amounts a build)."""
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text), len(text.partition(".")[2])
    number = parse_num(text)
    return number.value, number.places


def _sum_text(total: Decimal, places: int) -> str:
    """A sum of amounts, exact, to as many places as its most precise amount."""
    return format_number(total, places, strip_zeros=False)


@dataclass
class Tally:
    """What `totals` needs of a set of evaluations, made in one pass over their rows and added
    up from set to set: the site's and each year's totals are the sums of their units' (a
    one-file edit of 10,000 evaluations read every row three times). Sums of amounts are
    exact (Decimal, far within its 28 digits), so the order they are added in does not matter."""
    count: int = 0  # scored
    funded: int = 0  # scored, of a form with a funds block
    known: int = 0  # funded, with both amounts of the rate
    budget: list = field(default_factory=lambda: [Decimal(0), 0])  # of the funded with a budget: sum, places
    rate_budget: list = field(default_factory=lambda: [Decimal(0), 0])  # of the known
    rate_executed: list = field(default_factory=lambda: [Decimal(0), 0])
    total: Decimal = Decimal(0)  # of the scored totals
    full_marks: set = field(default_factory=set)
    forms: set = field(default_factory=set)
    grades: dict = field(default_factory=lambda: dict.fromkeys(charts.GRADES, 0))
    left_out: list = field(default_factory=list)  # funded rows whose table leaves an amount blank (`_LEFT_OUT` of them)

    @classmethod
    def of(cls, rows: list[dict]) -> "Tally":
        tally = cls()
        for row in rows:
            tally.add(row)
        return tally

    def add(self, row: dict) -> None:
        if row["total"] is None:
            return
        self.count += 1
        self.total += Decimal(str(row["total"]))
        self.full_marks.add(row["full_marks"])
        self.forms.add(row["form"])
        if row["grade"] in self.grades:
            self.grades[row["grade"]] += 1
        if not row.get("funds", True):
            return
        self.funded += 1
        budget, executed = row["budget_text"], row["executed_text"]
        if budget:
            _add_amount(self.budget, budget)
        if not budget or not executed:
            self.left_out.append(row)
            return
        self.known += 1
        _add_amount(self.rate_budget, budget)
        _add_amount(self.rate_executed, executed)

    def merge(self, other: "Tally") -> None:
        for name in ("count", "funded", "known", "total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.budget, other.budget), (self.rate_budget, other.rate_budget),
                             (self.rate_executed, other.rate_executed)):
            mine[0] += theirs[0]
            mine[1] = max(mine[1], theirs[1])
        self.full_marks |= other.full_marks
        self.forms |= other.forms
        for grade, count in other.grades.items():
            self.grades[grade] += count
        self.left_out += other.left_out

    def to_data(self) -> dict:
        """The tally as JSON data, for the manifest."""
        return {"counts": [self.count, self.funded, self.known], "total": str(self.total),
                "sums": [[str(value), places] for value, places in (self.budget, self.rate_budget, self.rate_executed)],
                "full_marks": sorted(self.full_marks, key=lambda marks: (marks is None, marks or "")),
                "forms": sorted(self.forms), "grades": list(self.grades.values()),
                "left_out": [[row[key] for key in _LEFT_OUT] for row in self.left_out]}

    @classmethod
    def from_data(cls, data) -> "Tally | None":
        """The tally `to_data` gave; None when `data` is not of its shape (a record of the right
        checksum and the wrong shape can only have been forged)."""
        try:
            counts, sums, grades, left_out = data["counts"], data["sums"], data["grades"], data["left_out"]
            numbers = [*counts, *grades, *(places for _, places in sums)]
            if (len(counts) != 3 or len(sums) != 3 or len(grades) != len(charts.GRADES)
                    or not all(type(n) is int and n >= 0 for n in numbers)
                    or not all(type(row) is list and len(row) == len(_LEFT_OUT)
                               and all(type(item) in (str, type(None)) for item in row) for row in left_out)
                    or not all(type(m) in (str, type(None)) for m in data["full_marks"])
                    or not all(type(f) is str for f in data["forms"])):
                return None
            total, *values = (_finite(text) for text in [data["total"], *(value for value, _ in sums)])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return None
        return cls(*counts, *([value, places] for value, (_, places) in zip(values, sums)), total=total,
                   full_marks=set(data["full_marks"]), forms=set(data["forms"]),
                   grades=dict(zip(charts.GRADES, grades)), left_out=[dict(zip(_LEFT_OUT, row)) for row in left_out])

    @classmethod
    def merged(cls, tallies) -> "Tally":
        whole = cls()
        for tally in tallies:
            whole.merge(tally)
        return whole


def _finite(text) -> Decimal:
    if type(text) is not str:
        raise TypeError(text)
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(text)
    return value


def _add_amount(held: list, text: str) -> None:
    value, places = _amount(text)
    held[0] += value
    held[1] = max(held[1], places)


def totals(rows: list[dict]) -> dict:
    """The figures of a set of evaluations, each from what is known: the execution rate only of
    the evaluations whose table gives both the budget and the executed amount."""
    return totals_of(Tally.of(rows))


def totals_of(tally: Tally) -> dict:
    """`totals` of the evaluations a tally was made of."""
    budget_known, executed_known = tally.rate_budget[0], tally.rate_executed[0]
    # Totals out of different full marks (苏州 80, others 100) are not averaged together.
    average = tally.total / tally.count if len(tally.full_marks) == 1 else None
    return {"count": tally.count, "funded": tally.funded,
            "budget": _sum_text(*tally.budget),
            "rate": _rate_of(tally.forms, executed_known / budget_known) if budget_known else None,
            "rate_count": tally.known, "rate_budget": _sum_text(*tally.rate_budget),
            "rate_executed": _sum_text(*tally.rate_executed),
            "left_out": _by_missing(tally.left_out),
            "average": figure(average),
            "full_marks": sorted((m for m in tally.full_marks if m is not None), key=Decimal, reverse=True),
            "grades": dict(tally.grades)}


def _rate_of(forms: set[str], value: Decimal) -> str:
    """A rate of several evaluations at the precision of their form (2 places when they have several)."""
    form = registry.forms().get(next(iter(forms))) if len(forms) == 1 else None
    places, strip_zeros = (form.rate_places, form.rate_strip_zeros) if form else (2, True)
    return as_printed(value, None, places, strip_zeros, percent=True)


def _by_missing(rows: list[dict]) -> dict[str, list[str]]:
    """The names of evaluations left out of a rate, by what their table leaves blank."""
    left_out: dict[str, list[str]] = {}
    for row in rows:
        left_out.setdefault("和".join(_blanks(row)), []).append(row["name"])
    return left_out


def year_totals(groups: list, tallies: dict[str, Tally]) -> list[dict]:
    """Per year, each unit's totals, and the year's across its units where there are several:
    amounts of different years are never added together. `groups`: `site.UnitYear`s;
    `tallies`: each one's, by its URL."""
    years: dict[str, list] = {}
    for unit_year in groups:
        years.setdefault(unit_year.year, []).append(unit_year)
    return [{"year": year,
             "units": [(g, totals_of(tallies[g.url])) for g in units],
             "totals": totals_of(Tally.merged(tallies[g.url] for g in units)) if len(units) > 1 else None}
            for year, units in sorted(years.items())]
