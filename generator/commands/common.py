"""What several commands share: finding the project and its content, running the pipeline,
and failing with a message the user can act on.

`build`, `validate`, `score`, `print` and `serve` take the content the same way: paths
on the command line (for `build` and `serve`, one content directory), or `--content`;
without either, the project's content directory (`content_dir` of `site_config.yml`,
by default `content/` beside it). `--config` names the project's `site_config.yml`
when it is not found from the content or the working directory (see `project.py`).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..building.output import OutputError
from ..building.pipeline import Report, run
from ..project.project import Project, ProjectError

paths_argument = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path),
                                metavar="[路径]...")
content_argument = click.argument("content_path", required=False, metavar="[内容目录]",
                                  type=click.Path(exists=True, file_okay=False, path_type=Path))
content_option = click.option("--content", "content_dir", metavar="目录", default=None,
                              type=click.Path(exists=True, file_okay=False, path_type=Path),
                              help="内容目录（评价文件所在目录；默认为 site_config.yml 的 content_dir，即 content/）。")
config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                             default=None, metavar="文件",
                             help="站点配置文件（默认在内容目录或当前目录及其上级目录中寻找 site_config.yml）。")
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                           help="并行进程数（默认为 CPU 核数）。")
no_cache_option = click.option("--no-cache", is_flag=True, help="不使用缓存，重新读取全部文件。")


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def content_of(content_path: Path | None, content_dir: Path | None) -> Path | None:
    """The one content directory given as a path or with --content (build, serve)."""
    if content_path is not None and content_dir is not None and content_path.resolve() != content_dir.resolve():
        raise click.UsageError("内容目录只能给出一个：写在命令后面，或用 --content。")
    return content_path if content_path is not None else content_dir


def site_project(config_path: Path | None, content: Path | None) -> Project:
    """The project of a command that makes a site: with a readable site_config.yml, or the
    command stops with what to create or fix."""
    project = Project.find(config=config_path, content=content)
    for finding in project.findings:
        if finding.severity != "error":
            click.echo(str(finding), err=True)
    try:
        project.site()
    except ProjectError as exc:
        fail(str(exc))
    return project


def checked_paths(paths: tuple[Path, ...], content_dir: Path | None, config_path: Path | None) -> tuple[Project, list[Path]]:
    """The project and the files or directories to check: those given, else its content directory."""
    start = None
    if paths:  # the project the first path belongs to, found from there
        start = (paths[0] if paths[0].is_dir() else paths[0].parent).absolute()
    project = Project.find(config=config_path, content=content_dir, start=start)
    targets = list(paths) or [project.content]
    if not paths and not Path(project.content).is_dir():
        raise click.UsageError(f"请给出要检查的文件或目录（没有内容目录 {project.content}）。")
    return project, targets


def run_paths(paths: tuple[Path, ...], jobs: int | None, no_cache: bool, content_dir: Path | None = None,
              config_path: Path | None = None) -> Report:
    project, targets = checked_paths(paths, content_dir, config_path)
    return run(targets, jobs=jobs, use_cache=not no_cache, project=project)


def output_errors(function):
    """Run a command body; a failure to write the output is an error with its path (exit 1),
    not an internal error."""
    def wrapped(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except OutputError as exc:
            fail(str(exc))
    wrapped.__name__, wrapped.__doc__ = function.__name__, function.__doc__
    return wrapped
