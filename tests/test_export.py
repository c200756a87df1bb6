"""Open data: every indicator with all its ancestors, whatever the depth of its tree."""
from __future__ import annotations

import csv
import io

from generator.render import export
from generator.checking.summary import indicator_rows
from generator.render.export import indicator_csv_columns

from .test_layout import four_level_table


def _summary(ev, scores) -> dict:
    return export.summary("four.yml", ev, scores, {"error": 0, "warning": 0, "info": 0})


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_each_indicator_carries_every_ancestor():
    ev, scores, _, _ = four_level_table()
    rows = {row["indicator"]: row for row in indicator_rows(scores)}
    trained = rows["参加人数"]
    assert trained["path"] == "产出指标 / 数量指标 / 培训"
    assert [trained[f"level{d}"] for d in (1, 2, 3)] == ["产出指标", "数量指标", "培训"]
    assert export.indicator_levels(list(rows.values())) == 3


def test_the_columns_are_declared_once_for_any_depth():
    assert indicator_csv_columns(2)[:6] == ("file", "name", "path", "level1", "level2", "indicator")
    four = indicator_csv_columns(3)
    assert four[:7] == ("file", "name", "path", "level1", "level2", "level3", "indicator")
    assert [export.field_title(c) for c in four[2:7]] == ["上级指标", "一级指标", "二级指标", "三级指标", "指标名称"]
    fields = export.datapackage(type("Site", (), {"site_name": "测试"}), 3)["resources"][1]["schema"]["fields"]
    assert [f["name"] for f in fields] == list(four) and fields[5]["title"] == "三级指标"


def test_a_shallower_table_joined_with_a_deeper_one_gets_empty_level_columns(seed_report):
    ev, scores, _, _ = four_level_table()
    deep = export.download_fragments(_summary(ev, scores))
    seed = next(r for r in seed_report.results if r.file.endswith("07-rengong-zhineng-guihua.yml"))
    shallow = export.download_fragments(seed.full_summary())
    assert (shallow[export.INDICATOR_LEVELS], deep[export.INDICATOR_LEVELS]) == (2, 3)

    records = _records(b"".join(export.indicators_csv_pieces([shallow, deep])))
    columns = indicator_csv_columns(3)
    assert records[0] == [export.field_title(c) for c in columns]
    assert all(len(record) == len(columns) for record in records[1:])
    by_name = {r[columns.index("indicator")]: dict(zip(columns, r)) for r in records[1:]}
    cost = by_name["规划编制成本"]
    assert (cost["path"], cost["level1"], cost["level2"], cost["level3"]) == ("产出指标 / 成本指标", "产出指标", "成本指标", "")
    assert (cost["target"], cost["weight_text"], cost["applicable"]) == ("≤80万元", "13", "是")
    assert by_name["参加人数"]["level3"] == "培训" and by_name["参加人数"]["score"] == "9"
    # the seed's own lines, where they are not widened, are joined as they were made
    assert b"".join(export.indicators_csv_pieces([shallow])).endswith(shallow["indicators.csv"])


def test_a_reason_with_commas_quotes_and_lines_survives_the_widening():
    ev, scores, _, _ = four_level_table()
    summary = _summary(ev, scores)
    shallow = dict(summary, indicators=[dict(summary["indicators"][0], path="产出指标", level1="产出指标",
                                             level2=None, level3=None, reason='原因："甲"，乙,\n第二行')])
    fragment = export.download_fragments(shallow)
    assert fragment[export.INDICATOR_LEVELS] == 2
    records = _records(b"".join(export.indicators_csv_pieces([fragment, export.download_fragments(summary)])))
    columns = indicator_csv_columns(3)
    first = dict(zip(columns, records[1]))
    assert first["reason"] == '原因："甲"，乙,\n第二行' and first["level3"] == "" and first["indicator"] == "办班期数"

