"""Indicator phrases → canonical indicators: the one seam between the fact table and the lexicon.

Facts are only comparable when "研发经费占GDP的比重" and "R&D经费投入强度" land on one indicator,
while "发明专利授权量" and "专利授权量" never do. The vocabulary says which phrase is which; this
module finds those phrases in text with their character spans (longest phrase wins, so
"R&D经费投入强度" is never read as "R&D经费"). Until the shared indicator lexicon lands, the
vocabulary is the interim data file beside this module.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.text import to_simplified

_SEED = Path(__file__).with_name("seed_indicators.toml")


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


def _key(phrase: str) -> str:
    return re.sub(r"\s+", "", normalize(phrase))


@dataclass(frozen=True)
class Vocabulary:
    """Canonical indicators, their variants and the unit family of each one's main figure."""

    variants_of: dict[str, tuple[str, ...]]
    units: dict[str, str]
    fingerprint: str
    _canonical: dict[str, str] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        canonical = {_key(v): name for name, vs in self.variants_of.items() for v in (name, *vs)}
        object.__setattr__(self, "_canonical", canonical)
        alternation = "|".join(re.escape(k) for k in sorted(canonical, key=len, reverse=True))
        object.__setattr__(self, "_pattern", re.compile(alternation) if alternation else None)

    def canonical(self, phrase: str) -> str | None:
        """The canonical indicator a phrase names exactly, or None."""
        return self._canonical.get(_key(phrase))

    def variants(self, canonical: str) -> tuple[str, ...]:
        return (canonical, *self.variants_of.get(canonical, ()))

    def unit_family(self, canonical: str) -> str:
        """Base unit of the indicator's main figure ("元", "%", "件", "家"), "" when unknown."""
        return self.units.get(canonical, "")

    def find(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """(canonical, (start, end)) of every indicator phrase in ``text``, left to right."""
        if self._pattern is None:
            return []
        return [(self._canonical[m.group(0)], m.span()) for m in self._pattern.finditer(normalize(text))]

    def search(self, text: str) -> str | None:
        """The indicator a free text (a question, a filter) names: the longest phrase it holds."""
        found = self.find(text)
        if not found:
            return None
        return max(found, key=lambda f: f[1][1] - f[1][0])[0]


@lru_cache(maxsize=4)
def load_vocabulary(knowledge_dir: Path | None = None) -> Vocabulary:
    """The indicator vocabulary (``knowledge_dir`` is where the shared lexicon will read a
    user's own additions from; the interim file takes none)."""
    raw = _SEED.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    variants = {e["name"]: tuple(e.get("variants", ())) for e in data["indicator"]}
    units = {e["name"]: e.get("unit", "") for e in data["indicator"]}
    return Vocabulary(variants, units, hashlib.sha1(raw).hexdigest()[:12])
