from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture(scope="session")
def seed_report():
    from generator.building.pipeline import run

    return run([CONTENT], use_cache=False, full=True)


@pytest.fixture
def write(tmp_path):
    """Write a file under a throw-away project (site_config.yml marks its root)."""
    (tmp_path / "site_config.yml").write_text("site_name: 测试\nprint: false\n", encoding="utf-8")

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


MINIMAL = """\
project: 测试项目
year: 2020
form: zibo-2020
scheme: national
department: {name: 测试局, code: "902001"}
funds:
  weight: 10
  rows:
    total:  {initial: 100, budget: 80, executed: 71.9}
    fiscal: {initial: 100, budget: 80, executed: 71.9}
indicators:
  - name: 产出指标
    weight: 50
    children:
      - name: 数量指标
        children:
          - {name: 培训人数, target: 100 人, actual: 100 人, weight: 50, score: 50}
  - name: 效益指标
    weight: 30
    children:
      - name: 社会效益指标
        children:
          - {name: 管理水平, target: 提高, actual: 提高, weight: 30, score: 30}
  - name: 满意度指标
    weight: 10
    children:
      - name: 服务对象满意度指标
        children:
          - {name: 满意度, target: "≥90%", actual: 95%, weight: 10, score: 10}
published:
  total: 98.99
  funds_score: 8.99
  rates: {total: 89.88%}
"""


@pytest.fixture
def minimal():
    return MINIMAL
