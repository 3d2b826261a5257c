"""Split a cleaned document into chunks on Chinese sentence boundaries, tracking headings.

Why sentences: a figure and its label ("新认定国家高企86家") live in one sentence, so a chunk that
never cuts inside a sentence never separates them. Over-long sentences are cut only at commas
that are not inside a number (``1,000``). Offsets point into the cleaned text, so a citation can
show exactly where a passage sits in its document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.settings import ChunkSettings

_CN_NUM = "一二三四五六七八九十百零〇"

# (level, pattern) — level 1 is the coarsest. The match is the heading's own label.
_HEADINGS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"^##\s+.+")),
    (1, re.compile(rf"^第[{_CN_NUM}\d]+章\s*\S*")),
    (1, re.compile(rf"^[{_CN_NUM}]+、[^。；;！!？?，,：:\s]{{0,40}}")),
    (2, re.compile(rf"^第[{_CN_NUM}\d]+节\s*\S*")),
    (2, re.compile(rf"^[(（][{_CN_NUM}]+[)）][^。；;！!？?，,：:\s]{{0,40}}")),
    (3, re.compile(rf"^第[{_CN_NUM}\d]+条")),
    (3, re.compile(r"^\d{1,2}[、.．](?!\d)[^。；;！!？?，,：:\s]{0,40}")),
    (4, re.compile(rf"^[{_CN_NUM}]{{1,2}}是[^。；;！!？?，,：:\n]{{0,30}}")),
)
_ARTICLE = re.compile(rf"^第[{_CN_NUM}\d]+条")
_SECTION = re.compile(rf"^第[{_CN_NUM}\d]+节")
_SECTION_BREAK_LEVEL = 3  # headings at this level or coarser start a new chunk

# A sentence ends at 。！？； (full or half width) plus any closing quotes, or at a line break.
# A space also ends one when a heading marker follows it (scraped text glues headings into lines).
_SENTENCE_END = re.compile(rf"[。！？；!?;]+[”’」』\"')）]*|\n+| (?=[{_CN_NUM}]+、|\d{{1,2}}、|[(（][{_CN_NUM}]+[)）])")
_SOFT_BREAK = re.compile(r"(?<!\d)[,，、]|[,，、](?!\d)")  # not inside 1,000


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    heading_level: int | None
    heading: str | None


@dataclass(frozen=True)
class Chunk:
    """A passage: ``text == document[start:end]`` and ``section`` is its heading path."""

    index: int
    text: str
    start: int
    end: int
    section: str


def _heading(text: str) -> tuple[int, str] | None:
    for level, pattern in _HEADINGS:
        m = pattern.match(text)
        if m:
            return level, m.group(0).lstrip("#").strip().rstrip("，,：:")
    return None


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets; whitespace-only pieces are dropped.

    In a regulation (one that has 第N条 articles) the （一）（二） items are list items inside an
    article, not section headings, so they are kept as body text there.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, len(text)))
    out: list[Sentence] = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            found = _heading(text[start:end])
            out.append(Sentence(start, end, *(found or (None, None))))
    if any(s.heading and _ARTICLE.match(s.heading) for s in out):
        out = [
            Sentence(s.start, s.end, None, None) if s.heading_level == 2 and not _SECTION.match(s.heading or "") else s
            for s in out
        ]
    return out


def _split_long(text: str, sentence: Sentence, max_chars: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than ``max_chars`` at commas that are not inside a number."""
    spans, start, last_cut = [], sentence.start, sentence.start
    cuts = [sentence.start + m.end() for m in _SOFT_BREAK.finditer(text[sentence.start : sentence.end])]
    for cut in [*cuts, sentence.end]:
        if cut - start > max_chars and last_cut > start:
            spans.append((start, last_cut))
            start = last_cut
        last_cut = cut
    spans.append((start, sentence.end))
    return spans


def chunk_document(text: str, settings: ChunkSettings) -> list[Chunk]:
    """Group sentences into chunks of about ``target_chars``, never across a section heading."""
    chunks: list[Chunk] = []
    path: dict[int, str] = {}
    current: list[tuple[int, int]] = []
    current_section = ""
    has_body = False

    def flush() -> None:
        nonlocal current, has_body
        if current:
            start, end = current[0][0], current[-1][1]
            chunks.append(Chunk(len(chunks), text[start:end], start, end, current_section))
        current, has_body = [], False

    for sentence in split_sentences(text):
        if sentence.heading_level is not None:
            if sentence.heading_level <= _SECTION_BREAK_LEVEL and has_body:
                flush()
            path = {lvl: lab for lvl, lab in path.items() if lvl < sentence.heading_level}
            path[sentence.heading_level] = sentence.heading or ""
        if not current:
            current_section = " > ".join(path[lvl] for lvl in sorted(path))
        for start, end in _split_long(text, sentence, settings.max_chars):
            size = current[-1][1] - current[0][0] if current else 0
            if current and has_body and size + (end - start) > settings.target_chars:
                flush()
                current_section = " > ".join(path[lvl] for lvl in sorted(path))
            current.append((start, end))
            own_text = text[start:end].lstrip("# ")
            has_body = has_body or sentence.heading_level is None or len(own_text) > len(sentence.heading or "") + 2
    flush()
    return chunks
