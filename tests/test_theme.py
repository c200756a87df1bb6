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
