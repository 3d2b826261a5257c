"""PDF text layers with pdfplumber: the text around each table, and each ruled table as a grid.

A page without a text layer (a scan) is rendered and read by OCR (:mod:`assistant.ingest.ocr`),
all such pages first, under one progress bar, then every page in order into the document.
"""

from __future__ import annotations

import io
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.ocr import ocr_pdf_pages
from assistant.ingest.readers.base import Document
from assistant.ingest.readers.images import add_ocr_blocks


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
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        scanned = [number for number, page in enumerate(pdf.pages, start=1) if not page.chars]
        read = ocr_pdf_pages(data, scanned, path.name) if scanned else {}
        for number, page in enumerate(pdf.pages, start=1):
            if number in read:
                add_ocr_blocks(document, read[number], f"page {number}")
            elif number not in scanned:
                _page_blocks(page, document, f"page {number}")
    if not document.has_text():
        raise DocumentError(path.name, "no text found: the PDF has no text layer and OCR read nothing on its pages")
    if blank := [n for n in scanned if n not in read]:
        document.warnings.append(f"pages {', '.join(map(str, blank))} are scans on which OCR found no text")
    return document
