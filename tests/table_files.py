"""One bulletin table written in every format the readers take, for the reader and answer tests.

The rows are copied from 附表2 of the 2022 national R&D bulletin (../shared/corpora); the files
are built here with the real writers (csv, openpyxl, python-docx, Chromium's PDF printer).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from pathlib import Path

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
CHROMIUM = Path("/usr/bin/chromium")


def write_csv(path: Path, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([TITLE])
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def write_xlsx(path: Path) -> Path:
    """Title row merged across the table, numbers as numbers, and a second sheet."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "附表2"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    sheet.append(HEADER)
    for label, money, share in ROWS:
        sheet.append([label, float(money), float(share)])
    other = workbook.create_sheet("说明")
    other.append(["资料来源：国家统计局、科学技术部、财政部"])
    workbook.save(path)
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


def write_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("2022年，全国共投入研究与试验发展（R&D）经费30782.9亿元。")
    document.add_paragraph(TITLE)
    table = document.add_table(rows=1 + len(ROWS), cols=3)
    for i, row in enumerate([HEADER, *ROWS]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    document.add_paragraph("注：本表数据为初步统计。")
    document.save(str(path))
    return path


def html_table() -> str:
    head = "".join(f"<td>{h}</td>" for h in HEADER)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in ROWS)
    return (
        '<html><head><meta charset="utf-8"><style>td{border:1px solid #000;padding:4px}'
        "table{border-collapse:collapse}</style></head><body>"
        f"<p>2022年，全国共投入研究与试验发展（R&amp;D）经费30782.9亿元。</p><p><b>{TITLE}</b></p>"
        f"<table><tr>{head}</tr>{body}</table></body></html>"
    )


def write_pdf(path: Path, tmp: Path) -> Path | None:
    """The table printed to PDF by headless Chromium; None where Chromium is not installed."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        return None
    source = tmp / "table.html"
    source.write_text(html_table(), encoding="utf-8")
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={path}", source.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    return path
