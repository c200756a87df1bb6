"""What several commands share: the paths argument and running the pipeline."""
from __future__ import annotations

from pathlib import Path

import click

from ..pipeline import Report, run

paths_argument = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path),
                                metavar="[路径]...")
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                           help="并行进程数（默认为 CPU 核数）。")
no_cache_option = click.option("--no-cache", is_flag=True, help="不使用缓存，重新读取全部文件。")


def run_paths(paths: tuple[Path, ...], jobs: int | None, no_cache: bool) -> Report:
    if not paths:
        default = Path("content")
        if not default.is_dir():
            raise click.UsageError("请给出要检查的文件或目录（当前目录下没有 content/）。")
        paths = (default,)
    return run(list(paths), jobs=jobs, use_cache=not no_cache)
