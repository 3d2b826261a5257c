"""Places a fact belongs to: the seam between the fact table and the gazetteer.

A table row labelled "北 京" is a region; one labelled "采矿业" is a breakdown of its document's
region. A sentence "北京（6.83%）、上海（4.44%）" binds each figure to the place just before it.
Until the shared gazetteer lands, the interim place names come from the data file beside this
module (the country and the province-level regions, which is what statistical tables list).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.facts.vocabulary import normalize

_SEED = Path(__file__).with_name("seed_indicators.toml")
_SUFFIX = "(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)?"


@dataclass(frozen=True)
class Place:
    name: str  # canonical short name (北京, 全国)
    level: str  # "national" | "province" | "city" | "county"
    start: int
    end: int


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], re.Pattern[str]]:
    data = tomllib.loads(_SEED.read_text(encoding="utf-8"))["places"]
    levels = {n: "national" for n in data["national"]} | {n: "province" for n in data["province"]}
    pattern = re.compile("|".join(f"{re.escape(n)}{_SUFFIX}" for n in sorted(levels, key=len, reverse=True)))
    return levels, pattern


def _canonical(written: str) -> str:
    levels, _ = _names()
    if written in levels:
        return written
    return next(n for n in sorted(levels, key=len, reverse=True) if written.startswith(n))


def places_in(text: str) -> list[Place]:
    """Places named in ``text`` (spans in ``text``), left to right; 全国/我国 are national."""
    levels, pattern = _names()
    out = []
    for m in pattern.finditer(normalize(text)):
        name = _canonical(m.group(0))
        out.append(Place("全国" if levels[name] == "national" else name, levels[name], m.start(), m.end()))
    return out


def place_of(label: str) -> Place | None:
    """The place a table row label is, or None ("采矿业", "合计" are not places)."""
    compact = re.sub(r"\s+", "", normalize(label))
    found = places_in(compact)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(compact):
        return found[0]
    return None

