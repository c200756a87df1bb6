"""The `jixiao` command as a user runs it: exit codes, located messages, no traceback."""
import json
import subprocess
import sys

import pytest

from .conftest import CONTENT, MINIMAL, ROOT


def jixiao(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_validate_seed_content_exits_0_and_strict_exits_1():
    plain = jixiao("validate", "--no-cache", CONTENT)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "published-mismatch" in plain.stdout
    assert jixiao("validate", "--strict", "--no-cache", CONTENT).returncode == 1


FINDING_KEYS = {"code", "severity", "file", "line", "column", "message", "hint", "public"}


def test_validate_json_objects_have_the_documented_keys():
    out = jixiao("validate", "--format", "json", "--no-cache", CONTENT)
    rows = json.loads(out.stdout)["findings"]
    assert rows and all(set(row) == FINDING_KEYS for row in rows)
    mistake = next(r for r in rows if r["code"] == "funds-sum")
    assert mistake["file"].endswith("07-rengong-zhineng-guihua.yml") and mistake["line"] == 7
    assert "08" in mistake["public"] and "第 7 行" not in mistake["public"] and "funds-sum" not in mistake["public"]


def test_validate_json_lists_every_file_checked_with_its_counts():
    report = json.loads(jixiao("validate", "--format", "json", "--no-cache", CONTENT).stdout)
    files = {row["file"]: row for row in report["files"]}
    assert set(files) == {str(p) for p in CONTENT.rglob("*.yml") if not p.name.startswith("_")}
    assert len(files) == 23
    clean = [row for row in report["files"] if not (row["errors"] or row["warnings"] or row["infos"])]
    assert clean and all(not any(f["file"] == row["file"] for f in report["findings"]) for row in clean)
    for row in report["files"]:  # each file's counts are its own findings'
        own = [f for f in report["findings"] if f["file"] == row["file"]]
        assert row["warnings"] == sum(f["severity"] == "warning" for f in own)
    assert report["counts"] == {severity + "s": sum(f["severity"] == severity for f in report["findings"])
                                for severity in ("error", "warning", "info")}


def test_validate_jsonl_is_the_flat_list_of_findings_one_a_line():
    lines = jixiao("validate", "--format", "jsonl", "--no-cache", CONTENT).stdout.splitlines()
    report = json.loads(jixiao("validate", "--format", "json", "--no-cache", CONTENT).stdout)
    assert [json.loads(line) for line in lines] == report["findings"]


def test_score_json_has_each_table_with_its_published_total():
    rows = json.loads(jixiao("score", "--format", "json", "--no-cache", CONTENT).stdout)
    assert len(rows) == 23
    for row in rows:
        assert {"file", "name", "year", "unit", "total", "published_total", "grade", "findings"} <= set(row)
        assert row["total"] == row["published_total"] or row["findings"]["warning"] > 0
    ai = next(r for r in rows if r["name"].startswith("人工智能赋能"))
    assert ai["total"] == 98.99 and ai["grade"] == "优" and ai["unit"] == "淄博市工业和信息化局"
    first = next(r for r in rows if r["name"].startswith("百强企业"))
    leaf = next(i for i in first["indicators"] if i["indicator"] == "正式公布工业百强企业数量")
    assert leaf["score"] == 8 and leaf["rule_score"] == 5.7


def test_score_csv_starts_with_a_byte_order_mark():
    out = subprocess.run([sys.executable, "-m", "generator", "score", "--format", "csv", "--no-cache",
                          str(CONTENT)], cwd=ROOT, capture_output=True, timeout=120)
    text = out.stdout.decode("utf-8")
    header = text.lstrip("\ufeff").splitlines()[0].split(",")
    assert text.startswith("\ufeff") and {"unit", "total", "published_total", "execution_rate"} <= set(header)
    assert len(text.strip().splitlines()) == 24


# An Anqing table (its form prints rates to one place) whose original prints 99.72% and 99.00.
PRINTED_PRECISION = (MINIMAL.replace("form: zibo-2020", "form: anqing-2023")
                     .replace("服务对象满意度指标", "满意度指标")
                     .replace("budget: 80, executed: 71.9", "budget: 100.30, executed: 100.02")
                     .replace("weight: 50, score: 50", "weight: 50, score: 49.03")
                     .replace("total: 98.99\n  funds_score: 8.99\n  rates: {total: 89.88%}",
                              "total: 99.00\n  funds_score: 9.97\n  rates: {total: 99.72%}"))


def test_score_gives_each_figure_at_its_printed_precision(tmp_path):
    (tmp_path / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")
    table = tmp_path / "a.yml"
    table.write_text(PRINTED_PRECISION, encoding="utf-8")
    text = jixiao("score", "--no-cache", table, cwd=tmp_path).stdout
    assert "执行率 99.72%" in text and "总分 99.00（原表 99.00）" in text, text
    row = json.loads(jixiao("score", "--format", "json", "--no-cache", table, cwd=tmp_path).stdout)[0]
    assert (row["execution_rate_text"], row["total_text"], row["published_total_text"]) == ("99.72%", "99.00", "99.00")
    assert row["total"] == 99 and row["budget_text"] == "100.30" and row["funds_score_text"] == "9.97"
    leaf = next(i for i in row["indicators"] if i["indicator"] == "培训人数")
    assert (leaf["score"], leaf["score_text"], leaf["weight_text"]) == (49.03, "49.03", "50")
    out = subprocess.run([sys.executable, "-m", "generator", "score", "--format", "csv", "--no-cache", str(table)],
                         cwd=tmp_path, capture_output=True, timeout=120).stdout.decode("utf-8-sig")
    header, line = out.splitlines()[:2]
    record = dict(zip(header.split(","), line.split(",")))
    assert record["total"] == "99" and record["total_text"] == "99.00" and record["execution_rate_text"] == "99.72%"


BROKEN = {
    "syntax": (MINIMAL.replace("project: 测试项目", "project: [测试项目"), "yaml-syntax"),
    "duplicate": (MINIMAL.replace("year: 2020", "year: 2020\nyear: 2021"), "duplicate-key"),
    "unknown": (MINIMAL.replace("year: 2020", "yaer: 2020"), "unknown-key"),
    "text-number": (MINIMAL.replace("weight: 50, score: 50", "weight: 五十, score: 50"), "wrong-type"),
    "missing-weight": (MINIMAL.replace("weight: 50, score: 50", "score: 50"), "missing-field"),
    "gbk": (MINIMAL.encode("gbk"), "encoding"),
    "empty": ("", "empty-file"),
    "unsafe-tag": (MINIMAL.replace("project: 测试项目", "project: !!python/object:os.system 测试"), "unsafe-tag"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_gives_located_error_without_traceback(write, case):
    text, code = BROKEN[case]
    path = write(f"content/u/2020/{case}.yml", text)
    out = jixiao("validate", "--no-cache", "--format", "json", path, cwd=path.parents[3])
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    rows = json.loads(out.stdout)["findings"]
    hit = next(r for r in rows if r["code"] == code)
    assert hit["line"] >= 1 and hit["column"] >= 1 and hit["message"] and hit["hint"]
    text_out = jixiao("validate", "--no-cache", path, cwd=path.parents[3])
    assert f"{path}:{hit['line']}:{hit['column']}" in text_out.stdout


def test_unknown_key_suggests_the_right_one(write):
    path = write("content/u/2020/a.yml", BROKEN["unknown"][0])
    out = jixiao("validate", "--no-cache", path)
    assert "是否想写“year”" in out.stdout


def test_duplicate_key_names_both_lines(write):
    path = write("content/u/2020/a.yml", BROKEN["duplicate"][0])
    out = jixiao("validate", "--no-cache", path)
    assert ":3:1:" in out.stdout and "第一次在第 2 行" in out.stdout


def test_validate_from_inside_a_year_directory_finds_the_unit_defaults():
    out = jixiao("validate", "--no-cache", ".", cwd=CONTENT / "zibo-gxj" / "2021")
    assert out.returncode == 0 and "：0 个错误" in out.stdout, out.stdout


def test_usage_error_exits_2():
    assert jixiao("validate", "--format", "xml", CONTENT).returncode == 2


def test_usage_errors_and_help_are_in_chinese():
    missing = jixiao("validate", "no-such-dir")
    assert missing.returncode == 2 and "错误：" in missing.stderr and "'no-such-dir' 不存在" in missing.stderr
    typo = jixiao("validate", "--strcit", CONTENT)
    assert typo.returncode == 2 and "没有选项 '--strcit'" in typo.stderr and "'--strict'" in typo.stderr
    help_text = jixiao("validate", "--help").stdout
    assert "用法: jixiao validate [选项] [路径]..." in help_text and "显示本帮助并退出" in help_text


def test_a_mistyped_command_gets_a_suggestion():
    typo = jixiao("validte", CONTENT)
    assert typo.returncode == 2 and "没有子命令 'validte'" in typo.stderr and "'validate'" in typo.stderr
    assert all(name in jixiao("--help").stdout for name in ("validate", "score", "build", "print", "new"))


def test_validate_loads_only_what_it_needs():
    """The site builder (with numpy and the search index) is imported by `build`, not by `validate`."""
    code = ("import sys; from generator.cli import group; sys.argv = ['jixiao', 'validate', '--no-cache', sys.argv[1]]\n"
            "try: group.main(prog_name='jixiao')\n"
            "except SystemExit: print(sorted(m for m in ('generator.render.site', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(CONTENT / "zibo-gxj" / "2021")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().endswith("[]"), out.stdout + out.stderr


def test_new_skeleton_validates_without_errors(tmp_path):
    (tmp_path / "site_config.yml").write_text("", encoding="utf-8")
    target = tmp_path / "content" / "u" / "2021" / "a.yml"
    assert jixiao("new", target, "--form", "zibo-2021", "--project", "示例项目", cwd=tmp_path).returncode == 0
    out = jixiao("validate", "--no-cache", target, cwd=tmp_path)
    assert out.returncode == 0 and "：0 个错误" in out.stdout
    assert "year: 2021 " in target.read_text(encoding="utf-8")  # from the directory name
    assert "\ncontact: \"\"" in target.read_text(encoding="utf-8")  # the 2021 form prints a telephone
    assert jixiao("new", target, "--form", "zibo-2021", cwd=tmp_path).returncode != 0  # never overwrites
    placeholders = [line for line in out.stdout.splitlines() if "[placeholder]" in line]
    assert len(placeholders) == 2 + 2 + 9  # goals, department and implementer, one row per level-2


def test_new_skeleton_quotes_the_name_and_leaves_defaults_to_the_directory(tmp_path):
    (tmp_path / "site_config.yml").write_text("", encoding="utf-8")
    unit = tmp_path / "content" / "u"
    (unit / "2023").mkdir(parents=True)
    (unit / "_defaults.yml").write_text("department: {name: 甲局, code: '601'}\nscheme: national\n"
                                        "form: anqing-2023\n", encoding="utf-8")
    target = unit / "2023" / "a.yml"
    name = '项目: "一期" #1'
    assert jixiao("new", target, "--form", "anqing-2023", "--project", name, cwd=tmp_path).returncode == 0
    text = target.read_text(encoding="utf-8")
    assert "\n# department:" in text and "\n# form:" in text and "\nyear: 2023" in text
    assert "rates: {total: 100.0%}" in text  # as the Anqing form prints rates
    out = jixiao("score", "--format", "json", "--no-cache", target, cwd=tmp_path)
    row = json.loads(out.stdout)[0]
    assert row["name"] == name and row["unit"] == "甲局"


def test_schema_command_prints_json_schema_with_chinese_titles():
    schema = json.loads(jixiao("schema").stdout)
    assert schema["properties"]["project"]["title"] == "项目名称"
    assert "zibo-2021" in schema["properties"]["form"]["enum"]
    assert schema["$defs"]["Indicator"]["properties"]["target"]["title"] == "年度指标值"


def test_codes_catalogue_lists_every_code():
    out = jixiao("validate", "--codes").stdout
    from generator.findings import CATALOGUE

    assert all(code in out for code in CATALOGUE)


def test_a_reader_that_stops_reading_gets_no_traceback():
    """`jixiao validate | head` closes the pipe before the findings are written to it."""
    process = subprocess.Popen([sys.executable, "-m", "generator", "validate", "--no-cache", str(CONTENT)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    errors = process.stderr.read()
    assert process.wait(timeout=120) == 1  # the published mistakes
    assert "Traceback" not in errors and "Exception ignored" not in errors, errors
