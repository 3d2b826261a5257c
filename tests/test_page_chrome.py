"""Saved web pages: the site around the article (navigation, share bars, footers, a second mobile
copy of the article) is dropped by general signals, on any site, and no article text is lost.

The rules (assistant/ingest/readers/chrome.py) were written looking at the raw stats.gov.cn page of
the 2021 national bulletin (fresh-2026-12). They are checked on pages they were not written for:
the 2023 national bulletin's article set into another site's template built here (a gov.cn-style
portal: breadcrumb, sidebar of related links, share bar, footer, and a mobile copy in other
markup), and every other saved page of ../shared/corpora, whose text must all be kept.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.settings import PROJECT_ROOT, ChunkSettings

CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"
PAGE_2021 = CORPORA / "fresh-2026-12" / "huhuaping-techme__nbs_2021_quanguo_keji_jingfei_touru_tongji_gongbao.html"
BULLETIN_2023 = (
    CORPORA / "bulletins-policies" / "huhuaping-techme__nbs_2023_quanguo_keji_jingfei_touru_tongji_gongbao.html"
)
OTHER_PAGES = sorted(
    p for p in (*CORPORA.glob("bulletins-policies/*.html"), *CORPORA.glob("fresh-2026-12/*.html")) if p != PAGE_2021
)


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip("needs ../shared/corpora")


def _display(path: Path) -> str:
    return lay_out(read_blocks(path), ChunkSettings()).display


def _page(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(
        f'<html><head><meta charset="utf-8"><title>t</title></head><body>{body}</body></html>', encoding="utf-8"
    )
    return path


def test_the_2021_stats_gov_page_reads_as_its_article_once(tmp_path: Path) -> None:
    """196 chunks before (navigation, footer, link lists, the article twice); now the article alone,
    read exactly as the article cut out of the page reads, plus the page's title and date."""
    _need(PAGE_2021)
    soup = BeautifulSoup(PAGE_2021.read_text(encoding="utf-8"), "lxml")
    article = soup.find("div", class_="TRS_Editor")  # the desktop copy: the reference read, not the rule
    alone = _display(_page(tmp_path, "article.html", str(article)))
    laid = lay_out(read_blocks(PAGE_2021), ChunkSettings())
    assert alone in laid.display
    assert len(laid.display) - len(alone) < 60, laid.display[: len(laid.display) - len(alone)]
    assert laid.display.count("全国共投入研究与试验发展（R&D）经费27956.3亿元") == 1
    assert len(laid.chunks) <= 100
    for chrome in ("网站地图", "版权所有", "京ICP备", "分享到", "中央人民政府门户网站", "责任编辑", "外交部"):
        assert chrome not in laid.display


def _portal(article: str) -> str:
    """A government portal's template, unlike stats.gov.cn's: other tags, other class names."""
    links = "".join(f'<li><a href="/zx/{i}.htm">关于印发第{i}批科技项目的通知</a></li>' for i in range(12))
    menu = "".join(f'<a href="/{i}/">栏目{i}</a> ' for i in "一二三四五六七八")
    mobile = re.sub(r"<(/?)p\b", r"<\1section", article)  # the mobile copy: same text, other markup
    return (
        f'<div id="top"><span>您好，欢迎访问本站</span> {menu}</div>'
        '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/sj/">数据</a> &gt; '
        '<a href="/sj/gb/">统计公报</a></div>'
        f'<table width="100%"><tr><td class="l">{article}'
        '<div class="tools">【<a href="javascript:print()">打印本页</a>】'
        '【<a href="javascript:close()">关闭窗口</a>】</div>'
        '<div class="fx">分享至：<a href="#wx">微信</a> <a href="#wb">微博</a></div></td>'
        f'<td class="r"><h3>相关文章</h3><ul>{links}</ul></td></tr></table>'
        f'<div class="m-only" style="display:none">{mobile}</div>'
        '<div class="foot"><p>主办单位：某某市统计局 <a href="/lx/">联系我们</a> <a href="/map/">网站地图</a></p>'
        '<p>版权所有：某某市统计局</p><p>网站标识码：1234000001 <a href="https://beian.miit.gov.cn">苏ICP备12345678号</a></p></div>'
    )


def test_another_site_template_around_the_2023_bulletin_is_dropped(tmp_path: Path) -> None:
    """The 2023 bulletin (a page the rules were not written for) inside another site's template:
    the page reads as the article read alone, once, with none of the template's words."""
    _need(BULLETIN_2023)
    soup = BeautifulSoup(BULLETIN_2023.read_text(encoding="utf-8"), "lxml")
    article = "".join(str(c) for c in soup.body.contents)
    alone = _display(_page(tmp_path, "alone.html", article))
    framed = _display(_page(tmp_path, "framed.html", _portal(article)))
    assert alone in framed
    assert len(framed) - len(alone) < 60, framed.replace(alone, "〔article〕")
    for chrome in (
        "栏目一",
        "统计公报>",
        "打印本页",
        "关闭窗口",
        "分享至",
        "相关文章",
        "关于印发第3批",
        "联系我们",
        "版权所有",
        "网站标识码",
        "苏ICP备",
    ):
        assert chrome not in framed


@pytest.mark.parametrize("path", OTHER_PAGES, ids=lambda p: p.name[:40])
def test_pages_without_site_chrome_keep_every_sentence(path: Path) -> None:
    """Every sentence of the page's visible text (a plain BeautifulSoup read, not the product's)
    is in the indexed text: the chrome rules cost no article text."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    display = re.sub(r"\s", "", _display(path))
    sentences = [re.sub(r"\s", "", s) for s in re.split(r"[。；！？\n]", soup.get_text("\n"))]
    sentences = [s for s in sentences if len(s) >= 10]
    assert sentences
    lost = [s for s in sentences if s not in display]
    assert not lost, lost[:3]
