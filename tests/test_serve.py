"""`jixiao serve`: it serves the built site on localhost and rebuilds on a change."""
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
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


PRINTOUTS = ["units/zibo-gxj/2021/bundle.pdf", "units/anqing-jxj/2023/bundle.xlsx",
             "units/zibo-gxj/2020/07-rengong-zhineng-guihua/table.pdf",
             "units/anqing-jxj/2023/08-gongye-hulianwang/table.xlsx", "units/zibo-gxj/2021/", "data/evaluations.csv"]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_serve_answers_from_the_last_complete_build_while_it_rebuilds(tmp_path):
    """Every page, PDF and workbook that existed is served while a rebuild reprints them all."""
    port = str(_free_port())
    shutil.copytree(ROOT / "content", tmp_path / "content")
    (tmp_path / "site_config.yml").write_text("site_name: 预览站点\npublisher: 甲财政局\n", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--port", port, "--interval", "0.2"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        assert "预览站点" in _get(base, wait=240)
        assert all(_status(base + path) == 200 for path in PRINTOUTS)
        (tmp_path / "site_config.yml").write_text("site_name: 改名站点\npublisher: 乙财政局\n", encoding="utf-8")
        statuses, deadline = [], time.monotonic() + 240
        while time.monotonic() < deadline:
            statuses += [_status(base + path) for path in PRINTOUTS]
            if "改名站点" in _get(base):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the site was not rebuilt")
        assert len(statuses) >= 60 and set(statuses) == {200}, sorted(set(statuses))
    finally:
        server.terminate()
        server.wait(timeout=10)
