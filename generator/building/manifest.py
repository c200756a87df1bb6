"""The record of the last build into one output directory.

For every output a build may keep (see `fingerprint.DEPENDS`), the manifest holds the
fingerprint it was written with and the files it consists of; for the search index,
its partitions; for each folder of evaluations, what the site made of it (its block,
`render/blocks.py`: the evaluations' pages among it); and the directory it describes,
by device and inode. It is kept in
the project's `.cache/jixiao/builds/`, never in the published tree.

A build keeps an output only when the manifest describes the directory now at the
output's path (a tree replaced, restored or half-deleted by hand is not reused), the
output's fingerprint is unchanged, and its files can be linked. It is written, as one
verified record (`verified.py`), just before the new tree is published: killed in
between, the next build finds that the manifest describes a tree that is not the
output, and builds everything again.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import fingerprint, verified
from .output import UnsafePath, identity, safe_relative

FORMAT = 3  # 2: the entries inside the one record; 3: with the folders' blocks


@dataclass
class Entry:
    fingerprint: str
    files: list[str]
    breaks: list[int] = field(default_factory=list)  # a table's page breaks (printing)
    facts: dict = field(default_factory=dict)  # what the output's maker kept of it (a unit page: its tally)


@dataclass
class Manifest:
    path: Path
    tree: list[int] | None = None
    entries: dict[str, Entry] = field(default_factory=dict)  # by "kind:url"
    search: list | None = None  # the search index's partitions
    whole: str | None = None  # everything the build was made of: unchanged, nothing to do
    blocks: dict[str, dict] = field(default_factory=dict)  # what the site made of each folder, by its first file

    @classmethod
    def location(cls, cache_dir: Path, final: Path) -> Path:
        name = hashlib.sha1(str(final.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return cache_dir / "builds" / f"{name}.jsonl"

    @classmethod
    def load(cls, cache_dir: Path, final: Path) -> "Manifest":
        """The last build's manifest for `final`; an empty one when there is none that verifies."""
        manifest = cls(cls.location(cache_dir, final))
        records = verified.read(manifest.path, fingerprint.code_version())
        head = records[0] if len(records) == 1 else None
        if type(head) is not dict or head.get("format") != FORMAT or head.get("out") != str(final.resolve()):
            return manifest
        manifest.tree = _ints(head.get("tree"))
        manifest.search = head.get("search") if type(head.get("search")) is list else None
        manifest.whole = head.get("whole") if type(head.get("whole")) is str else None
        blocks = head.get("blocks")
        manifest.blocks = blocks if type(blocks) is dict else {}  # each checked by its user (render/blocks.py)
        for record in head.get("entries") if type(head.get("entries")) is list else ():
            key, entry = _entry(record)
            if key is not None:
                manifest.entries[key] = entry
        return manifest

    def fresh(self) -> "Manifest":
        """An empty manifest for the build that follows this one, at the same place."""
        return Manifest(self.path)

    def describes(self, final: Path) -> bool:
        return self.tree is not None and self.tree == identity(final)

    def complete(self, final: Path, kind: str | None = None) -> bool:
        """Whether every file the manifest lists (of one kind of output, or of all) is in the
        output: a file deleted by hand is written again, never taken as current."""
        top = str(final)
        return all(os.path.isfile(os.path.join(top, name)) for key, entry in self.entries.items()
                   if kind is None or key.startswith(kind + ":") for name in entry.files)

    def get(self, kind: str, url: str, fingerprint_: str | None = None) -> Entry | None:
        """The output as the last build wrote it, if it had this fingerprint (or whatever it had)."""
        entry = self.entries.get(f"{kind}:{url}")
        return entry if entry is not None and fingerprint_ in (None, entry.fingerprint) else None

    def files(self) -> list[str]:
        """Every file of every output recorded."""
        return [name for entry in self.entries.values() for name in entry.files]

    def record(self, kind: str, url: str, entry: Entry) -> None:
        self.entries[f"{kind}:{url}"] = entry

    def save(self, final: Path, tree: list[int] | None) -> None:
        version = fingerprint.code_version()
        # One record: one checksum and one parse for 10,000 entries, not one each (0.1 s a build).
        entries = [{"key": key, "fingerprint": e.fingerprint, "files": e.files, "breaks": e.breaks,
                    **({"facts": e.facts} if e.facts else {})}
                   for key, e in sorted(self.entries.items())]
        head = {"format": FORMAT, "out": str(final.resolve()), "tree": tree, "search": self.search,
                "whole": self.whole, "entries": entries, "blocks": self.blocks}
        if not verified.write(self.path, [verified.line(version, head, floats=False)]):
            self.path.unlink(missing_ok=True)  # an old manifest must not outlive its tree's replacement


def _ints(value) -> list[int] | None:
    if type(value) is list and value and all(type(item) is int for item in value):
        return value
    return None


def _entry(record) -> tuple[str | None, Entry | None]:
    """A record that holds an entry of the right shape, whose files stay inside the output."""
    if type(record) is not dict:
        return None, None
    key, print_, files, breaks = record.get("key"), record.get("fingerprint"), record.get("files"), record.get("breaks")
    facts = record.get("facts", {})
    if (type(key) is not str or type(print_) is not str or type(files) is not list or type(breaks) is not list
            or type(facts) is not dict):
        return None, None
    if not all(type(item) is str for item in files) or not all(type(item) is int for item in breaks):
        return None, None
    try:
        for item in files:
            safe_relative(item)
    except UnsafePath:
        return None, None
    return key, Entry(print_, files, breaks, facts)
