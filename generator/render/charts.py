"""Charts drawn at build time as inline SVG: readable without JavaScript, each with
a title, a description and a text alternative (the figures as a list)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from ..quantities import parse_num

# Drawn without a viewBox: text keeps the page's size (the stylesheet's) on a phone as on a
# desktop, and bars are percentages of the width. Each name is written above its bar,
# wrapped rather than cut, so that it reads on a 390 px phone.
BAR_HEIGHT = 14
GAP = 10
LINE = 20  # a label's line, for text of about 13–15 px
LABEL_CHARS = 22  # characters on a label's line: fits a phone's width
BAR_SHARE = 75  # the longest bar, in percent of the width; its figure goes after it
MISSING = "未填"  # an amount the original table leaves blank


@dataclass
class Chart:
    id: str
    title: str
    svg: Markup
    alternative: list[str]


def _frame(chart_id: str, title: str, description: str, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="jx-chart" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{body}</svg>")


def _label(label: str, top: int) -> tuple[str, int]:
    """The label's lines from `top` down, and the height they take."""
    lines = [label[i:i + LABEL_CHARS] for i in range(0, len(label), LABEL_CHARS)] or [""]
    text = "".join(f'<text class="jx-label" x="0" y="{top + (n + 1) * LINE - 6}">{escape(line)}</text>'
                   for n, line in enumerate(lines))
    return text, len(lines) * LINE


def _bar(css_class: str, top: int, value: float | None, scale: float, text: str) -> str:
    """A bar `value × scale` percent wide, its figure after it; an unknown value gets its text
    (未填) at the axis and no bar."""
    if value is None:
        return f'<text class="jx-value" x="0" y="{top + BAR_HEIGHT - 2}">{escape(text)}</text>'
    share = max(0.0, value) * scale
    return (f'<rect class="{css_class}" x="0" y="{top}" width="{share:.2f}%" height="{BAR_HEIGHT}"/>'
            f'<text class="jx-value" x="{share:.2f}%" dx="6" y="{top + BAR_HEIGHT - 2}">{escape(text)}</text>')


def horizontal_bars(chart_id: str, title: str, rows: list[tuple[str, float | None, str]], maximum: float,
                    css_class: str = "jx-bar") -> Chart:
    """One bar per row: (label, value, value text); a row without a value has its text and no bar."""
    scale = BAR_SHARE / (maximum or 1)
    parts, top = [], GAP
    for label, value, text in rows:
        lines, height = _label(label, top)
        parts.append(lines + _bar(css_class, top + height, value, scale, text))
        top += height + BAR_HEIGHT + GAP
    description = "；".join(f"{label}：{text}" for label, _, text in rows)
    return Chart(chart_id, title, _frame(chart_id, title, description, top, "".join(parts)),
                 [f"{label}：{text}" for label, _, text in rows])


def _amount(text: str | None) -> float | None:
    number = parse_num(text) if text else None
    return None if number is None else float(number.value)


def paired_bars(chart_id: str, title: str, rows: list[tuple[str, str | None, str | None]]) -> Chart:
    """Budget against executed: two bars per row (full-year budget, executed), each amount as
    entered, or 未填 without a bar."""
    maximum = max([_amount(t) or 0 for _, b, e in rows for t in (b, e)] or [1]) or 1
    scale = BAR_SHARE / maximum
    parts = ['<rect class="jx-bar-budget" x="0" y="4" width="12" height="12"/>'
             '<text class="jx-value" x="16" y="15">全年预算数</text>'
             '<rect class="jx-bar-executed" x="110" y="4" width="12" height="12"/>'
             '<text class="jx-value" x="126" y="15">全年执行数</text>']
    top = 20 + GAP
    for label, budget, executed in rows:
        lines, height = _label(label, top)
        parts.append(lines)
        top += height
        for text, css in ((budget, "jx-bar-budget"), (executed, "jx-bar-executed")):
            parts.append(_bar(css, top, _amount(text), scale, text or MISSING))
            top += BAR_HEIGHT + 2
        top += GAP
    alternative = [f"{label}：全年预算数 {_with_unit(b)}，全年执行数 {_with_unit(e)}" for label, b, e in rows]
    return Chart(chart_id, title, _frame(chart_id, title, "；".join(alternative), top, "".join(parts)),
                 alternative)


def _with_unit(amount: str | None) -> str:
    return f"{amount} 万元" if amount else MISSING


GRADES = ("优", "良", "中", "差")


def grade_distribution(chart_id: str, counts: dict[str, int]) -> Chart:
    """The evaluations of each grade (`totals.Tally.grades`)."""
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
