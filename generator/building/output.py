"""Publishing a build: the whole output prepared beside the old one, then swapped in at once.

A build writes everything (pages, search index, downloads, PDF, XLSX, bundles) into a
staging directory beside the output, `.<name>.staging-<pid>`. What has not changed
since the last build is not written again: its files are hard links to the files of
the output (a copy where the file system cannot link), so preparing a build of
10,000 evaluations after a one-file edit costs links, not renders. Nothing ever
writes into the published output, and nothing writes through a link: every file is
written new.

The staging directory then replaces the output in one step: on Linux, renameat2's
RENAME_EXCHANGE swaps the two directories atomically, so the output's path always
names a complete tree (a server reading it, `jixiao serve` among them, answers every
request from the old tree or the new one, never from neither). Elsewhere the output
is renamed aside and the staging directory renamed into place: two renames, a window
of microseconds. The old tree is then deleted in the background.

The replaced tree is not deleted when the build says which files its tree holds
(`publish(declared=...)`): it is kept beside the output as `.<name>.spare`, and the
next build prepares its tree in it, patching only what differs instead of linking
every file anew (a one-file edit of 10,000 evaluations: a few dozen files, not
46,000 links and 10,000 directories). Where the replaced tree cannot serve (a first
build has none; one changed by hand, or one most of whose files this build wrote anew,
is deleted), the spare is the new output's files linked into a new tree.
`.<name>.spare.state` records, as verified records, which files each of the two trees
holds and which of the output's files are not the spare's (by device and inode of both
trees, so a tree replaced, moved or restored by hand is never patched: it is deleted
and the build links as before).

A build killed at any moment leaves the published output as it was; the staging
directories it leaves are removed by the next build. Builds into one output are
serialised by a lock on `.<name>.lock` beside it.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import glob
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import verified

RENAME_EXCHANGE = 2
PATCH_AT_MOST = 0.25  # the share of the output's files that may differ from the spare's for it to be patched
SPARE_FORMAT = "spare-1"  # the state file's version: records of another format do not verify
AT_FDCWD = -100
WRITE_BUFFER = 1 << 20


class UnsafePath(ValueError):
    pass


class OutputError(Exception):
    """A failure to write the output that the user can act on (a full disk, a read-only
    directory, an output that may not be replaced); the previous output is untouched."""

    @classmethod
    def of(cls, exc: OSError) -> "OutputError":
        where = exc.filename or "输出目录"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return cls(f"磁盘已满，无法写入 {where}（{exc.strerror}）。原有输出保持不变；请腾出磁盘空间后重新生成。")
        return cls(f"无法写入 {where}：{exc.strerror or exc}。原有输出保持不变。")


def safe_relative(relative: str) -> str:
    """A site-relative path (`units/u/2020/a/index.html`), refused if it could leave the output."""
    # Each part as "/part/" in `wrapped`: an empty part, ".", or ".." without splitting
    # (the manifest and the staging tree check 50,000 paths a build).
    wrapped = "/" + relative.rstrip("/") + "/"
    if (not relative or relative[0] == "/" or "\\" in relative or "\0" in relative
            or "//" in wrapped or "/./" in wrapped or "/../" in wrapped):
        raise UnsafePath(relative)
    return relative


def _sibling(final: Path, kind: str) -> Path:
    return final.parent / f".{final.name}.{kind}-{os.getpid()}"


# --- before a build ------------------------------------------------------------------------

def check_target(final: Path, project_root: Path, content: Path) -> None:
    """Refuse an output whose replacement would delete what is not output: the project,
    a parent of it or of the content, the home directory, or a directory inside the content."""
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        raise OutputError(f"输出路径 {final} 不是目录（或是符号链接）；请用 --out 指定一个目录。")
    resolved = final.resolve()
    for kept in (project_root.resolve(), content.resolve(), Path.home().resolve()):
        if resolved == kept or resolved in kept.parents:
            raise OutputError(f"不能把 {final} 作为输出目录：生成时整个输出目录会被替换，而 {kept} 就是它或在它之中。"
                              "请用 --out 指定单独的目录，如 site/。")
    if content.resolve() in resolved.parents:
        raise OutputError(f"不能把 {final} 作为输出目录：它在内容目录 {content} 之中。")


@contextmanager
def locked(final: Path, echo=None):
    """Hold the output's lock for the block; wait, saying so, while another build holds it."""
    final.parent.mkdir(parents=True, exist_ok=True)
    lock_path = final.parent / f".{final.name}.lock"
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if echo is not None:
                echo(f"另一个 jixiao 正在生成 {final}，等它完成后再生成……")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(final: Path) -> None:
    """Staging and replaced trees that an interrupted build left (called with the lock held,
    so none of them belongs to a build still running): renamed out of the way at once, and
    deleted in the background, as a replaced tree is (deleting 10,000 directories takes
    seconds, and nothing waits for it)."""
    if not final.parent.is_dir():
        return
    for kind in ("staging", "old"):
        for path in final.parent.glob(f".{glob.escape(final.name)}.{kind}-*"):
            if kind == "staging":
                trash = _trash_name(final)
                try:
                    os.rename(path, trash)
                except OSError:
                    _remove(path)
                    continue
                path = trash
            _remove_in_background(path)


def _trash_name(final: Path) -> Path:
    return final.parent / f".{final.name}.old-{os.getpid()}-{time.time_ns()}"


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _remove_in_background(path: Path) -> None:
    """A replaced tree is deleted by a detached process: the new one is already in place."""
    if shutil.which("rm"):
        subprocess.Popen(["rm", "-rf", "--", str(path)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        _remove(path)


def identity(path: Path) -> list[int] | None:
    """Which directory a path names (device and inode): kept by a rename, new for a new tree."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_dev, info.st_ino]


# --- the spare tree ---------------------------------------------------------------------------

def _spare_path(final: Path) -> Path:
    return final.parent / f".{final.name}.spare"


def _state_path(final: Path) -> Path:
    return final.parent / f".{final.name}.spare.state"


@dataclass
class SpareState:
    """What the last build published (`paths`; `differ`: those whose file is not the spare's;
    `times`: the modification time of each of its directories, which a file added or deleted
    by hand changes) and the spare it kept (`spare_paths`), each tree named by its identity."""
    published: list[int]
    paths: list[str]
    differ: list[str]
    times: list[int]
    spare: list[int] | None = None
    spare_paths: list[str] | None = None
    _folders = None  # the directories of `paths` (`untouched`): not a field, never saved

    @classmethod
    def load(cls, final: Path) -> "SpareState | None":
        records = verified.read(_state_path(final), SPARE_FORMAT)
        try:
            state = cls(**records[0]) if len(records) == 1 and type(records[0]) is dict else None
        except TypeError:
            return None
        if state is None or not state._well_formed() or state.published != identity(final):
            return None
        return state

    def _well_formed(self) -> bool:
        lists = (self.paths, self.differ, self.times, self.spare_paths or [])
        return (all(type(items) is list for items in lists) and all(type(p) is str for p in self.paths)
                and all(type(p) is str for p in self.differ) and all(type(t) is int for t in self.times)
                and all(type(p) is str for p in self.spare_paths or []))

    def save(self, final: Path) -> None:
        record = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if not verified.write(_state_path(final), [verified.line(SPARE_FORMAT, record, floats=False)]):
            _state_path(final).unlink(missing_ok=True)

    def untouched(self, tree: Path) -> bool:
        """Whether `tree`, the output this state describes, still has its directories as they were."""
        if self._folders is None:  # asked of the output, then of the same tree replaced: worked out once
            self._folders = folders_of(self.paths)
        return self.times == directory_times(tree, self._folders)

    def spare_in_place(self, final: Path) -> bool:
        return self.spare is not None and self.spare_paths is not None and self.spare == identity(_spare_path(final))

    def worth_patching(self, final: Path) -> bool:
        """The spare is in place and mostly the output's files: after a build that wrote most
        files anew, replacing each of the spare's (an unlink and a link) costs more than
        linking them into an empty tree, and the spare is deleted in the background instead."""
        return self.spare_in_place(final) and len(self.differ) <= PATCH_AT_MOST * len(self.paths)


def folders_of(paths: list[str]) -> list[str]:
    """The directories that hold `paths` (the top one, "", included), in order."""
    folders = {""}
    # Each file's folder first (50,000 files are in 10,000 folders), then the folders above those.
    for path in {path.rpartition("/")[0] for path in paths}:
        while path and path not in folders:
            folders.add(path)
            path = path.rpartition("/")[0]
    return sorted(folders)


def directory_times(tree: Path, folders: list[str]) -> list[int] | None:
    """The modification time of each of these directories of `tree` (`folders_of`)."""
    try:
        top = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:  # each relative to the top's descriptor: no path joined or walked from the root 10,000 times
        return [os.stat(folder or ".", dir_fd=top, follow_symlinks=False).st_mtime_ns for folder in folders]
    except OSError:
        return None
    finally:
        os.close(top)


# --- the build ----------------------------------------------------------------------------

class Output:
    """Writes files under `root`, each new (never through an existing file or link)."""

    def __init__(self, root: Path):
        self.root = root
        self._top = str(root)
        self._made: set[str] = set()

    def path(self, relative: str) -> Path:
        return Path(self._at(relative))

    def _at(self, relative: str) -> str:
        return os.path.join(self._top, safe_relative(relative))

    def _parent(self, path: str) -> None:
        parent = os.path.dirname(path)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)

    def write_bytes(self, relative: str, data: bytes) -> Path:
        return self.write_pieces(relative, [data])

    def write_pieces(self, relative: str, pieces: list) -> Path:
        """A file of these bytes objects (or views) one after the other: a download of 10,000
        evaluations' lines is written from them through a buffer, not joined first (joining
        60 MB into new memory took four times as long as writing it)."""
        path = self._at(relative)
        self._parent(path)
        fd = _created(path)
        if len(pieces) == 1:  # a page's files (four a page): no buffer to allocate and copy into
            try:
                _write_all(fd, pieces[0])
            finally:
                os.close(fd)
            return Path(path)
        with open(fd, "wb", buffering=WRITE_BUFFER) as handle:
            handle.writelines(pieces)
        return Path(path)

    def write_text(self, relative: str, text: str) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"))


class Staging(Output):
    """The next output, prepared beside `final`; `previous` is the output whose unchanged
    files it may link (None: everything is written new). With a spare tree that the
    state describes, the staging directory is that tree, patched."""

    def __init__(self, final: Path, previous: Path | None = None):
        super().__init__(_sibling(final, "staging"))
        self.final = final
        self.previous = previous
        self._previous_top = str(previous) if previous is not None else None
        self._state = SpareState.load(final)
        self._linked: set[str] = set()
        self._written: set[str] = set()
        self._spare: set[str] = set()  # the spare's files not yet made current
        self._clean: set[str] = set()  # the spare's files that are the output's
        _remove(self.root)
        # The spare's files are taken for the output's (`_clean`), and kept pages are read back from
        # the output: an output changed by hand (emptied, even into a directory of the same inode) is not.
        self.patching = (previous is not None and self._state is not None and self._state.worth_patching(final)
                         and self._state.untouched(final))
        if self.patching:
            os.rename(_spare_path(final), self.root)  # killed from here on, it is a leftover staging tree
            self._spare = set(self._state.spare_paths)
            self._clean = self._spare.intersection(self._state.paths).difference(self._state.differ)
        else:
            self.root.mkdir(parents=True)

    def write_pieces(self, relative: str, pieces: list) -> Path:
        self._written.add(relative)
        self._linked.discard(relative)  # written over a link: no longer the previous output's file
        return super().write_pieces(relative, pieces)

    def link(self, relative: str) -> bool:
        """The previous output's file at `relative`, kept (linked, else copied); False when
        there is none to keep (it must be written)."""
        if self._previous_top is None:
            return False
        if relative in self._clean:  # the spare's file is the output's: nothing to do
            self._linked.add(relative)
            return True
        source = os.path.join(self._previous_top, safe_relative(relative))
        target = os.path.join(self._top, relative)
        if relative in self._spare:
            self._spare.discard(relative)
            _unlink(target)
        self._parent(target)
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            self._linked.add(relative)
            return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            if not os.path.isfile(source) or os.path.islink(source):
                return False
            shutil.copy2(source, target)
        if os.path.islink(target):  # never a link to elsewhere, even one the published tree held
            os.unlink(target)
            return False
        self._linked.add(relative)
        return True

    def link_all(self, relatives: list[str]) -> bool:
        """Keep all the files of an output, or, when one cannot be kept, none: the caller writes
        them all again (by other means than this object, perhaps), so none counts as linked."""
        if all([self.link(relative) for relative in relatives]):
            return True
        self._linked.difference_update(relatives)
        return False

    def clear(self, prefix: str) -> None:
        """Nothing under `prefix`: for an output written by other means than this object's
        (the search index, the theme's assets), so that no file of the spare is left there."""
        shutil.rmtree(self._at(prefix), ignore_errors=True)
        inside = prefix.rstrip("/") + "/"
        for held in (self._spare, self._clean, self._linked, self._written):
            held.difference_update([name for name in held if name.startswith(inside)])

    def files(self, prefix: str) -> list[str]:
        """The files written under `prefix`, relative to the output."""
        top = self._at(prefix)
        return sorted(os.path.relpath(os.path.join(d, n), self._top) for d, _, names in os.walk(top) for n in names)

    def identity(self) -> list[int] | None:
        return identity(self.root)

    def publish(self, declared: list[str] | None = None) -> None:
        """Make the prepared tree the output, in one step. With `declared`, the files written
        by other means than this object (by the workers), the replaced tree is kept as the
        next build's spare; without, it is deleted after."""
        paths = None
        if declared is not None:
            paths = self._linked | self._written
            paths.update(declared)
            self._remove_stale(paths)
        if not os.path.lexists(self.final):
            os.rename(self.root, self.final)
            self._link_spare(paths)
            return
        old = _trash_name(self.final)
        if _exchange(self.root, self.final):
            os.rename(self.root, old)
        else:
            os.rename(self.final, old)
            os.rename(self.root, self.final)
        self._keep_or_remove(old, paths)

    def _remove_stale(self, paths: set[str]) -> None:
        """The spare's files this build has not kept, and the directories they leave empty."""
        emptied = set()
        for relative in self._spare.difference(paths):
            _unlink(os.path.join(self._top, relative))
            emptied.add(os.path.dirname(relative))
        for directory in sorted(emptied, key=len, reverse=True):
            while directory:
                try:
                    os.rmdir(os.path.join(self._top, directory))
                except OSError:
                    break
                directory = os.path.dirname(directory)

    def _keep_or_remove(self, old: Path, paths: set[str] | None) -> None:
        spare = _spare_path(self.final)
        if os.path.lexists(spare):
            _remove_in_background(_renamed_aside(spare, self.final))
        if (paths is None or self._state is None or not self._state.untouched(old)  # changed by hand: not patched
                or len(paths - self._linked) > PATCH_AT_MOST * len(paths)):  # nor worth patching
            _remove_in_background(old)
            self._link_spare(paths)
            return
        os.rename(old, spare)
        self._save_state(paths, self._state.paths)

    def _link_spare(self, paths: set[str] | None) -> None:
        """A spare for the next build when the replaced tree cannot be one (there was none, or
        it was changed by hand, or this build wrote most files anew): the output's files
        linked into a new tree. The next build then patches it instead of linking every
        file itself: the links are made while the user waits for a long build (a cold build
        of 10,000 evaluations: about 0.7 s more) rather than for the next edit's short one
        (1.1 s of its 2.7). Where a file cannot be linked, there is no spare."""
        if paths is None:
            self._save_state(None, None)
            return
        building = Output(_sibling(self.final, "staging"))  # killed meanwhile, it is a leftover staging tree
        _remove(building.root)
        top = str(self.final)
        try:
            for relative in sorted(paths):
                target = building._at(relative)
                building._parent(target)
                os.link(os.path.join(top, relative), target, follow_symlinks=False)
            os.rename(building.root, _spare_path(self.final))
        except OSError:
            _remove(building.root)
            self._save_state(paths, None)
            return
        self._save_state(paths, sorted(paths), differ=[])

    def _save_state(self, paths: set[str] | None, spare_paths: list[str] | None,
                    differ: list[str] | None = None) -> None:
        """`differ`: the output's files that are not the spare's, by default those written new."""
        if paths is None:
            _state_path(self.final).unlink(missing_ok=True)
            return
        spare = identity(_spare_path(self.final)) if spare_paths is not None else None
        published = sorted(paths)
        times = directory_times(self.final, folders_of(published))
        if times is None:
            _state_path(self.final).unlink(missing_ok=True)
            return
        SpareState(identity(self.final), published, sorted(paths - self._linked) if differ is None else differ,
                   times, spare, spare_paths).save(self.final)

    def discard(self, untouched: bool = False) -> None:
        """Drop the prepared tree; a spare this build has not changed (`untouched`: nothing
        written into it) is kept for the next build."""
        if untouched and self.patching and not (self._linked - self._clean) and not self._written:
            os.rename(self.root, _spare_path(self.final))
            return
        _remove(self.root)


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def _created(path: str) -> int:
    """A new file at `path`, open for writing: one already there (a link into the published
    tree, even a symbolic one) is replaced, never written through."""
    try:
        return os.open(path, _CREATE, 0o666)
    except FileExistsError:
        os.unlink(path)
        return os.open(path, _CREATE, 0o666)


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _renamed_aside(path: Path, final: Path) -> Path:
    trash = _trash_name(final)
    os.rename(path, trash)
    return trash


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))
