"""One bulletin table written in every format the readers take, for the reader and answer tests.

:data:`SAMPLE` holds seven rows copied from 附表2 of the 2022 national R&D bulletin (small and
fixed, for unit tests); :func:`bulletin_sheet` reads the whole table from the bulletin itself in
../shared/corpora. The files are built here with the real writers (csv, openpyxl, xlwt,
python-docx, Chromium's PDF printer, PDFium's rasterizer for a scan).
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from scans import CHROMIUM, REGION_TABLE, bulletin_table_html, print_to_pdf

# the fresh documents of ../shared (None where they are absent: the tests that read them skip)
ROOT = Path(__file__).resolve().parent.parent
FRESH = next(
    (
        b / "shared" / "corpora" / "fresh-2026-12"
        for b in (ROOT.parent, ROOT.parent.parent)
        if (b / "shared" / "corpora" / "fresh-2026-12").is_dir()
    ),
    None,
)

TITLE = "附表2 2022年各地区研究与试验发展（R&D）经费情况"
HEADER = ["地区", "R&D经费（亿元）", "R&D经费投入强度（%）"]
ROWS = [
    ["全国", "30782.9", "2.54"],
    ["北京", "2843.3", "6.83"],
    ["上海", "1981.6", "4.44"],
    ["江苏", "3835.4", "3.12"],
    ["湖北", "1254.7", "2.33"],
    ["陕西", "769.6", "2.35"],
    ["新疆", "91.0", "0.51"],
]
PROSE = "2022年，全国共投入研究与试验发展（R&D）经费30782.9亿元。"


@dataclass(frozen=True)
class Sheet:
    """A table as a user would export it: its title line, one header row, the data rows."""

    title: str
    header: list[str]
    rows: list[list[str]]


SAMPLE = Sheet(TITLE, HEADER, ROWS)


def bulletin_sheet() -> tuple[Sheet, str]:
    """附表2 of the 2022 bulletin, read from ../shared/corpora (the test skips without it): the cells
    as a sheet, and the table's own HTML markup (Word-exported spans) as a page with its caption."""
    html, cells = bulletin_table_html(REGION_TABLE)
    return Sheet(REGION_TABLE[1], cells[0], cells[1:]), html


def write_csv(path: Path, encoding: str = "utf-8", table: Sheet = SAMPLE) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return path


def _typed(row: list[str]) -> list[str | float]:
    """A row as a spreadsheet holds it: the label a string, the figures numbers."""
    return [row[0], *(float(cell) for cell in row[1:])]


def write_xlsx(path: Path, table: Sheet = SAMPLE) -> Path:
    """Title row merged across the table, numbers as numbers, and a second sheet."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "附表2"
    sheet.append([table.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(table.header))
    sheet.append(table.header)
    for row in table.rows:
        sheet.append(_typed(row))
    other = workbook.create_sheet("说明")
    other.append(["资料来源：国家统计局、科学技术部、财政部"])
    workbook.save(path)
    return path


def write_xls(path: Path, table: Sheet = SAMPLE) -> Path:
    """The same workbook in Excel 97–2003's BIFF8 format (xlwt), which python-calamine reads."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("附表2")
    sheet.write_merge(0, 0, 0, len(table.header) - 1, table.title)
    for j, cell in enumerate(table.header):
        sheet.write(1, j, cell)
    for i, row in enumerate(table.rows, start=2):
        for j, cell in enumerate(_typed(row)):
            sheet.write(i, j, cell)
    workbook.add_sheet("说明").write(0, 0, "资料来源：国家统计局、科学技术部、财政部")
    workbook.save(str(path))
    return path


def with_cached_formula(path: Path, sheet_xml: str, cell: str, formula: str, cached: str) -> None:
    """Give a formula cell the value a spreadsheet program saves beside it (openpyxl writes none)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts[sheet_xml].decode()
    written = f'<c r="{cell}"><f>{formula}</f><v></v></c>'
    assert written in xml, xml[:500]
    parts[sheet_xml] = xml.replace(written, f'<c r="{cell}"><f>{formula}</f><v>{cached}</v></c>').encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def write_docx(path: Path, table: Sheet = SAMPLE) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph(PROSE)
    document.add_paragraph(table.title)
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    for i, row in enumerate([table.header, *table.rows]):
        for j, value in enumerate(row):
            grid.cell(i, j).text = value
    document.add_paragraph("注：本表数据为初步统计。")
    document.save(str(path))
    return path


def html_table(table: Sheet = SAMPLE) -> str:
    head = "".join(f"<td>{h}</td>" for h in table.header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in table.rows)
    return (
        '<html><head><meta charset="utf-8"><style>td{border:1px solid #000;padding:4px}'
        "table{border-collapse:collapse}</style></head><body>"
        f"<p>{PROSE.replace('&', '&amp;')}</p><p><b>{table.title.replace('&', '&amp;')}</b></p>"
        f"<table><tr>{head}</tr>{body}</table></body></html>"
    )


def write_pdf(path: Path, tmp: Path, html: str | None = None) -> Path | None:
    """``html`` (default: the sample table) printed to PDF by headless Chromium; None where
    Chromium is not installed."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        return None
    source = tmp / f"{path.stem}.html"
    source.write_text(html or html_table(), encoding="utf-8")
    print_to_pdf(source, path, timeout=120)
    return path
