"""Workbooks open whenever Excel or WPS would, and show what they show.

Real files: the S&T-yearbook tables in ../shared/corpora/fresh-2026-12 (the write-protected .xls
1-8, the .xlsx 1-8 and 8-33; skipped only when that folder is absent) and workbooks written here by
openpyxl, xlwt and msoffcrypto-tool. Each rule is checked on a file it was not written for, named
in the test.
"""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from pathlib import Path

import pytest
import table_files
from table_files import FRESH

from assistant.errors import DocumentError
from assistant.ingest.readers import read_blocks
from assistant.ingest.readers.numfmt import format_value
from assistant.ingest.readers.sheets import _openpyxl_sheets, read_workbook
from assistant.settings import IngestSettings

needs_fresh = pytest.mark.skipif(FRESH is None, reason="../shared/corpora/fresh-2026-12 is absent")


def _records(path: Path) -> list[str]:
    return [r.text for t in read_blocks(path).tables for r in t.records()]


# --- values as displayed ---------------------------------------------------------------------------


def test_fixed_decimals_are_half_up_on_the_shortest_form_for_random_values() -> None:
    """Generated: 2,000 values through 0.00 / 0.0 / #,##0 / 0.00% against Decimal rounding."""
    from decimal import ROUND_HALF_UP, Decimal

    rng = random.Random(21)
    for _ in range(2000):
        value = rng.uniform(-1e6, 1e6) / 10 ** rng.randint(0, 5)
        exact = Decimal(repr(value))
        assert format_value(value, "0.00") == str(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))
        assert format_value(value, "0.0") == str(exact.quantize(Decimal("0.1"), ROUND_HALF_UP))
        assert format_value(value, "#,##0") == f"{exact.quantize(Decimal(1), ROUND_HALF_UP):,f}"
        assert format_value(value, "0.00%") == f"{(exact * 100).quantize(Decimal('0.01'), ROUND_HALF_UP):f}%"


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (5.585445435871359, "0.00", "5.59"),  # the yearbook's 北京 2015
        (5.585445435871359, "General", "5.585445436"),
        (2843.3, "General", "2843.3"),
        (30782.0, "General", "30782"),
        (0.0254, "0.00%", "2.54%"),
        (0.02345, "0.00%", "2.35%"),  # float 0.02345 * 100 is 2.3449999…
        (1234567.891, "#,##0.00", "1,234,567.89"),
        (-3.25, "0.00_);[Red]\\(0.00\\)", "(3.25)"),
        (-3.25, "0.00;-0.00", "-3.25"),
        (12.5, '0.0"亿元"', "12.5亿元"),
        (44562.0, 'yyyy"年"m"月"d"日"', "2022年1月1日"),
        (44562.0, "yyyy-mm-dd", "2022-01-01"),
        (dt.datetime(2023, 5, 7), "yyyy/m/d", "2023/5/7"),
        ("北 京", "@", "北 京"),
    ],
)
def test_cell_shown_through_its_format(value: object, code: str, shown: str) -> None:
    assert format_value(value, code) == shown


def test_xlsx_cells_shown_through_their_formats(tmp_path: Path) -> None:
    """Written by openpyxl (not the yearbook's WPS): decimals, percent, thousands, a date, a hidden
    row, a hidden column and a hidden sheet."""
    import openpyxl

    path = tmp_path / "格式.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "指标"
    sheet.append(["地区", "R&D经费（亿元）", "投入强度", "技术合同成交额（万元）", "备注"])
    for row in (
        ["北京", 2843.2999999999997, 0.06834, 79478291.4, "x"],
        ["隐藏", 1.0, 0.01, 1.0, "y"],
        ["陕西", 769.6, 0.0235, 3046230.0, "z"],
    ):
        sheet.append(row)
    for r in range(2, 5):
        sheet.cell(r, 2).number_format = "0.0"
        sheet.cell(r, 3).number_format = "0.00%"
        sheet.cell(r, 4).number_format = "#,##0"
    sheet.row_dimensions[3].hidden = True
    sheet.column_dimensions["E"].hidden = True
    workbook.create_sheet("草稿").append(["地区", "值"])
    workbook["草稿"].sheet_state = "hidden"
    workbook.save(path)
    document = read_blocks(path)
    records = [r.text for r in document.tables[0].records()]
    assert records[0] == "指标｜北京｜R&D经费（亿元）2843.3｜投入强度6.83%｜技术合同成交额（万元）79,478,291"
    assert records[1] == "指标｜陕西｜R&D经费（亿元）769.6｜投入强度2.35%｜技术合同成交额（万元）3,046,230"
    assert "sheet 指标: 1 hidden rows and 1 hidden columns skipped" in document.warnings
    assert "sheet 草稿 is hidden: skipped" in document.warnings


def test_xls_formats_merges_and_hidden_rows_from_biff(tmp_path: Path) -> None:
    """Written by xlwt (BIFF8, not the yearbook's encrypted .xls): formats from XF records, a merged
    title, a hidden row."""
    import xlwt

    path = tmp_path / "格式.xls"
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("表1")
    sheet.write_merge(0, 0, 0, 2, "2022年各地区R&D经费")
    for j, text in enumerate(["地区", "R&D经费（亿元）", "投入强度"]):
        sheet.write(1, j, text)
    money, share = xlwt.easyxf(num_format_str="0.0"), xlwt.easyxf(num_format_str="0.00%")
    for i, (label, a, b) in enumerate(
        [("北京", 2843.25, 0.0683), ("隐藏", 1.0, 0.5), ("陕西", 769.55, 0.02349)], start=2
    ):
        sheet.write(i, 0, label)
        sheet.write(i, 1, a, money)
        sheet.write(i, 2, b, share)
    sheet.row(3).hidden = True
    workbook.save(str(path))
    document = read_blocks(path)
    assert [r.text for r in document.tables[0].records()] == [
        "2022年各地区R&D经费｜北京｜R&D经费（亿元）2843.3｜投入强度6.83%",
        "2022年各地区R&D经费｜陕西｜R&D经费（亿元）769.6｜投入强度2.35%",
    ]
    assert "sheet 表1: 1 hidden rows and 0 hidden columns skipped" in document.warnings


# --- workbooks that one library or another refuses --------------------------------------------------


def test_default_password_is_opened_without_asking(tmp_path: Path) -> None:
    """Written for the yearbook's write-protected .xls; checked on an .xlsx that msoffcrypto-tool
    encrypts here with Excel's default password (an OOXML container, not BIFF8's RC4)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = table_files.write_xlsx(tmp_path / "plain.xlsx")
    path = tmp_path / "写保护.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("VelvetSweatshop", target)
    assert f"{table_files.TITLE}｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35" in _records(path)


def test_a_real_password_is_one_line_naming_the_file(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = table_files.write_xlsx(tmp_path / "plain.xlsx")
    path = tmp_path / "机密.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("a-real-password", target)
    with pytest.raises(DocumentError) as caught:
        read_blocks(path)
    assert caught.value.path == "机密.xlsx" and "password-protected" in caught.value.reason
    assert "\n" not in str(caught.value)


def test_a_missing_drawing_part_is_no_failure(tmp_path: Path) -> None:
    """The yearbook 8-33's fault (a drawing its sheet names but the package lacks) planted in the
    sample workbook written by openpyxl."""
    path = table_files.write_xlsx(tmp_path / "附表2.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/_rels/sheet1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/drawing" Target="../drawings/drawing1.xml"/></Relationships>'
    )
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</worksheet>",
        '<drawing r:id="rId1" xmlns:r="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships"/></worksheet>',
    ).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert f"{table_files.TITLE}｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35" in _records(path)


def test_an_xls_that_is_a_web_page_or_text_is_read_as_one(tmp_path: Path) -> None:
    """Sites export "Excel" files that are HTML tables or tab-separated text; Excel opens both."""
    page = tmp_path / "导出.xls"
    page.write_text(table_files.html_table(), encoding="utf-8")
    text = tmp_path / "导出2.xls"
    text.write_text("\n".join("\t".join(row) for row in [table_files.HEADER, *table_files.ROWS]), encoding="gb18030")
    for path in (page, text):
        assert any(r.endswith("｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35") for r in _records(path)), (
            path.name
        )


def test_openpyxl_reads_the_grid_calamine_reads(tmp_path: Path) -> None:
    """The fallback for a workbook calamine refuses gives the same values as calamine."""
    from python_calamine import CalamineWorkbook

    path = table_files.write_xlsx(tmp_path / "附表2.xlsx")
    (name, rows, total), _ = _openpyxl_sheets(path.name, path.read_bytes(), IngestSettings())
    expected = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("附表2").to_python(skip_empty_area=False)
    assert name == "附表2" and total == len(expected)
    assert [[v if v is not None else "" for v in row] for row in rows] == [list(row) for row in expected]


def test_a_corrupt_sheet_costs_itself(tmp_path: Path) -> None:
    path = table_files.write_xlsx(tmp_path / "半坏.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet2.xml"] = parts["xl/worksheets/sheet2.xml"][:150]
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    document = read_blocks(path)
    assert document.warnings == ["sheet 说明 cannot be read (XmlError): skipped"]
    assert f"{table_files.TITLE}｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35" in _records(path)


def test_a_sheet_is_read_up_to_the_row_limit(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "企业.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("企业")
    sheet.append(["企业名称", "R&D经费（万元）"])
    for i in range(5000):
        sheet.append([f"企业{i:04d}", i + 0.5])
    workbook.save(path)
    document = read_workbook(path, IngestSettings(max_sheet_rows=1000))
    assert document.warnings == [
        "sheet 企业: rows 1001–5001 skipped (the limit is 1,000 rows and 2,000,000 cells a sheet)"
    ]
    assert len(document.tables[0].records()) == 999
    document = read_workbook(path, IngestSettings(max_sheet_cells=3000))
    assert len(document.tables[0].records()) == 1499


def test_a_table_without_figures_is_said_and_still_indexed(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "名单.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "名单"
    for row in (["企业名称", "所在地"], ["甲公司", "泰兴市"], ["乙公司", "常州市"]):
        workbook.active.append(row)
    workbook.save(path)
    document = read_blocks(path)
    assert document.warnings == ["sheet 名单 has no figures: its rows are indexed as text, no facts are read from it"]
    assert document.tables == [] and "甲公司｜泰兴市" in document.plain_text()


# --- the yearbook files themselves ----------------------------------------------------------------


@needs_fresh
def test_write_protected_yearbook_xls_is_read() -> None:
    document = read_blocks(FRESH / "huhuaping-techme__kjnj_1-8_rd_qiangdu_2012-2022.xls")
    assert document.warnings == ["sheet CNKI is hidden: skipped"]
    records = _records(FRESH / "huhuaping-techme__kjnj_1-8_rd_qiangdu_2012-2022.xls")
    assert any(
        r.endswith(
            "｜北京｜2012年（%）5.59｜2013年（%）5.61｜2014年（%）5.53｜2015年（%）5.59｜2016年（%）5.49｜2017年（%）5.29"
            "｜2018年（%）5.65｜2019年（%）6.30｜2020年（%）6.44｜2021年（%）6.53｜2022年（%）6.83"
        )
        for r in records
    )


@needs_fresh
def test_yearbook_xlsx_shows_its_format_not_the_float() -> None:
    text = read_blocks(FRESH / "huhuaping-techme__kjnj_1-8_rd_qiangdu_2012-2021.xlsx").plain_text()
    assert "2015年（%）5.59" in text and "5.585445435871359" not in text and "第3列" not in text


def _million_row_xlsx(path: Path, rows: int) -> Path:
    """A sheet of ``rows`` rows written as raw OOXML parts (openpyxl would take minutes)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    body = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>企业{i}</t></is></c><c r="B{i}"><v>{i}.5</v></c></row>'
        for i in range(2, rows + 1)
    )
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>R&amp;D经费（万元）</t></is></c></row>'
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="企业" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0"?><worksheet {ns}><sheetData>{header}{body}</sheetData></worksheet>'
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


@pytest.mark.slow
def test_a_million_row_sheet_is_bounded_by_the_row_limit(tmp_path: Path) -> None:
    """1,000,000 rows: read up to the limit, the rest named in one warning; Python allocations stay
    far below what the whole sheet would take."""
    import tracemalloc

    path = _million_row_xlsx(tmp_path / "百万行.xlsx", 1_000_000)
    tracemalloc.start()
    try:
        document = read_workbook(path, IngestSettings(max_sheet_rows=20_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert document.warnings == [
        "sheet 企业: rows 20001–1000000 skipped (the limit is 20,000 rows and 2,000,000 cells a sheet)"
    ]
    assert document.tables[0].records()[-1].text == "企业｜企业20000｜R&D经费（万元）20000.5"
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MB"
