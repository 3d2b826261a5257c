"""Instructions planted in documents are data: find them at ingest and take them out of play.

A document may address the reader or a model (忽略以上所有指令 …, ``SYSTEM: 你现在必须…``, chat
role tags): indirect prompt injection (OWASP LLM01). Such a sentence is replaced in the indexed text
by :data:`MARKER` before metadata is inferred or chunks are cut, so the planted text can neither
be cited as evidence, nor reach a model's prompt, nor set the document's region; the rest of the
document stays searchable (its 3家 is still its own figure). Chunks that held one carry
``suspicious=True`` and the document's registry record counts the flagged sentences, so ``list``
and the page can show them. Why not drop the whole chunk: a false positive would then cost real
figures, and a figure planted *without* an instruction is stopped by the region rule instead (a
document's region is its issuer's, :mod:`assistant.ingest.manifest`).

The patterns are data (``assistant/data/injection.toml``), validated at load with their examples;
they are matched on the Simplified, NFKC-normalized text so Traditional and full-width spellings
are caught too, and only around literal anchors, so screening a 30 MB file takes seconds.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from assistant.errors import AssistantError
from assistant.ingest.readers import Document
from assistant.ingest.tables import Table
from assistant.text import to_simplified

PATTERNS_FILE = Path(__file__).resolve().parent.parent / "data" / "injection.toml"
# What the flagged sentence becomes in the index; no 。；！？ so the chunker keeps it whole.
MARKER = "〔疑似指令已隔离〕"
# A flagged span is the sentence (or line: a table row, a comment) around an anchor.
_ENDS = "。！？\n"
_END = re.compile(f"[{re.escape(_ENDS)}]")
_FLAGS = re.IGNORECASE | re.MULTILINE
_TO_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


class InjectionPattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    why: str
    regex: str
    anchors: list[str]
    examples: list[str]

    @model_validator(mode="after")
    def _consistent(self) -> InjectionPattern:
        """The regex compiles, anchors are lower-case, and every example is flagged through an anchor."""
        try:
            compiled = re.compile(self.regex, _FLAGS)
        except re.error as exc:
            raise ValueError(f"{self.name}: not a valid regular expression: {exc}") from exc
        if not self.anchors or any(a != a.lower() or not a for a in self.anchors):
            raise ValueError(f"{self.name}: anchors must be non-empty lower-case literals")
        for example in self.examples:
            text = normalize(example)
            if not compiled.search(text) or not any(a in text.lower() for a in self.anchors):
                raise ValueError(f"{self.name}: example {example!r} is not flagged (regex or anchors)")
        return self


class _PatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: list[InjectionPattern]


@dataclass(frozen=True)
class Patterns:
    """Compiled patterns, and one Aho–Corasick automaton over every anchor (in its Traditional and
    full-width spellings too) whose values are the indexes of the patterns it anchors."""

    regexes: tuple[re.Pattern[str], ...]
    anchors: Any  # ahocorasick.Automaton: anchor → tuple of pattern indexes


@dataclass(frozen=True)
class Screened:
    """A document's text with flagged sentences replaced by :data:`MARKER`, and what was flagged."""

    text: str
    flagged: tuple[str, ...]  # the original sentences, in order


@lru_cache(maxsize=4)
def load_patterns(path: Path = PATTERNS_FILE) -> Patterns:
    """The patterns of ``path``; a bad file names the file and the entry."""
    try:
        parsed = _PatternFile(**tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise AssistantError(f"{path}: not a valid instruction-pattern file ({exc})") from exc
    import ahocorasick

    owners: dict[str, list[int]] = {}
    for i, p in enumerate(parsed.pattern):
        for anchor in _spellings(p.anchors):
            owners.setdefault(anchor, []).append(i)
    automaton = ahocorasick.Automaton()
    for anchor, indexes in owners.items():
        automaton.add_word(anchor, (len(anchor), tuple(indexes)))
    automaton.make_automaton()
    return Patterns(tuple(re.compile(p.regex, _FLAGS) for p in parsed.pattern), automaton)


def _spellings(anchors: list[str]) -> tuple[str, ...]:
    """Each anchor as written, in Traditional characters (你現在) and in full-width letters (ｓｙｓｔｅｍ)."""
    import opencc

    converters = [opencc.OpenCC("s2t"), opencc.OpenCC("s2tw")]
    found = set(anchors)
    for anchor in anchors:
        found |= {c.convert(anchor) for c in converters} | {anchor.translate(_TO_FULL_WIDTH)}
    return tuple(sorted(found))


def normalize(text: str) -> str:
    """What patterns are matched on: Simplified, NFKC (so ＳＹＳＴＥＭ：is SYSTEM:)."""
    return to_simplified(text)


def screen(text: str, patterns: Patterns | None = None) -> Screened:
    """Find sentences that address a reader or a model and replace each with :data:`MARKER`.

    Only sentences holding an anchor are normalized and tried: one Aho–Corasick pass finds them
    (OpenCC, or a regex, over a whole 30 MB file would take tens of seconds). A sentence ends at
    。！？ or a line break (ASCII ! and ? end English sentences but also open <!-- comments)."""
    patterns = patterns or load_patterns()
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer (İ): find on the text as is
        lowered = text
    spans: set[tuple[int, int]] = set()
    tried: set[tuple[int, int]] = set()  # (sentence start, pattern): each pair once
    for last, (length, owners) in patterns.anchors.iter(lowered):
        at = last - length + 1
        start = max(text.rfind(c, 0, at) for c in _ENDS)  # the boundary itself: role prefixes start with one
        todo = [i for i in owners if (start, i) not in tried]
        if not todo:
            continue
        tried.update((start, i) for i in todo)
        after = _END.search(text, last + 1)
        end = after.end() if after else len(text)
        sentence = normalize(text[max(start, 0) : end])
        if any(patterns.regexes[i].search(sentence) for i in todo):
            spans.add((start + 1, end - 1 if after and after.group(0) == "\n" else end))
    if not spans:
        return Screened(text, ())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    parts, flagged, last = [], [], 0
    for start, end in merged:
        parts += [text[last:start], MARKER]
        flagged.append(text[start:end].strip())
        last = end
    parts.append(text[last:])
    return Screened("".join(parts), tuple(flagged))


def screen_document(document: Document) -> tuple[Document, tuple[str, ...]]:
    """The document with every flagged sentence replaced, in text blocks and in table cells,
    titles, captions and notes alike; and the flagged sentences."""
    flagged: list[str] = []

    def clean(text: str) -> str:
        screened = screen(text)
        flagged.extend(screened.flagged)
        return screened.text

    blocks: list[str | Table] = []
    for block in document.blocks:
        if isinstance(block, Table):
            block = replace(block, title=clean(block.title), caption=clean(block.caption),
                            grid=[[clean(cell) for cell in row] for row in block.grid], notes=[clean(n) for n in block.notes])
        else:
            block = clean(block)
        blocks.append(block)
    return replace(document, blocks=blocks), tuple(flagged)


def is_flagged(chunk_text: str) -> bool:
    return MARKER in chunk_text
