"""A folder of evaluations kept whole from the last build (render/blocks.py): kept exactly when
nothing it was made from has changed, and the site then byte for byte a fresh build's. On the
seed content (five folders), with every kind of change a folder depends on."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from generator.building import cache
from generator.building.manifest import Manifest
from generator.project.project import Project
from generator.render.site import SiteBuilder

from .test_fingerprint import differences, tree

ROOT = Path(__file__).resolve().parent.parent
ZIBO_2021 = "content/zibo-gxj/2021"


def _build(root: Path, out: Path, use_cache: bool = True) -> SiteBuilder:
    builder = SiteBuilder(Project.find(config=root / "site_config.yml"), out, jobs=1, use_cache=use_cache,
                          echo=lambda message: None)
    assert builder.build().count("error") == 0
    return builder


def _settle() -> None:
    """Past the moment within which a file read just after it was written is compared again (cache.py)."""
    time.sleep(cache.RACY_NS / 1e9 + 0.02)


@pytest.fixture
def seeds(tmp_path):
    """The seed content built once without printing (a bundle is made of all its tables' results:
    while printing, no folder is kept)."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    config = (ROOT / "site_config.yml").read_text(encoding="utf-8")
    (tmp_path / "site_config.yml").write_text(config + "print: false\n", encoding="utf-8")
    _settle()
    assert _build(tmp_path, tmp_path / "site").folders == (0, 5)
    return tmp_path


def _same_as_fresh(root: Path) -> None:
    shutil.rmtree(root / "fresh", ignore_errors=True)
    _build(root, root / "fresh", use_cache=False)
    assert differences(tree(root / "site"), tree(root / "fresh")) == []


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _a_value(root: Path) -> None:
    _replace(root / ZIBO_2021 / "03-guquan-touzi.yml", "project: ", "project: 改名的")


def _a_space(root: Path) -> None:
    path = root / ZIBO_2021 / "03-guquan-touzi.yml"
    path.write_text(path.read_text(encoding="utf-8") + " \n", encoding="utf-8")


def _a_file_added(root: Path) -> None:
    source = root / ZIBO_2021 / "03-guquan-touzi.yml"
    (root / ZIBO_2021 / "03b-copy.yml").write_text(
        source.read_text(encoding="utf-8").replace("project: ", "project: 另一", 1), encoding="utf-8")


def _a_file_removed(root: Path) -> None:
    (root / ZIBO_2021 / "03-guquan-touzi.yml").unlink()


def _a_defaults_file(root: Path) -> None:
    path = root / "content/zibo-gxj/_defaults.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# 改\n", encoding="utf-8")


def _a_template(root: Path) -> None:
    target = root / "templates/site/pages/evaluation.html"
    target.parent.mkdir(parents=True)
    target.write_text((ROOT / "templates/site/pages/evaluation.html").read_text(encoding="utf-8") + "<!-- 改 -->\n",
                      encoding="utf-8")


def _a_scheme_file(root: Path) -> None:
    """A region's own scheme beside the project's configuration (used by no evaluation yet)."""
    scheme = (ROOT / "generator/rules/schemes/national.yml").read_text(encoding="utf-8")
    (root / "schemes").mkdir()
    (root / "schemes/region.yml").write_text(scheme.replace("id: national", "id: region"), encoding="utf-8")


def _the_configuration(root: Path) -> None:
    _replace(root / "site_config.yml", "publisher: 示例财政局", "publisher: 另一财政局")


@pytest.mark.parametrize("edit, kept", [
    (_a_value, 4), (_a_space, 4), (_a_file_added, 4), (_a_file_removed, 4), (_a_defaults_file, 3),
    (_a_template, 0), (_a_scheme_file, 0), (_the_configuration, 0),
], ids=["a value", "a space", "a file added", "a file removed", "a defaults file", "a site template",
        "a scheme file", "the configuration"])
def test_a_folder_is_kept_exactly_when_nothing_it_is_made_of_changed(seeds, edit, kept):
    edit(seeds)
    _settle()
    assert _build(seeds, seeds / "site").folders[0] == kept
    _same_as_fresh(seeds)
    assert _build(seeds, seeds / "site").up_to_date


def test_a_folder_read_within_a_moment_of_a_change_is_not_kept_until_read_again(seeds, monkeypatch):
    # A moment of two seconds: the build must read the file within it, and a busy machine
    # took more than the tenth of a second a moment is to start a build.
    monkeypatch.setattr(cache, "RACY_NS", 2 * 10**9)
    _a_value(seeds)
    assert _build(seeds, seeds / "site").folders[0] == 4  # zibo 2021 read at once: its times may hide a change
    assert _build(seeds, seeds / "site").folders[0] == 4  # nothing changed, but not kept on its times alone
    _settle()
    _a_space(seeds)  # now the file is compared again
    _settle()
    assert _build(seeds, seeds / "site").folders[0] == 4
    assert _build(seeds, seeds / "site").folders[0] == 5
    _same_as_fresh(seeds)


@pytest.mark.parametrize("edit", [lambda root: None, _a_value], ids=["nothing else", "another folder edited"])
def test_a_page_deleted_by_hand_is_written_again(seeds, edit):
    page = next((seeds / "site/units/zibo-gxj/2020").glob("*/index.html"))
    page.unlink()
    edit(seeds)
    _settle()
    builder = _build(seeds, seeds / "site")
    assert not builder.up_to_date and builder.folders[0] == 0  # the build started again without blocks
    assert page.is_file()
    _same_as_fresh(seeds)


@pytest.mark.parametrize("damage", ["gone", "a flipped bit", "another block's"])
def test_a_kept_folders_damaged_bytes_make_the_build_start_again_without_blocks(seeds, damage):
    directory = Manifest.location(seeds / ".cache/jixiao", seeds / "site").with_suffix(".blocks")
    files = sorted(directory.glob("*.block"))
    assert len(files) == 5
    for path in files:
        data = path.read_bytes()
        if damage == "gone":
            path.unlink()
        elif damage == "a flipped bit":
            path.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
        else:
            path.write_bytes(files[0].read_bytes() if path != files[0] else files[1].read_bytes())
    _a_value(seeds)  # every listing and download joins the kept folders' bytes
    _settle()
    assert _build(seeds, seeds / "site").folders[0] == 0
    _same_as_fresh(seeds)


def test_a_build_with_nothing_changed_links_nothing_and_keeps_the_spare(seeds, monkeypatch):
    """The spare tree (output.py) is kept by a build that finds the output current: one that
    linked the kept folders' pages into it first (the edited page's among them, which the
    spare holds as it was) would have to delete it."""
    from generator.building import output

    monkeypatch.setattr(output, "PATCH_AT_MOST", 1.0)  # as in a large site, where an edit rewrites few files
    _a_value(seeds)
    _settle()
    _build(seeds, seeds / "site")
    assert (seeds / ".site.spare").is_dir()
    for _ in range(2):
        assert _build(seeds, seeds / "site").up_to_date
        assert (seeds / ".site.spare").is_dir()


def _forge(root: Path, change) -> None:
    """Each block of the manifest changed, with correct checksums: only its shape can give it away."""
    from generator.building import fingerprint, verified

    path = Manifest.location(root / ".cache/jixiao", root / "site")
    version = fingerprint.code_version()
    head, = verified.read(path, version)
    head["blocks"] = {first: change(block) for first, block in head["blocks"].items()}
    path.write_bytes(verified.line(version, head))


@pytest.mark.parametrize("change", [
    lambda b: {**b, "parts": [["x", *part[1:]] for part in b["parts"]]},
    lambda b: {**b, "parts": [[part[0], -1, *part[2:]] for part in b["parts"]]},
    lambda b: {**b, "urls": ["../../../../etc/" for _ in b["urls"]]},
    lambda b: {**b, "chapters": [["../../x"] for _ in b["chapters"]]},
    lambda b: {**b, "names": ["../" + name for name in b["names"]]},
    lambda b: {**b, "names": b["names"][1:]},
    lambda b: {**b, "findings": [["x"]]},
    lambda b: {**b, "stamps": "x"},
    lambda b: {**b, "titles": [1 for _ in b["titles"]]},
    lambda b: {key: value for key, value in b.items() if key != "digest"},
    lambda b: [b],
], ids=["unit page", "count", "pages outside", "chapters outside", "names outside", "a name missing",
        "findings", "stamps", "titles", "digest missing", "not a mapping"])
def test_a_forged_block_links_nothing_from_elsewhere_and_never_crashes(seeds, change):
    _forge(seeds, change)
    _a_value(seeds)
    _settle()
    _build(seeds, seeds / "site")
    _same_as_fresh(seeds)


def test_a_directory_whose_files_and_subdirectories_interleave_is_kept_run_by_run(tmp_path):
    """Files are discovered in path order, so `a.yml`, `m/b.yml`, `z.yml` make three runs: each
    is a block, kept or made on its own."""
    from .conftest import MINIMAL

    (tmp_path / "site_config.yml").write_text("site_name: 测试\nprint: false\n", encoding="utf-8")
    for name in ("a", "m/b", "z"):
        path = tmp_path / f"content/u/2020/{name}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MINIMAL.replace("测试项目", f"项目{name}"), encoding="utf-8")
    _settle()
    assert _build(tmp_path, tmp_path / "site").folders == (0, 3)
    _replace(tmp_path / "content/u/2020/z.yml", "项目z", "项目z改")
    _settle()
    assert _build(tmp_path, tmp_path / "site").folders == (2, 3)
    assert "项目z改" in (tmp_path / "site/evaluations/index.html").read_text(encoding="utf-8")
    _same_as_fresh(tmp_path)
