"""Images (.png, .jpg) and scanned pages: read by OCR into the same text blocks and tables as any
other format, marked as OCR'd (see :mod:`assistant.ingest.ocr` for the engine and the layout)."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.ocr import ocr_image
from assistant.ingest.ocr_layout import Block
from assistant.ingest.readers.base import Document, OcrText


def add_ocr_blocks(document: Document, blocks: list[Block], where: str, ocr: bool = True) -> None:
    """A page laid out by geometry: paragraphs as text, grids as tables, both marked as OCR'd unless
    ``ocr`` is False (a PDF text layer laid out the same way: :mod:`assistant.ingest.readers.pdf`)."""
    for block in blocks:
        if isinstance(block, str):
            document.add_text(OcrText(block + "\n") if ocr else block + "\n")
        else:
            document.add_table(
                [list(row) for row in block.grid],
                f"{where} table {len(document.tables) + 1}",
                title=block.title,
                ocr=ocr,
            )


def read_image(path: Path) -> Document:
    document = Document()
    add_ocr_blocks(document, ocr_image(path), path.name)
    return document
