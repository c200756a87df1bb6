"""Atomic builds, printing included: a build that fails or is killed at any moment leaves the
previous output byte for byte, its workers die with it, the next build is complete; a full
disk is an error naming the path; builds into one output wait for each other."""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.render import printing, search
from generator.cli import group
from generator.building import output
from generator.building.output import Output, OutputError, SpareState, Staging, identity

from .conftest import CONTENT, MINIMAL, ROOT
from .test_fingerprint import differences, tree

KILL_AFTER = (0.4, 1.2, 2.5, 4.5, 7.5)  # seconds into a build of the seed content (about 10 s with printing)


def jixiao(*args, cwd: Path, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def finished(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def seed_project(root: Path, name: str = "测试站点", publisher: str = "测试财政局") -> Path:
    if not (root / "content").exists():
        shutil.copytree(CONTENT, root / "content")
    (root / "site_config.yml").write_text(f"site_name: {name}\npublisher: {publisher}\n", encoding="utf-8")
    return root


def processes_with(token: str) -> list[int]:
    """The live processes started with `token` in their environment (a build and its workers;
    not the detached `rm` that deletes a replaced tree)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ, command = (entry / "environ").read_bytes(), (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in environ and not command.startswith(b"rm\0"):
            found.append(int(entry.name))
    return found


def wait_until_gone(token: str, seconds: float = 3) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := processes_with(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.staging-*"))


def test_a_killed_build_leaves_the_previous_output_and_the_next_build_is_complete(tmp_path):
    root = seed_project(tmp_path)
    out = root / "site"
    assert finished(jixiao("build", "-j", "2", cwd=root))[0] == 0
    previous = tree(out)
    seed_project(root, name="改名后的站点", publisher="另一财政局")  # every page and printout changes
    assert finished(jixiao("build", "--no-cache", "--out", tmp_path / "fresh", cwd=root))[0] == 0
    following = tree(tmp_path / "fresh")
    killed = 0
    for delay in KILL_AFTER:
        token = uuid.uuid4().hex
        build = jixiao("build", "-j", "2", cwd=root, env={"JIXIAO_TEST_TOKEN": token})
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        status, _ = finished(build)
        assert wait_until_gone(token) == [], "workers outlived the build"
        now = tree(out)
        if status == 0:  # done before the kill: its output is the one to keep
            assert differences(following, now) == []
            previous = now
            continue
        killed += 1
        # Killed after the swap but before exiting, the build has published all of its output.
        assert differences(previous, now) == [] or differences(following, now) == [], f"killed after {delay} s"
        previous = now
    assert killed >= 3
    assert finished(jixiao("build", "-j", "2", cwd=root))[0] == 0
    assert leftovers(out) == []
    assert differences(tree(out), following) == []
    assert "改名后的站点" in (out / "index.html").read_text(encoding="utf-8")


def _small_project(root: Path, print_: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site_config.yml").write_text(f"site_name: 测试\nprint: {str(print_).lower()}\n", encoding="utf-8")
    for number in range(2):
        path = root / f"content/u/2020/{number}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MINIMAL.replace("测试项目", f"项目{number}"), encoding="utf-8")
    return root


def _cli_build(root: Path, *args) -> tuple[int, str]:
    result = CliRunner().invoke(group, ["build", "--config", str(root / "site_config.yml"), "-j", "1", *map(str, args)])
    return result.exit_code, result.output


def _full_disk_after(writes: int):
    """A write that fails as on a full disk after `writes` successful ones, leaving a partial file."""
    original = Output.write_pieces
    count = [0]

    def write_pieces(self, relative: str, pieces: list):
        count[0] += 1
        if count[0] > writes:
            data = b"".join(pieces)
            path = self.path(relative)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)  # as `Output.write_pieces` does: a link to the output is not written through
            path.write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return original(self, relative, pieces)

    return write_pieces


@pytest.mark.parametrize("writes", [0, 5, 12])  # a page, listings, downloads
def test_a_full_disk_is_an_error_naming_the_path_and_keeps_the_output(tmp_path, monkeypatch, writes):
    root = _small_project(tmp_path)
    assert _cli_build(root)[0] == 0
    previous = tree(root / "site")
    (root / "content/u/2020/0.yml").write_text(MINIMAL.replace("测试项目", "改名"), encoding="utf-8")
    monkeypatch.setattr(Output, "write_pieces", _full_disk_after(writes))
    status, message = _cli_build(root)
    assert status == 1 and "磁盘已满" in message
    assert ".site.staging-" in message  # the path that could not be written
    assert "内部错误" not in message
    assert differences(previous, tree(root / "site")) == []
    assert leftovers(root / "site") == [] and not list(tmp_path.rglob("*.tmp"))


def test_a_full_disk_while_printing_keeps_the_output(tmp_path, monkeypatch):
    root = _small_project(tmp_path, print_=True)
    assert _cli_build(root)[0] == 0
    previous = tree(root / "site")
    (root / "content/u/2020/1.yml").write_text(MINIMAL.replace("测试项目", "改名"), encoding="utf-8")

    def full(path: Path, data: bytes) -> None:
        path.with_name(f".{path.name}.tmp").write_bytes(data[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path.with_name(f".{path.name}.tmp")))

    monkeypatch.setattr(printing, "_write_atomic", full)
    status, message = _cli_build(root)
    assert status == 1 and "磁盘已满" in message and ".table.pdf.tmp" in message
    assert differences(previous, tree(root / "site")) == []
    assert leftovers(root / "site") == [] and not list(tmp_path.rglob("*.tmp"))


def test_a_full_tmpfs_keeps_the_output(tmp_path):
    """On a real file system that fills up (a 3 MiB tmpfs, where the test may mount one;
    else the same build with the disk filling up simulated in one process)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                             capture_output=True).returncode == 0
    try:
        root = seed_project(tmp_path / "project")
        (root / "site_config.yml").write_text("site_name: 测试\nprint: false\n", encoding="utf-8")
        out = mount / "site"
        assert finished(jixiao("build", "-j", "2", "--out", out, cwd=root))[0] == 0
        previous = tree(out)
        (root / "site_config.yml").write_text("site_name: 测试\n", encoding="utf-8")  # now with 4 MB of printouts
        if mounted:
            status, message = finished(jixiao("build", "-j", "2", "--out", out, cwd=root))
        else:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(Output, "write_pieces", _full_disk_after(60))
                status, message = _cli_build(root, "--out", out)
        assert status == 1 and "磁盘已满" in message and "内部错误" not in message, message
        assert differences(previous, tree(out)) == []
        assert leftovers(out) == [] and not list(mount.rglob("*.tmp"))
    finally:
        if mounted:
            subprocess.run(["umount", str(mount)], check=True)


def test_two_builds_into_one_output_wait_for_each_other(tmp_path):
    root = seed_project(tmp_path)
    first = jixiao("build", "-j", "1", cwd=root)
    time.sleep(1.0)
    second = jixiao("build", "-j", "1", cwd=root)
    (first_status, _), (second_status, waited) = finished(first), finished(second)
    assert first_status == 0 and second_status == 0
    assert "另一个 jixiao 正在生成" in waited
    assert finished(jixiao("build", "--no-cache", "--out", tmp_path / "fresh", cwd=root))[0] == 0
    assert differences(tree(root / "site"), tree(tmp_path / "fresh")) == []


def test_stale_staging_trees_are_removed_and_removed_content_disappears(tmp_path):
    root = _small_project(tmp_path)
    (root / "content/v/2021").mkdir(parents=True)
    (root / "content/v/2021/a.yml").write_text(MINIMAL.replace("year: 2020", "year: 2021"), encoding="utf-8")
    assert _cli_build(root)[0] == 0
    assert (root / "site/units/v/2021/a/index.html").exists()
    for stale in (".site.staging-99999", ".site.old-99998"):
        (tmp_path / stale / "units").mkdir(parents=True)
        (tmp_path / stale / "units/x.html").write_text("stale", encoding="utf-8")
    shutil.rmtree(root / "content/v")
    assert _cli_build(root)[0] == 0
    assert not (tmp_path / ".site.staging-99999").exists()  # moved aside at once, deleted in the background
    deadline = time.monotonic() + 10
    while list(tmp_path.glob(".site.old-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not list(tmp_path.glob(".site.old-*"))
    assert not (root / "site/units/v").exists()
    assert _cli_build(root, "--no-cache", "--out", tmp_path / "fresh")[0] == 0
    assert differences(tree(root / "site"), tree(tmp_path / "fresh")) == []


@pytest.mark.parametrize("out", [".", "..", "content", "content/u"])
def test_an_output_that_would_replace_the_project_is_refused(tmp_path, out):
    root = _small_project(tmp_path / "p")
    before = tree(root)
    status, message = _cli_build(root, "--out", root / out)
    assert status == 1 and "不能把" in message
    assert tree(root) == before


def test_nothing_is_written_through_a_link_into_the_published_tree(tmp_path):
    published = tmp_path / "site"
    (published / "a").mkdir(parents=True)
    (published / "a/index.html").write_text("旧", encoding="utf-8")
    staging = Staging(published, published)
    assert staging.link("a/index.html")
    staging.write_text("a/index.html", "新")
    assert (published / "a/index.html").read_text(encoding="utf-8") == "旧"
    (staging.root / "b").mkdir()
    (staging.root / "b/index.html").symlink_to(published / "a/index.html")  # planted: replaced all the same
    staging.write_pieces("b/index.html", [b"one ", b"by ", b"one"])
    assert (published / "a/index.html").read_text(encoding="utf-8") == "旧"
    assert (staging.root / "b/index.html").read_bytes() == b"one by one"
    staging.publish()
    assert (published / "a/index.html").read_text(encoding="utf-8") == "新"


def _edits(root: Path):
    """Edits in turn to a small project: a changed file, a new unit, the first file of a unit
    removed (the next one takes its place in the bundle), put back, a unit removed."""
    first = root / "content/u/2020/0.yml"
    added = root / "content/v/2021/a.yml"
    yield lambda: first.write_text(MINIMAL.replace("测试项目", "改名的项目"), encoding="utf-8")
    yield lambda: (added.parent.mkdir(parents=True), added.write_text(MINIMAL.replace("year: 2020", "year: 2021"),
                                                                     encoding="utf-8"))
    yield lambda: first.unlink()
    yield lambda: first.write_text(MINIMAL.replace("测试项目", "项目0"), encoding="utf-8")
    yield lambda: shutil.rmtree(added.parent.parent)


@pytest.mark.parametrize("print_", [False, True])
def test_the_replaced_tree_is_patched_into_the_next_one(tmp_path, monkeypatch, print_):
    """From the second build on, a spare tree is prepared (the first build's links to its
    output's files, then the tree each build replaced), and every output equals a fresh
    build; the state lists the output's files."""
    monkeypatch.setattr(output, "PATCH_AT_MOST", 1.0)  # a project this small rewrites most of its files
    root = _small_project(tmp_path / "p", print_=print_)
    out, spare = root / "site", root / ".site.spare"
    assert _cli_build(root)[0] == 0 and _same_files(out, spare)
    patched = 0
    for edit in _edits(root):
        edit()
        spare_before = identity(spare)
        assert _cli_build(root)[0] == 0
        patched += spare_before is not None and identity(out) == spare_before
        fresh = tmp_path / f"fresh-{patched}"
        assert _cli_build(root, "--no-cache", "--out", fresh)[0] == 0
        assert differences(tree(out), tree(fresh)) == []
        assert SpareState.load(out).paths == sorted(tree(out))
        shutil.rmtree(fresh)
    assert patched == 5  # every build after the first


def _same_files(out: Path, spare: Path) -> bool:
    """Whether the spare holds the output's files themselves (links to them)."""
    files = tree(out)
    return sorted(tree(spare)) == sorted(files) and all(
        os.path.samefile(out / name, spare / name) for name in files)


def test_after_a_build_that_rewrote_most_files_the_spare_is_its_output_linked(tmp_path, monkeypatch):
    """Patched, every file of the replaced tree would be replaced: it is deleted, and the
    spare is the new output's files linked, which the next build patches."""
    monkeypatch.setattr(output, "PATCH_AT_MOST", 0.9)  # an edit rewrites about half of this small project's files
    root = _small_project(tmp_path / "p")
    edits = _edits(root)
    for _ in range(2):
        next(edits)()
        assert _cli_build(root)[0] == 0
    (root / "site_config.yml").write_text("site_name: 改名的站点\nprint: false\n", encoding="utf-8")  # every page
    assert _cli_build(root)[0] == 0
    assert _same_files(root / "site", root / ".site.spare")
    next(edits)()
    spare_before = identity(root / ".site.spare")
    assert _cli_build(root)[0] == 0
    assert spare_before is not None and identity(root / "site") == spare_before
    assert _cli_build(root, "--no-cache", "--out", tmp_path / "fresh")[0] == 0
    assert differences(tree(root / "site"), tree(tmp_path / "fresh")) == []


def test_a_spare_tree_changed_by_hand_is_not_patched(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "PATCH_AT_MOST", 1.0)
    root = _small_project(tmp_path / "p")
    edits = _edits(root)
    for _ in range(2):
        next(edits)()
        assert _cli_build(root)[0] == 0
    spare = root / ".site.spare"
    shutil.move(spare, tmp_path / "moved")
    shutil.copytree(tmp_path / "moved", spare)  # the same files, another directory
    next(edits)()
    assert _cli_build(root)[0] == 0
    assert identity(root / "site") != identity(spare)
    assert _cli_build(root, "--no-cache", "--out", tmp_path / "fresh")[0] == 0
    assert differences(tree(root / "site"), tree(tmp_path / "fresh")) == []


def test_an_output_error_says_the_disk_is_full():
    error = OutputError.of(OSError(errno.ENOSPC, "No space left on device", "/srv/site/a.pdf"))
    assert "磁盘已满" in str(error) and "/srv/site/a.pdf" in str(error)


def test_unchanged_search_partitions_are_the_last_outputs_files(tmp_path, monkeypatch):
    """With partitions of two documents, a partition an edit leaves unchanged is kept (linked
    from the last output, or already in the patched spare), never written; the output still
    equals a fresh build's."""
    monkeypatch.setattr(output, "PATCH_AT_MOST", 1.0)
    monkeypatch.setattr(search, "BLOCK", 1)
    monkeypatch.setattr(search, "PARTITION", 2)
    built = search.build_index
    figures = []
    monkeypatch.setattr(search, "build_index", lambda *a, **k: figures.append(built(*a, **k)) or figures[-1])
    root = _small_project(tmp_path / "p")
    assert _cli_build(root)[0] == 0
    kept = 0
    for number, edit in enumerate(_edits(root)):
        edit()
        assert _cli_build(root)[0] == 0
        kept += len(figures[-1]["partitions"]) - figures[-1]["rewritten_partitions"]
        assert _cli_build(root, "--no-cache", "--out", tmp_path / f"fresh-{number}")[0] == 0
        assert differences(tree(root / "site"), tree(tmp_path / f"fresh-{number}")) == []
        assert SpareState.load(root / "site").paths == sorted(tree(root / "site"))
    assert kept > 0
