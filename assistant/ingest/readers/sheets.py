"""Spreadsheets and delimited text: XLSX (openpyxl), XLS (python-calamine) and CSV.

Every sheet is read; a formula cell gives the value Excel saved with the file (openpyxl's
``data_only``), never the formula text; a merged range gives its value to every cell it covers.
Leading rows with a single filled cell are the sheet's title and caption (单位：亿元).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.readers.base import Document, decode_text

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted OOXML file is an OLE container
_DELIMITERS = ",\t;|"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _trim(grid: list[list[str]]) -> list[list[str]]:
    """Drop empty rows and the empty columns at the right that sheets carry from formatting."""
    rows = [row for row in grid if any(row)]
    width = max((max((j + 1 for j, c in enumerate(row) if c), default=0) for row in rows), default=0)
    return [row[:width] for row in rows]


def add_sheet(document: Document, grid: list[list[str]], where: str, sheet_title: str) -> None:
    """Title lines above the header (one filled cell each) title the table; the sheet name otherwise."""
    grid = _trim(grid)
    if not grid:
        document.warnings.append(f"{where} is empty")
        return
    lines: list[str] = []
    while len(grid) > 1 and len({c for c in grid[0] if c}) == 1:  # one cell, or one merged across
        lines.append(next(c for c in grid[0] if c))
        grid = grid[1:]
    title = next((line for line in lines if "单位" not in line), sheet_title)
    caption = " ".join(line for line in lines if line != title)
    document.add_table(grid, where, title=title, caption=caption)


def read_xlsx(path: Path) -> Document:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    data = path.read_bytes()
    if data.startswith(_OLE_MAGIC):
        raise DocumentError(path.name, "the workbook is password-protected (encrypted); save it without a password")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise DocumentError(path.name, f"cannot parse as XLSX: not a readable workbook ({type(exc).__name__})") from exc
    document = Document()
    for sheet in workbook.worksheets:
        grid = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            value = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(grid) else ""
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                    grid[r][c] = value
        add_sheet(document, grid, f"sheet {sheet.title}", sheet.title)
    return document


def read_xls(path: Path) -> Document:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    document = Document()
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        add_sheet(document, [[_cell(v) for v in row] for row in rows], f"sheet {name}", name)
    return document


def _rows(text: str) -> Iterable[list[str]]:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text), dialect)


def read_csv(path: Path) -> Document:
    """CSV in any encoding the text reader detects (UTF-8, GB18030 from Excel, Big5)."""
    document = Document()
    grid = [[c.strip() for c in row] for row in _rows(decode_text(path.read_bytes(), path.name))]
    add_sheet(document, grid, "the table", path.stem)
    if not document.has_text():
        raise DocumentError(path.name, "the file has no rows")
    return document
