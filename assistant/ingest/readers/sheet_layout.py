"""What a workbook shows besides its values: each cell's number format, merged ranges, hidden rows,
columns and sheets — read from the file itself, for the values python-calamine reads.

Why a reader of its own: calamine gives values only (5.585445435871359, not the ``0.00`` that
makes Excel show 5.59), and xlrd is not a dependency. Two containers:

* ``.xls`` (BIFF8): the ``Workbook`` stream's records — FORMAT and XF in the globals, BOUNDSHEET
  for names and visibility, and per sheet the cell records' XF index, ROW (hidden flag), COLINFO
  and MERGEDCELLS.
* ``.xlsx``/``.xlsm`` (OOXML): ``styles.xml``'s numFmts and cellXfs, ``workbook.xml``'s sheets and
  states, and each sheet's ``<c s=…>``, ``<row hidden>``, ``<col hidden>`` and ``<mergeCell>``,
  streamed (a sheet is read no further than the row limit).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field

from lxml.etree import XMLSyntaxError, iterparse

from assistant.ingest.readers.numfmt import BUILTIN_FORMATS


@dataclass
class SheetLayout:
    name: str
    hidden: bool = False
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → format code
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, last row, first col, last col


# --- BIFF8 (.xls) ---------------------------------------------------------------------------------

_CELL_RECORDS = frozenset((0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205))  # NUMBER RK LABELSST LABEL FORMULA BOOLERR
_BOUNDSHEET, _FORMAT, _XF, _MULRK, _ROW, _COLINFO, _MERGED, _EOF = (
    0x0085,
    0x041E,
    0x00E0,
    0x00BD,
    0x0208,
    0x007D,
    0x00E5,
    0x000A,
)


def _records(stream: bytes, start: int = 0):
    pos = start
    while pos + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, pos)
        yield kind, stream[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if kind == _EOF:
            return


def _biff_string(data: bytes, length_bytes: int) -> str:
    count = int.from_bytes(data[:length_bytes], "little")
    flags = data[length_bytes]
    body = data[length_bytes + 1 :]
    return body[: count * 2].decode("utf-16-le", "replace") if flags & 1 else body[:count].decode("latin-1")


def biff_layout(stream: bytes, max_rows: int) -> list[SheetLayout]:
    """Layouts of the worksheets in a BIFF8 ``Workbook`` stream, in sheet order."""
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    xf_formats: list[int] = []
    sheets: list[tuple[int, SheetLayout]] = []
    for kind, data in _records(stream):
        if kind == _FORMAT:
            formats[struct.unpack_from("<H", data)[0]] = _biff_string(data[2:], 2)
        elif kind == _XF:
            xf_formats.append(struct.unpack_from("<H", data, 2)[0])
        elif kind == _BOUNDSHEET and data[5] == 0:  # worksheets only (not charts or macro sheets)
            offset, state = struct.unpack_from("<IB", data)
            sheets.append((offset, SheetLayout(_biff_string(data[6:], 1), hidden=bool(state & 3))))
    for offset, sheet in sheets:
        try:
            _biff_sheet(stream, offset, sheet, [formats.get(i, "General") for i in xf_formats], max_rows)
        except (struct.error, IndexError):
            pass  # a damaged sheet: its values, if any can be read, show as General
    return [sheet for _, sheet in sheets]


def _biff_sheet(stream: bytes, offset: int, sheet: SheetLayout, xf: list[str], max_rows: int) -> None:
    def fmt(index: int) -> str:
        return xf[index] if index < len(xf) else "General"

    for kind, data in _records(stream, offset):
        if kind in _CELL_RECORDS and len(data) >= 6:
            row, col, index = struct.unpack_from("<HHH", data)
            if row < max_rows:
                sheet.formats[(row, col)] = fmt(index)
        elif kind == _MULRK:
            row, first = struct.unpack_from("<HH", data)
            for k in range((len(data) - 6) // 6):
                sheet.formats[(row, first + k)] = fmt(struct.unpack_from("<H", data, 4 + 6 * k)[0])
        elif kind == _ROW and struct.unpack_from("<H", data, 12)[0] & 0x20:
            sheet.hidden_rows.add(struct.unpack_from("<H", data)[0])
        elif kind == _COLINFO and struct.unpack_from("<H", data, 8)[0] & 1:
            first, last = struct.unpack_from("<HH", data)
            sheet.hidden_cols.update(range(first, min(last, 16383) + 1))
        elif kind == _MERGED:
            for k in range(struct.unpack_from("<H", data)[0]):
                sheet.merged.append(struct.unpack_from("<HHHH", data, 2 + 8 * k))


# --- OOXML (.xlsx, .xlsm) ---------------------------------------------------------------------------

_NS = re.compile(r"^\{[^}]*\}")
_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _local(tag: str) -> str:
    return _NS.sub("", tag)


def _cell_index(ref: str) -> tuple[int, int]:
    m = _REF.match(ref)
    if m is None:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _attrs(archive: zipfile.ZipFile, part: str, tag: str) -> list[dict[str, str]]:
    if part not in archive.namelist():
        return []
    return [
        {_local(k): v for k, v in el.attrib.items()}
        for _, el in iterparse(io.BytesIO(archive.read(part)))
        if _local(el.tag) == tag
    ]


def _style_formats(archive: zipfile.ZipFile) -> list[str]:
    """Format code of each cellXfs entry (the ``s`` a cell names)."""
    codes = dict(BUILTIN_FORMATS)
    codes.update(
        {int(a["numFmtId"]): a.get("formatCode", "General") for a in _attrs(archive, "xl/styles.xml", "numFmt")}
    )
    out, inside = [], False
    if "xl/styles.xml" not in archive.namelist():
        return out
    for event, el in iterparse(io.BytesIO(archive.read("xl/styles.xml")), events=("start", "end")):
        name = _local(el.tag)
        if name == "cellXfs":
            inside = event == "start"
        elif inside and name == "xf" and event == "start":
            out.append(codes.get(int(el.get("numFmtId", "0")), "General"))
    return out


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(name, part path, hidden) of each sheet in workbook order."""
    targets = {a["Id"]: a["Target"] for a in _attrs(archive, "xl/_rels/workbook.xml.rels", "Relationship")}
    out = []
    for sheet in _attrs(archive, "xl/workbook.xml", "sheet"):
        target = targets.get(sheet.get("id", ""), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out.append((sheet.get("name", ""), part, sheet.get("state", "visible") != "visible"))
    return out


def ooxml_layout(data: bytes, max_rows: int) -> list[SheetLayout]:
    """Layouts of the sheets of an OOXML workbook, in sheet order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xf = _style_formats(archive)
        sheets = []
        for name, part, hidden in _sheet_parts(archive):
            sheet = SheetLayout(name, hidden=hidden)
            try:
                with archive.open(part) as handle:
                    _ooxml_sheet(handle, sheet, xf, max_rows)
            except (KeyError, XMLSyntaxError, ValueError, zipfile.BadZipFile, EOFError, OSError):
                pass  # a damaged sheet: its values, if any can be read, show as General
            sheets.append(sheet)
    return sheets


def _ooxml_sheet(handle, sheet: SheetLayout, xf: list[str], max_rows: int) -> None:
    """Only the elements that matter are handed over (a cell's value and formula are not)."""
    for _, el in iterparse(handle, tag=("{*}c", "{*}row", "{*}col", "{*}mergeCell")):
        name = el.tag.rpartition("}")[2]
        if name == "c":
            style = int(el.get("s", "0"))
            if style and style < len(xf) and el.get("r"):
                sheet.formats[_cell_index(el.get("r", ""))] = xf[style]
        elif name == "row":
            row = int(el.get("r", "0")) - 1
            if el.get("hidden") in ("1", "true"):
                sheet.hidden_rows.add(row)
            el.clear()
            while el.getprevious() is not None:  # rows already read leave the tree
                del el.getparent()[0]
            if row >= max_rows:
                return
        elif name == "col" and el.get("hidden") in ("1", "true"):
            sheet.hidden_cols.update(range(int(el.get("min", "1")) - 1, min(int(el.get("max", "1")), 16384)))
        elif name == "mergeCell" and ":" in el.get("ref", ""):
            (r1, c1), (r2, c2) = (_cell_index(p) for p in el.get("ref", "").split(":"))
            sheet.merged.append((r1, r2, c1, c2))
