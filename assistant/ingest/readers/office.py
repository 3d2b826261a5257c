"""DOCX: paragraphs and tables in body order (a table's title is the paragraph above it).

Only the body is read (headers, footers, comments and notes are not), and only the runs a reader
sees (:mod:`assistant.ingest.readers.visibility`: hidden, white or tiny text is left out)."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.readers.base import Document
from assistant.ingest.readers.visibility import cell_shaded, docx_text


def read_docx(path: Path) -> Document:
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    source = docx.Document(str(path))
    document = Document()
    for element in source.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            document.add_text(docx_text(Paragraph(element, source)) + "\n")
        elif tag == "tbl":
            # python-docx repeats a merged cell in every grid position it covers
            grid = [
                ["\n".join(docx_text(p, cell_shaded(cell)) for p in cell.paragraphs) for cell in row.cells]
                for row in DocxTable(element, source).rows
            ]
            document.add_table(grid, f"table {len(document.tables) + 1}")
    return document
