"""Whether a stored chunk is about the place and the year a question asks.

A national bulletin's table of 31 provinces shares every word of "2022年全国R&D经费是多少？" with
the national sentence that answers it, row after row; BM25 and the embeddings both rank the rows
first. What tells them apart is the question's place: a row labelled 陕西 answers a question that
names 陕西, never one that names 全国, another province or no place at all (a question without a
place asks about the document's own scope, the nation for a national bulletin). Years likewise: a
2022 bulletin's notes do not answer "2017年政府工作报告中…", unless they speak of 2017 themselves.

Places are read through :mod:`assistant.language.places` (the national division table), years through
:mod:`assistant.language.years`; nothing here knows a particular document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.language.places import Place, named_places, region_of
from assistant.language.text import to_simplified
from assistant.language.years import years_in


@lru_cache(maxsize=4096)
def _place(label: str) -> Place | None:
    """The place a row label or a document region names (陕西 → 陕西省), or None (医药制造业, 合计)."""
    return region_of(to_simplified(label)) if label else None


def _same(a: Place, b: Place) -> bool:
    return a.within(b) and b.within(a)


@dataclass(frozen=True)
class Scope:
    """The places (national ones only when no other is named) and years a question names."""

    places: tuple[Place, ...]
    years: frozenset[int]

    @classmethod
    def of(cls, question: str, places: list[Place] | None = None) -> Scope:
        """The scope of ``question``; ``places`` are its :func:`named_places` when the caller has them."""
        q = to_simplified(question)
        places = named_places(q) if places is None else places
        local = [p for p in places if p.level != "national"]
        return cls(tuple(local or places), frozenset(years_in(q)))

    def row_outside(self, meta: dict[str, Any]) -> bool:
        """A table row labelled with a place the question does not name (陕西's row for a national
        or a 河南 question). Rows labelled otherwise (an industry, 合计) are never outside."""
        if meta.get("kind") != "table_row":
            return False
        row = _place(str(meta.get("row_label", "")))
        if row is None or row.level == "national":
            return False
        return not any(_same(row, asked) for asked in self.places)

    def region_outside(self, meta: dict[str, Any]) -> bool:
        """The chunk's document is about a region apart from every place the question names
        (钟楼区's report for a 泰兴 question); a region inside or around the asked place is not."""
        if not self.places:
            return False
        region = _place(str(meta.get("region", "")))
        if region is None:
            return False
        return not any(region.within(asked) or asked.within(region) for asked in self.places)

    def year_outside(self, meta: dict[str, Any], text: str) -> bool:
        """The chunk's document reports on other years than those asked, and the chunk names none of them."""
        held = set(meta.get("years") or ())
        if not self.years or not held or held & self.years:
            return False
        return not set(years_in(to_simplified(text))) & self.years

    def misses(self, meta: dict[str, Any], text: str) -> int:
        """How many of place-of-row, region and year the chunk is outside of (0 = in scope)."""
        return int(self.row_outside(meta)) + int(self.region_outside(meta)) + int(self.year_outside(meta, text))
