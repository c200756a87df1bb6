"""The rows of an indicator table as a form prints them: merged 一级/二级 cells
(row spans) and the form's rule for categories with no indicators."""
from __future__ import annotations

from dataclasses import dataclass

from .model import Evaluation, Indicator
from .registry import Form


@dataclass
class Row:
    leaf: Indicator | None
    level2: Indicator | None = None
    level1: Indicator | None = None
    level1_span: int = 0  # > 0 on the first row of a level-1 block
    level2_span: int = 0  # > 0 on the first row of a level-2 block


def _level2_rows(level2: Indicator, form: Form) -> list[Row]:
    if level2.children:
        return [Row(leaf, level2) for leaf in level2.children]
    if level2.weight is not None or level2.score is not None:  # an indicator written at level 2
        return [Row(level2)]
    return [] if form.empty_category == "omit" else [Row(None, level2)]


def indicator_rows(evaluation: Evaluation, form: Form) -> list[Row]:
    rows: list[Row] = []
    for level1 in evaluation.indicators:
        block: list[Row] = []
        for level2 in level1.children:
            part = _level2_rows(level2, form)
            if part and part[0].level2 is not None:
                part[0].level2_span = len(part)
            block += part
        if not block:
            block = [Row(None)]
        for row in block:
            row.level1 = level1
        block[0].level1_span = len(block)
        rows += block
    return rows
