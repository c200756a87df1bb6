"""The theme layer: pages rendered through mkdocs-material's templates."""
import re

from generator.project.config import load_config
from generator.render.site import navigation
from generator.render.theme import SitePage, Theme


def theme_for(tmp_path, site_url: str) -> Theme:
    (tmp_path / "site_config.yml").write_text(f"site_name: 测试站\nsite_url: {site_url}\nprint: false\n", encoding="utf-8")
    (tmp_path / "content").mkdir()
    site, problems = load_config(tmp_path / "site_config.yml")
    assert site is not None, problems
    nav, _ = navigation(site, [])
    return Theme(site, nav, site.content_path)


def local_links(html: str) -> list[str]:
    return [link for link in re.findall(r'(?:href|src)="([^"]*)"', html)
            if not link.startswith(("http:", "https:", "data:", "#", "mailto:"))]


def test_the_404_page_links_from_the_site_root_wherever_it_is_served(tmp_path):
    html = theme_for(tmp_path, "https://example.gov.cn/jixiao/").render_not_found()
    links = local_links(html)
    assert "/jixiao/assets/stylesheets/jixiao.css" in links
    assert "/jixiao/units/" in links and "/jixiao/assets/javascripts/jixiao.js" in links
    assert all(link.startswith("/jixiao/") for link in links), links
    assert "<title>页面不存在 - 测试站</title>" in html and html.count("<h1") == 1


def test_every_page_gives_the_first_tab_the_same_label(tmp_path):
    theme = theme_for(tmp_path, "https://example.gov.cn/")
    home = theme.render(SitePage("", "测试站", "<h1>测试站</h1>"))
    unit = theme.render(SitePage("units/x/2020/", "某单位 2020 年度", "<h1>某单位</h1>", nav_url="units/"))
    first_tab = re.compile(r'class="md-tabs__link">\s*(.*?)\s*</a>', re.S)
    assert first_tab.search(home).group(1) == first_tab.search(unit).group(1) == "首页"
    assert "<title>测试站</title>" in home and "<title>某单位 2020 年度 - 测试站</title>" in unit


def seed_pages(seed_report) -> list[SitePage]:
    from generator.project.project import Project
    from generator.render.site import evaluation_page, locate, report_pages
    from tests.conftest import ROOT

    site = Project.find(ROOT / "site_config.yml").site()
    pages = []
    for result in seed_report.results:
        location = locate(result.file, site.content_path, result.summary.get("year"))
        pages.append(evaluation_page(result, location, "某单位", ROOT))
        pages += report_pages(result, location, "某单位", ROOT)
    return pages


def test_every_seed_page_rendered_in_its_shell_is_the_page_rendered_in_full(tmp_path, seed_report):
    theme = theme_for(tmp_path, "https://example.gov.cn/jixiao/")
    pages = seed_pages(seed_report)
    for page in pages:
        assert theme.render(page) == theme.render_in_full(page), page.url
    used = [shell for shell in theme.shells.values() if shell is not None]
    assert used and len(theme.shells) < len(pages)  # pages of one folder share a shell


def test_a_shell_carries_each_page_its_own_title_address_description_and_contents(tmp_path):
    theme = theme_for(tmp_path, "https://example.gov.cn/")
    toc = [("table", "评价表"), ("check", "数据核对")]
    first, second = (SitePage(f"units/x/2020/{slug}/", title, f"<h1>{title}</h1><p>{slug} 正文</p>", toc, "units/",
                              f"{title}的说明") for slug, title in (("a", "甲项目"), ("b", "乙项目")))
    theme.render(first)
    html = theme.render(second)
    assert html == theme.render_in_full(second) and list(theme.shells.values())[0] is not None
    assert "<title>乙项目 - 测试站</title>" in html and "b 正文" in html and "甲" not in html
    assert 'href="https://example.gov.cn/units/x/2020/b/"' in html and 'content="乙项目的说明"' in html


def test_a_title_with_markup_characters_is_rendered_in_full(tmp_path):
    theme = theme_for(tmp_path, "https://example.gov.cn/")
    page = SitePage("units/x/2020/c/", "A&B <项目>", "<h1>x</h1>", nav_url="units/")
    html = theme.render(page)
    # the theme strips the tags from <title> and escapes the title in the header: no shell does both
    assert not theme.shells and "<title>A&amp;B - 测试站</title>" in html and "A&amp;B &lt;项目&gt;" in html
