"""`jixiao serve`: build, serve the site on localhost, rebuild when a source changes.

The site is built into `.jixiao-preview/` beside `site_config.yml`, and each rebuild
is published as every build is (see `output.py`): the directory the server reads is
always a complete build, the last one, so a page or a PDF that existed never goes
missing while the next build is prepared."""
from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path

import click

from ..building.output import OutputError
from ..project.project import Project, ProjectError
from .build import build_site
from .common import config_option, content_argument, content_of, content_option, site_project

PREVIEW_DIR = ".jixiao-preview"


def _snapshot(project: Project) -> dict[str, tuple[int, int]]:
    """Modification times and sizes of everything a build reads: content, configuration,
    the project's templates, forms and schemes."""
    stamps = {}
    directories = [Path(project.content), *(project.root / name for name in ("templates", "forms", "schemes"))]
    for directory in directories:
        for path in directory.rglob("*") if directory.is_dir() else []:
            if path.is_file():
                info = path.stat()
                stamps[str(path)] = (info.st_mtime_ns, info.st_size)
    if project.config_path is not None and project.config_path.is_file():
        info = project.config_path.stat()
        stamps[str(project.config_path)] = (info.st_mtime_ns, info.st_size)
    return stamps


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _serve(directory: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _reread(project: Project, content: Path | None) -> Project:
    """The project with its configuration read again; the last one while the new one has errors."""
    again = Project.find(config=project.config_path, content=content)
    try:
        again.site()
    except ProjectError as exc:
        click.echo(str(exc), err=True)
        return project
    return again


def _rebuild(project: Project, out: Path) -> None:
    """A build whose failure (errors in the content, a full disk) is reported and waited out:
    the server goes on answering from the last complete build."""
    try:
        build_site(project, out, None, False)
    except OutputError as exc:
        click.echo(str(exc), err=True)


@click.command("serve")
@content_argument
@content_option
@config_option
@click.option("--port", type=int, default=8000, show_default=True, metavar="N", help="端口。")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="地址", help="监听地址（默认只在本机）。")
@click.option("--interval", type=float, default=1.0, show_default=True, metavar="秒", help="检查文件变化的间隔（秒）。")
def command(content_path, content_dir, config_path, port: int, host: str, interval: float) -> None:
    """生成网站并在本机预览；内容、模板、表式、评分规则或配置改动后自动重新生成。"""
    content = content_of(content_path, content_dir)
    project = site_project(config_path, content)
    out = project.root / PREVIEW_DIR
    _rebuild(project, out)
    server = _serve(out, host, port)
    click.echo(f"预览地址：http://{host}:{port}/  （Ctrl+C 退出）", err=True)
    seen = _snapshot(project)
    try:
        while True:
            time.sleep(interval)
            current = _snapshot(project)
            if current != seen:
                seen = current
                click.echo("检测到改动，重新生成……", err=True)
                project = _reread(project, content)
                _rebuild(project, out)
    except KeyboardInterrupt:
        server.shutdown()
