"""Spreadsheets and delimited text: XLS, XLSX, XLSM (python-calamine; openpyxl where calamine
refuses a file) and CSV.

A workbook is read whenever Excel or WPS would open it: one saved write-protected is encrypted
with Excel's default password, which msoffcrypto-tool removes (a password of its own gets one
line naming the file); an ``.xls`` that is an OOXML file, a web page or delimited text inside is
read as one. Every sheet is
read; a formula cell gives the value saved with the file, never the formula; every value is the
text the cell shows through its number format (``0.00``: 5.59, not 5.585445435871359); a merged
range gives its value to every cell it covers. Hidden sheets, rows and columns are skipped, and
the document's warnings say which. A sheet is read up to ``max_sheet_rows`` rows and
``max_sheet_cells`` cells; the rest is skipped with a warning naming the sheet.
Leading rows with a single filled cell are the sheet's title and caption (单位：亿元).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.readers.base import Document, decode_text
from assistant.ingest.readers.numfmt import format_value
from assistant.ingest.readers.sheet_layout import SheetLayout, biff_layout, ooxml_layout
from assistant.ingest.tables import SEPARATOR, is_numeric
from assistant.settings import IngestSettings

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and an encrypted OOXML file
_ZIP_MAGIC = b"PK\x03\x04"
_DEFAULT_PASSWORD = "VelvetSweatshop"  # Excel's write-protection key: Excel opens such files without asking
_DELIMITERS = ",\t;|"


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
    if len(grid) > 1 and len(grid[0]) > 1 and not any(is_numeric(c) for row in grid for c in row if c):
        document.warnings.append(f"{where} has no figures: its rows are indexed as text, no facts are read from it")
        document.add_text("\n".join([*lines, *(SEPARATOR.join(c for c in row if c) for row in grid)]) + "\n")
        return
    document.add_table(grid, where, title=title, caption=caption)


def _unlocked(name: str, data: bytes) -> bytes:
    """The workbook's bytes, decrypted when it is encrypted with Excel's default password."""
    if not data.startswith(_OLE_MAGIC):
        return data
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception:  # an OLE file msoffcrypto does not know: the workbook reader says what it is
        return data
    if not encrypted:
        return data
    try:
        # an OOXML key is checked on loading; a BIFF8 (.xls) key when decrypting
        office.load_key(
            password=_DEFAULT_PASSWORD, **({"verify_password": True} if isinstance(office, OOXMLFile) else {})
        )
        plain = io.BytesIO()
        office.decrypt(plain)
    except Exception as exc:
        raise DocumentError(
            name,
            "the workbook is password-protected (encrypted with a password of its own); "
            "open it in Excel or WPS and save it without a password",
        ) from exc
    return plain.getvalue()


def _layouts(data: bytes, max_rows: int) -> list[SheetLayout]:
    """Number formats, merges and hidden parts of each sheet; none where the container is unknown."""
    if data.startswith(_ZIP_MAGIC):
        return ooxml_layout(data, max_rows)
    import olefile

    with olefile.OleFileIO(data) as ole:
        stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
        return biff_layout(ole.openstream(stream).read(), max_rows) if stream else []


def read_workbook(path: Path, limits: IngestSettings | None = None) -> Document:
    """Every visible sheet of an .xls/.xlsx/.xlsm workbook as a table (or text where it has no header)."""
    limits = limits or IngestSettings()
    data = _unlocked(path.name, path.read_bytes())
    if not data.startswith((_OLE_MAGIC, _ZIP_MAGIC)):
        return _saved_as_text(path, data, limits)
    try:
        layouts = {s.name: s for s in _layouts(data, limits.max_sheet_rows)}
    except Exception:  # damaged styles or records: values are still read, shown as General
        layouts = {}
    document = Document()
    try:
        sheets = _calamine_sheets(data, limits)
    except Exception as calamine_error:
        if not data.startswith(_ZIP_MAGIC):
            raise DocumentError(
                path.name,
                f"cannot parse as {path.suffix[1:].upper()}: not a readable workbook "
                f"({type(calamine_error).__name__}: {calamine_error})",
            ) from calamine_error
        sheets = _openpyxl_sheets(path.name, data, limits)
    for name, *read in sheets:
        if len(read) == 1:
            document.warnings.append(f"sheet {name} cannot be read ({type(read[0]).__name__}): skipped")
            continue
        rows, total = read
        layout = layouts.get(name) or SheetLayout(name)
        if layout.hidden:
            document.warnings.append(f"sheet {name} is hidden: skipped")
            continue
        if total > len(rows):
            document.warnings.append(_skipped(f"sheet {name}", len(rows), total, limits))
        add_sheet(document, shown_grid(rows, layout, document.warnings), f"sheet {name}", name)
    return document


def _skipped(where: str, kept: int, total: int, limits: IngestSettings) -> str:
    return (
        f"{where}: rows {kept + 1}–{total} skipped (the limit is "
        f"{limits.max_sheet_rows:,} rows and {limits.max_sheet_cells:,} cells a sheet)"
    )


def _saved_as_text(path: Path, data: bytes, limits: IngestSettings) -> Document:
    """An ".xls" that is a web page or delimited text (what many sites export, and Excel opens)."""
    from assistant.ingest.readers.html import read_html

    if re.match(rb"(?:\xef\xbb\xbf)?\s*<", data[:1024]):
        return read_html(path)
    return read_csv(path, limits)


def _calamine_sheets(data: bytes, limits: IngestSettings) -> list:
    """(name, rows within the limits, rows in the sheet) of each worksheet, by python-calamine;
    (name, error) for a sheet it cannot read."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out: list[tuple[str, list[list[object]], int] | tuple[str, Exception]] = []
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception as exc:  # one damaged sheet costs itself, not the workbook
            out.append((name, exc))
            continue
        last_row, last_col = sheet.end or (-1, -1)  # 0-based: a sheet of one row ends at row 0
        total, width = last_row + 1, max(last_col + 1, 1)
        keep = min(total, limits.max_sheet_rows, limits.max_sheet_cells // width)
        rows = sheet.to_python(skip_empty_area=False, nrows=keep) if keep else []
        out.append((name, [list(r) for r in rows], total))
    if out and all(len(sheet) == 2 for sheet in out):
        raise out[0][1]  # type: ignore[misc]  # nothing readable: let openpyxl try the workbook
    return out


def _openpyxl_sheets(name: str, data: bytes, limits: IngestSettings) -> list[tuple[str, list[list[object]], int]]:
    """The same from openpyxl (read-only: it streams the cells and never opens drawings or charts)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise DocumentError(name, f"cannot parse as XLSX: not a readable workbook ({type(exc).__name__})") from exc
    out = []
    for sheet in workbook.worksheets:
        rows, total = [], 0
        for row in sheet.iter_rows(values_only=True):
            total += 1
            if total <= limits.max_sheet_rows and (total * len(row)) <= limits.max_sheet_cells:
                rows.append(list(row))
        out.append((sheet.title, rows, total))
    workbook.close()
    return out


def shown_grid(rows: list[list[object]], layout: SheetLayout, warnings: list[str]) -> list[list[str]]:
    """The cells as the sheet shows them: formatted, merged ranges filled, hidden rows and columns left out."""
    grid = [[format_value(v, layout.formats.get((r, c))) for c, v in enumerate(row)] for r, row in enumerate(rows)]
    for r1, r2, c1, c2 in layout.merged:
        if r1 >= len(grid) or c1 >= len(grid[r1]):
            continue
        value = grid[r1][c1]
        for r in range(r1, min(r2 + 1, len(grid))):
            for c in range(c1, min(c2 + 1, len(grid[r]))):
                grid[r][c] = value
    hidden_rows = {r for r in layout.hidden_rows if r < len(grid) and any(grid[r])}
    hidden_cols = {c for c in layout.hidden_cols if any(c < len(row) and row[c] for row in grid)}
    if hidden_rows or hidden_cols:
        warnings.append(
            f"sheet {layout.name}: {len(hidden_rows)} hidden rows and {len(hidden_cols)} hidden columns skipped"
        )
    return [
        [v for c, v in enumerate(row) if c not in hidden_cols] for r, row in enumerate(grid) if r not in hidden_rows
    ]


def _rows(text: str) -> Iterable[list[str]]:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text), dialect)


def read_csv(path: Path, limits: IngestSettings | None = None) -> Document:
    """CSV in any encoding the text reader detects (UTF-8, GB18030 from Excel, Big5), read up to
    ``max_sheet_rows`` rows and ``max_sheet_cells`` cells as a workbook's sheet is."""
    limits = limits or IngestSettings()
    document = Document()
    grid: list[list[str]] = []
    total = cells = 0
    keeping = True
    for row in _rows(decode_text(path.read_bytes(), path.name)):
        total, cells = total + 1, cells + len(row)
        keeping = keeping and total <= limits.max_sheet_rows and cells <= limits.max_sheet_cells
        if keeping:
            grid.append([c.strip() for c in row])
    if total > len(grid):
        document.warnings.append(_skipped("the table", len(grid), total, limits))
    add_sheet(document, grid, "the table", path.stem)
    if not document.has_text():
        raise DocumentError(path.name, "the file has no rows")
    return document
