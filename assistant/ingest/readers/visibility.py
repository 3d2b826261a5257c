"""Only what a reader sees is evidence: text hidden in a DOCX or a PDF is left out when it is read.

A planted figure need not be an instruction: white 1-pt text, a hidden run (``w:vanish``) or a
character drawn off the page is invisible on screen and in print, yet a text extractor reads it
like any other and the index would cite it. Hidden here means: marked hidden, smaller than
:data:`TINY_PT`, white (or the theme's background colour) on no fill of its own, or off the page.
White text on a coloured fill (a table's header row) is visible and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

TINY_PT = 2.0  # text this small is a dot on screen and in print: no reader can read it
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NO_FILL = {None, "auto", "FFFFFF", "ffffff", "none", "white"}


# -- DOCX ---------------------------------------------------------------------------------------
def docx_text(paragraph: Any, shaded: bool = False) -> str:
    """The paragraph's text without hidden runs (python-docx's ``Paragraph.text``, run by run);
    ``shaded``: the paragraph sits on a coloured fill (a shaded table cell)."""
    from docx.text.run import Run

    shaded = shaded or _filled(paragraph._p.find(f"{_W}pPr"))
    return "".join(
        r.text
        for r in paragraph._p.xpath("w:r | w:hyperlink/w:r")
        if not _hidden_run(Run(r, paragraph), paragraph, shaded)
    )


def cell_shaded(cell: Any) -> bool:
    """A table cell with a fill of its own (white text on it is visible)."""
    return _filled(cell._tc.tcPr)


def _hidden_run(run: Any, paragraph: Any, shaded: bool) -> bool:
    def first(get: Callable[[Any], Any]) -> Any:
        return next((v for font in _fonts(run, paragraph) if (v := get(font)) is not None), None)

    if first(lambda f: f.hidden):
        return True
    size = first(lambda f: f.size)
    if size is not None and size.pt <= TINY_PT:
        return True
    return _white_docx(first(lambda f: f.color)) and not (shaded or _filled(run._r.rPr) or run.font.highlight_color)


def _fonts(run: Any, paragraph: Any) -> Iterator[Any]:
    """The run's own formatting, then its character style's chain, then its paragraph style's."""
    yield run.font
    for style in (run.style, paragraph.style):
        while style is not None:
            yield style.font
            style = style.base_style


def _white_docx(color: Any) -> bool:
    if color is None or color.type is None:
        return False
    from docx.enum.dml import MSO_THEME_COLOR

    if color.theme_color in (MSO_THEME_COLOR.BACKGROUND_1, MSO_THEME_COLOR.LIGHT_1):
        return True
    return color.rgb is not None and str(color.rgb).upper() == "FFFFFF"


def _filled(properties: Any) -> bool:
    """``w:shd`` with a fill other than white, or a highlight, in run, paragraph or cell properties."""
    if properties is None:
        return False
    shade = properties.find(f"{_W}shd")
    highlight = properties.find(f"{_W}highlight")
    return (shade is not None and shade.get(f"{_W}fill") not in _NO_FILL) or (
        highlight is not None and highlight.get(f"{_W}val") not in _NO_FILL
    )


# -- PDF ----------------------------------------------------------------------------------------
def visible_page(page: Any) -> Any:
    """The pdfplumber page without characters a reader cannot see (tables and layout are read from it)."""
    fills = [r for r in page.rects if r.get("fill") and not _white_pdf(r.get("non_stroking_color"))]
    return page.filter(lambda obj: obj.get("object_type") != "char" or _visible_char(obj, page, fills))


def _visible_char(char: dict[str, Any], page: Any, fills: list[dict[str, Any]]) -> bool:
    if char.get("size", TINY_PT + 1) <= TINY_PT:
        return False
    if char["x1"] < 0 or char["x0"] > page.width or char["bottom"] < 0 or char["top"] > page.height:
        return False
    if not _white_pdf(char.get("non_stroking_color")):
        return True
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return any(r["x0"] <= x <= r["x1"] and r["top"] <= y <= r["bottom"] for r in fills)


def _white_pdf(color: Any) -> bool:
    """White in gray (1), RGB (1, 1, 1) or CMYK (0, 0, 0, 0)."""
    if not isinstance(color, (tuple, list)) or not color or not all(isinstance(c, (int, float)) for c in color):
        return False
    if len(color) == 4:
        return all(c <= 0.05 for c in color)
    return all(c >= 0.95 for c in color)
