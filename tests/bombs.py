"""Hostile files built at test time: zip bombs, PDFs with too many or too large pages,
images that claim too many pixels, sheets with too many cells, and text a reader cannot see.

Neither reportlab nor fpdf is installed, so PDFs are assembled by hand (offsets computed)."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

MB = 1 << 20


def docx(path: Path, *paragraphs: str) -> Path:
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def xlsx(path: Path, rows: int, columns: int = 2) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append([f"指标{c}" for c in range(columns)])
    for r in range(rows):
        sheet.append([r * columns + c for c in range(columns)])
    book.save(str(path))
    return path


def add_zeros(package: Path, part: str, megabytes: int, declared: int | None = None) -> Path:
    """Add a part of ``megabytes`` MB of zeros (deflated ~1000×) to a zip; with ``declared``, its
    local and central headers then claim that many bytes instead (a bomb that lies)."""
    with (
        zipfile.ZipFile(package, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open(part, "w", force_zip64=False) as fh,
    ):
        block = b"\0" * MB
        for _ in range(megabytes):
            fh.write(block)
    if declared is not None:
        data = bytearray(package.read_bytes())
        name = part.encode()
        local, central = data.find(name) - 30, data.rfind(name) - 46  # the name follows each fixed header
        assert data[local : local + 4] == b"PK\x03\x04" and data[central : central + 4] == b"PK\x01\x02"
        struct.pack_into("<I", data, local + 22, declared)
        struct.pack_into("<I", data, central + 24, declared)
        package.write_bytes(bytes(data))
    return package


def pdf(objects: list[bytes]) -> bytes:
    """A PDF of the given objects (1: catalog) with a valid xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_pages(contents: list[bytes], size: tuple[float, float] = (612, 792)) -> bytes:
    """One page per content stream (Helvetica as /F1), each of ``size`` points."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << /Font << /F1 3 0 R >> >>"
            b" /Contents %d 0 R >>" % (size[0], size[1], 5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf(objects)


def text_op(text: str, y: int, size: float = 12, rgb: tuple[float, float, float] = (0, 0, 0)) -> bytes:
    return b"BT %g %g %g rg /F1 %g Tf 72 %d Td (%s) Tj ET\n" % (*rgb, size, y, text.encode("latin-1"))


def png_header(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` × ``height`` pixels (its one IDAT row is all there is)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * (width + 1)))
        + chunk(b"IEND", b"")
    )
    return path


def sparse_xlsx(path: Path, last: str = "ZZ200000") -> Path:
    """Two cells, ``A1`` and ``last``: a few KB that python-calamine holds as the dense grid between
    them (``ZZ200000``: 140.4 million cells, 4.3 GB)."""
    xlsx(path, rows=0, columns=1)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/sheet"))
    row = "".join(c for c in last if c.isdigit())
    far = f'<row r="{row}"><c r="{last}" t="n"><v>9005</v></c></row></sheetData>'
    parts[sheet] = parts[sheet].decode().replace("</sheetData>", far).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def sparse_xls(path: Path, sheets: int = 3) -> Path:
    """An Excel 97–2003 workbook whose sheets each hold two cells, at A1 and IV65536 (the corners of a
    BIFF8 sheet): 5 KB that python-calamine expands to 16.8 million cells a sheet on opening."""
    import xlwt

    book = xlwt.Workbook()
    for number in range(sheets):
        sheet = book.add_sheet(f"表{number + 1}")
        sheet.write(0, 0, "高企")
        sheet.write(65535, 255, 9006)
    book.save(str(path))
    return path


def flate_bomb_pdf(path: Path, megabytes: int) -> Path:
    """A one-page PDF of ordinary size whose content stream inflates to ``megabytes`` MB of spaces
    (about 1,000× its packed size): no page count, page size or file size gives it away."""
    pack = zlib.compressobj(9)
    block = b" " * MB
    packed = b"".join(pack.compress(block) for _ in range(megabytes)) + pack.flush()
    flate = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
        b" /Contents 5 0 R >>",
        flate,
    ]
    path.write_bytes(pdf(objects))
    return path
