"""The 23 transcribed seed evaluations: each reproduces its published total, or the
published mistake is reported as a finding on its file."""
from collections import defaultdict

import pytest

from generator import findings as F

from .conftest import CONTENT

EXPECTED_COUNTS = {"zibo-gxj/2020": 7, "zibo-gxj/2021": 6, "anqing-jxj/2023": 8, "suzhou-gxj/2020": 1,
                   "shanting-gxj/2021": 1}


def _by_file(report):
    found = defaultdict(list)
    for finding in report.all_findings():
        found[finding.file].append(finding)
    return found


def test_every_seed_table_is_transcribed(seed_report):
    counts = defaultdict(int)
    for result in seed_report.results:
        rel = result.file.split("content/")[1]
        counts[rel.rsplit("/", 1)[0]] += 1
    assert dict(counts) == EXPECTED_COUNTS


def test_no_structural_errors_in_seed_content(seed_report):
    assert seed_report.count(F.ERROR) == 0
    assert all(result.scores is not None for result in seed_report.results)


def test_total_reproduced_or_mistake_reported(seed_report):
    by_file = _by_file(seed_report)
    for result in seed_report.results:
        published = result.evaluation.published.total.value
        if result.scores.total != published:
            codes = {f.code for f in by_file[result.file]}
            assert "published-mismatch" in codes, result.file


def _finding(report, file_part, code):
    hits = [f for f in report.all_findings() if file_part in f.file and f.code == code]
    assert hits, f"{code} not reported on {file_part}"
    return hits


def _line_of(file_part, needle):
    path = next(p for p in CONTENT.rglob("*.yml") if file_part in str(p))
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_domain_example_qiyejia_total_100_but_scores_95(seed_report):
    hit = _finding(seed_report, "2020/02-qiyejia-peixun", "published-mismatch")
    assert any("总分为 100" in f.message and "95" in f.message for f in hit)
    assert hit[0].line == _line_of("2020/02-qiyejia-peixun", "total: 100")


def test_domain_example_ai_budget_printed_08(seed_report):
    hit = _finding(seed_report, "2020/07-rengong-zhineng", "funds-sum")
    assert "08" in hit[0].message and "80" in hit[0].message
    assert hit[0].line == _line_of("2020/07-rengong-zhineng", "budget: 08")


@pytest.mark.parametrize("file_part", ["2020/03-jishu-gaizao", "2020/04-siqiang-junmin"])
def test_domain_example_blank_executed_yet_rate_100(seed_report, file_part):
    hit = _finding(seed_report, file_part, "funds-executed-missing")
    assert "100%" in hit[0].message
    assert hit[0].line == _line_of(file_part, "total:")
    summary = next(r.summary for r in seed_report.results if file_part in r.file)
    assert summary["funds_score"] is None and summary["funds_score_in_total"] == 10  # the printed score


def test_published_execution_rates_reproduced(seed_report):
    rates = {r.file.split("content/")[1]: r.scores.rates.get("total") for r in seed_report.results}
    assert round(float(rates["anqing-jxj/2023/02-jieneng-huanbao.yml"]) * 100, 1) == pytest.approx(82.3)
    assert round(float(rates["anqing-jxj/2023/07-shuzihua-zhenduan.yml"]) * 100, 1) == pytest.approx(20.3)
    assert round(float(rates["zibo-gxj/2020/07-rengong-zhineng-guihua.yml"]) * 100, 2) == pytest.approx(89.88)


def test_shortfall_scored_above_formula_is_reported(seed_report):
    hit = _finding(seed_report, "2020/01-baiqiang", "formula-departure")
    assert "5.7" in hit[0].message and "8" in hit[0].message


def test_weight_typo_in_anqing_internet_table(seed_report):
    """Weight 5, score 8: the row is reported once; the weight total and 产出 subtotal it
    throws off (97 and 47) are not reported again."""
    _finding(seed_report, "2023/08-gongye-hulianwang", "score-range")
    assert [f.code for f in _by_file(seed_report)[_file(seed_report, "2023/08-gongye-hulianwang")]] == ["score-range"]


def _file(report, file_part):
    return next(r.file for r in report.results if file_part in r.file)


def test_bundle_index_lists_tables_not_transcribed(seed_report):
    missing = [f for f in seed_report.all_findings() if f.code == "index-missing-table"]
    assert len(missing) == 7
    assert not [f for f in seed_report.all_findings() if f.code == "index-missing-entry"]
