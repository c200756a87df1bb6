"""The project: every command finds the root, site_config.yml, the content, the defaults and the
extension directories the same way, and says what to create when site_config.yml is missing."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.project.project import Project

from .conftest import MINIMAL
from .test_cli import jixiao


def _project(root: Path, config: str = "site_name: 测试\nprint: false\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site_config.yml").write_text(config, encoding="utf-8")
    (root / "content/u/2020").mkdir(parents=True, exist_ok=True)
    (root / "content/u/2020/a.yml").write_text(MINIMAL, encoding="utf-8")
    return root


def test_the_project_is_found_from_the_content_or_the_working_directory(tmp_path):
    root = _project(tmp_path / "p")
    for found in (Project.find(start=root / "content/u/2020"), Project.find(content=root / "content/u"),
                  Project.find(config=root / "site_config.yml")):
        assert found.root.resolve() == root.resolve() and found.config.site_name == "测试"
        assert found.extension_roots == (root.resolve(),)
    assert Path(Project.find(config=root / "site_config.yml").content).resolve() == (root / "content").resolve()
    elsewhere = tmp_path / "data"
    shutil.copytree(root / "content", elsewhere)
    outside = Project.find(content=elsewhere, start=root)  # no site_config.yml above the content
    assert outside.root.resolve() == root.resolve() and outside.content == elsewhere
    assert outside.config.content_path == elsewhere
    bare = Project.find(start=elsewhere)
    assert bare.config is None and bare.extension_roots == ()


@pytest.mark.parametrize("config, expected", [
    (None, ["没有找到站点配置文件 site_config.yml", "site_name:", "content/", "--config", "jixiao new 只生成评价文件"]),
    ("", ["是空的", "site_name: "]),
    ("# 只有注释\n", ["是空的", "site_name: "]),
    ("site_nam: 拼错\n", ["是否想写“site_name”", "有 2 个错误"]),
])
def test_a_missing_or_empty_configuration_says_what_to_create(tmp_path, config, expected):
    (tmp_path / "content/u/2020").mkdir(parents=True)
    (tmp_path / "content/u/2020/a.yml").write_text(MINIMAL, encoding="utf-8")
    if config is not None:
        (tmp_path / "site_config.yml").write_text(config, encoding="utf-8")
    for command in ("build", "serve"):
        out = jixiao(command, cwd=tmp_path)
        assert out.returncode == 1 and "内部错误" not in out.stderr
        for text in expected:
            assert text in out.stderr, (command, text, out.stderr)
    assert not (tmp_path / "site").exists()


def test_every_command_takes_the_content_folder_the_same_way(tmp_path):
    root = _project(tmp_path / "p")
    other = tmp_path / "other"
    (other / "v/2021").mkdir(parents=True)
    (other / "v/2021/b.yml").write_text(MINIMAL.replace("year: 2020", "year: 2021").replace("测试项目", "别处项目"),
                                        encoding="utf-8")
    config = root / "site_config.yml"
    for how in ([str(other)], ["--content", str(other)]):
        names = [row["name"] for row in json.loads(jixiao("score", "--format", "json", "--config", config, *how,
                                                          cwd=tmp_path).stdout)]
        assert names == ["别处项目"], how
        checked = json.loads(jixiao("validate", "--format", "json", "--config", config, *how, cwd=tmp_path).stdout)
        assert [Path(f["file"]).name for f in checked["files"]] == ["b.yml"]
        out = tmp_path / f"site-{how[0].lstrip('-')}"
        assert jixiao("build", "--config", config, "--out", out, *how, cwd=tmp_path).returncode == 0
        assert (out / "units/v/2021/b/index.html").exists() and not (out / "units/u").exists()
    printed = jixiao("print", "--config", config, "--content", other, "--out", tmp_path / "print", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert (tmp_path / "print/units/v/2021/b/table.pdf").exists()
    both = jixiao("build", str(other), "--content", str(root / "content"), "--config", config, cwd=tmp_path)
    assert both.returncode == 2 and "内容目录只能给出一个" in both.stderr


def test_a_site_is_built_from_another_folder_as_the_readme_says(tmp_path):
    root = _project(tmp_path / "p")
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    out = jixiao("build", "--config", root / "site_config.yml", cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    assert (root / "site/units/u/2020/a/index.html").exists() and not (elsewhere / "site").exists()
    assert jixiao("build", cwd=root / "content/u").returncode == 0  # found from a subdirectory
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "jixiao build --config" in readme and "--content" in readme


def test_a_site_built_from_anywhere_reuses_what_was_built(tmp_path):
    """`jixiao build` in a content folder, or with `--config` spelt in full, builds the same
    project as `jixiao build` at its root: the cache and pages are reused, not all made again."""
    root = _project(tmp_path / "p")
    assert jixiao("build", cwd=root).returncode == 0
    for how, where in [(["--config", (root / "site_config.yml").resolve()], root), ([], root / "content/u"),
                       (["--config", root / "site_config.yml"], tmp_path)]:
        again = jixiao("build", *how, cwd=where)
        assert again.returncode == 0 and "网站已是最新" in again.stdout + again.stderr, (how, where, again.stderr)


def test_new_uses_the_projects_own_forms(tmp_path):
    root = _project(tmp_path / "p")
    (root / "forms").mkdir()
    form = (Path(__file__).parent.parent / "generator/rules/forms/zibo-2021.yml").read_text(encoding="utf-8")
    (root / "forms/local.yml").write_text(form.replace("id: zibo-2021", "id: local").replace(
        "title: 市级预算项目支出绩效自评表", "title: 本地自评表"), encoding="utf-8")
    target = root / "content/u/2021/b.yml"
    made = jixiao("new", target, "--form", "local", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "本地自评表" in target.read_text(encoding="utf-8")
