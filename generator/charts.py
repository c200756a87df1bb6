"""Charts drawn at build time as inline SVG: readable without JavaScript, each with
a title, a description and a text alternative (the figures as a list)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 220
CHART_WIDTH = 640


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


def horizontal_bars(chart_id: str, title: str, rows: list[tuple[str, float, str]], maximum: float,
                    css_class: str = "jx-bar") -> Chart:
    """One bar per row: (label, value, value text)."""
    height = max(1, len(rows)) * (BAR_HEIGHT + GAP) + GAP
    scale = (CHART_WIDTH - LABEL_WIDTH - 70) / (maximum or 1)
    parts = []
    for index, (label, value, text) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = max(0.0, value) * scale
        parts.append(
            f'<text class="jx-label" x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end">{escape(_truncate(label))}</text>'
            f'<rect class="{css_class}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}"/>'
            f'<text class="jx-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 13}">{escape(text)}</text>')
    description = "；".join(f"{label}：{text}" for label, _, text in rows)
    return Chart(chart_id, title, _frame(chart_id, title, description, height, "".join(parts)),
                 [f"{label}：{text}" for label, _, text in rows])


def paired_bars(chart_id: str, title: str, rows: list[tuple[str, float, float]]) -> Chart:
    """Budget against executed: two bars per row (full-year budget, executed)."""
    height = max(1, len(rows)) * (2 * BAR_HEIGHT + 2 * GAP) + 2 * GAP + 20
    maximum = max([max(b, e) for _, b, e in rows] or [1]) or 1
    scale = (CHART_WIDTH - LABEL_WIDTH - 90) / maximum
    parts = [f'<rect class="jx-bar-budget" x="{LABEL_WIDTH}" y="4" width="12" height="10"/>'
             f'<text class="jx-value" x="{LABEL_WIDTH + 16}" y="13">全年预算数</text>'
             f'<rect class="jx-bar-executed" x="{LABEL_WIDTH + 110}" y="4" width="12" height="10"/>'
             f'<text class="jx-value" x="{LABEL_WIDTH + 126}" y="13">全年执行数</text>']
    for index, (label, budget, executed) in enumerate(rows):
        y = 24 + index * (2 * BAR_HEIGHT + 2 * GAP)
        parts.append(f'<text class="jx-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT + 4}" '
                     f'text-anchor="end">{escape(_truncate(label))}</text>')
        for offset, (value, css) in enumerate(((budget, "jx-bar-budget"), (executed, "jx-bar-executed"))):
            top = y + offset * BAR_HEIGHT
            parts.append(f'<rect class="{css}" x="{LABEL_WIDTH}" y="{top}" width="{value * scale:.1f}" '
                         f'height="{BAR_HEIGHT - 2}"/><text class="jx-value" x="{LABEL_WIDTH + value * scale + 6:.1f}" '
                         f'y="{top + 12}">{value:g}</text>')
    alternative = [f"{label}：全年预算数 {b:g} 万元，全年执行数 {e:g} 万元" for label, b, e in rows]
    return Chart(chart_id, title, _frame(chart_id, title, "；".join(alternative), height, "".join(parts)),
                 alternative)


GRADES = ("优", "良", "中", "差")


def grade_distribution(chart_id: str, summaries: list[dict]) -> Chart:
    counts = {grade: sum(1 for s in summaries if s["grade"] == grade) for grade in GRADES}
    rows = [(f"{grade}（{band}）", counts[grade], f"{counts[grade]} 个")
            for grade, band in zip(GRADES, ("90 分及以上", "80–90 分", "60–80 分", "60 分以下"))]
    return horizontal_bars(chart_id, "评价等级分布", rows, max(counts.values()) or 1, "jx-bar-grade")


def execution_rates(chart_id: str, summaries: list[dict]) -> Chart:
    rows = [(s["name"], min(s["execution_rate"], 150), f"{s['execution_rate']:.2f}%")
            for s in summaries if s["execution_rate"] is not None]
    return horizontal_bars(chart_id, "各项目预算执行率", rows, 100 if not rows else max(100, max(r[1] for r in rows)))


def budget_executed(chart_id: str, summaries: list[dict]) -> Chart:
    rows = [(s["name"], s["budget"] or 0, s["executed"] or 0) for s in summaries if s["budget"] is not None]
    return paired_bars(chart_id, "全年预算数与全年执行数（万元）", rows)
