"""How many cells a workbook's reader will hold, counted cheaply before it is opened.

python-calamine holds each sheet as a dense grid of its used range: rows × columns from the first
cell to the last, whatever lies between. So the measure is the area the sheet's cells span, not
how many there are: an XLSX of two cells, ``A1`` and ``ZZ200000``, is a 140-million-cell grid
(4.3 GB), and an ``.xls`` of two cells per sheet at ``A1`` and ``IV65536`` cost 1.5 GB on opening
(calamine reads every sheet of an ``.xls`` at once). The sheet's own ``<dimension>`` record is
not trusted (calamine does not use it either); the cells' positions are read.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator

_STEP = 1 << 20
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")  # a <c> element of an XLSX worksheet
# r="B12" of a cell or r="12" of a row: only these carry r= with a bare A1 reference in sheet XML
_REF = re.compile(rb'\sr="([A-Z]{0,3})([0-9]{1,7})"')
_OVERLAP = 32  # longer than any match above: a match across two chunks is seen once, whole

# BIFF8 records whose payload starts with the cell's row and column (u16 each)
_BIFF_CELLS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E})
_BIFF_RUNS = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column, …, last column (u16)
_BIFF_BOF, _BIFF_EOF = 0x0809, 0x000A


def _matches(chunks: Iterator[bytes], pattern: re.Pattern[bytes]) -> Iterator[re.Match[bytes]]:
    """Matches of ``pattern`` over a stream of chunks, each once (memory: one chunk)."""
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        keep = max(len(data) - _OVERLAP, 0)
        yield from (m for m in pattern.finditer(data) if m.start() < keep)
        tail = data[keep:]
    yield from pattern.finditer(tail)


def _parts(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(name) as part:
        while chunk := part.read(_STEP):
            yield chunk


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _xlsx_sheet_area(archive: zipfile.ZipFile, name: str) -> int:
    """The grid one worksheet's cells span; at least the number of its cells (cells without a
    reference follow one another)."""
    cells = sum(1 for _ in _matches(_parts(archive, name), _CELL))
    rows = columns = 0
    for match in _matches(_parts(archive, name), _REF):
        rows = max(rows, int(match.group(2)))
        if match.group(1):
            columns = max(columns, _column(match.group(1)))
    return max(cells, rows * max(columns, 1 if cells else 0))


def xlsx_cells(archive: zipfile.ZipFile) -> int:
    """Cells the sheets of an XLSX/XLSM span, summed over its worksheets."""
    return sum(
        _xlsx_sheet_area(archive, name)
        for name in archive.namelist()
        if name.startswith("xl/worksheets/") and name.endswith(".xml")
    )


def xls_cells(workbook: bytes) -> int:
    """Cells the sheets of a BIFF8 ``Workbook`` stream span, summed over its worksheets: each
    sheet's last row × last column, from its cell records. Record headers are never encrypted, so
    this is read from the plain stream only (the caller decrypts a write-protected workbook)."""
    total, rows, columns, position = 0, 0, 0, 0
    while position + 4 <= len(workbook):
        kind, size = struct.unpack_from("<HH", workbook, position)
        start, position = position + 4, position + 4 + size
        if kind == _BIFF_BOF or kind == _BIFF_EOF:
            total, rows, columns = total + rows * columns, 0, 0
        elif kind in _BIFF_CELLS and size >= 4 and position <= len(workbook):
            row, column = struct.unpack_from("<HH", workbook, start)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        elif kind in _BIFF_RUNS and size >= 6 and position <= len(workbook):
            (row,), (last,) = (
                struct.unpack_from("<H", workbook, start),
                struct.unpack_from("<H", workbook, position - 2),
            )
            rows, columns = max(rows, row + 1), max(columns, last + 1)
    return total + rows * columns
