"""A unit directory's `_index.yml` (the bundle's table of contents) against the
evaluations found beside it: every entry has its table, every table its entry."""
from __future__ import annotations

import os
from pathlib import Path

from .. import findings as F
from ..findings import Finding, Pos
from ..loading.loader import INDEX_NAME, LoadError, Mapping, kind_of, load_file, node_pos
from ..loading.model import BundleIndex
from ..loading.schema import Converter
from ..project.tree import boundary_of
from .limits import check_index


def check_indexes(named: dict[Path, list[tuple[str, str | None]]]) -> tuple[list[Finding], dict[str, BundleIndex]]:
    """The findings of every directory's index, and the indexes that are sound, by directory.
    `named` gives each directory's evaluations as (file, project name or None)."""
    findings: list[Finding] = []
    indexes: dict[str, BundleIndex] = {}
    for directory, evaluations in sorted(named.items()):
        index_path = directory / INDEX_NAME
        if not os.path.lexists(index_path):
            continue
        index = _read_index(index_path, findings)
        if index is None:
            continue
        indexes[str(directory)] = index
        findings += _unmatched(index, evaluations)
    return findings, indexes


def _read_index(path: Path, findings: list[Finding]) -> BundleIndex | None:
    """The index in a file, or None when it cannot be read or is not sound (said in `findings`)."""
    try:
        node = load_file(path, boundary_of(path))
    except LoadError as exc:
        findings.append(exc.finding)
        return None
    if node is not None and type(node) is not Mapping:
        findings.append(F.NOT_A_MAPPING.at(node_pos(node), actual=kind_of(node)))
        return None
    converter = Converter({})
    index = converter.to_object(BundleIndex, node) if type(node) is Mapping else None
    findings += converter.findings
    if index is None:
        return None
    limits = check_index(index)
    findings += limits
    return None if limits else index


def _unmatched(index: BundleIndex, evaluations: list[tuple[str, str | None]]) -> list[Finding]:
    """Entries with no table in the directory, and tables with no entry."""
    files = {name: file for file, name in evaluations if name}
    listed = {entry.project for entry in index.entries}
    found = [F.INDEX_MISSING_TABLE.at(entry.pos, no=entry.no, project=entry.project)
             for entry in index.entries if entry.project not in files]
    found += [F.INDEX_MISSING_ENTRY.at(Pos(file, 1, 1), project=name)
              for name, file in files.items() if name not in listed]
    return found
