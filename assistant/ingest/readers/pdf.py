"""PDF text layers with pdfplumber: the text around each table, and each ruled table as a grid.

A page without a text layer (a scan) yields nothing here; when no page has text the file is
refused by name. That is the place where OCR plugs in (``assistant/ingest/ocr.py``, branch i10-ocr).
"""

from __future__ import annotations

import io
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.readers.base import Document


def _page_blocks(page: object, document: Document, where: str) -> None:
    """Text above, between and below the page's tables, and the tables, top to bottom."""
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])  # type: ignore[attr-defined]
    top = 0.0
    for table in tables:
        x0, t_top, x1, t_bottom = table.bbox
        if t_top > top:
            text = page.crop((0, top, page.width, t_top)).extract_text() or ""  # type: ignore[attr-defined]
            document.add_text(text + "\n")
        grid = [[cell or "" for cell in row] for row in table.extract()]
        document.add_table(grid, f"{where} table {len(document.tables) + 1}")
        top = t_bottom
    rest = page.crop((0, top, page.width, page.height)) if tables else page  # type: ignore[attr-defined]
    document.add_text((rest.extract_text() or "") + "\n")


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
    scanned = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            if not page.chars:
                scanned.append(number)  # no text layer: OCR's pages
                continue
            _page_blocks(page, document, f"page {number}")
    if not document.has_text():
        raise DocumentError(path.name, "the PDF has no text layer (a scan?); OCR is not supported")
    if scanned:
        document.warnings.append(f"pages {', '.join(map(str, scanned))} have no text layer (scans) and were skipped")
    return document
