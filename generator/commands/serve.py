"""`jixiao serve`: build, serve the site on localhost, rebuild when a source changes."""
from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path

import click

from ..config import CONFIG_NAME
from .build import build_site


def _snapshot(root: Path) -> dict[str, int]:
    """Modification times of everything a build reads: content, templates and config."""
    stamps = {}
    for directory in ("content", "templates"):
        for path in (root / directory).rglob("*") if (root / directory).exists() else []:
            if path.is_file():
                stamps[str(path)] = path.stat().st_mtime_ns
    config = root / CONFIG_NAME
    if config.exists():
        stamps[str(config)] = config.stat().st_mtime_ns
    return stamps


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _serve(directory: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@click.command("serve")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=CONFIG_NAME,
              show_default=True, help="站点配置文件。")
@click.option("--port", type=int, default=8000, show_default=True, metavar="N", help="端口。")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="地址", help="监听地址（默认只在本机）。")
@click.option("--interval", type=float, default=1.0, show_default=True, metavar="秒", help="检查文件变化的间隔（秒）。")
def command(config_path: Path, port: int, host: str, interval: float) -> None:
    """生成网站并在本机预览；内容、模板或配置改动后自动重新生成。"""
    out = config_path.parent / ".jixiao-preview"
    build_site(config_path, out, None, False)
    server = _serve(out, host, port)
    click.echo(f"预览地址：http://{host}:{port}/  （Ctrl+C 退出）", err=True)
    seen = _snapshot(config_path.parent)
    try:
        while True:
            time.sleep(interval)
            current = _snapshot(config_path.parent)
            if current != seen:
                seen = current
                click.echo("检测到改动，重新生成……", err=True)
                build_site(config_path, out, None, False)
    except KeyboardInterrupt:
        server.shutdown()
