"""OCR of scanned pages: the layout of recognized lines, and the real engine on printed pages.

The layout tests feed :class:`Line` boxes placed the way the recognizer reports them on a
bulletin table (numbers right-aligned, headers centred above them, names letter-spaced). The
engine tests run RapidOCR's shipped models on pages printed by headless Chromium from the 2022
national R&D bulletin (see ``scans.py``) and require every figure and region of the table back in
its row and column, and the prose paragraph character for character.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from PIL import Image

from assistant.errors import DocumentError
from assistant.ingest.ocr import ocr_image, ocr_page, ocr_pdf_pages
from assistant.ingest.ocr_layout import Line, OcrTable, group_rows, lay_out, merge_header_rows
from tests.scans import PARAGRAPH, REGION_TABLE, bulletin_table_html, image_only_pdf, paragraph_html, print_pages


def _line(text: str, x0: float, y0: float, x1: float, height: float = 26, confidence: float = 0.99) -> Line:
    return Line(text, x0, y0, x1, y0 + height, confidence)


def _bulletin_lines() -> list[Line]:
    """A title, a two-line header over right-aligned figures, letter-spaced names, a paragraph."""
    lines = [
        _line("附表2 2022年各地区R&D经费情况", 70, 70, 560, 30),
        _line("地区", 205, 150, 278, 30),
        _line("R&D经费", 533, 138, 624),
        _line("R&D经费投入强度", 826, 140, 993),
        _line("(亿元)", 546, 165, 610),
        _line("(%)", 890, 165, 929),
    ]
    for i, (name, money, share) in enumerate(
        [
            ("全国", "30782.9", "2.54"),
            ("北京", "2843.3", "6.83"),
            ("内蒙古", "209.5", "0.90"),
            ("陕西", "769.6", "2.35"),
        ]
    ):
        y = 200 + 30 * i
        if len(name) == 2:  # 全　国: the detector returns each character
            lines += [_line(name[0], 206, y, 240), _line(name[1], 245, y, 273)]
        else:
            lines.append(_line(name, 206, y, 273))
        lines += [_line(money, 722 - 12 * len(money), y, 722), _line(share, 1018, y, 1059)]
    lines += [
        _line("注：R&D经费按当年价格计算，", 70, 360, 900),
        _line("投入强度为R&D经费与地区生产总值之比。", 70, 392, 620),
    ]
    return lines


def test_layout_reads_a_table_by_rows_and_columns() -> None:
    blocks = lay_out(_bulletin_lines())
    assert blocks[0] == "附表2 2022年各地区R&D经费情况"
    table = blocks[1]
    assert isinstance(table, OcrTable)
    assert table.title == "附表2 2022年各地区R&D经费情况"
    assert table.grid == (
        ("地区", "R&D经费(亿元)", "R&D经费投入强度(%)"),
        ("全国", "30782.9", "2.54"),
        ("北京", "2843.3", "6.83"),
        ("内蒙古", "209.5", "0.90"),
        ("陕西", "769.6", "2.35"),
    )
    # the note under the table is one paragraph: its line was broken inside a sentence
    assert blocks[2:] == ["注：R&D经费按当年价格计算，投入强度为R&D经费与地区生产总值之比。"]


def test_layout_keeps_a_label_row_without_values_and_orders_shuffled_lines() -> None:
    lines = (
        _bulletin_lines()[:14]
        + [_line("其中：中央", 206, 260, 330)]
        + [_line(t, x0, 290, x1) for t, x0, x1 in (("地方", 206, 240), ("4173.2", 650, 722), ("1.1", 1020, 1059))]
    )
    random.Random(7).shuffle(lines)
    table = lay_out(lines)[1]
    assert isinstance(table, OcrTable)
    assert [row[0] for row in table.grid] == ["地区", "全国", "北京", "其中：中央", "地方"]
    assert table.grid[3] == ("其中：中央", "", "")


def test_overlapping_fragments_read_their_shared_character_once() -> None:
    # the detector pads boxes: 附表2|2 and 2|022年 both read the 2 under the overlap
    (row,) = group_rows([_line("附表22", 70, 70, 115, 30), _line("2022年各地区", 99, 70, 300, 30)])
    assert [c.text for c in row] == ["附表2 2022年各地区"]


def test_header_rows_merge_only_above_the_first_figure() -> None:
    grid = [["地区", "经费", "强度"], ["", "(亿元)", "(%)"], ["北京", "2843.3", "6.83"], ["合计", "小计", "—"]]
    assert merge_header_rows(grid) == [
        ["地区", "经费(亿元)", "强度(%)"],
        ["北京", "2843.3", "6.83"],
        ["合计", "小计", "—"],
    ]


# -- the engine, on real printed pages -------------------------------------------------------


@pytest.fixture(scope="module")
def region_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Image.Image], list[list[str]]]:
    html, cells = bulletin_table_html(REGION_TABLE)
    return print_pages(html, tmp_path_factory.mktemp("scan"), "regions"), cells


def test_a_scanned_bulletin_table_comes_back_cell_by_cell(
    region_table: tuple[list[Image.Image], list[list[str]]],
) -> None:
    images, expected = region_table
    assert len(images) == 1
    blocks = ocr_page(images[0], "regions page 1")
    tables = [b for b in blocks if isinstance(b, OcrTable)]
    assert len(tables) == 1
    table = tables[0]
    assert table.title.replace(" ", "") == "附表22022年各地区研究与试验发展（R&D）经费情况"
    header, *rows = table.grid
    assert header == ("地区", "R&D经费(亿元)", "R&D经费投入强度(%)")
    assert [list(r) for r in rows] == expected[1:]  # 31 provinces and 全国: every name and figure in its place
    assert os.environ.get("ORT_DISABLE_TELEMETRY") == "1"  # onnxruntime started without its telemetry


def test_a_scanned_paragraph_reads_character_for_character(tmp_path: Path) -> None:
    (image,) = print_pages(paragraph_html(), tmp_path, "paragraph")
    path = tmp_path / "paragraph.png"
    image.save(path)
    assert ocr_image(path) == [PARAGRAPH]


def test_scanned_pdf_pages_are_read_and_blank_pages_left_out(
    region_table: tuple[list[Image.Image], list[list[str]]], tmp_path: Path
) -> None:
    images, _ = region_table
    blank = Image.new("RGB", images[0].size, "white")
    pdf = image_only_pdf([blank, images[0]], tmp_path / "scan.pdf")
    pages = ocr_pdf_pages(pdf.read_bytes(), [1, 2], pdf.name)
    assert list(pages) == [2]
    assert any(isinstance(b, OcrTable) and len(b.grid) == 33 for b in pages[2])


def test_images_without_text_or_that_are_no_images_are_refused_by_name(tmp_path: Path) -> None:
    noise = tmp_path / "noise.png"
    Image.frombytes("RGB", (400, 300), random.Random(1).randbytes(400 * 300 * 3)).save(noise)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    with pytest.raises(DocumentError, match="OCR found no readable text") as no_text:
        ocr_image(noise)
    assert no_text.value.path == "noise.png"
    with pytest.raises(DocumentError, match="cannot read as an image") as not_image:
        ocr_image(broken)
    assert not_image.value.path == "broken.jpg"


def test_prose_lines_cut_in_two_by_the_detector_stay_a_paragraph() -> None:
    lines = [
        _line("各地区加大研发投入，", 70, 100, 400),
        _line("推动创新发展；", 520, 100, 760),
        _line("企业主体地位更加突出，", 70, 140, 420),
        _line("成果转化加快。", 540, 140, 760),
    ]
    assert lay_out(lines) == ["各地区加大研发投入，推动创新发展；企业主体地位更加突出，成果转化加快。"]
