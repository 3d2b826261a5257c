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

The patterns are data (``assistant/data/injection.toml``), validated at load with their examples.
They are matched on what a reader sees, spelled one way: NFKC (full-width letters), without
zero-width and bidi characters, look-alike letters folded (a Cyrillic о in Ignоre), Simplified,
and with a line's neighbours (an instruction split over two lines); only sentences holding a
literal anchor are tried, so screening is linear in the text's length (benchmarks/screening.py).
A pattern may require a second regex in the same sentence: the semantic test that a sentence
addressing a model (AI, 大模型 …) and telling it what to do (answer, disregard …) is no evidence.
"""

from __future__ import annotations

import bisect
import itertools
import re
import sys
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from assistant.errors import AssistantError
from assistant.ingest.readers import Document
from assistant.ingest.tables import Table
from assistant.language.text import to_simplified

PATTERNS_FILE = Path(__file__).resolve().parent.parent / "data" / "injection.toml"
# What the flagged sentence becomes in the index; no 。；！？ so the chunker keeps it whole.
MARKER = "〔疑似指令已隔离〕"
# A flagged span is the sentence (or line: a table row, a comment); a longer run without an end (a
# one-line file) is cut into pieces this long, each tried with its neighbours, so a sentence is
# never longer than this and screening stays linear in the text's length.
_BREAK = re.compile(r"[。！？\n]")
_PIECE = 400
_FLAGS = re.IGNORECASE | re.MULTILINE
_TO_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
# Format characters a reader never sees: zero-width spaces and joiners, bidi controls, soft hyphens, BOMs.
_INVISIBLE = {c: None for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}


class InjectionPattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    why: str
    regex: str
    anchors: list[str]
    examples: list[str]
    # a second regex the same sentence must also match: the semantic test (who is addressed + what it is told)
    requires: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> InjectionPattern:
        """The regexes compile and anchors are lower-case (examples are checked by the file, which folds)."""
        try:
            for regex in (self.regex, self.requires or ""):
                re.compile(regex, _FLAGS)
        except re.error as exc:
            raise ValueError(f"{self.name}: not a valid regular expression: {exc}") from exc
        if not self.anchors or any(a != a.lower() or not a for a in self.anchors):
            raise ValueError(f"{self.name}: anchors must be non-empty lower-case literals")
        return self


class _PatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    homoglyphs: dict[str, str] = {}  # a Latin letter → the look-alikes folded to it (Cyrillic о, Greek ο …)
    pattern: list[InjectionPattern]

    @model_validator(mode="after")
    def _examples_flagged(self) -> _PatternFile:
        """Every example is flagged through an anchor once folded as screened text is."""
        fold = self.fold()
        for p in self.pattern:
            regexes = [re.compile(r, _FLAGS) for r in (p.regex, p.requires or "")]
            for example in p.examples:
                text = to_simplified(_fold(example, fold))
                if not all(r.search(text) for r in regexes) or not any(a in text for a in p.anchors):
                    raise ValueError(f"{p.name}: example {example!r} is not flagged (regex or anchors)")
        return self

    def fold(self) -> dict[int, str | None]:
        return _INVISIBLE | {ord(c): latin for latin, alikes in self.homoglyphs.items() for c in alikes}


@dataclass(frozen=True)
class Patterns:
    """Compiled patterns (each with the regex a sentence must also match, if any), one Aho–Corasick
    automaton over every anchor (in its Traditional spellings too) whose values are the indexes of
    the patterns it anchors, and the table that folds invisible characters and look-alikes."""

    regexes: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...]
    anchors: Any  # ahocorasick.Automaton: anchor → tuple of pattern indexes
    fold: dict[int, str | None]

    def matches(self, sentence: str, owners: Iterable[int]) -> bool:
        return any(
            r.search(sentence) and (also is None or also.search(sentence))
            for r, also in (self.regexes[i] for i in owners)
        )


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
    return Patterns(
        tuple(
            (re.compile(p.regex, _FLAGS), re.compile(p.requires, _FLAGS) if p.requires else None)
            for p in parsed.pattern
        ),
        automaton,
        parsed.fold(),
    )


def _spellings(anchors: list[str]) -> tuple[str, ...]:
    """Each anchor as written and in Traditional characters (你現在): anchors are found before the
    text is converted to Simplified, which only the sentences holding one are."""
    import opencc

    converters = [opencc.OpenCC("s2t"), opencc.OpenCC("s2tw")]
    found = set(anchors)
    for anchor in anchors:
        found |= {c.convert(anchor) for c in converters} | {anchor.translate(_TO_FULL_WIDTH)}
    return tuple(sorted(found))


def _fold(text: str, fold: dict[int, str | None]) -> str:
    """What a reader sees, spelled one way: NFKC (ＳＹＳＴＥＭ：is SYSTEM:), without invisible
    characters, look-alike letters folded (Cyrillic о in Ignоre), lower case."""
    return unicodedata.normalize("NFKC", text).translate(fold).lower()


def _pieces(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, joins the next) of each sentence: ends at 。！？ or a line break (kept in the
    piece), runs longer than :data:`_PIECE` cut. A piece joins the next where a reader reads on:
    across a line break or a cut, not across 。！？."""
    pieces: list[tuple[int, int, bool]] = []
    start = 0
    for end in [m.end() for m in _BREAK.finditer(text)] + [len(text)]:
        while end - start > _PIECE:
            pieces.append((start, start + _PIECE, True))
            start += _PIECE
        if end > start:
            pieces.append((start, end, text[end - 1] == "\n" or end == len(text)))
        start = end
    return pieces


def screen(text: str, patterns: Patterns | None = None) -> Screened:
    """Find sentences that address a reader or a model and replace each with :data:`MARKER`.

    The text is folded once (C-speed string operations) and one Aho–Corasick pass finds the
    sentences holding an anchor; only those are converted to Simplified and tried, alone and
    joined with the next and previous piece (an instruction split over two lines). Every step is
    linear in the text's length: no sentence is longer than :data:`_PIECE`."""
    patterns = patterns or load_patterns()
    pieces = _pieces(text)
    bodies = [text[s:e].rstrip("\n") for s, e, _ in pieces]
    folded = _fold("\n".join(bodies), patterns.fold).split("\n")
    if len(folded) != len(bodies):  # a folded piece grew a line break: fold piece by piece
        folded = [_fold(b, patterns.fold).replace("\n", " ") for b in bodies]
    starts = list(itertools.accumulate((len(f) + 1 for f in folded), initial=0))
    hits: dict[int, set[int]] = {}
    for last, (_length, owners) in patterns.anchors.iter("\n".join(folded)):
        hits.setdefault(bisect.bisect_right(starts, last) - 1, set()).update(owners)
    flagged: set[int] = set()
    for k, owners in sorted(hits.items()):
        if patterns.matches(to_simplified(folded[k]), owners):
            flagged.add(k)
            continue
        for a, b in ((k - 1, k), (k, k + 1)):
            if (
                0 <= a
                and b < len(pieces)
                and pieces[a][2]
                and patterns.matches(to_simplified(_joined(folded[a], folded[b])), owners)
            ):
                flagged |= {a, b}
    return _replaced(text, pieces, sorted(flagged))


def _joined(first: str, second: str) -> str:
    """Two lines as a reader reads them on: a space between words of Latin letters, none in Chinese."""
    latin = first[-1:].isascii() and first[-1:].isalnum() and second[:1].isascii() and second[:1].isalnum()
    return first + " " + second if latin else first + second


def _replaced(text: str, pieces: list[tuple[int, int, bool]], flagged: list[int]) -> Screened:
    """``text`` with each run of flagged pieces replaced by one :data:`MARKER` (a line break that
    ends the run is kept, so a table row or a line stays one)."""
    if not flagged:
        return Screened(text, ())
    runs: list[list[int]] = []
    for k in flagged:
        if runs and runs[-1][1] == pieces[k][0]:
            runs[-1][1] = pieces[k][1]
        else:
            runs.append([pieces[k][0], pieces[k][1]])
    parts, sentences, last = [], [], 0
    for start, end in runs:
        end -= text[end - 1] == "\n"
        parts += [text[last:start], MARKER]
        sentences.append(text[start:end].strip())
        last = end
    parts.append(text[last:])
    return Screened("".join(parts), tuple(sentences))


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
            block = replace(
                block,
                title=clean(block.title),
                caption=clean(block.caption),
                grid=[[clean(cell) for cell in row] for row in block.grid],
                notes=[clean(n) for n in block.notes],
            )
        else:
            block = clean(block)
        blocks.append(block)
    return replace(document, blocks=blocks), tuple(flagged)


def is_flagged(chunk_text: str) -> bool:
    return MARKER in chunk_text
