"""HTML: text by block elements, and every data ``<table>`` as a table (rowspan/colspan expanded).

Why not ``soup.get_text("\\n")``: Word-exported pages wrap every run in its own ``<span>``, and a
newline between spans breaks ``2019年`` into ``2019`` / ``年`` and ``R&D经费`` into ``R&D`` / ``）经费``.
Here only block elements break lines; inline text is joined as written.

A saved page also carries the site around its article: navigation, share bars, footers, and on
many sites a second (mobile) copy of the article. Those are dropped by the general signals of
:mod:`assistant.ingest.readers.chrome` (link density, repeated blocks, chrome lines), so the
article is indexed once and alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from assistant.ingest.readers.base import Document, decode_text
from assistant.ingest.readers.chrome import MIN_REPEAT, compact, is_chrome_line, is_navigation, measure
from assistant.ingest.tables import expand_spans

_SKIP = frozenset(("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "head", "template"))
_BLOCK = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd tr table tbody thead tfoot section article blockquote pre "
    "center caption figure figcaption main address hr".split()
)
_CELLS = frozenset(("td", "th"))  # a layout table's cells: a sidebar of links is one
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_BLANKS = re.compile(r"[ \t\r\n\f]+")
_BAD_BREAK = re.compile(r"</br\s*>", re.I)  # browsers read the invalid </br> as <br>; lxml drops it


def _span(cell: Tag, name: str) -> int:
    try:
        return max(1, min(int(str(cell.get(name, "1")).strip() or 1), 1000))
    except ValueError:
        return 1


def _cell_text(cell: Tag) -> str:
    """A cell's text; its paragraphs (财政科学 / 技术支出 / （亿元）) are one header, joined as is."""
    return "".join(_BLANKS.sub(" ", s) for s in cell.find_all(string=True) if not isinstance(s, _NOT_TEXT)).strip()


def _grid(table: Tag) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        rows.append(
            [
                (_cell_text(c), _span(c, "rowspan"), _span(c, "colspan"))
                for c in tr.find_all(["td", "th"], recursive=False)
            ]
        )
    return expand_spans(rows)


class _Walker:
    """Depth-first over the body: inline text joins the current line, blocks and tables break it;
    navigation blocks, a block whose text was all read already, and chrome lines are left out."""

    def __init__(self, root: Tag) -> None:
        self.document = Document()
        self.line: list[str] = []
        self.texts = measure(root, _SKIP, _BLOCK)
        self.read = ""  # everything kept so far, blanks removed: a second copy of it is left out

    def newline(self) -> None:
        text = "".join(self.line).strip()
        self.line = []
        if text and not is_chrome_line(text):
            self.document.add_text(text + "\n")
            self.read += compact(text)

    def _left_out(self, block: Tag) -> bool:
        text, links = self.texts.get(id(block), ("", 0))
        return is_navigation(text, links) or (len(text) >= MIN_REPEAT and text in self.read)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, _NOT_TEXT):
                    self.line.append(_BLANKS.sub(" ", str(child)))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            if child.name == "br":
                self.newline()
            elif (child.name in _BLOCK or child.name in _CELLS) and self._left_out(child):
                continue
            elif child.name == "table" and child.find("table") is None:
                self.newline()
                caption = child.find("caption")
                title = _cell_text(caption) if caption else ""
                self.document.add_table(_grid(child), f"table {len(self.document.tables) + 1}", title=title)
                self.read += self.texts.get(id(child), ("", 0))[0]
            else:
                block = child.name in _BLOCK
                if block:
                    self.newline()
                self.walk(child)
                if block:
                    self.newline()


def read_html(path: Path) -> Document:
    soup = BeautifulSoup(_BAD_BREAK.sub("<br>", decode_text(path.read_bytes(), path.name)), "lxml")
    root = soup.body or soup
    walker = _Walker(root)
    walker.walk(root)
    walker.newline()
    return walker.document
