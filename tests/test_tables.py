"""Tables as data: grids from every format become records that name table, row, column and unit.

Real files: the three NBS bulletins in ../shared/corpora (skipped only when that folder is
absent) and files written here by csv, openpyxl, python-docx and Chromium (tests/table_files.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import table_files
from table_files import ROWS, TITLE

from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.ingest.tables import Table, expand_spans, unit_of
from assistant.language.figures import extract_figures, figure_in
from assistant.settings import ChunkSettings

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
BULLETINS = CORPORA / "bulletins-policies"
SHAANXI = f"{TITLE}｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35"


def _records(path: Path) -> list[str]:
    return [r.text for t in read_blocks(path).tables for r in t.records()]


# --- the table model ----------------------------------------------------------------------------


def test_spans_fill_every_cell_they_cover() -> None:
    grid = expand_spans(
        [
            [("地区", 2, 1), ("R&D经费", 1, 2)],
            [("总额（亿元）", 1, 1), ("强度（%）", 1, 1)],
            [("北京", 1, 1), ("2843.3", 1, 1), ("6.83", 1, 1)],
        ]
    )
    assert grid == [["地区", "R&D经费", "R&D经费"], ["地区", "总额（亿元）", "强度（%）"], ["北京", "2843.3", "6.83"]]
    table = Table("各地区R&D经费", grid)
    assert table.header_rows == 2
    assert [c.label for c in table.columns()] == ["R&D经费总额（亿元）", "R&D经费强度（%）"]
    assert table.records()[0].text == "各地区R&D经费｜北京｜R&D经费总额（亿元）2843.3｜R&D经费强度（%）6.83"


def test_units_come_from_header_or_caption() -> None:
    assert unit_of("R&D经费（亿元）") == "亿元"
    assert unit_of("投入强度(%)") == "%"
    assert unit_of("（单位：万元）") == "万元"
    assert unit_of("研究与试验发展（R&D）") == ""  # a bracket that is no unit
    table = Table(
        "高新区主要指标", [["指标", "2022年", "2023年"], ["营业收入", "120.5", "133.0"]], caption="单位：亿元"
    )
    assert [c.label for c in table.columns()] == ["2022年（亿元）", "2023年（亿元）"]
    record = table.records()[0]
    assert record.text == "高新区主要指标｜营业收入｜2022年（亿元）120.5｜2023年（亿元）133.0"
    assert json.loads(record.columns_json())[1] == {"header": "2023年", "unit": "亿元", "value": "133.0"}


def test_a_note_spanning_the_table_is_no_row() -> None:
    table = Table("表", [["地区", "经费（亿元）", "强度（%）"], ["北京", "1", "2"], ["注：初步数。"] * 3])
    assert table.notes == ["注：初步数。"] and len(table.records()) == 1


def test_record_figures_carry_the_column_unit() -> None:
    """Verification compares value and unit: 769.6 in the 亿元 column is 769.6亿元, 2.35 is 2.35%."""
    figures = [f for f in extract_figures(SHAANXI) if f.unit and not f.is_year]
    assert [(f.text, f.unit, f.value) for f in figures] == [("769.6", "元", 76960000000.0), ("2.35", "%", 2.35)]
    for answer in ("陕西R&D经费为769.6亿元", "投入强度为2.35%"):
        assert all(figure_in(f, SHAANXI) for f in extract_figures(answer) if not f.is_year)
    assert not figure_in(extract_figures("2.35亿元")[0], SHAANXI)


# --- readers ------------------------------------------------------------------------------------


@pytest.mark.skipif(not BULLETINS.is_dir(), reason="../shared/corpora is absent")
def test_bulletin_tables_become_records() -> None:
    """The 2022 bulletin: financial table, 附表1 by industry, 附表2 by region, each with its title."""
    document = read_blocks(BULLETINS / "huhuaping-techme__nbs_2022_quanguo_keji_jingfei_touru_tongji_gongbao.html")
    titles = [t.title for t in document.tables]
    assert titles == [
        "2022年财政科学技术支出情况",
        "附表1 2022年分行业规模以上工业企业研究与试验发展（R&D）经费情况",
        TITLE,
    ]
    records = [r.text for t in document.tables for r in t.records()]
    assert SHAANXI in records
    assert f"{TITLE}｜全国｜R&D经费（亿元）30782.9｜R&D经费投入强度（%）2.54" in records
    assert any(
        r.endswith("｜计算机、通信和其他电子设备制造业｜R&D经费（亿元）4099.9｜R&D经费投入强度（%）2.63")
        for r in records
    )
    assert len(document.tables[2].records()) == 32  # 全国 and 31 provinces
    text = document.plain_text()
    assert "2022年，全国共投入研究与试验发展（R&D）经费30782.9亿元" in "".join(text.split())
    assert "4173.2 11.6" not in text


@pytest.mark.skipif(not BULLETINS.is_dir(), reason="../shared/corpora is absent")
def test_bulletin_prose_has_no_spaces_inside_runs() -> None:
    """Word-exported spans must not break 2019年 or 22143.6亿元 (the issue's cause 1)."""
    path = BULLETINS / "huhuaping-techme__nbs_2019_quanguo_keji_jingfei_touru_tongji_gongbao.html"
    laid = lay_out(read_blocks(path), ChunkSettings())
    assert "2019年，全国共投入研究与试验发展（R&D）经费22143.6亿元" in laid.display
    for broken in ("2019 年", "22143.6 亿元", "R&D ）", "\n年"):
        assert broken not in laid.display


def test_csv_in_gb18030_with_a_title_row(tmp_path: Path) -> None:
    assert SHAANXI in _records(table_files.write_csv(tmp_path / "附表2.csv", encoding="gb18030"))


def test_xlsx_merged_title_numbers_and_every_sheet(tmp_path: Path) -> None:
    document = read_blocks(table_files.write_xlsx(tmp_path / "附表2.xlsx"))
    assert SHAANXI in [r.text for r in document.tables[0].records()]
    assert "资料来源：国家统计局、科学技术部、财政部" in document.plain_text()


def test_xlsx_formula_gives_its_saved_value(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "sum.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["地区", "R&D经费（亿元）"])
    sheet.append(["北京", 2843.3])
    sheet.append(["上海", 1981.6])
    sheet.append(["合计", "=B2+B3"])
    workbook.save(path)
    table_files.with_cached_formula(path, "xl/worksheets/sheet1.xml", "B4", "B2+B3", "4824.9")
    assert "Sheet｜合计｜R&D经费（亿元）4824.9" in _records(path)


def test_docx_table_in_body_order(tmp_path: Path) -> None:
    laid = lay_out(read_blocks(table_files.write_docx(tmp_path / "附表2.docx")), ChunkSettings())
    assert (
        laid.display.index("30782.9亿元") < laid.display.index(SHAANXI) < laid.display.index("注：本表数据为初步统计。")
    )


def test_pdf_printed_by_chromium(tmp_path: Path) -> None:
    path = table_files.write_pdf(tmp_path / "附表2.pdf", tmp_path)
    if path is None:
        pytest.skip("needs /usr/bin/chromium")
    assert SHAANXI in _records(path)


def test_markdown_pipe_table(tmp_path: Path) -> None:
    rows = "\n".join(f"| {' | '.join(r)} |" for r in ROWS)
    source = f"# 公报\n\n{TITLE}\n\n| {' | '.join(table_files.HEADER)} |\n|---|---:|---:|\n{rows}\n\n正文。\n"
    path = tmp_path / "附表2.md"
    path.write_text(source, encoding="utf-8")
    assert SHAANXI in _records(path)


def test_plain_text_aligned_columns(tmp_path: Path) -> None:
    lines = [TITLE, "地区      R&D经费（亿元）    R&D经费投入强度（%）"]
    lines += [f"{label}      {money}      {share}" for label, money, share in ROWS]
    path = tmp_path / "附表2.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert SHAANXI in _records(path)


def test_prose_with_numbers_is_no_table(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("全年新认定国家高企86家，有效期内国家高企达227家。\n新增孵化器3家。\n", encoding="utf-8")
    assert read_blocks(path).tables == []


# --- layout: what the index stores ---------------------------------------------------------------


def test_layout_chunks_point_into_the_display_text(tmp_path: Path) -> None:
    document = read_blocks(table_files.write_docx(tmp_path / "附表2.docx"))
    laid = lay_out(document, ChunkSettings())
    for chunk in laid.chunks:
        assert laid.display[chunk.start : chunk.end] == chunk.text
    kinds = [m["kind"] for m in laid.extra]
    assert kinds.count("table") == 1 and kinds.count("table_row") == len(ROWS)
    row = next(m for c, m in zip(laid.chunks, laid.extra) if c.text == SHAANXI)
    assert row["row_label"] == "陕西" and row["table_title"] == TITLE and row["ocr"] is False
    assert json.loads(str(row["columns"])) == [
        {"header": "R&D经费", "unit": "亿元", "value": "769.6"},
        {"header": "R&D经费投入强度", "unit": "%", "value": "2.35"},
    ]
    overview = laid.chunks[kinds.index("table")].text
    assert overview.startswith(f"表：{TITLE}｜列：R&D经费（亿元）、R&D经费投入强度（%）｜7行：全国、北京")


def test_layout_keeps_the_text_as_written_where_normalization_changed_it(tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    path.write_text("⼭ 东省2022年R&D经费 2180.5 亿元。\n", encoding="utf-8")
    laid = lay_out(read_blocks(path), ChunkSettings())
    assert laid.chunks[0].text == "山东省2022年R&D经费2180.5亿元。"
    assert laid.extra[0]["original"] == "⼭ 东省2022年R&D经费 2180.5亿元。"  # cleaning already glued 2180.5 亿元
