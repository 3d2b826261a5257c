"""Normalization at read time: look-alike characters and the blanks that printers and Word put
inside Chinese runs, with the text as written still reachable for display."""

from __future__ import annotations

import pytest

from assistant.ingest.normalize import normalize_text, normalize_with_offsets, original_span
from assistant.language.figures import extract_figures


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("⼭东", "山东"),  # Kangxi radical U+2F2D
        ("湖 北", "湖北"),
        ("2019 年", "2019年"),
        ("22143.6 亿元", "22143.6亿元"),
        ("R&D ）经费", "R&D）经费"),
        ("江 ⻄", "江西"),  # CJK radical supplement U+2EC4: NFKC leaves it, the table maps it
        ("⿊⻰江", "黑龙江"),
        ("湖 北 省", "湖北省"),
        ("增长 12.6 %", "增长12.6%"),
        ("２０１９年，２０２０年", "2019年，2020年"),  # full-width digits; the full-width comma stays
        ("（ 亿元 ）", "（亿元）"),
        ("R&D 经费", "R&D经费"),
    ],
)
def test_normalization_table(written: str, normalized: str) -> None:
    assert normalize_text(written) == normalized


@pytest.mark.parametrize("text", ["完成任务 二、加快建设", "研发投入 （一）项目", "总则 第三条 规定", "见 1、 前文"])
def test_blank_before_a_heading_marker_is_kept(text: str) -> None:
    """The chunker reads a blank before 二、/（一）/第三条 as a sentence end in scraped text."""
    assert " " in normalize_text(text)


@pytest.mark.parametrize("text", ["局工作报告 今年以来", "国家统计局 科学技术部 财政部"])
def test_a_blank_between_two_phrases_is_kept(text: str) -> None:
    """Only letter-spacing goes (a single character beside the blank): 局工作报告 今年以来 parts a
    heading from its text, and 国家统计局 科学技术部 lists issuers."""
    assert normalize_text(text) == text


def test_original_text_is_reachable_from_normalized_offsets() -> None:
    written = "2022年⼭ 东R&D经费 1,234.5 亿元。"
    text, origin = normalize_with_offsets(written)
    assert text == "2022年山东R&D经费1,234.5亿元。"
    start = text.index("山东")
    assert original_span(written, origin, start, start + 2) == "⼭ 东"
    assert original_span(written, origin, 0, len(text)) == written


def test_normalized_figures_are_whole() -> None:
    """After normalization a figure and its unit are one: 22143.6 亿元 is 22143.6亿元, not a bare number."""
    figures = [
        f for f in extract_figures(normalize_text("全国共投入经费 22143.6 亿元，投入强度为 2.23 %")) if not f.is_year
    ]
    assert [(f.text, f.unit) for f in figures] == [("22143.6亿元", "元"), ("2.23%", "%")]
