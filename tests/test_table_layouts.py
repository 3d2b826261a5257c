"""Table structure for any layout: unit rows and unit columns, years across, bilingual yearbook
columns, 其中 rows and footnote marks — each rule on a file it was not written for, named in the test.

Real files: the yearbook table 8-33 in ../shared/corpora/fresh-2026-12 (skipped only when absent)
and tables written here with csv, openpyxl and python-docx.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from table_files import FRESH

from assistant.facts.extract import Fact, extract_facts
from assistant.facts.vocabulary import load_vocabulary
from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.settings import ChunkSettings

YEARBOOK_8_33 = "huhuaping-techme__kjnj_8-33_jishu_shuchu_hetong_jine_2000-2023.xlsx"


def _records(path: Path) -> list[str]:
    return [r.text for t in read_blocks(path).tables for r in t.records()]


def _facts(path: Path, years: list[int] | None = None) -> list[Fact]:
    laid = lay_out(read_blocks(path), ChunkSettings())
    vocab = load_vocabulary()
    return [
        f
        for i, (chunk, meta) in enumerate(zip(laid.chunks, laid.extra))
        for f in extract_facts(str(i), chunk.text, dict(meta) | {"source": path.name, "years": years or []}, vocab)
    ]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_a_unit_row_above_the_header_is_the_caption(tmp_path: Path) -> None:
    """Written for the yearbook 1-8 (单位：% and (%) above the years); checked on a CSV export with a
    unit row and its translation, and the years across written with 年."""
    path = _csv(
        tmp_path / "高新区.csv",
        [
            ["2023年高新区主要经济指标"],
            ["单位：亿元", "", "(100 million yuan)"],
            ["指标", "2022年", "2023年"],
            ["营业收入", "120.5", "133.0"],
            ["工业总产值", "98.2", "101.7"],
        ],
    )
    assert _records(path) == [
        "2023年高新区主要经济指标｜营业收入｜2022年（亿元）120.5｜2023年（亿元）133.0",
        "2023年高新区主要经济指标｜工业总产值｜2022年（亿元）98.2｜2023年（亿元）101.7",
    ]


def test_years_across_give_each_cell_its_column_year(tmp_path: Path) -> None:
    """Written for the yearbook 1-8 (bare years 2012…2021 as the header); checked on a Word table
    of 专利授权量 with bare years, whose title names no year."""
    import docx

    path = tmp_path / "专利.docx"
    document = docx.Document()
    document.add_paragraph("各地区专利授权量（件）")
    rows = [
        ["地区", "2020", "2021", "2022"],
        ["江苏", "499167", "640917", "560294"],
        ["浙江", "391710", "465468", "444618"],
    ]
    table = document.add_table(rows=len(rows), cols=4)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    document.save(str(path))
    facts = {(f.region, f.year): (f.value, f.unit) for f in _facts(path, years=[2023])}
    assert facts[("江苏省", 2020)] == (499167, "件") and facts[("浙江省", 2022)] == (444618, "件")
    assert {year for _, year in facts} == {2020, 2021, 2022}  # never the document's 2023


@pytest.mark.skipif(FRESH is None, reason="../shared/corpora/fresh-2026-12 is absent")
def test_bilingual_yearbook_columns_and_years_across_on_table_8_33() -> None:
    """Written for the yearbook 1-8; checked on 8-33 (another table, 万元, eight years across,
    four 地区 aggregates and 港澳台)."""
    records = _records(FRESH / YEARBOOK_8_33)
    assert "National Total" not in "".join(records) and "Region" not in "".join(records)
    beijing = next(r for r in records if "｜北京｜" in r)
    assert beijing.startswith("8-33技术市场技术输出地域(合同金额)｜北京｜2000年（万元）")
    assert beijing.count("（万元）") == 8 and "2023年（万元）" in beijing


def test_a_unit_column_gives_each_row_its_unit(tmp_path: Path) -> None:
    """Written for the 黔东南 2016 bulletin's Word tables (计量单位 beside the label); checked on an
    XLSX with the unit column after two label columns and years across."""
    import openpyxl

    path = tmp_path / "科技.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "科技"
    for row in (
        ["指标", "口径", "计量单位", "2022年", "2023年"],
        ["专利授权量", "全市", "件", 3046, 3311],
        ["技术合同成交额", "全市", "亿元", 31.28, 40.5],
    ):
        sheet.append(row)
    workbook.save(path)
    assert _records(path) == [
        "科技｜专利授权量 全市｜2022年（件）3046｜2023年（件）3311",
        "科技｜技术合同成交额 全市｜2022年（亿元）31.28｜2023年（亿元）40.5",
    ]


def test_qizhong_rows_and_footnote_marks_do_not_hide_the_row(tmp_path: Path) -> None:
    """其中 rows and marks (北京①) as a CSV export writes them: the fact's place is the row's."""
    path = _csv(
        tmp_path / "经费.csv",
        [
            ["2022年各地区R&D经费"],
            ["地区", "R&D经费（亿元）"],
            ["全国", "30782.9"],
            ["其中：北京①", "2843.3"],
            ["上海*", "1981.6"],
        ],
    )
    facts = {f.region: f.value for f in _facts(path)}
    assert facts == {"全国": 30782.9, "北京市": 2843.3, "上海市": 1981.6}


def test_blank_separator_rows_are_no_rows(tmp_path: Path) -> None:
    """The yearbook's blank rows between region groups, in a CSV."""
    path = _csv(
        tmp_path / "分组.csv",
        [["地区", "R&D经费（亿元）"], ["全国", "30782.9"], ["", ""], ["北京", "2843.3"], [], ["上海", "1981.6"]],
    )
    assert [r.split("｜")[1] for r in _records(path)] == ["全国", "北京", "上海"]


def test_a_qizhong_row_is_labelled_with_its_parent(tmp_path: Path) -> None:
    """Written for the 黔东南 2016 bulletin's 表8 (其中：住宅 under five areas); checked on a CSV
    where 其中：发明专利 stands under both 申请 and 授权 (rows a question tells apart only by the parent)."""
    path = _csv(
        tmp_path / "专利.csv",
        [
            ["2023年专利情况"],
            ["指标", "数量（件）"],
            ["专利申请量", "5120"],
            ["其中：发明专利", "1260"],
            ["专利授权量", "3046"],
            ["其中：发明专利", "412"],
        ],
    )
    assert [r.split("｜")[1] for r in _records(path)] == [
        "专利申请量",
        "专利申请量 其中：发明专利",
        "专利授权量",
        "专利授权量 其中：发明专利",
    ]
