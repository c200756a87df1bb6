"""Form and scheme files, read and checked like content: built-in and project-local ones,
each kind of mistake as a located finding, and a broken file stopping only its own evaluations."""
import json

import pytest

from generator.rules import registry

from .conftest import MINIMAL, ROOT
from .test_cli import jixiao

NATIONAL = (ROOT / "generator/rules/schemes/national.yml").read_text(encoding="utf-8")
ZIBO_2020 = (ROOT / "generator/rules/forms/zibo-2020.yml").read_text(encoding="utf-8")


def _line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


def _local_scheme(text: str) -> str:
    return text.replace("id: national", "id: local").replace("title: 项目支出绩效自评通用评分规则", "title: 本地规则")


def test_every_shipped_form_and_scheme_reads_without_findings():
    for kind, path in registry.rule_files(()):
        identifier, read, findings = registry.read_file(kind, path)
        assert findings == [] and read is not None and identifier == path.stem


MISTAKES = {  # the file, its text, the code, the text on the line it points at, words of the message
    "misspelt-kind": ("schemes/local.yml", _local_scheme(NATIONAL.replace("rule: proportional ", "rule: proportionl ")),
                      "unknown-choice", "proportionl", ["“rules[0].rule”", "是否想写“proportional”"]),
    "unknown-parameter": ("schemes/local.yml", _local_scheme(NATIONAL.replace("params: {cap: 100%}          #",
                                                                              "params: {cpa: 100%}          #")),
                          "unknown-key", "cpa", ["“funds.params”中没有字段“cpa”", "是否想写“cap”"]),
    "missing-field": ("forms/local.yml", ZIBO_2020.replace("id: zibo-2020", "id: local").replace(
        "department_label: 主管部门及代码\n", ""),
                      "missing-field", "id: local", ["缺少必填字段“department_label”"]),
    "wrong-type": ("schemes/local.yml", _local_scheme(NATIONAL.replace("total_points: 100", "total_points: 一百")),
                   "wrong-type", "一百", ["“total_points”（满分）应为数字"]),
    "placeholder": ("forms/local.yml", ZIBO_2020.replace("id: zibo-2020", "id: local").replace(
        'party_format: "{name} {code}"', 'party_format: "{nmae} {code}"'),
                    "unknown-choice", "{nmae}", ["“party_format”的值“{nmae}”无效", "是否想写“{name}”"]),
    "bands-gap": ("schemes/local.yml", _local_scheme(NATIONAL.replace(
        "  - rule: proportional         # 越大越好：实际 ÷ 目标 × 分值；越小越好：目标 ÷ 实际 × 分值\n    params: {cap: 100%}",
        "  - rule: bands\n    params: {bands: [{min: 95%, score: 5}, {min: 80%, max: 94%, score: 3}, "
        "{under: 80%, score: 0}]}")),
                  "rules-value", "params: {bands", ["各档之间有空隙", "94.5%"]),
    "grades-order": ("schemes/local.yml", _local_scheme(NATIONAL.replace("{min: 80, grade: 良}", "{min: 95, grade: 良}")),
                     "rules-value", "{min: 95, grade: 良}", ["“grades[1].min”不低于上一等级的下限"]),
    "places": ("forms/local.yml", ZIBO_2020.replace("id: zibo-2020", "id: local").replace(
        "rate_format: {places: 2,", "rate_format: {places: 40,"), "rules-value", "places: 40", ["应在 0 至 6 之间"]),
    "yaml-syntax": ("schemes/local.yml", _local_scheme(NATIONAL).replace("title: 本地规则", "title: 本地规则: 试行"),
                    "yaml-syntax", "本地规则: 试行", ["YAML 语法错误", "不能出现“键: 值”"]),
}


def _project(write, name: str, text: str):
    """A project with the broken file, an evaluation that uses it and one that does not."""
    write(name, text)
    key = "form: zibo-2020" if name.startswith("forms/") else "scheme: national"
    using = write("content/u/2020/a.yml", MINIMAL.replace(key, key.split(":")[0] + ": local"))
    write("content/u/2020/b.yml", MINIMAL.replace("project: 测试项目", "project: 另一项目"))
    return using.parents[3]


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_a_mistake_in_a_form_or_scheme_is_a_located_chinese_finding(write, case):
    name, text, code, marker, words = MISTAKES[case]
    root = _project(write, name, text)
    out = jixiao("validate", "--no-cache", "--format", "json", "content", cwd=root)
    assert out.returncode == 1 and "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    rows = json.loads(out.stdout)["findings"]
    hit = next(row for row in rows if row["code"] == code and row["file"] == name)
    assert hit["line"] == _line_of(text, marker) and hit["column"] >= 1
    assert all(word in hit["message"] for word in words), hit["message"]
    assert hit["hint"]
    assert {row["file"] for row in rows} == {name, "content/u/2020/a.yml"}  # b.yml, on a built-in file, is clean
    using = next(row for row in rows if row["file"] == "content/u/2020/a.yml")
    assert using["code"] == "rules-file-broken" and name in using["message"]
    text_out = jixiao("validate", "--no-cache", "content", cwd=root).stdout
    assert f"{name}:{hit['line']}:{hit['column']}: 错误 [{code}]" in text_out
    scores = {row["name"]: row["total"] for row in json.loads(jixiao("score", "--format", "json", "--no-cache",
                                                                      "content", cwd=root).stdout)}
    assert scores == {None: None, "另一项目": 98.99}


def test_a_projects_own_scheme_scores_and_builds_end_to_end(write, tmp_path):
    local = _local_scheme(NATIONAL).replace(
        "  - rule: proportional         # 越大越好：实际 ÷ 目标 × 分值；越小越好：目标 ÷ 实际 × 分值\n    params: {cap: 100%}",
        "  - rule: completion_penalty\n    params: {full_from: 100%, below_per_point: 5%}")
    write("schemes/local.yml", local)
    write("content/u/2020/a.yml", MINIMAL.replace("scheme: national", "scheme: local").replace(
        "target: 100 人, actual: 100 人, weight: 50, score: 50", "target: 100 人, actual: 90 人, weight: 50, score: 45, "
        "reason: 部分企业未参训"))
    out = jixiao("validate", "--no-cache", "content", cwd=tmp_path)
    assert out.returncode == 0, out.stdout
    assert "按完成率扣分应得 25 分，表中填 45 分" in out.stdout  # 10 points short × 5% of 50; national would give 45
    built = jixiao("build", "--no-cache", "--out", tmp_path / "site", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    data_page = (tmp_path / "site" / "data" / "index.html").read_text(encoding="utf-8")
    assert "本地规则" in data_page and "完成率达到 100% 得满分；低于 100% 时每低 1 个百分点扣分值的 5%" in data_page


def test_an_unused_broken_file_is_a_notice_and_stops_nothing(write, tmp_path):
    name, text, *_ = MISTAKES["misspelt-kind"]
    write(name, text)
    write("content/u/2020/b.yml", MINIMAL)
    out = jixiao("validate", "--no-cache", "content", cwd=tmp_path)
    line = _line_of(text, "proportionl")
    assert out.returncode == 0 and f"{name}:{line}:11: 提示 [rules-file-unused]" in out.stdout, out.stdout
    assert "目前没有评价使用这个评分规则文件" in out.stdout
    assert jixiao("build", "--no-cache", "--out", tmp_path / "site", cwd=tmp_path).returncode == 0


def test_a_project_file_overrides_a_builtin_one_by_id(tmp_path):
    (tmp_path / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    (tmp_path / "schemes").mkdir()
    (tmp_path / "schemes" / "national.yml").write_text(NATIONAL.replace("total_points: 100", "total_points: 90"),
                                                       encoding="utf-8")
    roots = registry.extension_roots(tmp_path / "content" / "u")
    assert roots == (tmp_path,)
    rules = registry.load(roots)
    assert rules.schemes["national"].total_points == 90 and registry.load(()).schemes["national"].total_points == 100
    (tmp_path / "schemes" / "national.yml").write_text(NATIONAL.replace("total_points: 100", "total_points: 百"),
                                                       encoding="utf-8")
    registry.forget()
    broken = registry.load(roots)
    assert "national" not in broken.schemes and "national" in broken.choices["schemes"]  # reported where used


def test_the_schema_command_prints_forms_and_schemes():
    scheme = json.loads(jixiao("schema", "--kind", "scheme").stdout)
    rule = scheme["$defs"]["Rule"]
    assert rule["properties"]["rule"]["enum"][:2] == ["proportional", "completion_penalty"]
    by_kind = {case["if"]["properties"]["rule"]["const"]: case["then"]["properties"]["params"]["$ref"]
               for case in rule["allOf"]}
    assert by_kind["completion_penalty"] == "#/$defs/CompletionPenaltyParams"
    assert scheme["$defs"]["CompletionPenaltyParams"]["properties"]["full_to"]["title"] == "满分上限"
    form = json.loads(jixiao("schema", "--kind", "form").stdout)
    assert "department_label" in form["required"] and "funds_rows" not in form["required"]  # no funds block: Suzhou
    assert form["properties"]["levels"]["title"] == "各级指标栏"
    assert json.loads(jixiao("schema").stdout)["properties"]["project"]["title"] == "项目名称"


def test_the_example_scheme_in_the_authoring_guide_reads_without_findings(tmp_path):
    guide = (ROOT / "docs/authoring.md").read_text(encoding="utf-8")
    example = guide.split("# schemes/department.yml")[1].split("\n", 1)[1].split("```")[0]
    (tmp_path / "department.yml").write_text(example, encoding="utf-8")
    identifier, scheme, findings = registry.read_file("schemes", tmp_path / "department.yml")
    assert findings == [] and identifier == "department"
    assert [rule.rule for rule in scheme.rules][-1] == "proportional" and scheme.funds.rule == "rate_points"
