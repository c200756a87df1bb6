"""URLs from content paths: unique, within file-system limits, never from where a link points."""
import os
from pathlib import Path

from generator.project.structure import check_urls, content_relative, locate, slugify


def test_a_url_comes_from_where_the_file_stands_not_where_a_link_points(tmp_path):
    content = tmp_path / "content"
    (content / "u/2020").mkdir(parents=True)
    (tmp_path / "elsewhere/x/y").mkdir(parents=True)
    target = tmp_path / "elsewhere/x/y/z.yml"
    target.write_text("a: 1\n", encoding="utf-8")
    os.symlink(target, content / "u/2020/b.yml")
    assert locate(content / "u/2020/b.yml", content).url == "units/u/2020/b/"


def test_colliding_paths_are_reported_naming_both():
    content = Path("content")
    found = check_urls([("content/u/2020/x/y.yml", 2020), ("content/u/2020/x-y.yml", 2020),
                        ("content/u/2020/c.yml", 2020), ("content/u/c.yml", 2020), ("content/u/d.yml", 2021),
                        ("content/u/2020/d.yml", 2020)], content)
    assert [(f.code, f.file) for f in found] == [("url-collision", "content/u/2020/x-y.yml"),
                                                 ("url-collision", "content/u/c.yml")]
    assert "content/u/2020/x/y.yml" in found[0].message and "units/u/2020/x-y/" in found[0].message


def test_a_url_part_over_255_bytes_is_reported():
    found = check_urls([(f"content/u/2020/{'d' * 200}/{'f' * 60}.yml", 2020),
                        (f"content/u/2020/{'d' * 200}/{'f' * 50}.yml", 2020)], Path("content"))
    assert [f.code for f in found] == ["file-name"] and "261 字节" in found[0].message


def test_files_outside_the_content_root_are_not_compared():
    assert check_urls([("other/u/2020/a.yml", 2020), ("more/u/2020/a.yml", 2020)], Path("content")) == []


def test_a_name_that_is_not_utf8_slugifies_and_a_published_path_is_relative(tmp_path):
    assert slugify(os.fsdecode(b"\xff\xfe")) != slugify(os.fsdecode(b"\xff\xfd"))
    assert content_relative(tmp_path / "content/u/2020/a.yml", tmp_path / "content") == "u/2020/a.yml"
    assert content_relative("content/u/2020/a.yml", Path(os.path.abspath("content"))) == "u/2020/a.yml"
