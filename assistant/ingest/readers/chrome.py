"""Site chrome in saved web pages: what a page carries around its article, found by general signals.

Why not a site's class names: every site names its navigation differently (``wrapper-nav``,
``menu_list_ul``, ``select_con1``), and a rule for one site is no rule for the next. Three signals
hold on any site:

- **link density** — a block whose text is mostly the text of links (menus, "related links",
  footers of 联系我们 / 网站地图, 字体：小 中 大) is navigation, not prose. Anchors without ``href``
  (Word's ``<a name="_Toc…">`` around headings) are not links;
- **repeated blocks** — a page that carries its article twice (a desktop and a mobile copy, one of
  them hidden by CSS) gives the same block text twice: the second block is dropped, so the article
  is indexed once. Compared by content, whitespace removed, never by markup;
- **chrome lines** — short lines every site prints around an article (分享到, 版权所有, ICP备…),
  patterns kept as data in ``assistant/data/page_chrome.toml``.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from bs4 import NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

CHROME_FILE = Path(__file__).resolve().parents[2] / "data" / "page_chrome.toml"
# A block whose link text is at least this share of its text is navigation (readability's measure).
LINK_DENSITY = 0.5
# A repeated block shorter than this (characters without blanks) may be a legitimate repeat
# (a heading 说明, a unit line); only longer repeats are taken for a second copy of the article.
MIN_REPEAT = 30
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_BLANKS = re.compile(r"\s+")


@lru_cache(maxsize=2)
def chrome_lines(path: Path = CHROME_FILE) -> tuple[int, tuple[re.Pattern[str], ...]]:
    """(longest line tried, patterns) from the data file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return int(data["max_chars"]), tuple(re.compile(p) for p in data["patterns"])


def compact(text: str) -> str:
    """Text without blanks of any kind (nbsp, ideographic space): how blocks are compared."""
    return _BLANKS.sub("", text)


def is_chrome_line(line: str) -> bool:
    """A short line that is site furniture (see the data file)."""
    text = compact(line)
    longest, patterns = chrome_lines()
    return len(text) <= longest and any(p.search(text) for p in patterns)


def measure(root: Tag, skip: frozenset[str], blocks: frozenset[str]) -> dict[int, tuple[str, int]]:
    """Per element under ``root`` (by ``id``): its visible text without blanks and how many of those
    characters are navigation — inside ``<a href>`` links, or a whole block that is a chrome line
    (a footer's 版权所有 line counts as its links do); elements never shown are left out. One pass."""
    out: dict[int, tuple[str, int]] = {}

    def visit(tag: Tag) -> tuple[str, int]:
        parts, links = [], 0
        for child in tag.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, _NOT_TEXT):
                    parts.append(compact(str(child)))
            elif isinstance(child, Tag) and child.name not in skip:
                text, inner = visit(child)
                parts.append(text)
                links += inner
        joined = "".join(parts)
        if (tag.name == "a" and tag.has_attr("href")) or (tag.name in blocks and is_chrome_line(joined)):
            links = len(joined)
        out[id(tag)] = (joined, links)
        return joined, links

    visit(root)
    return out


def is_navigation(text: str, links: int) -> bool:
    """Most of the block's text is link text."""
    return bool(text) and links >= LINK_DENSITY * len(text)
