"""A unit's bundle is merged from its tables' own PDFs: after a one-file edit only that table
(and the cover and index) is laid out again, the bundle equals a fresh one byte for byte,
its pages look as the tables' own pages with the bundle's footers, and each font face is
embedded once."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from generator.building.pipeline import run
from generator.render import printing
from generator.render.printing import pdf as print_pdf
from generator.render.printing import print_outputs

from .conftest import CONTENT

UNIT = "zibo-gxj/2021"
EDITED = "content/zibo-gxj/2021/03-guquan-touzi.yml"


def _print(root: Path, out: Path, jobs: int = 1, use_cache: bool = True) -> dict:
    report = run([root / "content"], use_cache=False, full=True)
    return print_outputs(report, root / "content", out, jobs, use_cache=use_cache)


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """One unit printed, one of its files edited and printed again (counting the tables laid
    out), and the same printed fresh elsewhere."""
    root = tmp_path_factory.mktemp("merge")
    shutil.copytree(CONTENT / UNIT, root / "content" / UNIT)
    for defaults in ("zibo-gxj/_defaults.yml",):
        shutil.copy(CONTENT / defaults, root / "content" / defaults)
    (root / "site_config.yml").write_text("site_name: 测试\npublisher: 测试局\n", encoding="utf-8")
    _print(root, root / "out")
    before = {p.relative_to(root / "out"): p.read_bytes() for p in (root / "out").rglob("*.pdf")}
    changed = root / EDITED
    changed.write_text(changed.read_text(encoding="utf-8").replace("project: 股权投资专项", "project: 股权投资专项（改）"),
                       encoding="utf-8")
    laid_out = []
    original = print_pdf.lay_out
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(print_pdf, "lay_out", lambda jobs, *a: laid_out.extend(jobs) or original(jobs, *a))
        figures = _print(root, root / "out")
    _print(root, root / "fresh", jobs=2, use_cache=False)
    return {"root": root, "before": before, "figures": figures, "laid_out": laid_out}


def test_a_one_file_edit_lays_out_one_table_and_merges_the_others(edited):
    assert edited["figures"]["tables_rendered"] == 1 and edited["figures"]["bundles_rendered"] == 1
    assert [job.table.project for job in edited["laid_out"]] == ["股权投资专项（改）"]


def test_the_merged_bundle_equals_a_fresh_one(edited):
    root = edited["root"]
    names = sorted(p.relative_to(root / "fresh") for p in (root / "fresh").rglob("*") if p.is_file())
    assert len(names) == 14
    assert [n for n in names if (root / "out" / n).read_bytes() != (root / "fresh" / n).read_bytes()] == []
    unchanged = Path("units/zibo-gxj/2021/01-siqiang-pandeng/table.pdf")
    assert (root / "out" / unchanged).read_bytes() == edited["before"][unchanged]  # kept, not printed again


def _png(pdf: Path, page: int, out: Path) -> bytes:
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(out)], check=True)
    return out.with_suffix(".png").read_bytes()


def test_a_bundle_page_is_its_tables_page_with_the_bundles_footer(edited, tmp_path):
    """Drawn alike, but for the footer: a table alone is 第 1 页 共 1 页, in the bundle it is the
    bundle's page; covered where the footer is, the two images are the same."""
    root = edited["root"]
    bundle = root / "out/units/zibo-gxj/2021/bundle.pdf"
    table = root / "out/units/zibo-gxj/2021/01-siqiang-pandeng/table.pdf"
    text = subprocess.run(["pdftotext", "-f", "3", "-l", "3", str(bundle), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "四强" in text and re.search(r"第\s*2\s*页\s*共\s*7\s*页", text)  # the cover unnumbered
    from PIL import Image

    images = []
    for name, pdf, page in (("bundle", bundle, 3), ("table", table, 1)):
        _png(pdf, page, tmp_path / name)
        image = Image.open(tmp_path / f"{name}.png").convert("L")
        width, height = image.size
        image.paste(255, (0, height - height // 20, width, height))  # the bottom margin: the footer
        images.append(image.tobytes())
    assert images[0] == images[1]


def test_a_bundle_embeds_each_font_face_once(edited):
    bundle = edited["root"] / "out/units/zibo-gxj/2021/bundle.pdf"
    listed = subprocess.run(["pdffonts", str(bundle)], capture_output=True, text=True, check=True).stdout
    faces = [line.split()[0].split("+", 1)[1] for line in listed.splitlines()[2:]]
    assert sorted(faces) == ["Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"]


def test_the_index_links_go_to_each_tables_first_page(edited):
    with pikepdf.open(edited["root"] / "out/units/zibo-gxj/2021/bundle.pdf") as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
        names = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items())
        targets = [pages[names[str(link.Dest)][0].objgen] for link in pdf.pages[1].Annots]
        outline = {str(item.Title): pages[item.Dest[0].objgen] for item in _items(pdf.Root.Outlines)}
    assert sorted(set(targets)) == list(range(2, 8))  # the cover, the index, then one page a table
    assert outline["股权投资专项（改）"] == 4 and outline["目录"] == 1


def _items(outlines):
    item = outlines.get("/First")
    while item is not None:
        yield item
        item = item.get("/Next")


def test_printing_splits_a_due_bundles_xlsx_off_on_several_cores():
    group = printing.GroupTask("units/u/2020/", [], printing.Bundle(None, 2020, "x"))
    lone = printing.GroupTask("units/v/2020/", [])
    tasks, held = printing._tasks([group, lone], 2)
    assert [(task.url, task.part) for task in tasks] == [
        ("units/u/2020/", "pdf"), ("units/v/2020/", "all"), ("units/u/2020/", "bundle-xlsx")]
    assert held == {}


def _tables(count: int, written: int) -> list:
    return [printing.TableTask(f"units/u/2020/{n}/", f"{n}.yml", f"项目{n}", "x", write=n < written)
            for n in range(count)]


def test_a_unit_of_many_tables_is_printed_by_several_tasks_then_its_bundle():
    group = printing.GroupTask("units/u/2020/", _tables(30, 25), printing.Bundle(None, 2020, "x"))
    small = printing.GroupTask("units/v/2020/", _tables(3, 3))
    tasks, held = printing._tasks([group, small], 2)
    assert [(task.url, task.part, len(task.tables)) for task in tasks] == [
        ("units/u/2020/", "tables", 10), ("units/u/2020/", "tables", 10), ("units/u/2020/", "tables", 5),
        ("units/v/2020/", "all", 3), ("units/u/2020/", "bundle-xlsx", 30)]
    assert all(table.write for task in tasks[:3] for table in task.tables) and tasks[0].bundle is None
    [(parts, bundle)] = held.values()
    assert parts == 3 and bundle.part == "bundle" and bundle.bundle == group.bundle
    assert len(bundle.tables) == 30 and not any(table.write for table in bundle.tables)


def test_no_task_prints_more_than_its_most_tables():
    """Ten units of 100 on two cores: each printed by four tasks of 25, not one of 100 (a task
    keeps its tables' pages until it is done)."""
    groups = [printing.GroupTask(f"units/u{n}/2020/", _tables(100, 100), printing.Bundle(None, 2020, "x"))
              for n in range(10)]
    tasks, held = printing._tasks(groups, 2)
    assert {len(task.tables) for task in tasks if task.part == "tables"} == {printing.MOST_TABLES_A_TASK} == {25}
    assert len(tasks) == 10 * 4 + 10 and [parts for parts, _ in held.values()] == [4] * 10
