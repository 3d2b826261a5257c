"""Tests for ``assistant.ingest.chunk`` on every document of ``knowledge/`` plus synthetic edge cases.

A chunk is what gets embedded, retrieved and cited: its offsets must point into the cleaned text,
it must not cut a figure from its unit, and its section path must name where it sits in the
document (a heading of a report, or a 第N条 of a regulation).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from assistant.ingest.chunk import Chunk, chunk_document, split_sentences
from assistant.ingest.clean import clean_text
from assistant.settings import ChunkSettings

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
DOCUMENTS = sorted(p.name for p in KNOWLEDGE.iterdir() if p.suffix in {".txt", ".md"})
REGULATIONS = [name for name in DOCUMENTS if name.endswith(".md")]
SETTINGS = ChunkSettings()

_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇\d]+条")
_LIST_ITEM = re.compile(r"^[(（][一二三四五六七八九十]+[)）]")


@cache
def _cleaned(name: str) -> str:
    return clean_text((KNOWLEDGE / name).read_text(encoding="utf-8"))


@cache
def _chunks(name: str) -> tuple[Chunk, ...]:
    return tuple(chunk_document(_cleaned(name), SETTINGS))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_knowledge_holds_reports_and_regulations() -> None:
    """Guard: the parametrised tests below must really run over the seeds and the regulations."""
    assert len(DOCUMENTS) == 10 and len(REGULATIONS) == 5


# --- structure of the chunks ----------------------------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTS)
def test_chunk_text_is_the_cleaned_span(name: str) -> None:
    """Citations show ``cleaned[start:end]``; the stored text must be exactly that span, and the
    index must be the chunk's position."""
    cleaned, chunks = _cleaned(name), _chunks(name)
    assert chunks
    for position, chunk in enumerate(chunks):
        assert chunk.index == position
        assert 0 <= chunk.start < chunk.end <= len(cleaned)
        assert chunk.text == cleaned[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_chunks_are_in_order_without_overlap_or_lost_text(name: str) -> None:
    """Chunks follow the document and never overlap; what lies between two chunks is whitespace
    only, so no sentence of the document is left out of the index."""
    cleaned, chunks = _cleaned(name), _chunks(name)
    assert cleaned[: chunks[0].start].strip() == ""
    for before, after in zip(chunks, chunks[1:]):
        assert before.end <= after.start
        assert cleaned[before.end : after.start].strip() == ""
    assert cleaned[chunks[-1].end :].strip() == ""


@pytest.mark.parametrize("name", DOCUMENTS)
def test_chunk_sizes(name: str) -> None:
    """What the code guarantees: sentences are added while the chunk stays within target_chars, so
    a chunk is longer than target_chars only when it holds one body sentence (plus headings) —
    and on the real documents no chunk exceeds max_chars."""
    cleaned, chunks = _cleaned(name), _chunks(name)
    sentences = split_sentences(cleaned)
    for chunk in chunks:
        assert len(chunk.text) <= SETTINGS.max_chars
        if len(chunk.text) > SETTINGS.target_chars:
            inside = [s for s in sentences if s.start < chunk.end and s.end > chunk.start]
            body = [s for s in inside if s.heading is None or s.end - s.start > len(s.heading) + 2]
            assert len(body) == 1, chunk.text


# --- figures ---------------------------------------------------------------------------------------


def _gold_figures() -> list[tuple[str, str, tuple[str, ...]]]:
    with (ROOT / "eval" / "gold.jsonl").open(encoding="utf-8") as handle:
        items = [json.loads(line) for line in handle if line.strip()]
    return [
        (item["id"], figure, tuple(item["sources"]))
        for item in items
        if item.get("sources")
        for figure in item.get("figures", [])
    ]


def test_every_gold_figure_lies_whole_inside_a_chunk() -> None:
    """A figure cut from its unit ("1.8" | "亿") cannot be retrieved or cited. Every occurrence of
    every gold figure in its source must fall inside a single chunk (checked on offsets, and
    also on whitespace-free text)."""
    problems = []
    for item_id, figure, sources in _gold_figures():
        occurrences = 0
        for name in sources:
            cleaned, chunks = _cleaned(name), _chunks(name)
            for match in re.finditer(re.escape(figure), cleaned):
                occurrences += 1
                if not any(c.start <= match.start() and match.end() <= c.end for c in chunks):
                    problems.append((item_id, name, figure, match.start()))
            if _squeeze(figure) in _squeeze(cleaned) and not any(_squeeze(figure) in _squeeze(c.text) for c in chunks):
                problems.append((item_id, name, figure, "no chunk"))
        if occurrences == 0:
            problems.append((item_id, sources, figure, "not in any source"))
    assert not problems


def test_long_sentence_is_cut_at_commas_outside_numbers() -> None:
    """Over-long sentences are cut at commas, but the thousands comma of "1,000万元" is not a
    clause break and "1.5亿元" has no break at all. With max_chars=30 a plain comma split would
    cut right after "1," here; the chunker must cut at the comma before the clause instead."""
    sentence = (
        "市本级发放创新发展先导区奖补资金,"
        "其中省级资金1,000万元用于支持企业研发投入和高层次人才引进,"
        "带动企业投入研发费用1.5亿元,"
        "财政资金杠杆撬动作用明显。"
    )
    chunks = chunk_document(sentence, ChunkSettings(target_chars=30, max_chars=30))
    texts = [c.text for c in chunks]
    assert len(texts) > 1
    assert "".join(texts) == sentence
    assert any("1,000万元" in t for t in texts)
    assert any("1.5亿元" in t for t in texts)
    assert texts[1].startswith("其中省级资金1,000万元")
    for text in texts:
        assert text[-1] in ",。"
        assert not re.search(r"\d,$", text) and not re.match(r"\d", text)


def test_sentence_with_a_long_tail_after_its_last_comma_is_still_cut() -> None:
    """Clauses of 100, 100, 300 and 300 characters: cutting at the third comma gives pieces of
    503 and 301 characters, both within max_chars=520."""
    sentence = "甲" * 100 + "，" + "乙" * 100 + "，" + "丙" * 300 + "，" + "丁" * 300 + "。"
    chunks = chunk_document(sentence, SETTINGS)
    assert "".join(c.text for c in chunks) == sentence
    assert all(len(c.text) <= SETTINGS.max_chars for c in chunks), [len(c.text) for c in chunks]


# --- section paths ---------------------------------------------------------------------------------


def test_section_path_of_a_report_figure() -> None:
    """ "全年新认定国家高企86家" sits under 一、2020年工作情况 › 2.创新能力明显提升 in 001; the path
    must name both levels (a deeper 一是/二是 level may follow)."""
    [chunk] = [c for c in _chunks("001_bbaa06e7afcfcd41.txt") if "全年新认定国家高企86家" in c.text]
    assert chunk.section.startswith("一、2020年工作情况 > 2.创新能力明显提升")


def test_report_heading_starts_a_new_chunk() -> None:
    """Level-1/2/3 headings of a report close the previous chunk: 二、 and 三、 of 001 open chunks."""
    chunks = _chunks("001_bbaa06e7afcfcd41.txt")
    assert any(c.text.startswith("二、存在的短板和不足") and c.section == "二、存在的短板和不足" for c in chunks)
    assert any(c.text.startswith("三、2021年工作思路") and c.section == "三、2021年工作思路" for c in chunks)


@pytest.mark.parametrize("name", REGULATIONS)
def test_regulation_chunks_carry_their_article(name: str) -> None:
    """In a regulation the unit of citation is the article: every chunk from the first 第N条 on
    (chapter heading lines aside) has a 第N条 as the last part of its path, and a chunk that starts
    with an article names that very article."""
    chunks = _chunks(name)
    first = next(i for i, c in enumerate(chunks) if _ARTICLE.match(c.text))
    for chunk in chunks[first:]:
        if chunk.text.startswith("## "):
            continue
        last = chunk.section.split(" > ")[-1]
        assert _ARTICLE.match(last), (chunk.section, chunk.text[:40])
        if (m := _ARTICLE.match(chunk.text)) is not None:
            assert last == m.group(0)
        assert chunk.section.startswith("第") and "章" in chunk.section.split(" > ")[0]


@pytest.mark.parametrize("name", REGULATIONS)
def test_regulation_list_items_are_not_sections(name: str) -> None:
    """（一）（二） inside an article are its list items, not headings: no path contains one."""
    for chunk in _chunks(name):
        assert not any(_LIST_ITEM.match(part) for part in chunk.section.split(" > ")), chunk.section


def test_article_with_list_items_stays_one_section() -> None:
    """技术市场条例 第十四条 lists prohibited acts （一）…; they stay in the chunk of 第十四条."""
    [chunk] = [c for c in _chunks("浙江省技术市场条例(2021-09-30).md") if c.text.startswith("第十四条")]
    assert chunk.section == "第三章 技术市场秩序 > 第十四条"
    assert "（一）非法垄断技术和妨碍技术进步的；" in chunk.text
    assert "（二）" in chunk.text


def test_parenthesised_items_are_headings_outside_regulations() -> None:
    """In a report (no 第N条) "(一)深化科技体制改革…" is a level-2 heading: 003 uses it so."""
    chunks = _chunks("003_63333fff2a297632.txt")
    assert any(c.section.endswith("(一)深化科技体制改革") for c in chunks)


@pytest.mark.parametrize("name", REGULATIONS)
def test_no_chunk_is_a_bare_heading(name: str) -> None:
    """A chunk holding only "## 第一章 总则" carries no content but still takes a retrieval slot;
    a chapter heading should open the chunk of its first article instead."""
    bare = [c.text for c in _chunks(name) if c.text.startswith("## ") and "\n" not in c.text]
    assert not bare
