"""Bounded resources for every file: refuse, before any reader opens it, a file whose parse would
take the machine with it, in one line naming the file and the limit (the rest of the folder is
indexed as usual).

What is checked is what the parse will cost, read cheaply and without trusting the file's own
claims: a DOCX/XLSX's parts are inflated here, a megabyte at a time, and counted (a zip's central
directory can declare 1 KB for a part that inflates to gigabytes, and ``zipfile`` inflates a
whole part in one call); a PDF's page count and page sizes come from its page tree (pypdf, lazily);
an image's size from its header; the grid a workbook's sheets span from its cells' positions
(:mod:`assistant.ingest.sheet_limits`), a CSV's cells from its bytes. The
limits are settings (``ingest.max_*``). Parsing in a memory-capped child process
(:mod:`assistant.ingest.worker`) is the backstop for what no cheap check can see.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NoReturn

from assistant.errors import DocumentError
from assistant.ingest.sheet_limits import xls_cells, xlsx_cells
from assistant.settings import IngestSettings

MB = 1 << 20
_STEP = 1 << 20  # bytes inflated or scanned per step: memory stays flat whatever the file holds
_SMALL_PART = MB  # parts smaller than this are not judged by their compression ratio
_M2_PER_PT2 = (0.0254 / 72) ** 2
_ZIP_MAGIC, _OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"  # a package; an .xls or an encrypted package


def check_limits(path: Path, limits: IngestSettings) -> None:
    """Raise :class:`DocumentError` when ``path`` is over a limit; files of other types pass."""
    check = _CHECKS.get(path.suffix.lower())
    if check is not None:
        check(path, limits)


def _refuse(path: Path, what: str, limit: str, setting: str) -> NoReturn:
    raise DocumentError(
        path.name,
        f"{what}, over the limit of {limit}; not read "
        f"(raise it with ASSISTANT_INGEST__{setting.upper()} if the file is trusted)",
    )


def _check_package(path: Path, limits: IngestSettings, data: bytes | None = None) -> None:
    """A DOCX/XLSX: entries, inflated size per part and in total, compression ratio; XLSX cells.
    ``data``: the package's bytes when they are not the file's (a decrypted workbook)."""

    def source() -> BinaryIO:
        return io.BytesIO(data) if data is not None else path.open("rb")

    try:
        archive = zipfile.ZipFile(source())
    except (zipfile.BadZipFile, OSError):
        return  # not a zip at all: the reader says what is wrong with it
    cap = int(limits.max_unzipped_mb * MB)
    with archive, source() as raw:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_entries:
            _refuse(path, f"the package holds {len(infos):,} parts", f"{limits.max_zip_entries:,}", "max_zip_entries")
        total = 0
        for info in infos:
            size = _inflated_size(raw, info, cap - total)
            total += size
            if total > cap:
                _refuse(
                    path,
                    f"its parts unpack to over {limits.max_unzipped_mb:g} MB (a zip bomb?)",
                    f"{limits.max_unzipped_mb:g} MB",
                    "max_unzipped_mb",
                )
            if size > _SMALL_PART and size > limits.max_zip_ratio * max(info.compress_size, 1):
                _refuse(
                    path,
                    f"part {info.filename} unpacks {size / max(info.compress_size, 1):,.0f} times its "
                    "packed size (a zip bomb?)",
                    f"{limits.max_zip_ratio:g}×",
                    "max_zip_ratio",
                )
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            _check_cells(path, xlsx_cells(archive), limits)


def _inflated_size(raw: BinaryIO, info: zipfile.ZipInfo, cap: int) -> int:
    """The bytes a part really inflates to, counted a megabyte at a time and up to ``cap`` + 1."""
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return info.file_size  # a damaged entry: the reader refuses the file itself
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return max(info.file_size, info.compress_size)
    inflate, left, size = zlib.decompressobj(-15), info.compress_size, 0
    while left > 0 and size <= cap:
        data = raw.read(min(left, _STEP))
        if not data:
            break
        left -= len(data)
        while data and size <= cap:
            try:
                size += len(inflate.decompress(data, _STEP))
            except zlib.error:
                return size  # corrupt data: the reader refuses the file itself
            data = inflate.unconsumed_tail
    return size


_SPAN = "its sheets span {:,} cells (rows × columns from the first cell to the last)"


def _check_cells(path: Path, cells: int, limits: IngestSettings, counted: str = _SPAN) -> None:
    if cells > limits.max_sheet_cells:
        _refuse(path, counted.format(cells), f"{limits.max_sheet_cells:,} cells", "max_sheet_cells")


def _check_workbook(path: Path, limits: IngestSettings) -> None:
    """An .xlsx/.xlsm/.xls as its reader will open it: a package is checked as one, a workbook
    write-protected with Excel's default password once decrypted (else a bomb encrypted with it
    passed every check), a BIFF8 workbook by its cell positions, delimited text saved as .xls as
    a CSV; a web page saved as .xls is left to its reader."""
    import olefile

    from assistant.ingest.readers.sheets import _unlocked  # the reader's own decryption

    with path.open("rb") as fh:
        head = fh.read(1024)
    if head.startswith(_ZIP_MAGIC):
        _check_package(path, limits)
        return
    if not head.startswith(_OLE_MAGIC):
        if not re.match(rb"(?:\xef\xbb\xbf)?\s*<", head):  # delimited text saved as .xls: read as CSV
            _check_csv(path, limits)
        return
    data = _unlocked(path.name, path.read_bytes())
    if data.startswith(_ZIP_MAGIC):
        _check_package(path, limits, data)
        return
    try:
        with olefile.OleFileIO(data) as ole:
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            workbook = ole.openstream(stream).read() if stream else b""
    except (OSError, ValueError):
        return  # not an OLE file: the reader says what it is
    _check_cells(path, xls_cells(workbook), limits)


def _check_csv(path: Path, limits: IngestSettings) -> None:
    """Fields of a CSV, counted from its bytes: line breaks plus the most frequent separator."""
    rows, separators = 0, dict.fromkeys((b",", b"\t", b";", b"|"), 0)
    with path.open("rb") as fh:
        while chunk := fh.read(_STEP):
            rows += chunk.count(b"\n")
            for sep in separators:
                separators[sep] += chunk.count(sep)
    _check_cells(path, rows + 1 + max(separators.values()), limits, "it holds {:,} cells (fields on its lines)")


def _check_pdf(path: Path, limits: IngestSettings) -> None:
    """Pages and page sizes from the page tree; a PDF pypdf cannot open is left to the reader."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            return  # the reader names the password
        count = len(reader.pages)
    except (PdfReadError, OSError, ValueError, KeyError, TypeError):
        return
    if count > limits.max_pdf_pages:
        _refuse(path, f"it has {count:,} pages", f"{limits.max_pdf_pages:,} pages", "max_pdf_pages")
    for number, page in enumerate(reader.pages, start=1):
        box, unit = page.mediabox, float(page.get("/UserUnit", 1) or 1)
        area = abs(float(box.width) * float(box.height)) * unit * unit * _M2_PER_PT2
        if area > limits.max_page_area_m2:
            _refuse(
                path,
                f"page {number} measures {area:,.1f} m²",
                f"{limits.max_page_area_m2:g} m² (A0 is 1)",
                "max_page_area_m2",
            )


def _check_image(path: Path, limits: IngestSettings) -> None:
    """Pixels from the image header, before anything decodes them for OCR."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return  # the reader says the image cannot be read
    megapixels = width * height / 1e6
    if megapixels > limits.max_image_megapixels:
        _refuse(
            path,
            f"the image is {width:,} × {height:,} pixels ({megapixels:,.0f} megapixels)",
            f"{limits.max_image_megapixels:g} megapixels",
            "max_image_megapixels",
        )


_CHECKS: dict[str, Callable[[Path, IngestSettings], None]] = {
    ".docx": _check_package,
    ".xlsx": _check_workbook,
    ".xlsm": _check_workbook,
    ".xls": _check_workbook,
    ".csv": _check_csv,
    ".pdf": _check_pdf,
    ".png": _check_image,
    ".jpg": _check_image,
    ".jpeg": _check_image,
}
