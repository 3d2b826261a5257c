"""PDF tables found by layout: tables broken over pages carried under their header, captions set in
columns kept out of the rows, printed and scanned bulletins read row by row, chart pages skipped.

The continuation rule was written for 黔东南 2023 表7 (fresh-2026-12: its rows 采矿业… stand on the
next page without a header). It is checked on files it was not written for: the other four
continuations of the same file, the 周口 2023 bulletin, and the national R&D bulletins of 2022 and
2023 printed whole by Chromium (their 附表 break over pages) and scanned (image-only, read by OCR).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pdf_bulletins import bulletin, write
from PIL import Image, ImageDraw, ImageFont
from scans import PARAGRAPH, image_only_pdf, paragraph_html, print_pages

from assistant.errors import DocumentError
from assistant.ingest.ocr import ocr_image
from assistant.ingest.readers import read_blocks
from assistant.ingest.tables import Table
from assistant.settings import PROJECT_ROOT

FRESH = PROJECT_ROOT.parent / "shared" / "corpora" / "fresh-2026-12"
QIANDONGNAN = FRESH / "HYSkyline-squan_kw__qiandongnan_2023_tongji_gongbao.pdf"
ZHOUKOU = FRESH / "HYSkyline-squan_kw__zhoukou_2023_tongji_gongbao.pdf"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip("needs ../shared/corpora")


def _rows(tables: list[Table], number: str) -> dict[str, dict[str, str]]:
    """Row label → {column label: value} over every piece of the table titled 表N / 附表N."""
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        if re.match(rf"{number}\s", table.title):
            for record in table.records():
                out[record.row_label] = {c.label: v for c, v in record.cells}
    return out


def test_the_qiandongnan_table_continued_on_the_next_page_is_carried_under_its_header() -> None:
    """表7's rows on page 9 are records of 表7 under 比上年增长, and every 表1–表16 of the file is a
    table with its number and year apart (表7 2023年…, never 表72023年…); no rows are left as text."""
    _need(QIANDONGNAN)
    document = read_blocks(QIANDONGNAN)
    rows = _rows(document.tables, "表7")
    assert rows["总计"] and rows["#农林牧渔业"]  # the 单位 column is each row's unit, not part of its label
    for label, value in (
        ("采矿业", "-50.2"),
        ("制造业", "40.5"),
        ("科学研究和技术服务业", "-42.3"),
        ("文化、体育和娱乐业", "-21.0"),
    ):
        assert rows[label] == {"比上年增长（%）": value}
    numbers = {int(m.group(1)) for t in document.tables if (m := re.match(r"表(\d+) 2023年", t.title))}
    assert numbers == set(range(1, 17))
    assert not [w for w in document.warnings if "no header row" in w]


def test_captions_set_in_columns_are_no_rows_of_the_zhoukou_tables() -> None:
    """周口 2023 (not written for): 表4's caption line and 表5's caption stood inside one laid-out
    table with 表5's units glued to its figures (吨1577693); each table is now its own, cell by cell."""
    _need(ZHOUKOU)
    document = read_blocks(ZHOUKOU)
    table5 = _rows(document.tables, "表5")
    assert table5["钢材"] == {"产量（吨）": "1577693", "比上年增长（%）": "48.8"}
    assert _rows(document.tables, "表4")["规模以上工业增加值"] == {"比上年增长（%）": "5.0"}
    assert not any(re.match(r"表\d", c) for t in document.tables for row in t.grid for c in row)


def _reference(year: int) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The bulletin's long tables as published (BeautifulSoup over <tr>/<td>), by 表N/附表N: header and rows."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(bulletin(year).read_text(encoding="utf-8"), "lxml")
    out = {}
    for table in soup.find_all("table"):
        caption = re.sub(r"\s", "", "".join(table.find_all_previous(string=True, limit=12)[::-1]))
        rows = [[re.sub(r"\s", "", td.get_text()) for td in tr.find_all("td")] for tr in table.find_all("tr")]
        header, *body = [r for r in rows if any(r)]
        if len(body) >= 10:
            out[re.findall(r"(附?表\d)", caption)[-1]] = (header, body)
    return out


def _variant(label: str) -> str:
    """Chromium's CJK font maps some glyphs to Extension-A code points in the text layer (胶 is
    printed as 㬵, U+3B35): the PDF says so, and the reader reads what it says."""
    return re.sub(r"[\u3400-\u4dbf\u80f6]", "?", label)


def _assert_read_cell_by_cell(path: Path, year: int) -> None:
    tables = read_blocks(path).tables
    for number, (header, body) in _reference(year).items():
        rows = {_variant(label): cells for label, cells in _rows(tables, number).items()}
        for row in body:
            assert rows.get(_variant(row[0])) == dict(zip(header[1:], row[1:])), (
                number,
                row,
                rows.get(_variant(row[0])),
            )


@pytest.mark.parametrize("year", [2022, 2023])
def test_a_printed_bulletin_reads_every_row_of_its_tables_across_pages(tmp_path: Path, year: int) -> None:
    """The whole bulletin printed by Chromium: each 附表 breaks over pages, and every one of its rows
    comes back under the table's title and header with the published values."""
    _need(bulletin(year))
    _assert_read_cell_by_cell(write("pdf", year, tmp_path), year)


def test_a_scanned_bulletin_reads_every_row_of_its_table(tmp_path: Path) -> None:
    """The 2023 bulletin printed and scanned (pages as pictures only): OCR, the table rebuilt from box
    geometry, the two pages of 表1 joined under its two-line header."""
    _need(bulletin(2023))
    _assert_read_cell_by_cell(write("scan", 2023, tmp_path), 2023)


def _chart() -> Image.Image:
    """A bar chart as a scanner or a report's figure gives it: bars, axes, tick labels."""
    image = Image.new("RGB", (1200, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    draw.line((100, 800, 1150, 800), fill="black", width=3)
    draw.line((100, 100, 100, 800), fill="black", width=3)
    for i, height in enumerate((300, 450, 520, 610, 700)):
        draw.rectangle((160 + i * 190, 800 - height, 260 + i * 190, 800), fill=(60, 90, 160))
        draw.text((170 + i * 190, 760 - height), f"{height / 10:.1f}", fill="black", font=font)
        draw.text((170 + i * 190, 815), f"{2019 + i}", fill="black", font=font)
    return image


def test_a_chart_page_is_skipped_with_one_line_and_the_rest_is_read(tmp_path: Path) -> None:
    """A scanned PDF whose second page is a chart: one warning names the page, the text page is read;
    a chart saved as an image file is refused by name."""
    pdf = image_only_pdf([*print_pages(paragraph_html(), tmp_path, "prose"), _chart()], tmp_path / "scan.pdf")
    document = read_blocks(pdf)
    assert document.warnings == ["skipped page 2: a picture (chart or figure), no text to index"]
    assert "30782.9亿元" in document.plain_text().replace(" ", "") and PARAGRAPH[:4] in document.plain_text()
    assert not document.tables
    _chart().save(tmp_path / "chart.png")
    with pytest.raises(DocumentError, match="chart or figure") as caught:
        ocr_image(tmp_path / "chart.png")
    assert caught.value.path == "chart.png"
