"""Hostile content, through `jixiao validate` and `jixiao build` as a user runs them.

Every case is a throw-away project made in tmp_path. Each must end within a bounded time,
with no traceback and no internal error (exit 3), with a located Chinese message naming
the file, nothing from outside the project in any message or output, and no formula from
the content in any spreadsheet.
"""
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from generator.render.inert import FORMULA_STARTS, looks_like_formula

from .conftest import CONTENT, MINIMAL, ROOT

TIMEOUT = 60  # seconds: a hang is a failure, not a stuck test run
SECRET = "机密-不得发布-7f3a"


def jixiao(*args, cwd: Path) -> subprocess.CompletedProcess:
    """The command as a user runs it, from this worktree, in the given directory."""
    done = subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=TIMEOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    output = done.stdout + done.stderr
    assert "Traceback" not in output and "内部错误" not in output and done.returncode != 3, output
    return done


def new_project(tmp_path: Path, printing: bool = False) -> Path:
    project = tmp_path / "project"
    (project / "content/u/2020").mkdir(parents=True)
    (project / "site_config.yml").write_text(f"site_name: 测试\nprint: {str(printing).lower()}\n", encoding="utf-8")
    return project


def put(project: Path, relative: str, text: str | bytes = MINIMAL) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def outside(project: Path, name: str = "outside.yml") -> Path:
    """A YAML file next to the project, not in it, with a comment that must never be published."""
    path = project.parent / name
    path.write_text(f"# {SECRET}\n" + MINIMAL.replace("测试项目", SECRET), encoding="utf-8")
    return path


def nested_tree(levels: int) -> str:
    """MINIMAL with an indicator tree `levels` deep in block style."""
    lines = ["indicators:"]
    for level in range(levels - 1):
        lines += ["  " * level + f"  - name: 第{level + 1}级", "  " * level + "    children:"]
    lines.append("  " * (levels - 1) + "  - {name: 最深, target: 1, actual: 1, weight: 1, score: 1}")
    return MINIMAL.split("indicators:")[0] + "\n".join(lines) + "\n"


def alias_bomb() -> str:
    """Nine references per level, seven levels: 4.8 million indicators once the aliases are expanded."""
    text = MINIMAL.split("indicators:")[0] + "indicators:\n  - &a0 {name: 指标, target: 1, actual: 1, weight: 1, score: 1}\n"
    for level in range(1, 8):
        text += f"  - &a{level} {{name: 第{level}层, children: [{', '.join([f'*a{level - 1}'] * 9)}]}}\n"
    return text


def _symlink(target, project: Path, relative: str) -> str:
    link = project / relative
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)
    return relative


def _fifo(project: Path, relative: str) -> str:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return relative


def _raw_name(project: Path, relative: bytes) -> str:
    path = os.path.join(os.fsencode(project), relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(MINIMAL.encode("utf-8"))
    return os.fsencode(relative).decode("utf-8", "surrogateescape").encode(
        "utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _with(relative: str, text: str | bytes):
    return lambda project: put(project, relative, text) and relative


def _both(*setups):
    """Several files; the case is located at the last one's path."""
    def setup(project):
        return [s(project) for s in setups][-1]
    return setup


def _replaced(old: str, new: str, relative: str = "content/u/2020/a.yml"):
    assert old in MINIMAL
    return _with(relative, MINIMAL.replace(old, new))


# name → (make the case in a project, giving the path the message must name; the finding's code)
CASES = {
    "symlink-out-of-the-project": (lambda p: _symlink(outside(p), p, "content/u/2020/b.yml"), "outside-project"),
    "symlink-to-etc-passwd": (lambda p: _symlink("/etc/passwd", p, "content/u/2020/b.yml"), "outside-project"),
    "symlink-to-dev-zero": (lambda p: _symlink("/dev/zero", p, "content/u/2020/b.yml"), "outside-project"),
    "dangling-symlink": (lambda p: _symlink("missing.yml", p, "content/u/2020/b.yml"), "not-a-file"),
    "dangling-symlink-out": (lambda p: _symlink("/nonexistent/x.yml", p, "content/u/2020/b.yml"), "outside-project"),
    "symlink-loop": (lambda p: _symlink("loop.yml", p, "content/u/2020/loop.yml"), "not-a-file"),
    "symlinked-directory-out": (lambda p: outside(p) and _symlink(p.parent, p, "content/u/2021"), "outside-project"),
    "defaults-symlink-out": (_both(_with("content/u/2020/a.yml", MINIMAL),
                                   lambda p: _symlink(outside(p), p, "content/u/_defaults.yml")), "outside-project"),
    "fifo": (lambda p: _fifo(p, "content/u/2020/x.yml"), "not-a-file"),
    "fifo-defaults": (_both(_with("content/u/2020/a.yml", MINIMAL), lambda p: _fifo(p, "content/u/_defaults.yml")),
                      "not-a-file"),
    "fifo-index": (_both(_with("content/u/2020/a.yml", MINIMAL), lambda p: _fifo(p, "content/u/2020/_index.yml")),
                   "not-a-file"),
    "too-large": (_with("content/u/2020/a.yml", MINIMAL + ("# " + "填" * 100 + "\n") * 3500), "file-too-large"),
    "non-utf8-file-name": (lambda p: _raw_name(p, b"content/u/2020/\xff\xfe.yml"), "file-name"),
    "non-utf8-directory": (lambda p: _raw_name(p, b"content/u/\xb2\xe2\xca\xd4/a.yml"), "file-name"),
    "over-long-url": (_with(f"content/u/2020/{'d' * 200}/{'f' * 100}.yml", MINIMAL), "file-name"),
    "url-collision-nested": (_both(_with("content/u/2020/x/y.yml", MINIMAL.replace("测试项目", "乙")),
                                   _with("content/u/2020/x-y.yml", MINIMAL)), "url-collision"),
    "url-collision-year": (_both(_with("content/u/2020/c.yml", MINIMAL),
                                 _with("content/u/c.yml", MINIMAL.replace("测试项目", "乙"))), "url-collision"),
    "defaults-a-list": (_both(_with("content/u/2020/a.yml", MINIMAL), _with("content/u/_defaults.yml", "- a\n- b\n")),
                        "not-a-mapping"),
    "index-a-list": (_both(_with("content/u/2020/a.yml", MINIMAL), _with("content/u/2020/_index.yml", "- 甲\n")),
                     "not-a-mapping"),
    "control-character-in-name": (_replaced("project: 测试项目", 'project: "测试\\x01项目"'), "control-character"),
    "escape-character-in-target": (_replaced("target: 提高", 'target: "\\e[31m提高"'), "control-character"),
    "30-digit-budget": (_replaced("budget: 80, executed: 71.9", "budget: 123456789012345678901234567890, executed: 71.9"),
                        "number-range"),
    "30-digit-weight": (_replaced("weight: 30, score: 30", "weight: 123456789012345678901234567890, score: 30"),
                        "number-range"),
    "many-decimals": (_replaced("executed: 71.9}\n    fiscal", "executed: 71.123456789}\n    fiscal"), "number-range"),
    "30-digit-target": (_replaced("target: 100 人", "target: 123456789012345678901234567890 人"), "number-range"),
    "huge-year": (_replaced("year: 2020", "year: " + "9" * 5000), "number-range"),
    "negative-amounts": (_replaced("total:  {initial: 100, budget: 80, executed: 71.9}",
                                   "total:  {initial: 100, budget: -100, executed: -50}"), "negative-amount"),
    "spaces-for-a-name": (_replaced("project: 测试项目", "project: '   '"), "blank-name"),
    "invisible-name": (_replaced("project: 测试项目", 'project: "\u3000\u200b "'), "blank-name"),
    "blank-indicator-name": (_replaced("name: 培训人数", "name: ' '"), "blank-name"),
    "200-level-tree": (_with("content/u/2020/a.yml", nested_tree(200)), "too-deep"),
    "11-level-tree": (_with("content/u/2020/a.yml", nested_tree(11)), "too-deep"),
    "100000-nested-lists": (_with("content/u/2020/a.yml", MINIMAL + "cover: " + "[" * 100_000 + "]" * 100_000 + "\n"),
                            "too-deep"),
    "alias-bomb": (_with("content/u/2020/a.yml", alias_bomb()), "yaml-syntax"),
    "long-text": (_replaced("actual: 提高", "actual: " + "提高" * 100_000), "too-long"),
    "thousands-of-rows": (_replaced("          - {name: 培训人数, target: 100 人, actual: 100 人, weight: 50, score: 50}",
                                    "\n".join(f"          - {{name: 指标{i}, weight: 0.01, score: 0.01}}"
                                              for i in range(5000))), "too-long"),
}


def _make(tmp_path: Path, case: str) -> tuple[Path, str, str]:
    project = new_project(tmp_path)
    setup, code = CASES[case]
    located = setup(project)
    return project, located, code


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_case_gives_a_located_error_in_validate_and_build(tmp_path, case):
    project, located, code = _make(tmp_path, case)
    for args in (("validate", "content"), ("build",)):
        done = jixiao(*args, cwd=project)
        output = done.stdout + done.stderr
        assert done.returncode == 1, output
        assert f"{located}:" in output and f"错误 [{code}]" in output, output
        assert SECRET not in output and "root:x:0:0" not in output, output
    assert not (project / "site").exists()  # nothing published


def test_a_collision_names_both_files(tmp_path):
    project, _, _ = _make(tmp_path, "url-collision-nested")
    output = jixiao("validate", "content", cwd=project).stdout
    assert "content/u/2020/x-y.yml" in output and "content/u/2020/x/y.yml" in output and "units/u/2020/x-y/" in output


def test_the_deepest_tree_is_located_at_its_deep_end(tmp_path):
    project, _, _ = _make(tmp_path, "11-level-tree")
    output = jixiao("validate", "content", cwd=project).stdout
    assert "指标“最深”在第 11 级" in output
    project, _, _ = _make(tmp_path / "200", "200-level-tree")
    line = next(line for line in jixiao("validate", "content", cwd=project).stdout.splitlines() if "[too-deep]" in line)
    assert int(line.split(":")[1]) > 60  # the line where nesting passes the limit, not the top of the file


def _tree_digest(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["fifo", "symlink-to-dev-zero", "url-collision-year", "30-digit-budget"])
def test_a_failed_build_leaves_the_previous_output_as_it_was(tmp_path, case):
    project = new_project(tmp_path)
    put(project, "content/u/2020/good.yml", MINIMAL.replace("测试项目", "原有项目"))
    assert jixiao("build", cwd=project).returncode == 0
    before = _tree_digest(project / "site")
    setup, _ = CASES[case]
    setup(project)
    assert jixiao("build", cwd=project).returncode == 1
    assert _tree_digest(project / "site") == before


@pytest.mark.parametrize("logo, code", [("/etc/passwd", "outside-project"), ("../outside.png", "outside-project"),
                                        ("/dev/zero", "outside-project"), ("pipe.png", "not-a-file"),
                                        ("missing.png", "not-a-file"), ("link.png", "outside-project")])
def test_a_logo_outside_the_project_or_not_a_file_is_refused(tmp_path, logo, code):
    project = new_project(tmp_path)
    put(project, "content/u/2020/a.yml")
    (project.parent / "outside.png").write_bytes(b"\x89PNG" + SECRET.encode())
    os.mkfifo(project / "pipe.png")
    os.symlink(project.parent / "outside.png", project / "link.png")
    with open(project / "site_config.yml", "a", encoding="utf-8") as config:
        config.write(f"logo: {logo}\n")
    done = jixiao("build", cwd=project)
    assert done.returncode == 1 and f"site_config.yml:3:7: 错误 [{code}]" in done.stderr, done.stderr
    assert SECRET not in done.stderr and not (project / "site").exists()


# --- what a build publishes -------------------------------------------------------------------

HOSTILE_NAMES = {
    "project": '=HYPERLINK("http://127.0.0.1/x","点此")',
    "department": "@SUM(1+1)*cmd|' /C calc'!A0",
    "indicator": "=cmd|' /C calc'!A0",
    "target": "+1+2",
    "actual": "-2+3",
    "reason": "\t=1+1",
    "explanation": "\r=WEBSERVICE(\"http://127.0.0.1/\")",
}


def formula_like_content() -> str:
    quoted = {key: json.dumps(value, ensure_ascii=False) for key, value in HOSTILE_NAMES.items()}
    return (MINIMAL.replace("project: 测试项目", f"project: {quoted['project']}")
            .replace("name: 测试局", f"name: {quoted['department']}")
            .replace("name: 培训人数, target: 100 人, actual: 100 人",
                     f"name: {quoted['indicator']}, target: {quoted['target']}, actual: {quoted['actual']}")
            .replace("weight: 30, score: 30}", f"weight: 30, score: 20, reason: {quoted['reason']}}}")
            + f"explanation: {quoted['explanation']}\n")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """One table whose texts all look like formulas, and its harmless twin, built with printing
    from another directory through --config (as an operator's script would)."""
    built = {}
    for kind, text in (("hostile", formula_like_content()), ("plain", MINIMAL)):
        project = new_project(tmp_path_factory.mktemp(kind), printing=True)
        put(project, "content/u/2020/a.yml", text)
        elsewhere = project.parent / "elsewhere"
        elsewhere.mkdir()
        done = jixiao("build", "--config", project / "site_config.yml", "--out", project / "site", cwd=elsewhere)
        assert done.returncode == 0, done.stderr
        built[kind] = project
    return built


def _formula_cells(path: Path) -> set[tuple[str, str]]:
    workbook = openpyxl.load_workbook(path)
    return {(index, cell.coordinate) for index, sheet in enumerate(workbook) for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f"}


@pytest.mark.parametrize("name", ["units/u/2020/a/table.xlsx", "units/u/2020/bundle.xlsx"])
def test_only_jixiaos_own_cells_are_formulas(hostile_site, name):
    hostile, plain = (hostile_site[kind] / "site" / name for kind in ("hostile", "plain"))
    assert _formula_cells(hostile) == _formula_cells(plain) != set()
    texts = {cell.value: cell for sheet in openpyxl.load_workbook(hostile) for row in sheet.iter_rows()
             for cell in row if isinstance(cell.value, str)}
    for key in ("project", "indicator", "target", "actual"):
        cell = texts[HOSTILE_NAMES[key]]  # shown as written
        assert cell.data_type == "s" and cell.quotePrefix, key


def test_libreoffice_shows_the_text_and_computes_only_jixiaos_formulas(hostile_site, tmp_path):
    source = hostile_site["hostile"] / "site/units/u/2020/a/table.xlsx"
    done = subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "calc"),
                           str(source)], capture_output=True, text=True, timeout=300,
                          env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    values = {cell.value for row in openpyxl.load_workbook(tmp_path / "calc/table.xlsx", data_only=True).active
              .iter_rows() for cell in row}
    assert {HOSTILE_NAMES[key] for key in ("project", "indicator", "target", "actual")} <= values
    total = json.loads((hostile_site["hostile"] / "site/data/evaluations.json").read_text(encoding="utf-8"))[0]["total"]
    assert total == 88.99 and any(v == pytest.approx(total) for v in values if isinstance(v, float))


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _inert(cell: str) -> bool:
    return not cell.startswith(FORMULA_STARTS) or not looks_like_formula(cell)


@pytest.mark.parametrize("name", ["evaluations.csv", "indicators.csv"])
def test_csv_downloads_neutralise_formula_text(hostile_site, name):
    cells = _csv_cells((hostile_site["hostile"] / "site/data" / name).read_text(encoding="utf-8"))
    assert all(_inert(cell) for cell in cells), [c for c in cells if not _inert(c)]
    assert "'" + HOSTILE_NAMES["project"] in cells
    if name == "indicators.csv":
        assert {"'" + HOSTILE_NAMES[key] for key in ("indicator", "target", "actual", "reason")} <= set(cells)


def test_json_keeps_the_text_as_written(hostile_site):
    rows = json.loads((hostile_site["hostile"] / "site/data/evaluations.json").read_text(encoding="utf-8"))
    assert rows[0]["name"] == HOSTILE_NAMES["project"] and rows[0]["unit"] == HOSTILE_NAMES["department"]


def test_score_csv_neutralises_formula_text(hostile_site):
    project = hostile_site["hostile"]
    out = jixiao("score", "--format", "csv", "content", cwd=project).stdout
    cells = _csv_cells(out)
    assert "'" + HOSTILE_NAMES["project"] in cells and all(_inert(cell) for cell in cells)


def _published_bytes(site: Path):
    """Every file of the output, every part of each XLSX archive, every stream of each PDF."""
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield path, data
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    yield path / name, archive.read(name)
        if path.suffix == ".pdf":
            for number, stream in enumerate(re.findall(rb"stream\r?\n(.*?)endstream", data, re.S)):
                try:
                    yield path / f"stream-{number}", zlib.decompress(stream)
                except zlib.error:
                    pass  # not deflated: already searched in the file's bytes


def test_no_path_of_the_build_machine_in_any_output(hostile_site):
    for project in hostile_site.values():
        site = project / "site"
        for path, data in _published_bytes(site):
            for machine_path in (str(project), str(project.parent), str(ROOT)):
                assert machine_path.encode() not in data, (path, machine_path)
        assert not (site / ".jixiao-build.json").exists()
        rows = json.loads((site / "data/evaluations.json").read_text(encoding="utf-8"))
        page = json.loads((site / "units/u/2020/a/data.json").read_text(encoding="utf-8"))
        assert rows[0]["file"] == page["file"] == "u/2020/a.yml"
        assert all(f["file"] == "u/2020/a.yml" for f in page["findings_list"])
        lines = (site / "data/indicators.csv").read_text(encoding="utf-8").splitlines()[1:]
        assert lines and all(line.startswith("u/2020/a.yml,") for line in lines)


def test_a_symlink_inside_the_project_is_published_at_its_own_url(tmp_path):
    project = new_project(tmp_path)
    shared = put(project, "shared/b.yml", "# 共用\n" + MINIMAL.replace("测试项目", "乙项目"))
    _symlink(shared, project, "content/u/2020/b.yml")
    assert jixiao("build", cwd=project).returncode == 0
    page = project / "site/units/u/2020/b"
    assert (page / "source.yml").read_bytes() == shared.read_bytes()
    assert json.loads((page / "data.json").read_text(encoding="utf-8"))["file"] == "u/2020/b.yml"
    assert not (project / "site/units/u/2020/shared").exists()


# --- the seeds --------------------------------------------------------------------------------

def test_seed_targets_that_begin_with_an_equals_sign_stay_text(tmp_path):
    """淄博's targets are written `=6000 个`: in indicators.csv they are text, not formulas."""
    project = tmp_path / "seed"
    project.mkdir()
    (project / "site_config.yml").write_text("site_name: 测试\nprint: false\n", encoding="utf-8")
    os.symlink(CONTENT, project / "content")
    assert jixiao("build", "--no-cache", "--out", tmp_path / "site", cwd=project).returncode == 0
    cells = _csv_cells((tmp_path / "site/data/indicators.csv").read_text(encoding="utf-8"))
    assert "'=6000 个" in cells and "=6000 个" not in cells and all(_inert(cell) for cell in cells)
