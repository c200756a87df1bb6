"""Writing the build output safely.

A build writes into a staging directory beside the output, which starts as a
hard-linked copy of the previous output (cheap, and files are replaced, never
modified in place, so the previous output is never touched). Only a build that
succeeds swaps the staging directory in; a failed one leaves the previous
output as it was.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath


class UnsafePath(ValueError):
    pass


class Output:
    def __init__(self, root: Path, final: Path | None = None):
        self.root = root
        self.final = final

    @classmethod
    def staging_for(cls, final: Path) -> "Output":
        staging = final.parent / f".{final.name}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        if final.is_dir():
            shutil.copytree(final, staging, copy_function=os.link)
        else:
            staging.mkdir(parents=True)
        return cls(staging, final)

    def path(self, relative: str) -> Path:
        """The file for a site-relative path; refuses anything that would leave the output."""
        parts = PurePosixPath(relative).parts
        if relative.startswith("/") or any(part in ("..", "") for part in parts) or "\\" in relative:
            raise UnsafePath(relative)
        return self.root.joinpath(*parts)

    def write_bytes(self, relative: str, data: bytes) -> Path:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()  # break the hard link to the previous output
        path.write_bytes(data)
        return path

    def write_text(self, relative: str, text: str) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"))

    def remove_stale(self, page_files: set[str], keep_urls: set[str]) -> None:
        """Evaluation directories whose source is gone."""
        units = self.root / "units"
        for page in units.glob("*/*/*/index.html") if units.exists() else []:
            url = page.parent.relative_to(self.root).as_posix() + "/"
            if url not in keep_urls:
                shutil.rmtree(page.parent)

    def commit(self) -> None:
        if self.final is None:
            return
        old = self.final.parent / f".{self.final.name}.previous"
        shutil.rmtree(old, ignore_errors=True)
        if self.final.exists():
            os.replace(self.final, old)
        os.replace(self.root, self.final)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        if self.final is not None:
            shutil.rmtree(self.root, ignore_errors=True)
