"""`jixiao serve`: it serves the built site on localhost and rebuilds on a change."""
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from .conftest import ROOT


def _get(url: str, wait: float = 120) -> str:
    """The page, once the first build (printing included: slow on a busy machine) is served."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=2).read().decode("utf-8")
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def _free_port() -> int:
    with socket.socket() as probe:  # two test runs at once must not share a fixed port
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_rebuilds_when_content_changes(tmp_path):
    port = str(_free_port())
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copy(ROOT / "site_config.yml", tmp_path)
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--port", port, "--interval", "0.3"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = f"http://127.0.0.1:{port}/units/anqing-jxj/2023/"
        assert "非公有制企业党建工作经费" in _get(page)
        source = tmp_path / "content/anqing-jxj/2023/01-feigong-dangjian.yml"
        source.write_text(source.read_text(encoding="utf-8").replace("project: 非公有制企业党建工作经费",
                                                                     "project: 改名后的党建经费"), encoding="utf-8")
        for _ in range(100):
            if "改名后的党建经费" in _get(page):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the page was not rebuilt")
    finally:
        server.terminate()
        server.wait(timeout=10)
