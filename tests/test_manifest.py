"""The build manifest: kept outside the published tree, verified, and never trusted beyond
what it can prove. A damaged or forged manifest (or build state, or template cache) costs
a rebuild, never a crash, and the published output is always what a fresh build writes."""
from __future__ import annotations

import json
import os
import pickle
import random
import time
from pathlib import Path

import jinja2
import pytest

from generator.building import fingerprint, verified
from generator.building.cache import RACY_NS
from generator.building.manifest import Manifest
from generator.project.project import Project
from generator.render.site import SiteBuilder
from generator.render.templating import _UserBytecodeCache

from .conftest import MINIMAL
from .test_fingerprint import differences, tree


def _project(root: Path, name: str = "项目") -> Path:
    (root / "site_config.yml").write_text("site_name: 测试\npublisher: 测试局\n", encoding="utf-8")
    for number in range(2):
        path = root / f"content/u/2020/{number}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MINIMAL.replace("测试项目", f"{name}{number}"), encoding="utf-8")
    return root


def _build(root: Path, out: Path, use_cache: bool = True) -> SiteBuilder:
    builder = SiteBuilder(Project.find(config=root / "site_config.yml"), out, jobs=1, use_cache=use_cache,
                          echo=lambda message: None)
    assert builder.build().count("error") == 0
    return builder


def _manifest_path(root: Path) -> Path:
    return Manifest.location(root / ".cache/jixiao", root / "site")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A printed project built once, and a fresh build of it after an edit."""
    root = _project(tmp_path_factory.mktemp("manifest"), name="改名")
    _build(root, root / "fresh", use_cache=False)
    _build(_project(root), root / "site")
    return root, tree(root / "fresh")


def _rebuild_edited(root: Path) -> dict[str, bytes]:
    _project(root, name="改名")
    _build(root, root / "site")
    published = tree(root / "site")
    _project(root)  # back, for the next case
    _build(root, root / "site")
    return published


def test_the_manifest_is_not_published_and_describes_the_output(built):
    root, _ = built
    path = _manifest_path(root)
    assert path.is_file() and root / ".cache" in path.parents
    assert not any(Path(name).name.startswith(".") for name in tree(root / "site"))  # no build state published
    manifest = Manifest.load(root / ".cache/jixiao", root / "site")
    assert manifest.describes(root / "site")
    assert {key.split(":")[0] for key in manifest.entries} == {"listing", "downloads", "assets", "search", "table",
                                                               "bundle"}
    assert [Path(first).parent.name for first in manifest.blocks] == ["2020"]  # the evaluations' pages, by folder


def test_bit_flips_in_the_manifest_never_change_the_output(built):
    root, fresh = built
    rng = random.Random(7)
    for _ in range(6):
        path = _manifest_path(root)
        data = bytearray(path.read_bytes())
        position = rng.randrange(len(data))
        data[position] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        assert differences(_rebuild_edited(root), fresh) == []


@pytest.mark.parametrize("damage", ["random bytes", "empty", "a crafted pickle", "other version"])
def test_a_damaged_manifest_is_ignored(built, damage, tmp_path):
    root, fresh = built
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = _manifest_path(root)
    path.write_bytes({"random bytes": os.urandom(2000), "empty": b"", "a crafted pickle": pickle.dumps(Payload()),
                      "other version": b"".join(verified.line("0" * 64, r)
                                                for r in verified.read(path, fingerprint.code_version()))}[damage])
    assert differences(_rebuild_edited(root), fresh) == [] and not marker.exists()


def _forge(root: Path, change_head, change_entry) -> None:
    """The manifest rewritten with correct checksums: only its shape can give it away."""
    path = _manifest_path(root)
    version = fingerprint.code_version()
    head, = verified.read(path, version)
    head = change_head(head)
    head["entries"] = [change_entry(entry) for entry in head["entries"]]
    path.write_bytes(verified.line(version, head))


def _forge_blocks(root: Path, change) -> None:
    _forge(root, lambda head: {**head, "blocks": {first: change(block) for first, block in head["blocks"].items()}},
           lambda entry: entry)


@pytest.mark.parametrize("head, entry", [
    (lambda h: {**h, "tree": "here"}, lambda e: e),
    (lambda h: {**h, "search": [{"start": "x"}]}, lambda e: e),
    (lambda h: {**h, "search": {"partitions": 1}}, lambda e: e),
    (lambda h: h, lambda e: {**e, "files": ["../../../../../../etc/passwd"] * len(e["files"])}),
    (lambda h: h, lambda e: {**e, "files": "index.html", "breaks": ["一"]}),
    (lambda h: h, lambda e: {**e, "files": [f + "x" for f in e["files"]]}),
    (lambda h: h, lambda e: [e]),
    (lambda h: h, lambda e: {**e, "facts": ["members"]}),
], ids=["tree", "partitions", "partitions mapping", "files outside", "wrong types", "missing files", "not a mapping",
        "facts not a mapping"])
def test_a_forged_manifest_links_nothing_from_elsewhere_and_never_crashes(built, head, entry):
    root, fresh = built
    _forge(root, head, entry)
    published = _rebuild_edited(root)
    assert differences(published, fresh) == []
    assert not any(b"root:x:0:0" in data for data in published.values())


def test_an_old_build_state_file_in_the_output_is_not_published_again(built):
    root, fresh = built
    (root / "site/.jixiao-build.json").write_text(json.dumps({"key": 5, "pages": []}), encoding="utf-8")
    assert differences(_rebuild_edited(root), fresh) == []


def test_a_damaged_template_cache_file_is_compiled_again(tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    loader = jinja2.DictLoader({"t.html": "{{ 1 + 1 }} 项"})
    env = jinja2.Environment(loader=loader, bytecode_cache=_UserBytecodeCache(str(cache_dir)))
    assert env.get_template("t.html").render() == "2 项"
    files = list(cache_dir.iterdir())
    assert files
    for damage in (os.urandom(300), b"", b"j2" + pickle.dumps(Payload())):
        for path in files:
            path.write_bytes(damage)
        fresh = jinja2.Environment(loader=loader, bytecode_cache=_UserBytecodeCache(str(cache_dir)))
        assert fresh.get_template("t.html").render() == "2 项"
    assert not marker.exists()


def test_the_template_cache_is_outside_the_project(tmp_path):
    from generator.render.templating import bytecode_cache, environment

    environment(tmp_path).get_template("site/partials/list-row.html")
    assert not (tmp_path / ".cache").exists()
    assert os.stat(bytecode_cache().directory).st_uid == os.getuid()


def test_files_deleted_from_the_output_by_hand_are_written_again(built):
    root, _ = built
    before = tree(root / "site")
    for name in ("units/u/2020/0/table.pdf", "units/u/2020/1/index.html", "search/p0/0.json", "units/u/2020/bundle.xlsx"):
        (root / "site" / name).unlink()
    builder = _build(root, root / "site")
    assert not builder.up_to_date
    assert differences(before, tree(root / "site")) == []


def _two_units(root: Path) -> Path:
    (root / "site_config.yml").write_text("site_name: 测试\nprint: false\n", encoding="utf-8")
    for unit in ("u", "v"):
        for number in range(2):
            path = root / f"content/{unit}/2020/{number}.yml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(MINIMAL.replace("测试项目", f"{unit}项目{number}"), encoding="utf-8")
    return root


def _edit_unit_u(root: Path) -> None:
    path = root / "content/u/2020/0.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("executed: 71.9}", "executed: 75.5}"), encoding="utf-8")


def test_an_unchanged_units_tally_and_fingerprint_are_kept_and_a_changed_ones_made_again(tmp_path, monkeypatch):
    from generator.render import totals

    root = _two_units(tmp_path)
    time.sleep(RACY_NS / 1e9)  # files read within a moment of being written are compared again (cache.py)
    _build(root, root / "site")
    before = Manifest.load(root / ".cache/jixiao", root / "site").entries
    tallied = []
    made = totals.Tally.of
    monkeypatch.setattr(totals.Tally, "of", classmethod(lambda cls, rows: tallied.append(rows) or made(rows)))
    _edit_unit_u(root)
    _build(root, root / "site")
    assert [[row["name"] for row in rows] for rows in tallied] == [["u项目0", "u项目1"]]  # v's rows not added up
    after = Manifest.load(root / ".cache/jixiao", root / "site").entries
    assert after["listing:units/v/2020/"] == before["listing:units/v/2020/"]
    assert after["listing:units/u/2020/"].fingerprint != before["listing:units/u/2020/"].fingerprint
    _build(root, root / "fresh", use_cache=False)
    assert differences(tree(root / "site"), tree(root / "fresh")) == []


@pytest.mark.parametrize("forged", [
    lambda t: {**t, "total": "NaN"},
    lambda t: {**t, "counts": [-1, 0, 0]},
    lambda t: {**t, "left_out": [5]},
    lambda t: {**t, "grades": "优"},
    lambda t: {**t, "sums": [["1", 0]]},
    lambda t: {key: value for key, value in t.items() if key != "forms"},
    lambda t: [t],
], ids=["not a number", "negative count", "left-out row not a row", "wrong type", "sums missing", "key missing",
        "not a mapping"])
def test_a_forged_unit_tally_is_not_trusted(tmp_path, forged, monkeypatch):
    """A folder whose evaluations are unchanged takes its tally from the manifest: one of the
    wrong shape (with a right checksum) is made again from its files."""
    from generator.render import totals

    root = _two_units(tmp_path)
    time.sleep(RACY_NS / 1e9)
    _build(root, root / "site")
    _forge_blocks(root, lambda block: {**block, "parts": [[*part[:2], forged(part[2]), *part[3:]]
                                                        for part in block["parts"]]}
                  if "/v/" in block["directory"] + "/" else block)
    _edit_unit_u(root)
    tallied = []
    made = totals.Tally.of
    monkeypatch.setattr(totals.Tally, "of", classmethod(lambda cls, rows: tallied.append(rows) or made(rows)))
    _build(root, root / "site")
    assert sorted(row["name"] for rows in tallied for row in rows) == ["u项目0", "u项目1", "v项目0", "v项目1"]
    _build(root, root / "fresh", use_cache=False)
    assert differences(tree(root / "site"), tree(root / "fresh")) == []
