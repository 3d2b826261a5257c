"""DOCX: paragraphs and tables in body order (a table's title is the paragraph above it)."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.readers.base import Document


def read_docx(path: Path) -> Document:
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    source = docx.Document(str(path))
    document = Document()
    for element in source.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            document.add_text(Paragraph(element, source).text + "\n")
        elif tag == "tbl":
            # python-docx repeats a merged cell in every grid position it covers
            grid = [[cell.text for cell in row.cells] for row in DocxTable(element, source).rows]
            document.add_table(grid, f"table {len(document.tables) + 1}")
    return document
