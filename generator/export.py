"""Open data: one flat row per evaluation and per indicator, for JSON and CSV."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from .model import Evaluation
from .scoring import Scores


def number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    value = value.quantize(Decimal("0.0001")).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _rate(scores: Scores) -> float | None:
    rate = scores.rates.get("total")
    return None if rate is None else number(rate * 100)


def summary(file: str, ev: Evaluation | None, scores: Scores | None, counts: dict[str, int]) -> dict:
    """The figures of one evaluation: a row of evaluations.json (and, flattened, of the CSV)."""
    row = {"file": file, "name": None, "year": None, "unit": None, "unit_code": None,
           "implementer": None, "form": None, "scheme": None, "budget": None, "executed": None,
           "execution_rate": None, "funds_score": None, "weight_total": None, "total": None,
           "rule_total": None, "published_total": None, "grade": None, "findings": counts,
           "subtotals": [], "indicators": []}
    if ev is None or scores is None:
        return row
    total_row = ev.funds.rows.total if ev.funds and ev.funds.rows else None
    row.update(
        name=ev.project, year=ev.year, unit=ev.department.name, unit_code=ev.department.code,
        implementer=ev.implementer.name if ev.implementer else None, form=ev.form, scheme=ev.scheme,
        budget=number(total_row.budget.value) if total_row and total_row.budget else None,
        executed=number(total_row.executed.value) if total_row and total_row.executed else None,
        execution_rate=_rate(scores), funds_score=number(scores.funds_score),
        weight_total=number(scores.weight_total), total=number(scores.total),
        rule_total=number(scores.rule_total),
        published_total=number(ev.published.total.value) if ev.published and ev.published.total else None,
        grade=scores.grade,
        subtotals=[{"name": s.node.name, "weight": number(s.weight), "score": number(s.score),
                    "rule_score": number(s.rule_score)} for s in scores.subtotals if s.depth == 1],
        indicators=indicator_rows(scores))
    return row


def indicator_rows(scores: Scores) -> list[dict]:
    """Every assessed indicator with its entered score and, where a rule applies, its rule score."""
    rows = []
    for leaf in scores.leaves:
        node = leaf.node
        rows.append({
            "level1": leaf.level1.name if leaf.level1 else None,
            "level2": leaf.level2.name if leaf.level2 else None, "indicator": node.name,
            "target": node.target.text if node.target else None,
            "actual": node.actual.text if node.actual else None,
            "weight": number(leaf.weight), "score": number(leaf.score),
            "rule_score": number(leaf.rule_score), "applicable": leaf.applicable,
            "reason": node.reason})
    return rows


def evaluation_csv_row(row: dict) -> dict:
    """A summary without its nested lists, for evaluations.csv."""
    return {key: value for key, value in row.items() if key not in ("subtotals", "indicators")}


def indicator_csv_rows(row: dict) -> list[dict]:
    return [{"file": row["file"], "name": row["name"], **item} for item in row["indicators"]]


def flatten(row: dict) -> dict:
    flat = {key: value for key, value in row.items() if not isinstance(value, dict)}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{inner}": v for inner, v in value.items()})
    return flat


def to_csv(rows: list[dict]) -> str:
    """CSV with a UTF-8 byte-order mark, so that Excel shows the Chinese correctly."""
    flat = [flatten(row) for row in rows]
    buffer = io.StringIO()
    buffer.write("\ufeff")
    if flat:
        writer = csv.DictWriter(buffer, fieldnames=list(flat[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(flat)
    return buffer.getvalue()
