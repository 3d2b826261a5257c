"""PDF text layers with pdfplumber: each ruled table as a grid, the text around it in order, and
tables without rules (the 三线表 of statistical bulletins: a rule above and below the header and
one at the bottom, Word tables with some borders off) laid out from where the words sit.

A page without a text layer (a scan) is rendered and read by OCR (:mod:`assistant.ingest.ocr`),
all such pages first, under one progress bar, then every page in order into the document.
"""

from __future__ import annotations

import io
import statistics
from pathlib import Path
from typing import Any

from assistant.errors import DocumentError
from assistant.ingest.ocr import ocr_pdf_pages
from assistant.ingest.ocr_layout import Line, OcrTable, is_figure, join_text, lay_out
from assistant.ingest.readers.base import Document
from assistant.ingest.readers.images import add_ocr_blocks
from assistant.ingest.readers.visibility import visible_page

# pdfplumber's default (3 pt) splits a printed line in two where Chromium sets Latin digits in
# another font whose glyph boxes sit ~0.2 em lower than the CJK ones: 附表2 2022年…（R&D） came out
# as "附表 年…（ ）" over "2 2022 R&D". Lines of body text are at least 1 em (10 pt) apart.
_Y_TOLERANCE = 5
# Characters closer than this many font sizes are one fragment (北　京 with its em space, a
# sentence); table columns stand further apart.
_FRAGMENT_GAP = 1.2
# Closer than this many font sizes, two words are one fragment whatever their length.
_WORD_GAP = 0.5
_SHORT_WORD = 2  # characters: 北, 京, 表1 — a letter-spaced name or a table number
# A ruled grid that keeps less than this share of the characters inside its rules lost cells.
_KEPT_TEXT = 0.9


def _is_grid(table: Any, page: Any) -> bool:
    """A ruled table worth keeping as found: two rows and two columns at least, no cell that holds a
    column of figures, and no text of its area lost (rules only around the header: the body squeezed
    into one row, or into cells pdfplumber cannot close and returns empty)."""
    grid = table.extract()
    if len(grid) < 2 or max(len(row) for row in grid) < 2:
        return False
    if any(
        len(lines := (cell or "").split("\n")) > 2 and all(is_figure(x) for x in lines)
        for row in grid[1:]
        for cell in row
    ):
        return False
    inside = sum(not c["text"].isspace() for c in page.crop(table.bbox).chars)
    kept = sum(len("".join((cell or "").split())) for row in grid for cell in row)
    return kept >= _KEPT_TEXT * inside


def _one_fragment(left: str, right: str, gap: float) -> bool:
    """Two words ``gap`` font sizes apart on one line are one fragment: close words always, and a
    wider gap only around a letter-spaced short word (北　京, 表1 2023年…); two long words that far
    apart are cells of adjacent columns (two header cells set 1.16 em apart in a printed bulletin)."""
    return -_FRAGMENT_GAP < gap < _WORD_GAP or (gap < _FRAGMENT_GAP and min(len(left), len(right)) <= _SHORT_WORD)


def _lines(region: Any) -> list[Line]:
    """The region's words as fragments with boxes, the input the geometric layout takes.

    Words are cut where characters stand apart and joined back into one fragment
    (:func:`_one_fragment`), with a space between two figures or Latin words (``表7`` and
    ``2023年`` stay ``表7 2023年``, never ``表72023年``)."""
    if not region.chars:
        return []
    size = statistics.median(c["size"] for c in region.chars)
    words = region.extract_words(y_tolerance=_Y_TOLERANCE, keep_blank_chars=True)
    fragments: list[Line] = []
    for w in words:
        text = w["text"].strip()
        if not text:
            continue
        last = fragments[-1] if fragments else None
        if (
            last
            and abs(w["top"] - last.y0) <= _Y_TOLERANCE
            and _one_fragment(last.text, text, (w["x0"] - last.x1) / size)
        ):
            fragments[-1] = Line(join_text(last.text, text), last.x0, last.y0, w["x1"], max(last.y1, w["bottom"]), 1.0)
        else:
            fragments.append(Line(text, w["x0"], w["top"], w["x1"], w["bottom"], 1.0))
    return fragments


def _add_region(region: Any, document: Document, where: str) -> None:
    """Text outside ruled tables: laid out by geometry when its words form aligned table rows, else
    as pdfplumber reads it."""
    blocks = lay_out(_lines(region))
    if any(isinstance(b, OcrTable) for b in blocks):
        add_ocr_blocks(document, blocks, where, ocr=False)
    else:
        document.add_text((region.extract_text(y_tolerance=_Y_TOLERANCE) or "") + "\n")


def _page_blocks(page: Any, document: Document, where: str) -> None:
    """Text above, between and below the page's ruled tables, and the tables, top to bottom."""
    tables = sorted((t for t in page.find_tables() if _is_grid(t, page)), key=lambda t: t.bbox[1])
    top = 0.0
    for table in tables:
        x0, t_top, x1, t_bottom = table.bbox
        if t_top > top:
            _add_region(page.crop((0, top, page.width, t_top)), document, where)
        grid = [[cell or "" for cell in row] for row in table.extract()]
        document.add_table(grid, f"{where} table {len(document.tables) + 1}")
        top = t_bottom
    _add_region(page.crop((0, top, page.width, page.height)) if tables else page, document, where)


def _refuse_if_locked(data: bytes, name: str) -> None:
    """A PDF that needs a password to open cannot be read; one with only an owner password (print or
    copy restrictions) opens with the empty user password and is read as usual."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentError(name, "the PDF is password-protected (encrypted); save it without a password")


def read_pdf(path: Path) -> Document:
    import pdfplumber

    data = path.read_bytes()
    _refuse_if_locked(data, path.name)
    document = Document()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        scanned = [number for number, page in enumerate(pdf.pages, start=1) if not page.chars]
        figures: list[int] = []
        read = ocr_pdf_pages(data, scanned, path.name, figures) if scanned else {}
        for number, page in enumerate(pdf.pages, start=1):
            if number in read:
                add_ocr_blocks(document, read[number], f"page {number}")
            elif number not in scanned:
                _page_blocks(visible_page(page), document, f"page {number}")  # what a reader sees only
    if not document.has_text():
        raise DocumentError(path.name, "no text found: the PDF has no text layer and OCR read nothing on its pages")
    if figures:
        document.warnings.append(
            f"skipped page {', '.join(map(str, figures))}: a picture (chart or figure), no text to index"
        )
    if blank := [n for n in scanned if n not in read and n not in figures]:
        document.warnings.append(f"pages {', '.join(map(str, blank))} are scans on which OCR found no text")
    return document
