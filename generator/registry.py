"""Forms (printed layouts) and schemes (scoring rules): declarative files, read once.

Built-in ones live in `generator/forms/` and `generator/schemes/`; a project may
add its own beside `site_config.yml` in `forms/` and `schemes/` directories.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Level1:
    name: str
    weight: Decimal
    children: tuple[str, ...]


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    region: str
    year_line: str
    unit_line: str
    orientation: str
    party_format: str
    department_label: str
    implementer_label: str
    funds_label: str
    funds_rows: dict[str, str]
    rate_rows: tuple[str, ...]
    rate_places: int
    rate_strip_zeros: bool
    goal_labels: dict[str, str]
    levels: tuple[str, ...]
    level1: tuple[Level1, ...]
    empty_category: str
    explanation_below: Decimal | None
    level1_label: str = "{name}({weight}分)"
    column_labels: dict = field(default_factory=dict)
    # Print layout, on the grid of nine columns all three forms share (section, 一级, 二级,
    # 三级, 指标值, 完成值, 分值, 得分, 偏差原因): which header fields share a row, which
    # funds cells print a dash, and the width of each column in percent.
    header_rows: tuple[tuple[str, ...], ...] = (("project",), ("department", "implementer"))
    funds_dashes: dict = field(default_factory=dict)
    column_widths: tuple[float, ...] = (8.3, 8.5, 8.5, 20.5, 12.2, 12.2, 6.1, 7.2, 16.5)

    def column(self, key: str, default: str) -> str:
        """A column heading as this form prints it (some add A/B markers)."""
        return self.column_labels.get(key, default)

    @classmethod
    def from_dict(cls, data: dict) -> "Form":
        rate = data.pop("rate_format")
        below = data.pop("explanation_below")
        if "header_rows" in data:
            data["header_rows"] = tuple(tuple(row) for row in data["header_rows"])
        if "column_widths" in data:
            data["column_widths"] = tuple(data["column_widths"])
        data.update(
            level1=tuple(Level1(d["name"], Decimal(str(d["weight"])), tuple(d["children"]))
                         for d in data.pop("level1")),
            rate_places=rate["places"], rate_strip_zeros=rate["strip_zeros"],
            rate_rows=tuple(data["rate_rows"]), levels=tuple(data["levels"]),
            explanation_below=None if below is None else Decimal(str(below)))
        return cls(**data)

    def party(self, name: str, code: str | None) -> str:
        if not code:
            return name
        return self.party_format.format(name=name, code=code)

    def level1_title(self, name: str, weight: str | None) -> str:
        """`产出指标(50分)`: a level-1 indicator's label with its weight, as the form prints it."""
        return self.level1_label.format(name=name, weight=weight) if weight else name

    def level1_weight(self, name: str) -> Decimal | None:
        return next((item.weight for item in self.level1 if item.name == name), None)


@dataclass(frozen=True)
class QualitativeLevel:
    labels: tuple[str, ...]
    low: Decimal
    high: Decimal
    description: str

    def admits(self, fraction: Decimal) -> bool:
        """Bands include their lower bound; only the top band includes its upper one.
        A level with one fixed share (low == high) admits exactly that share."""
        if self.low == self.high:
            return fraction == self.low
        return self.low <= fraction < self.high or (self.high == 1 and fraction == 1)


def _exact(value):
    """A rule's parameters with every number as a Decimal, made once when the scheme is read."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


@dataclass(frozen=True)
class QuantitativeRule:
    when: dict
    rule: str
    params: dict
    description: str

    def applies(self, level1_name: str) -> bool:
        names = self.when.get("level1")
        return not names or level1_name in names


@dataclass(frozen=True)
class Scheme:
    id: str
    title: str
    basis: str
    total_points: Decimal
    score_places: int
    funds_cap: Decimal
    funds_description: str
    grades: tuple[tuple[Decimal, str, str], ...]
    levels: tuple[QualitativeLevel, ...]
    lower_is_better_categories: tuple[str, ...]
    quantitative: tuple[QuantitativeRule, ...]
    not_applicable: str
    shortfall_needs_reason: bool = True
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "Scheme":
        def dec(value) -> Decimal:
            return Decimal(str(value))

        return cls(
            id=data["id"], title=data["title"], basis=data.get("basis", ""),
            total_points=dec(data["total_points"]), score_places=data.get("score_places", 2),
            funds_cap=dec(data["funds"]["cap"]), funds_description=data["funds"]["description"],
            grades=tuple((dec(g["min"]), g["grade"], g.get("description", "")) for g in data["grades"]),
            levels=tuple(QualitativeLevel(tuple(lv["labels"]), dec(lv["min"]), dec(lv["max"]),
                                          lv.get("description", ""))
                         for lv in data.get("qualitative_levels", [])),
            lower_is_better_categories=tuple(data.get("lower_is_better_categories", [])),
            quantitative=tuple(QuantitativeRule(q.get("when") or {}, q["rule"], _exact(q.get("params") or {}),
                                                q.get("description", ""))
                               for q in data.get("quantitative", [])),
            not_applicable=data.get("not_applicable", ""),
            shortfall_needs_reason=data.get("shortfall_needs_reason", True),
        )

    def grade(self, total: Decimal) -> str | None:
        return next((name for low, name, _ in self.grades if total >= low), None)

    def level(self, text: str) -> QualitativeLevel | None:
        return self._level_of_label.get("".join(text.split()))

    @cached_property
    def _level_of_label(self) -> dict[str, QualitativeLevel]:
        return {label: level for level in reversed(self.levels) for label in level.labels}  # the first level wins

    def rule_for(self, level1_name: str) -> QuantitativeRule | None:
        return next((rule for rule in self.quantitative if rule.applies(level1_name)), None)


def _read_dir(kind: str, extra_dirs: tuple[Path, ...]) -> dict[str, dict]:
    found = {}
    for directory in (PACKAGE_DIR / kind, *extra_dirs):
        for path in sorted(Path(directory).glob("*.yml")):
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            found[data["id"]] = data
    return found


@lru_cache(maxsize=None)
def forms(extra_dirs: tuple[Path, ...] = ()) -> dict[str, Form]:
    return {key: Form.from_dict(dict(data)) for key, data in _read_dir("forms", extra_dirs).items()}


@lru_cache(maxsize=None)
def schemes(extra_dirs: tuple[Path, ...] = ()) -> dict[str, Scheme]:
    return {key: Scheme.from_dict(data) for key, data in _read_dir("schemes", extra_dirs).items()}
