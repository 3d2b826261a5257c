"""Places a fact belongs to, through the gazetteer (:mod:`assistant.language.places`).

A table row labelled "北 京" is a region; one labelled "采矿业" is a breakdown of its document's
region. A sentence "北京（6.83%）、上海（4.44%）" binds each figure to the place just before it.
Facts name a place by its full name (北京市, 全国), so one province written two ways is one region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.places import find_places


@dataclass(frozen=True)
class Place:
    name: str  # full name (北京市, 常州市, 全国)
    level: str  # national | province | city | county | town
    start: int
    end: int


def places_in(text: str, around: str = "") -> list[Place]:
    """Places named in ``text`` (spans in ``text``), left to right; 全国/我国 are national.
    ``around``: the document's region, which decides a name the text leaves ambiguous (鼓楼区)."""
    return [Place(p.full_name, p.level, *p.span) for p in find_places(text, around)]


def place_of(label: str, around: str = "") -> Place | None:
    """The place a table row label is, or None ("采矿业", "合计" are not places); ``around`` is the
    table's document region (常熟 in a 苏州市 table is 常熟市, though jieba knows it as a word)."""
    compact = re.sub(r"\s+", "", label)
    found = places_in(compact, around)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(compact):
        return found[0]
    return None
