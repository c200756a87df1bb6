"""One fingerprint for incremental builds: after an edit to any kind of input, `jixiao build`
leaves exactly what a fresh build writes, every file byte for byte, printouts included."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.building import fingerprint
from generator.project.project import Project
from generator.render.site import SiteBuilder

from .conftest import CONTENT, ROOT

SHIPPED = ROOT / "templates"
UNIT_FILES = ["zibo-gxj/_defaults.yml", "zibo-gxj/2021/_defaults.yml", "zibo-gxj/2021/01-siqiang-pandeng.yml",
              "zibo-gxj/2021/03-guquan-touzi.yml", "anqing-jxj/_defaults.yml", "anqing-jxj/2023/_defaults.yml",
              "anqing-jxj/2023/_index.yml", "anqing-jxj/2023/01-feigong-dangjian.yml"]


def make_project(root: Path) -> Path:
    """Two units of the seed content, printed, with a publisher."""
    for name in UNIT_FILES:
        (root / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CONTENT / name, root / "content" / name)
    (root / "site_config.yml").write_text("site_name: 测试站点\npublisher: 测试财政局\n", encoding="utf-8")
    return root


def build(root: Path, out: Path, use_cache: bool = True) -> SiteBuilder:
    builder = SiteBuilder(Project.find(config=root / "site_config.yml"), out, jobs=1, use_cache=use_cache,
                          echo=lambda message: None)
    report = builder.build()
    assert report.count("error") == 0, [str(f) for f in report.all_findings() if f.severity == "error"]
    return builder


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(set(a) ^ set(b)) + [name for name in sorted(set(a) & set(b)) if a[name] != b[name]]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def override(root: Path, relative: str, shipped: Path, old: str, new: str) -> None:
    """A project file that overrides a shipped one, with one change."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped, target)
    replace_in(target, old, new)


EDITS = {
    "print template": lambda root: override(root, "templates/print/project-table.html",
                                            SHIPPED / "print/project-table.html",
                                            '<div class="form-start" data-project="{{ view.project }}">',
                                            '<div class="form-start" data-project="{{ view.project }}">'
                                            "<p>{{ view.project | replace('专项', '专项资金') }}</p>"),
    "print style": lambda root: override(root, "templates/print/print.css", SHIPPED / "print/print.css",
                                         "@page", "th { color: #333; }\n@page"),
    "site template": lambda root: override(root, "templates/site/pages/evaluation.html",
                                           SHIPPED / "site/pages/evaluation.html",
                                           '<h1 class="jx-screen-only">', '<p>本地说明</p>\n<h1 class="jx-screen-only">'),
    "form file": lambda root: override(root, "forms/zibo-2021.yml", ROOT / "generator/rules/forms/zibo-2021.yml",
                                       "title: 市级预算项目支出绩效自评表", "title: 市级预算项目支出绩效自评表（本地）"),
    "scheme file": lambda root: override(root, "schemes/national.yml", ROOT / "generator/rules/schemes/national.yml",
                                         "{min: 90, grade: 优}", "{min: 99.5, grade: 优}"),
    "config value": lambda root: replace_in(root / "site_config.yml", "publisher: 测试财政局", "publisher: 另一财政局"),
    "content file": lambda root: replace_in(root / "content/zibo-gxj/2021/03-guquan-touzi.yml",
                                            "project: 股权投资专项", "project: 股权投资专项（改）"),
    "defaults file": lambda root: replace_in(root / "content/zibo-gxj/_defaults.yml", "淄博市工业和信息化局}",
                                             "淄博市工业和信息化局（改）}"),
    "bundle index": lambda root: replace_in(root / "content/anqing-jxj/2023/_index.yml", "title: 安庆市经济和信息化局本级",
                                            "title: 安庆市经济和信息化局（本级）"),
}


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """The project built, then each kind of input edited in turn: after each edit, the
    incremental build's tree and a fresh build's tree."""
    root = make_project(tmp_path_factory.mktemp("fingerprint"))
    build(root, root / "site")
    trees = {}
    for number, (kind, edit) in enumerate(EDITS.items()):
        before = tree(root / "site")
        edit(root)
        build(root, root / "site")
        fresh = root / f"fresh-{number}"
        build(root, fresh, use_cache=False)
        trees[kind] = (before, tree(root / "site"), tree(fresh))
    return trees


@pytest.mark.parametrize("kind", list(EDITS))
def test_after_each_kind_of_edit_the_build_equals_a_fresh_one(edited, kind):
    before, incremental, fresh = edited[kind]
    assert differences(incremental, fresh) == []
    assert differences(before, incremental) != []  # the edit changed the output: it was not a no-op


def test_the_edits_reach_the_pages_and_the_printouts(edited):
    _, site, _ = edited["print template"]
    page = site["units/zibo-gxj/2021/03-guquan-touzi/index.html"].decode("utf-8")
    assert "股权投资专项资金" in page
    changed = set(differences(edited["print style"][0], edited["print style"][1]))
    assert "units/zibo-gxj/2021/03-guquan-touzi/table.pdf" in changed  # the PDF, not only the page
    assert not any(name.endswith("index.html") for name in changed)  # print.css: the site is unchanged


def test_a_one_file_edit_rereads_only_its_units_files_for_printing(tmp_path, monkeypatch):
    from generator.building import pipeline
    from generator.render import printing

    root = make_project(tmp_path)
    build(root, root / "site")
    read = []
    process = printing.process_file
    monkeypatch.setattr(printing, "process_file", lambda path, *a: read.append(path.name) or process(path, *a))
    processed = []
    original = pipeline.process_file
    monkeypatch.setattr(pipeline, "process_file", lambda path, *a: processed.append(path.name) or original(path, *a))
    replace_in(root / "content/anqing-jxj/2023/01-feigong-dangjian.yml", "project: 非公有制企业党建工作经费",
               "project: 非公有制企业党建工作经费（改）")
    figures = build(root, root / "site").print_figures
    assert processed == ["01-feigong-dangjian.yml"]  # the pipeline read the edited file only
    assert read == ["01-feigong-dangjian.yml"]  # its unit's only table: no other file is read again
    assert figures["tables_rendered"] == 1 and figures["bundles_rendered"] == 1
    assert figures["tables_skipped"] == 2 and figures["bundles_skipped"] == 1


def test_an_unchanged_project_builds_nothing_and_no_cache_builds_everything(tmp_path, monkeypatch):
    from generator.render import printing

    root = make_project(tmp_path)
    first = tree(root / "site") if build(root, root / "site") else None
    assert build(root, root / "site").up_to_date
    rendered = []
    original = printing.render_group
    monkeypatch.setattr(printing, "render_group", lambda task, context: rendered.append(task.url) or original(task, context))
    again = build(root, root / "site", use_cache=False)
    assert not again.up_to_date and sorted(rendered) == ["units/anqing-jxj/2023/", "units/zibo-gxj/2021/"]
    assert differences(first, tree(root / "site")) == []


def test_each_kind_of_output_declares_what_it_depends_on():
    for kind, inputs in fingerprint.DEPENDS.items():
        values = {name: "x" for name in inputs}
        assert fingerprint.of(kind, **values) != fingerprint.of(kind, **{**values, inputs[0]: "y"})
        with pytest.raises(TypeError):
            fingerprint.of(kind, **{**values, "undeclared": "x"})
        with pytest.raises(TypeError):
            fingerprint.of(kind, **{name: "x" for name in inputs[1:]})
    assert set(fingerprint.DEPENDS["page"]) >= {"source", "site_templates", "print_templates", "rules", "config"}
