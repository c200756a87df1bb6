"""`jixiao build` on the seed content and on hostile content."""
import csv
import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from generator.render import search
from generator.project.config import load_config
from generator.render.export import field_title, indicator_csv_columns
from generator.building.output import Output, UnsafePath
from generator.building.manifest import Manifest
from generator.render.site import SiteBuilder

from .conftest import MINIMAL, ROOT


def builder(project: Path, out: Path | None = None, use_cache=False) -> SiteBuilder:
    site, problems = load_config(project / "site_config.yml")
    assert site is not None, problems
    return SiteBuilder(site, out or project / "site", jobs=1, use_cache=use_cache, echo=lambda m: None)


def build(project: Path, out: Path | None = None, use_cache=False):
    return builder(project, out, use_cache).build()


SEARCH_TEXTS = {}


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    site_builder = builder(ROOT, out)
    report = site_builder.build()
    assert report.count("error") == 0
    SEARCH_TEXTS.update({doc.url: doc.text for doc in site_builder.search_docs})
    return out


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_evaluation_has_a_page_and_downloads(seed_site):
    pages = sorted(seed_site.glob("units/*/*/*/index.html"))
    assert len(pages) == 23
    for page in pages:
        assert (page.parent / "data.json").exists() and (page.parent / "source.yml").exists()
    for name in ("index.html", "evaluations/index.html", "data/index.html", "404.html", "sitemap.xml",
                 "data/evaluations.csv", "data/indicators.csv", "data/evaluations.json", "data/datapackage.json"):
        assert (seed_site / name).exists(), name


def test_evaluation_page_shows_the_form_table(seed_site):
    html = _text(seed_site / "units/zibo-gxj/2020/07-rengong-zhineng-guihua/index.html")
    for cell in ("项目支出绩效自评表", "（ 2020 年度）", "淄博市工业和信息化局 902001", "年度资金总额", "其中：财政拨款",
                 "89.88%", "8.99", "08", "规划编制成本", "≤80万元", "79.9万元", "98.99", "产出指标(50分)"):
        assert cell in html, cell
    assert 'rowspan="4"' in html  # 产出指标 spans its four rows
    assert "数据核对提示" in html and "资金分项合计不符" in html


def test_a_funds_score_taken_from_the_printed_table_is_said_so(seed_site):
    html = _text(seed_site / "units/zibo-gxj/2020/03-jishu-gaizao/index.html")
    assert "无法计算（缺少执行数），总分计入原表的 10" in html


def test_all_evaluations_lists_a_table_under_its_publishing_unit(seed_site):
    html = _text(seed_site / "evaluations/index.html")
    row = next(row for row in html.split("<tr ") if "膜、塑料及刷业产业链专班工作经费" in row)
    assert row.startswith('data-unit="安庆市经济和信息化局"')  # the table itself names 987-非部门待分单位
    assert "<option>非部门待分单位</option>" not in html


def test_zibo_2021_and_anqing_forms(seed_site):
    zibo = _text(seed_site / "units/zibo-gxj/2021/05-anbao-wuxiandian/index.html")
    assert "单位：万元" in zibo and "执行率 (B/A)" in zibo and "5.00" in zibo and "3180959" in zibo
    assert "总分在 80 分以下项目未实现绩效目标的原因分析及拟采取的措施说明" in zibo
    anqing = _text(seed_site / "units/anqing-jxj/2023/02-jieneng-huanbao/index.html")
    assert "601-安庆市经济和信息化局" in anqing and "82.3%" in anqing and "97.43" in anqing


def test_tables_have_captions_and_scoped_headers(seed_site):
    for page in [seed_site / "index.html", seed_site / "units/zibo-gxj/2020/index.html",
                 seed_site / "units/zibo-gxj/2020/01-baiqiang-qiyejia/index.html"]:
        html = _text(page)
        for table in re.findall(r"<table.*?</table>", html, re.S):
            assert "<caption" in table
            assert all("scope=" in th for th in re.findall(r"<th(?:\s[^>]*)?>", table))


def test_site_makes_no_outside_requests(seed_site):
    for page in list(seed_site.rglob("*.html")) + list(seed_site.glob("assets/stylesheets/*.css")):
        text = _text(page)
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
        text = re.sub(r'<link rel="canonical"[^>]*>', "", text)  # names the page, fetches nothing
        assert not re.search(r"""(src|href)=["']https?://""", text), page


def test_csv_downloads_open_in_excel_and_match_the_package(seed_site):
    csv_text = _text(seed_site / "data/evaluations.csv")
    assert csv_text.startswith("\ufeff") and len(csv_text.strip().splitlines()) == 24
    package = json.loads(_text(seed_site / "data/datapackage.json"))
    for resource in package["resources"][:2]:
        rows = list(csv.reader(io.StringIO((seed_site / "data" / resource["path"]).read_text(encoding="utf-8-sig"))))
        fields = resource["schema"]["fields"]
        assert [f["title"] for f in fields] == rows[0]  # the header row is the titles, in Chinese
        assert all(re.fullmatch(r"[a-z_0-9]+", f["name"]) for f in fields)  # the names stay the JSON's keys
        assert all(len(row) == len(fields) for row in rows[1:])


def _csv_records(seed_site: Path, name: str) -> list[dict]:
    """A download's rows keyed by the datapackage's field names."""
    package = json.loads(_text(seed_site / "data/datapackage.json"))
    fields = next(r for r in package["resources"] if r["path"] == name)["schema"]["fields"]
    rows = list(csv.reader(io.StringIO((seed_site / "data" / name).read_text(encoding="utf-8-sig"))))
    assert rows[0] == [f["title"] for f in fields]
    return [dict(zip([f["name"] for f in fields], row)) for row in rows[1:]]


def test_downloads_give_the_publishing_unit_beside_the_department_its_table_names(seed_site):
    header = (seed_site / "data/evaluations.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "发布单位" in header and "主管部门" in header
    records = _csv_records(seed_site, "evaluations.csv")
    anqing = [r for r in records if r["publishing_unit"] == "安庆市经济和信息化局"]
    assert len(anqing) == 8  # as many as the site lists under 安庆
    membrane = next(r for r in anqing if r["name"].startswith("膜、塑料及刷业"))
    assert membrane["unit"] == "非部门待分单位"
    rows = json.loads(_text(seed_site / "data/evaluations.json"))
    row = next(r for r in rows if r["name"].startswith("膜、塑料及刷业"))
    assert (row["publishing_unit"], row["unit"]) == ("安庆市经济和信息化局", "非部门待分单位")
    page_json = json.loads(_text(seed_site / "units/anqing-jxj/2023/04-mo-suliao-shuaye/data.json"))
    assert page_json["publishing_unit"] == "安庆市经济和信息化局"


def test_csv_booleans_are_words_and_the_package_says_so(seed_site):
    records = _csv_records(seed_site, "indicators.csv")
    assert {r["applicable"] for r in records} <= {"是", "否"} and "是" in {r["applicable"] for r in records}
    package = json.loads(_text(seed_site / "data/datapackage.json"))
    field = next(f for f in package["resources"][1]["schema"]["fields"] if f["name"] == "applicable")
    assert field["type"] == "boolean" and field["trueValues"] == ["是"] and field["falseValues"] == ["否"]


def test_csv_gives_each_figure_as_printed(seed_site):
    records = {r["name"]: r for r in _csv_records(seed_site, "evaluations.csv")}
    anqing = records["非公有制企业党建工作经费"]
    assert anqing["execution_rate_text"] == "100.0%"  # the Anqing form prints one place
    training = records["企业家培训专项资金"]
    assert (training["total_text"], training["published_total_text"]) == ("95", "100")
    assert records["“五个优化”及“四强”产业攀登专项"]["budget_text"] == "18150.89"


def test_search_index_is_exact_against_a_substring_scan(seed_site):
    docs = _search_docs(seed_site)
    queries = ["人工智能", "淄博", "企业家", "满意度", "6000", "82.3", "不超预算", "党建", "2023 年度", "高质量发展",
               "≥90.0%", "绿色制造", "安庆市经济"]
    for query in queries:
        expected = {url for url, text in docs.items() if all(t in text for t in search.normalize(query).split())}
        assert set(search.query(seed_site / "search", query)) == expected, query


def test_search_ranks_the_evaluation_above_listing_pages(seed_site):
    urls = search.query(seed_site / "search", "人工智能")
    assert urls[0] == "units/zibo-gxj/2020/07-rengong-zhineng-guihua/"
    assert "units/zibo-gxj/2020/" in urls


def test_adjacent_table_cells_stay_separate_words(seed_site):
    # 实际完成值 95 and 分值 10 sit side by side: "9510" must not be found.
    assert search.query(seed_site / "search", "9510") == []


def _search_docs(site: Path) -> dict[str, str]:
    """Every indexed document's text, as the builder indexed it."""
    assert len(SEARCH_TEXTS) == json.loads(_text(site / "search/manifest.json"))["docs"]
    return SEARCH_TEXTS


def test_build_is_byte_identical(tmp_path, seed_site):
    again = tmp_path / "again"
    build(ROOT, again)
    first = {p.relative_to(seed_site): p.read_bytes() for p in seed_site.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_failed_build_keeps_the_previous_site(write):
    good = write("content/u/2020/a.yml", MINIMAL)
    project = good.parents[3]
    build(project)
    before = (project / "site/index.html").read_bytes()
    write("content/u/2020/b.yml", MINIMAL.replace("year: 2020", "year: 二〇二〇"))
    report = build(project)
    assert report.count("error") == 1
    assert (project / "site/index.html").read_bytes() == before
    assert not [p.name for p in project.glob(".site.staging-*")]  # no staging tree is left


HOSTILE = (MINIMAL.replace("project: 测试项目", 'project: "<script>alert(1)</script>项目"')
           .replace("actual: 提高", 'actual: "<img src=x onerror=alert(1)>"')
           + "goals:\n  expected: '<p>目标</p><script>alert(2)</script><a href=\"javascript:alert(3)\">点我</a>'\n")


def test_hostile_content_renders_as_inert_text(write):
    a = write("content/u/2020/a.yml", HOSTILE)
    write("content/u/2020/b.yml", HOSTILE)  # the same name twice gets two pages
    project = a.parents[3]
    build(project)
    pages = sorted((project / "site/units/u/2020").glob("*/index.html"))
    assert len(pages) == 2
    for page in pages:
        html = _text(page)
        assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;项目" in html


def test_output_paths_cannot_escape():
    output = Output(Path("/tmp/never"))
    for bad in ("../x", "/etc/passwd", "a/../../b", "a\\b"):
        with pytest.raises(UnsafePath):
            output.path(bad)


def test_unchanged_rebuild_renders_nothing_and_an_edit_renders_one_page(write, monkeypatch):
    write("content/u/2020/a.yml", MINIMAL)
    b = write("content/u/2020/b.yml", MINIMAL.replace("测试项目", "乙项目"))
    project = b.parents[3]
    build(project, use_cache=True)
    rendered = []
    import generator.render.site as site_module

    original = site_module.evaluation_page
    monkeypatch.setattr(site_module, "evaluation_page", lambda r, *a: rendered.append(r.file) or original(r, *a))
    build(project, use_cache=True)
    assert rendered == []
    b.write_text(MINIMAL.replace("测试项目", "乙项目改"), encoding="utf-8")
    import os
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 10**9))
    build(project, use_cache=True)
    assert rendered == [str(b)]
    assert "乙项目改" in _text(project / "site/evaluations/index.html")
    assert "乙项目改" in _text(project / "site/units/u/2020/index.html")  # its unit page changed rows: re-rendered
    assert search.query(project / "site/search", "乙项目改") == ["units/u/2020/b/", "units/u/2020/"]


def test_the_list_of_every_evaluation_is_kept_while_its_rows_are(write, monkeypatch):
    """An edit that changes no row keeps the list of every evaluation from the last output, not
    drawn again; one that renames a project draws it again."""
    import generator.render.site as site_module

    write("content/u/2020/a.yml", MINIMAL)
    b = write("content/u/2020/b.yml", MINIMAL.replace("测试项目", "乙项目"))
    project = b.parents[3]
    build(project, use_cache=True)
    drawn = []
    original = site_module.Theme.render
    monkeypatch.setattr(site_module.Theme, "render", lambda self, page: drawn.append(page.url) or original(self, page))
    for text in (MINIMAL.replace("测试项目", "乙项目") + "\n", MINIMAL.replace("测试项目", "乙项目改")):
        drawn.clear()
        b.write_text(text, encoding="utf-8")
        os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 10**9))
        build(project, use_cache=True)
        assert ("evaluations/" in drawn) == ("乙项目改" in text) and "units/u/2020/b/" in drawn
        assert ("乙项目改" in _text(project / "site/evaluations/index.html")) == ("乙项目改" in text)


def _tree(root: Path) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_incremental_builds_leave_what_a_fresh_build_writes(write, monkeypatch):
    monkeypatch.setattr(search, "PARTITION", 4)  # small partitions and blocks, so that they shrink
    monkeypatch.setattr(search, "BLOCK", 2)
    files = [write(f"content/u/2020/{n}.yml", MINIMAL.replace("测试项目", f"项目{n}")) for n in range(9)]
    project = files[0].parents[3]
    build(project, use_cache=True)
    for path in files[3:8]:
        path.unlink()
    files[0].write_text(MINIMAL.replace("测试项目", "改名项目"), encoding="utf-8")
    build(project, use_cache=True)
    build(project, project / "fresh")
    incremental, fresh = _tree(project / "site"), _tree(project / "fresh")
    assert sorted(incremental) == sorted(fresh)
    assert [path for path in fresh if fresh[path] != incremental[path]] == []
    assert search.query(project / "site/search", "项目8") == ["units/u/2020/8/", "units/u/2020/"]


def test_the_manifest_is_kept_outside_the_served_output(write, monkeypatch):
    b = write("content/u/2020/b.yml", MINIMAL)
    project = b.parents[3]
    first = builder(project, use_cache=True)
    first.build()
    manifest = Manifest.location(first.project.cache_dir, first.out_dir)
    assert manifest.is_file() and project / ".cache" in manifest.parents
    assert not list((project / "site").rglob(".jixiao-build.json"))
    assert not [p for p in (project / "site").rglob("*") if p.name == manifest.name]
    (project / "site/.jixiao-build.json").write_text("{}", encoding="utf-8")  # as earlier versions left it
    rendered = []
    import generator.render.site as site_module

    original = site_module.evaluation_page
    monkeypatch.setattr(site_module, "evaluation_page", lambda r, *a: rendered.append(r.file) or original(r, *a))
    b.write_text(MINIMAL.replace("测试项目", "乙项目"), encoding="utf-8")
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 10**9))
    build(project, use_cache=True)  # an incremental build, told by the manifest in the cache
    assert rendered == [str(b)] and not (project / "site/.jixiao-build.json").exists()


def test_a_build_after_an_edit_decodes_no_other_results_summary(write, monkeypatch):
    """What a build reads of an unchanged file's cached result is at a glance: its summary
    and findings stay undecoded (a one-file edit of 10,000 evaluations decoded them all)."""
    from generator.building.pipeline import CachedResult

    files = [write(f"content/u/2020/{n}.yml", MINIMAL.replace("测试项目", f"项目{n}")) for n in range(3)]
    write("content/v/2020/a.yml", MINIMAL.replace("score: 50", "score: 40, reason: 未完成"))  # with findings
    project = files[0].parents[3]
    time.sleep(0.2)  # past the cache's moment of doubt (cache.RACY_NS): a file changed then is compared by content
    build(project, use_cache=True)
    decoded = []
    original = CachedResult._decoded
    monkeypatch.setattr(CachedResult, "_decoded", lambda self: decoded.append(self.file) or original(self))
    files[0].write_text(MINIMAL.replace("测试项目", "改名的项目"), encoding="utf-8")
    report = build(project, use_cache=True)
    assert report.file_count == 4 and len(report.results) == 3  # v's folder is kept whole, its results not loaded
    assert report.count("warning") >= 1  # its findings, from its block
    assert decoded == []
    assert "改名的项目" in _text(project / "site/evaluations/index.html")


def test_search_knows_an_unchanged_evaluation_by_its_text_digest_without_reading_the_text(write, monkeypatch):
    """An evaluation's search version is a digest of its text, made with its page: a build that
    keeps the page hashes none of its text (10,000 evaluations' are 45 MB)."""
    monkeypatch.setattr(search, "BLOCK", 1)
    monkeypatch.setattr(search, "PARTITION", 1)  # a partition per page: the edited page's alone is written
    files = [write(f"content/u/2020/{n}.yml", MINIMAL.replace("测试项目", f"项目{n}")) for n in range(3)]
    project = files[0].parents[3]
    time.sleep(0.2)  # past the cache's moment of doubt (cache.RACY_NS)
    build(project, use_cache=True)
    read = []
    original = search.Doc.data
    monkeypatch.setattr(search.Doc, "data", lambda doc: read.append(doc.url) or original(doc))
    files[0].write_text(MINIMAL.replace("测试项目", "改名的项目"), encoding="utf-8")
    kept = builder(project, use_cache=True)
    kept.build()
    evaluations = [doc for doc in kept.search_docs if doc.kind == "evaluation"]
    assert len(evaluations) == 3
    assert all(doc.version == search.text_version(bytes(original(doc))) for doc in evaluations)
    assert "units/u/2020/0/" in read and not {"units/u/2020/1/", "units/u/2020/2/"} & set(read)


@pytest.mark.parametrize("in_place", [False, True])
def test_an_output_emptied_since_the_last_build_is_built_whole(write, in_place):
    """Emptied in place, the output is the directory the manifest and the spare's state name."""
    project = write("content/u/2020/a.yml", MINIMAL).parents[3]
    build(project, use_cache=True)
    if in_place:
        for child in (project / "site").iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    else:
        shutil.rmtree(project / "site")
        (project / "site").mkdir()
    build(project, use_cache=True)  # the manifest names pages that are gone: it no longer holds
    build(project, project / "fresh")
    assert sorted(_tree(project / "site")) == sorted(_tree(project / "fresh"))


def test_site_config_sets_logo_colours_and_footer(write):
    a = write("content/u/2020/a.yml", MINIMAL)
    project = a.parents[3]
    write("logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    write("site_config.yml", "site_name: 某市财政局绩效公开\nlogo: logo.svg\nprimary_color: indigo\nprint: false\n"
                             "footer: {host: 某市财政局, icp: 某ICP备1号, site_code: '1234567890'}\n")
    build(project)
    html = _text(project / "site/index.html")
    assert (project / "site/assets/images/logo.svg").exists() and "assets/images/logo.svg" in html
    assert 'data-md-color-primary="indigo"' in html
    assert "主办单位：某市财政局" in html and "备案号：某ICP备1号" in html and "网站标识码：1234567890" in html


def test_bad_site_config_gives_located_errors(write):
    write("content/u/2020/a.yml", MINIMAL)
    config = write("site_config.yml", "site_nam: 拼错了\n")
    from generator.project.config import load_config

    site, problems = load_config(config)
    assert site is None
    codes = {(f.code, f.line) for f in problems}
    assert ("unknown-key", 1) in codes and any(code == "missing-field" for code, _ in codes)


def test_indicators_csv_header_names_the_columns_its_rows_fill(seed_site):
    """Four levels in the deepest seed tree (the Shanting report): three level columns, the
    ancestors of each indicator; a three-level table's rows leave the third empty."""
    rows = list(csv.reader(io.StringIO((seed_site / "data/indicators.csv").read_text(encoding="utf-8-sig"))))
    columns = indicator_csv_columns(3)
    assert tuple(rows[0]) == tuple(field_title(c) for c in columns)
    assert rows[0][2:7] == ["上级指标", "一级指标", "二级指标", "三级指标", "指标名称"]
    assert all(len(row) == len(columns) for row in rows[1:])
    record = dict(zip(columns, next(r for r in rows[1:] if r[columns.index("indicator")] == "规划编制成本")))
    assert (record["path"], record["level1"], record["level2"], record["level3"]) == (
        "产出指标 / 成本指标", "产出指标", "成本指标", "")
    assert record["target"] == "≤80万元" and record["actual"] == "79.9万元"
    package = json.loads(_text(seed_site / "data/datapackage.json"))
    assert [f["name"] for f in package["resources"][1]["schema"]["fields"]] == list(columns)


def test_indicators_csv_has_a_level_column_for_each_level_of_the_deepest_tree(write):
    """A four-level table beside a three-level one: three level columns; the shallower
    table's rows leave the third empty; the datapackage declares the same columns."""
    from .test_checks import FOUR_LEVELS

    write("content/u/2020/a.yml", MINIMAL)
    project = write("content/u/2020/b.yml", FOUR_LEVELS.replace("测试项目", "四级项目")).parents[3]
    assert build(project).count("error") == 0
    rows = list(csv.reader(io.StringIO(_text(project / "site/data/indicators.csv").lstrip("\ufeff"))))
    columns = indicator_csv_columns(3)
    assert rows[0][2:7] == ["上级指标", "一级指标", "二级指标", "三级指标", "指标名称"]
    records = [dict(zip(columns, row)) for row in rows[1:]]
    assert all(len(row) == len(columns) for row in rows[1:])
    deep = next(r for r in records if r["indicator"] == "培训期数")
    assert (deep["path"], deep["level3"]) == ("产出指标 / 数量指标 / 培训", "培训")
    shallow = next(r for r in records if r["name"] == "测试项目" and r["indicator"] == "培训人数")
    assert (shallow["path"], shallow["level2"], shallow["level3"]) == ("产出指标 / 数量指标", "数量指标", "")
    package = json.loads(_text(project / "site/data/datapackage.json"))
    assert [f["name"] for f in package["resources"][1]["schema"]["fields"]] == list(columns)


# --- figures on the listing pages ----------------------------------------------------------

def _visible(path: Path) -> str:
    """A page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    import html as html_module

    text = re.sub(r"<(script|style)\b.*?</\1>", " ", _text(path), flags=re.S)
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", text)))


def _known_rate(directory: Path) -> str:
    """The execution rate of a unit-year from its YAML, by hand: Σ executed ÷ Σ budget of the
    tables that give both (read with PyYAML, not jixiao's loader)."""
    import yaml
    from decimal import Decimal

    budget = executed = Decimal(0)
    for path in sorted(directory.glob("[!_]*.yml")):
        total = yaml.safe_load(path.read_text(encoding="utf-8"))["funds"]["rows"]["total"]
        if total.get("budget") is not None and total.get("executed") is not None:
            budget += Decimal(str(total["budget"]))
            executed += Decimal(str(total["executed"]))
    return f"{(executed / budget * 100).quantize(Decimal('0.01'))}%"


def test_unit_rate_leaves_out_the_tables_without_an_executed_amount_and_says_so(seed_site):
    page = _visible(seed_site / "units/zibo-gxj/2020/index.html")
    assert _known_rate(ROOT / "content/zibo-gxj/2020") == "99.16%"
    assert "执行率 99.16%" in page
    assert "31.87%" not in page  # 955.02 ÷ 2996.74: the blanks counted as 0
    assert "原表未填全年执行数的 2 个项目未计入执行率：全市技术改造及两化融合专项、四强产业及军民融合发展专项" in page
    assert "955.02 ÷ 963.12 万元" in page


def test_a_blank_amount_shows_as_unfilled_in_tables_and_charts(seed_site):
    html = _text(seed_site / "units/zibo-gxj/2020/index.html")
    row = re.search(r"<tr>(?:(?!</tr>).)*全市技术改造及两化融合专项.*?</tr>", html, re.S).group(0)
    assert "未填执行数" in row and ">0<" not in row
    rates = re.search(r'<svg[^>]*aria-labelledby="rates-t.*?</svg>', html, re.S).group(0)
    assert rates.count(">未填执行数</text>") == 2  # a labelled row each, not a silently missing bar
    budget = re.search(r'<svg[^>]*aria-labelledby="budget-t.*?</svg>', html, re.S).group(0)
    assert budget.count(">未填</text>") == 2 and ">0<" not in budget
    assert "全年执行数 未填" in _visible(seed_site / "units/zibo-gxj/2020/index.html")


def test_amounts_keep_every_printed_place(seed_site):
    for page in ("units/zibo-gxj/2021/index.html", "evaluations/index.html"):
        html = _text(seed_site / page)
        assert "18150.89" in html and not re.search(r"18150\.9(?!\d)", html), page
    assert not re.search(r"\d\.\d+e\+\d", "".join(_text(p) for p in seed_site.rglob("index.html")))


def test_a_total_that_differs_from_the_printed_one_shows_both(seed_site):
    header = _visible(seed_site / "units/zibo-gxj/2020/02-qiyejia-peixun/index.html")
    assert "总分 95 （原表印 100）" in header
    for page in ("units/zibo-gxj/2020/index.html", "evaluations/index.html"):
        row = next(r for r in _text(seed_site / page).split("<tr") if "企业家培训专项资金" in r)
        assert re.search(r">95<br><span class=\"jx-printed\">（原表印 100）</span>", row), page
    same = next(r for r in _text(seed_site / "evaluations/index.html").split("<tr") if "企业军转干部生活补助" in r)
    assert "原表印" not in same  # only where they differ


def test_home_page_gives_totals_per_year_never_across_years(seed_site):
    page = _visible(seed_site / "index.html")
    for year, unit, count, budget, rate in (("2020", "淄博市工业和信息化局", 7, "2996.74", "99.16%"),
                                            ("2021", "淄博市工业和信息化局", 6, "27174.89", "100%"),
                                            ("2023", "安庆市经济和信息化局", 8, "150.82", "72.2%")):
        assert f"{year} 年度 {unit} {count} {budget} {rate}" in page, year
    assert _known_rate(ROOT / "content/zibo-gxj/2021") == "100.00%"
    assert "30322.45" not in page and "93.13%" not in page and "99.82%" not in page  # sums across years
    assert "原表未填全年执行数的 2 个项目未计入执行率" in page


def test_a_year_with_several_units_gets_their_sum(write):
    from .conftest import MINIMAL

    write("content/a-ju/2020/01.yml", MINIMAL)
    write("content/b-ju/2020/01.yml", MINIMAL.replace("budget: 80, executed: 71.9", "budget: 20.50, executed: 20.5"))
    write("content/b-ju/2021/01.yml", MINIMAL.replace("year: 2020", "year: 2021"))
    project = write("site_config.yml", "site_name: 测试\nprint: false\n").parent
    assert build(project).count("error") == 0
    page = _visible(project / "site/index.html")
    assert "2020 年度 a-ju 1 80 89.88%" in page and "2020 年度 b-ju 1 20.50 100%" in page
    assert "2020 年度 各单位合计 2 100.50 91.94%" in page  # 92.4 ÷ 100.50
    assert "2021 年度 b-ju 1 80 89.88%" in page and "2021 年度 各单位合计" not in page  # one unit: its row is the year's


def test_amounts_of_millions_print_in_full(write):
    from .conftest import MINIMAL

    big = MINIMAL.replace("budget: 80, executed: 71.9", "budget: 1234567.89, executed: 1234567.80")
    write("content/a-ju/2020/01.yml", big)
    write("content/a-ju/2020/02.yml", big)
    project = write("site_config.yml", "site_name: 测试\nprint: false\n").parent
    assert build(project).count("error") == 0
    unit_page = _text(project / "site/units/a-ju/2020/index.html")
    assert "1234567.89" in unit_page and "全年预算数合计 2469135.78 万元" in unit_page
    assert "1234567.80" in unit_page  # the executed bar's text, as entered
    assert not re.search(r"\de[+-]?\d", _visible(project / "site/units/a-ju/2020/index.html"))
    assert "1234567.89" in _text(project / "site/evaluations/index.html")


# --- the 数据核对 block and the 数据与方法 page, for the public -------------------------

def _check_block(html: str) -> str:
    return html[html.index('<h2 id="check">'):html.index('<h2 id="downloads">')]


def test_public_findings_say_what_was_found_without_author_detail(seed_site, seed_report):
    from markupsafe import escape

    from generator.findings import CATALOGUE

    shown = 0
    for result in seed_report.results:
        html = _text(seed_site / locate_url(result.file) / "index.html")
        block = _check_block(html)
        assert "<code" not in block and "提示：" not in block and not re.search(r"第\s*\d+\s*行", block)
        assert not [code for code in CATALOGUE if code in block]
        for finding in result.findings:
            assert finding.public and str(escape(finding.public)) in block
            assert finding.hint not in block
            shown += 1
    assert shown == sum(len(r.findings) for r in seed_report.results) > 0


def locate_url(file: str) -> str:
    from generator.project.structure import locate

    return locate(file, (ROOT / "content").resolve()).url


def _compare_rows(html: str) -> dict[str, str]:
    table = re.search(r'<table class="jx-compare">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr[^>]*>.*?</tr>", table, re.S)
    return {re.search(r'<th scope="row">(.*?)</th>', row).group(1): row for row in rows if 'scope="row"' in row}


@pytest.mark.parametrize("page, differing", [
    ("zibo-gxj/2020/07-rengong-zhineng-guihua", {"财政拨款执行率"}),   # 71.9 ÷ 08 against the printed 89.88%
    ("zibo-gxj/2020/02-qiyejia-peixun", {"总分"}),                   # 95 against the printed 100
    ("anqing-jxj/2023/08-gongye-hulianwang", {"分值合计"}),           # 97 against the printed 100
    ("anqing-jxj/2023/01-feigong-dangjian", set()),
])
def test_comparison_rows_that_differ_are_marked_in_words(seed_site, page, differing):
    rows = _compare_rows(_text(seed_site / "units" / page / "index.html"))
    marked = {label for label, row in rows.items() if 'class="jx-differs"' in row}
    assert marked == differing
    assert all(("不一致" in row) == (label in differing) for label, row in rows.items())


def test_data_page_explains_the_public_checks_and_the_schemes_in_use(seed_site):
    from generator.rules import registry
    from generator.findings import CATALOGUE

    html = re.search(r"<article.*?</article>", _text(seed_site / "data/index.html"), re.S).group(0)
    schemes = registry.schemes()
    assert schemes["national"].title in html and schemes["suzhou-2020"].title in html  # the Suzhou report uses its own
    assert "分值：各类指标的分值 = 该类总分值 ÷ 指标个数" in html and "满分 80 分，不评等级" in html
    for item in CATALOGUE.values():
        assert item.code not in html
        assert (item.reader_description in html) == item.is_public, item.code
    for author_only in ("YAML", "UTF-8 编码", "jixiao new"):
        assert author_only not in html.split('id="checks"')[1]


BLANK_WEIGHT = MINIMAL.replace(
    "{name: 管理水平, target: 提高, actual: 提高, weight: 30, score: 30}",
    "{name: 管理水平, target: 提高, actual: 提高, weight: 30, score: 30}\n"
    "      - name: 生态效益指标\n        children:\n"
    "          - {name: 本指标不适用, target: 本指标不适用, actual: 达成预期指标, weight: ~, score: \"\"}")


def test_a_blank_weight_prints_blank_on_the_page_and_in_the_workbook(write):
    import openpyxl

    from generator.rules import registry
    from generator.building.pipeline import process_file
    from generator.render.printing.view import table_view
    from generator.render.printing.xlsx import TableWriter

    path = write("content/u/2020/a.yml", BLANK_WEIGHT)
    project = path.parents[3]
    report = build(project)
    assert report.count("error") == 0 and report.count("warning") == 0
    html = _text(project / "site/units/u/2020/a/index.html")
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*本指标不适用(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["", ""]
    result = process_file(path)
    ev = result.evaluation
    view = table_view(ev, result.scores, registry.forms()[ev.form], registry.schemes()[ev.scheme])
    sheet = openpyxl.Workbook().active
    TableWriter(sheet, view.grid, ev.project, view.form).write()
    row_number = next(c.row for c in sheet["D"] if c.value == "本指标不适用")
    assert sheet.cell(row_number, 7).value is None and sheet.cell(row_number, 8).value is None


# --- a form without a funds block and a scheme without grades: the Suzhou report --------------

SUZHOU = "units/suzhou-gxj/2020/"


def test_listings_give_the_suzhou_report_no_funds_figures_or_grade(seed_site):
    """Its form prints no funds block and its scheme no grade: no 未填 blanks, no rate left out."""
    unit = _text(seed_site / SUZHOU / "index.html")
    row = re.search(r"<tr><td class=\"num\" data-label=\"序号\">1</td>.*?</tr>", unit, re.S).group(0)
    assert 'data-label="执行率">—<' in row and 'data-label="等级">—<' in row and "77.38" in row
    assert "未填" not in unit and "无法计算执行率" not in unit and "不设资金块" in unit
    assert 'id="rates"' not in unit and 'id="grades"' not in unit  # no charts of figures it does not have
    everything = _text(seed_site / "evaluations/index.html")
    listed = re.search(r"<tr data-unit=\"苏州市工业和信息化局\".*?</tr>", everything, re.S).group(0)
    assert 'data-grade=""' in listed and "None" not in listed and "未填" not in listed
    home = _text(seed_site / "index.html")
    assert "苏州市工业和信息化局" in home and "不设资金块" in home


def test_open_data_carries_the_suzhou_report_without_a_funds_score_or_grade(seed_site):
    record = next(r for r in _csv_records(seed_site, "evaluations.csv") if r["form"] == "suzhou-2020")
    assert (record["total"], record["published_total"], record["weight_total"]) == ("77.38", "77.38", "80")
    assert record["funds_score"] == record["funds_score_in_total"] == record["grade"] == record["execution_rate"] == ""
    indicators = [r for r in _csv_records(seed_site, "indicators.csv") if r["file"].startswith("suzhou-gxj/")]
    assert len(indicators) == 92 and {r["level1"] for r in indicators} == {"投入目标", "产出目标", "结果目标", "影响力目标"}
    rank = next(r for r in indicators if "全省第二" in r["indicator"])
    assert (rank["score"], rank["rule_score"]) == ("0.54", "0.67")


def test_the_suzhou_page_shows_its_rules_and_report_with_a_contents_list(seed_site):
    page = _text(seed_site / SUZHOU / "01-xianjin-zhizao/index.html")
    body = re.search(r"<article.*?</article>", page, re.S).group(0)
    assert body.index("苏州市级财政支出项目绩效自评表") < body.index('id="rules"') < body.index('id="report"')
    assert "满分 80 分，不评等级" in body and "等级 <strong>" not in body and "None" not in body
    assert "完成率在 100% 至 130% 之间得满分" in body and "定性指标：较好，得分值的 80%" in body
    assert '<a href="#s1-4-2-2">（2）资金下达情况</a>' in body and 'id="s1-4-2-2">（2）资金下达情况' in body
    assert ">执行率<" not in body.split('id="check"')[1]  # no funds figures to compare
    indexed = SEARCH_TEXTS[SUZHOU + "01-xianjin-zhizao/"]
    assert "资金下达情况" in indexed and "先导产业类-生物医药产业项目" in indexed  # the report's words are searchable


def _row_text(html: str, start: str) -> str:
    """The visible text of the table row that begins with `start`."""
    rows = (re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", row)) for row in re.findall(r"<tr.*?</tr>", html, re.S))
    return next(row for row in rows if row.strip().startswith(start))


def test_totals_out_of_different_full_marks_are_not_averaged_together(seed_site):
    home = _text(seed_site / "index.html")
    assert "77.38（满分 80）" in _row_text(home, "2020 年度 苏州市工业和信息化局")
    year_2020 = _row_text(home, "2020 年度 各单位合计")
    assert "95.55" not in year_2020 and "—‡" in year_2020.replace(" ", "")
    assert "2020 年度各单位合计：各评价满分不同（100 分、80 分），总分不宜平均" in home
    assert "97.78" in _row_text(home, "2021 年度 各单位合计")  # 淄博 and 山亭 are both out of 100
    assert "96.62" in _row_text(home, "2023 年度 安庆市经济和信息化局")  # one table's weights add to 97: still out of 100
    assert "平均总分 77.38（满分 80）" in _text(seed_site / "units/suzhou-gxj/2020/index.html")


def test_totals_added_up_from_groups_are_the_totals_of_all_their_rows():
    """The site's and each year's totals are sums of their folders' tallies, kept in the manifest
    as data: the same figures as from all the rows at once, with the rows left out of the rate
    listed in the rows' order."""
    from generator.render.totals import Tally, totals, totals_of

    def row(n: int, budget: str, executed: str, total, funds=True, full_marks="100") -> dict:
        return {"name": f"项目{n}", "url": f"u/{n}/", "total": total, "funds": funds, "budget_text": budget,
                "executed_text": executed, "full_marks": full_marks, "form": "anqing-2023",
                "grade": ["优", "良", "中", "差"][n % 4]}

    rows = [row(0, "100.5", "", 95.5), row(1, "20", "19.25", 88), row(2, "", "3", 70.25),
            row(3, "7.125", "7", None), row(4, "1", "0.5", 59, funds=False), row(5, "", "", 100)]
    tallies = [Tally.from_data(Tally.of(part).to_data()) for part in (rows[:3], rows[3:4], rows[4:])]
    assert totals_of(Tally.merged(tallies)) == totals(rows)
    assert list(totals(rows)["left_out"].items()) == [
        ("全年执行数", ["项目0"]), ("全年预算数", ["项目2"]), ("全年预算数和全年执行数", ["项目5"])]
    assert totals(rows)["rate_budget"] == "20" and totals(rows)["budget"] == "120.5"


def test_a_prepared_renderer_leaves_workers_nothing_to_compile(tmp_path):
    """What `prepare` makes before the workers fork is all a page needs: rendering one loads
    no template and makes no theme (each worker would otherwise make its own)."""
    import generator.render.site as site_module
    from generator.building.pipeline import process_many
    from generator.project.tree import discover
    from generator.render.templating import environment

    site, _ = load_config(ROOT / "site_config.yml")
    files = discover([site.content_path])
    nav, names = site_module.navigation(site, files)
    renderer = site_module.EvaluationRenderer(site, str(tmp_path), nav, names, "key", {})
    renderer.prepare()
    env, theme = environment(site.root), renderer.theme()
    compiled = set(env.cache.keys())
    renderer.inputs = {name: "" for name in site_module.fingerprint.DEPENDS["page"] if name != "source"}
    [result] = process_many(files[:1], (), False, renderer)
    assert result.extra["url"] and (tmp_path / result.extra["url"] / "index.html").is_file()
    assert set(env.cache.keys()) == compiled
    assert renderer.theme() is theme
