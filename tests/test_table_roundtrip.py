"""The cell round trip (benchmarks/tables.py) on a small generated sample: every numeric cell of
each file, asked in a user's words through the extractive answer path, comes back with its
displayed value cited to its row — no wrong value, in every format.

Files written here: the bulletin sample (tests/table_files.py) as CSV, XLSX, XLS, DOCX, HTML and
a PDF printed by Chromium (read by word positions, tests/table_reference_pdf.py), and a
yearbook-style workbook the table rules were not written for (a unit row, years across, English
translations, values stored to full precision behind a ``0.0`` format).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import table_files
from table_reference import reference_cells
from table_roundtrip import run_file

from assistant.settings import Settings


def _yearbook_style(path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "3-12"
    sheet.append(["3-12 各地区技术合同成交额"])
    sheet.append(["Turnover of Technical Contracts by Region"])
    sheet.append(["单位：亿元", None, None, None, "(100 million yuan)"])
    sheet.append(["地区", "Region", 2021, 2022, 2023])
    for label, english, *values in (
        ["江苏", "Jiangsu", 2185.417, 2925.3321, 3844.79],
        ["浙江", "Zhejiang", 1508.2649, 2048.71, 2500.05],
        ["湖北", "Hubei", 1546.0251, 2133.9, 3000.5549],
    ):
        sheet.append([label, english, *values])
    for row in sheet.iter_rows(min_row=5, min_col=3):
        for cell in row:
            cell.number_format = "0.0"
    sheet.merge_cells("A1:E1")
    workbook.save(path)
    return path


def _files(folder: Path) -> list[Path]:
    html = folder / "附表2.html"
    html.write_text(table_files.html_table(), encoding="utf-8")
    return [
        table_files.write_csv(folder / "附表2.csv"),
        table_files.write_xlsx(folder / "附表2.xlsx"),
        table_files.write_xls(folder / "附表2.xls"),
        table_files.write_docx(folder / "附表2.docx"),
        html,
        _yearbook_style(folder / "技术合同.xlsx"),
        folder / "附表2.pdf",  # printed by Chromium below, where it is installed
    ]


def test_reference_read_of_the_yearbook_style_sheet(tmp_path: Path) -> None:
    """The reference shows what Excel shows (0.0) and takes each cell's year from its column."""
    cells = reference_cells(_yearbook_style(tmp_path / "技术合同.xlsx"))
    assert len(cells) == 9
    hubei = next(c for c in cells if c.label == "湖北" and c.year == 2023)
    assert (hubei.value, hubei.unit) == ("3000.6", "亿元")
    assert hubei.question == "2023年湖北技术合同成交额是多少？"


@pytest.mark.parametrize("index", range(7), ids=["csv", "xlsx", "xls", "docx", "html", "yearbook-xlsx", "pdf"])
def test_every_cell_comes_back_exact(settings: Settings, tmp_path: Path, index: int) -> None:
    path = _files(tmp_path)[index]
    if path.suffix == ".pdf" and table_files.write_pdf(path, tmp_path) is None:
        pytest.skip("Chromium is not installed: no printed PDF")
    report = run_file(path, settings, max_cells=12)
    assert report.asked >= 9 and not report.error
    assert report.verdicts["wrong"] == 0, report.failures
    assert report.verdicts["exact"] / report.asked >= 0.97, report.failures
    assert report.facts_agree == report.facts_expected, report.failures
