"""Indicator phrases → canonical indicators: the one seam between the fact table and the lexicon.

Facts are only comparable when "研发经费占GDP的比重" and "R&D经费投入强度" land on one indicator,
while "发明专利授权量" and "专利授权量" never do. The shared lexicon (:mod:`assistant.language.lexicon`) says
which wording is which; this adapter adds what the fact table needs on top: the longest indicator a
free text names, the units an indicator's main figure may carry, and a fingerprint that changes
when the lexicon does (the fact table is rebuilt then).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.text import to_simplified

# Units a figure of each lexicon unit family may carry (figures' canonical units, scale folded).
_FAMILY_UNITS = {
    "money": frozenset({"元", "美元", "欧元", "港元"}),
    "percent": frozenset({"%"}),
    "count": frozenset({"家", "户", "个", "件", "项", "次", "篇", "所", "台", "套", "座", "种", "场", "期"}),
    "people": frozenset({"人", "名", "人次", "位"}),
    "ratio": frozenset({"%", "倍", "‰"}),
}


def normalize(text: str) -> str:
    """NFKC + Simplified + lower case, one character for one character, so spans stay valid."""
    whole = to_simplified(text).lower()
    if len(whole) == len(text):
        return whole
    out = []
    for ch in text:
        n = to_simplified(unicodedata.normalize("NFKC", ch)).lower()
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True)
class Vocabulary:
    """The lexicon, as the fact table asks it."""

    lexicon: Lexicon
    fingerprint: str

    def canonical(self, phrase: str) -> str | None:
        """The canonical indicator a phrase names exactly, or None."""
        return self.lexicon.canonical(phrase)

    def variants(self, canonical: str) -> tuple[str, ...]:
        return self.lexicon.variants(canonical)

    def find(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """(canonical, (start, end)) of every indicator phrase in ``text``, left to right."""
        return self.lexicon.find(text)

    def search(self, text: str) -> str | None:
        """The indicator a free text (a question, a filter, a column header) names: its longest phrase."""
        found = self.find(text)
        if not found:
            return None
        return max(found, key=lambda f: f[1][1] - f[1][0])[0]

    def units(self, canonical: str) -> frozenset[str] | None:
        """The units the indicator's main figure may carry; None when its family allows any."""
        return _FAMILY_UNITS.get(self.lexicon.unit_family(canonical))


def _fingerprint(lexicon: Lexicon) -> str:
    """Changes whenever any indicator's wordings or unit family do (then facts are re-extracted)."""
    # variants sorted: their tuple's order comes from a set, i.e. from the process's string hash seed,
    # and a fingerprint that differed per process rebuilt the whole fact table in every process that
    # opened it (25 s at 50,000 chunks, docs/library.md)
    content = sorted((name, lexicon.unit_family(name), sorted(lexicon.variants(name))) for name in lexicon.indicators)
    return hashlib.sha1(repr(content).encode()).hexdigest()[:12]


@lru_cache(maxsize=8)
def _vocabulary(lexicon: Lexicon) -> Vocabulary:
    return Vocabulary(lexicon, _fingerprint(lexicon))


def load_vocabulary(knowledge_dir: Path | None = None) -> Vocabulary:
    """The lexicon of ``knowledge_dir`` (packaged + the folder's own indicators.toml), re-read when it changes."""
    return _vocabulary(load_lexicon(knowledge_dir))
