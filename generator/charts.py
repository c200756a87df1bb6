"""Charts drawn at build time as inline SVG: readable without JavaScript, each with
a title, a description and a text alternative (the figures as a list)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from .quantities import parse_num

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 220
CHART_WIDTH = 640
MISSING = "未填"  # an amount the original table leaves blank


@dataclass
class Chart:
    id: str
    title: str
    svg: Markup
    alternative: list[str]


def _frame(chart_id: str, title: str, description: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="jx-chart" viewBox="0 0 {CHART_WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{body}</svg>")


def _truncate(text: str, limit: int = 14) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def horizontal_bars(chart_id: str, title: str, rows: list[tuple[str, float | None, str]], maximum: float,
                    css_class: str = "jx-bar") -> Chart:
    """One bar per row: (label, value, value text); a row without a value has its text and no bar."""
    height = max(1, len(rows)) * (BAR_HEIGHT + GAP) + GAP
    scale = (CHART_WIDTH - LABEL_WIDTH - 70) / (maximum or 1)
    parts = []
    for index, (label, value, text) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        parts.append(f'<text class="jx-label" x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end">'
                     f'{escape(_truncate(label))}</text>' + _bar(css_class, value, scale, y, BAR_HEIGHT, text, 13))
    description = "；".join(f"{label}：{text}" for label, _, text in rows)
    return Chart(chart_id, title, _frame(chart_id, title, description, height, "".join(parts)),
                 [f"{label}：{text}" for label, _, text in rows])


def _bar(css_class: str, value: float | None, scale: float, top: float, height: int, text: str,
         baseline: int) -> str:
    """A bar and its value text; an unknown value gets its text (未填) at the axis and no bar."""
    width = 0.0 if value is None else max(0.0, value) * scale
    bar = "" if value is None else (f'<rect class="{css_class}" x="{LABEL_WIDTH}" y="{top}" width="{width:.1f}" '
                                    f'height="{height}"/>')
    return bar + f'<text class="jx-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{top + baseline}">{escape(text)}</text>'


def _amount(text: str | None) -> float | None:
    number = parse_num(text) if text else None
    return None if number is None else float(number.value)


def paired_bars(chart_id: str, title: str, rows: list[tuple[str, str | None, str | None]]) -> Chart:
    """Budget against executed: two bars per row (full-year budget, executed), each amount as
    entered, or 未填 without a bar."""
    height = max(1, len(rows)) * (2 * BAR_HEIGHT + 2 * GAP) + 2 * GAP + 20
    maximum = max([_amount(t) or 0 for _, b, e in rows for t in (b, e)] or [1]) or 1
    scale = (CHART_WIDTH - LABEL_WIDTH - 90) / maximum
    parts = [f'<rect class="jx-bar-budget" x="{LABEL_WIDTH}" y="4" width="12" height="10"/>'
             f'<text class="jx-value" x="{LABEL_WIDTH + 16}" y="13">全年预算数</text>'
             f'<rect class="jx-bar-executed" x="{LABEL_WIDTH + 110}" y="4" width="12" height="10"/>'
             f'<text class="jx-value" x="{LABEL_WIDTH + 126}" y="13">全年执行数</text>']
    for index, (label, budget, executed) in enumerate(rows):
        y = 24 + index * (2 * BAR_HEIGHT + 2 * GAP)
        parts.append(f'<text class="jx-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT + 4}" '
                     f'text-anchor="end">{escape(_truncate(label))}</text>')
        for offset, (text, css) in enumerate(((budget, "jx-bar-budget"), (executed, "jx-bar-executed"))):
            parts.append(_bar(css, _amount(text), scale, y + offset * BAR_HEIGHT, BAR_HEIGHT - 2, text or MISSING, 12))
    alternative = [f"{label}：全年预算数 {_with_unit(b)}，全年执行数 {_with_unit(e)}" for label, b, e in rows]
    return Chart(chart_id, title, _frame(chart_id, title, "；".join(alternative), height, "".join(parts)),
                 alternative)


def _with_unit(amount: str | None) -> str:
    return f"{amount} 万元" if amount else MISSING


GRADES = ("优", "良", "中", "差")


def grade_distribution(chart_id: str, summaries: list[dict]) -> Chart:
    counts = {grade: sum(1 for s in summaries if s["grade"] == grade) for grade in GRADES}
    rows = [(f"{grade}（{band}）", counts[grade], f"{counts[grade]} 个")
            for grade, band in zip(GRADES, ("90 分及以上", "80–90 分", "60–80 分", "60 分以下"))]
    return horizontal_bars(chart_id, "评价等级分布", rows, max(counts.values()) or 1, "jx-bar-grade")


def execution_rates(chart_id: str, rows: list[dict]) -> Chart:
    """Each evaluation's rate as its list shows it; one the table cannot give says why, without a bar."""
    bars = [(r["name"], None if r["execution_rate"] is None else min(r["execution_rate"], 150), r["rate_text"])
            for r in rows]
    known = [value for _, value, _ in bars if value is not None]
    return horizontal_bars(chart_id, "各项目预算执行率", bars, max([100, *known]))


def budget_executed(chart_id: str, rows: list[dict]) -> Chart:
    return paired_bars(chart_id, "全年预算数与全年执行数（万元）",
                       [(r["name"], r["budget_text"], r["executed_text"]) for r in rows])
