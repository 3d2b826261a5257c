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

The patterns are data (``assistant/data/injection.toml``), validated at load; they are matched on
the Simplified, NFKC-normalized text so Traditional and full-width spellings are caught too.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from assistant.errors import AssistantError
from assistant.text import to_simplified

PATTERNS_FILE = Path(__file__).resolve().parent.parent / "data" / "injection.toml"
# What the flagged sentence becomes in the index; no 。；！？ so the chunker keeps it whole.
MARKER = "〔疑似指令已隔离〕"
# A flagged span is the sentence (or table cell, or line) around the match.
_BOUNDARY = re.compile(r"[。！？!?\n|｜]")


class InjectionPattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    why: str
    regex: str

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class _PatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: list[InjectionPattern]


@dataclass(frozen=True)
class Screened:
    """A document's text with flagged sentences replaced by :data:`MARKER`, and what was flagged."""

    text: str
    flagged: tuple[str, ...]  # the original sentences, in order


@lru_cache(maxsize=4)
def load_patterns(path: Path = PATTERNS_FILE) -> re.Pattern[str]:
    """One alternation of every pattern in ``path``; a bad file names the file and the entry."""
    try:
        parsed = _PatternFile(**tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise AssistantError(f"{path}: not a valid instruction-pattern file ({exc})") from exc
    return re.compile("|".join(f"(?:{p.regex})" for p in parsed.pattern), re.IGNORECASE | re.MULTILINE)


def screen(text: str, patterns: re.Pattern[str] | None = None) -> Screened:
    """Find sentences that address a reader or a model and replace each with :data:`MARKER`."""
    patterns = patterns or load_patterns()
    normalized = to_simplified(text)
    if len(normalized) != len(text):  # NFKC changed lengths (rare ligatures): match sentence by sentence
        spans = [(m.start(), m.end()) for m in re.finditer(r"[^。！？!?\n|｜]+", text) if patterns.search(to_simplified(m.group(0)))]
    else:
        spans = [_sentence_around(text, m.start(), m.end()) for m in patterns.finditer(normalized)]
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


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span from the boundary before ``start`` to the boundary ending the match's sentence.

    A match that begins at a boundary (``\\nSYSTEM:``) starts after it; the closing 。 is flagged
    with the sentence, a closing line break or cell bar is left in place."""
    while start < end and _BOUNDARY.match(text, start):
        start += 1
    before = max(text.rfind(c, 0, start) for c in "。！？!?\n|｜")
    after = _BOUNDARY.search(text, max(end - 1, start))
    stop = after.start() if after else len(text)
    if after and after.group(0) in "。！？!?":
        stop += 1
    return before + 1, stop


def is_flagged(chunk_text: str) -> bool:
    return MARKER in chunk_text
