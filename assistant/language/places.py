"""Chinese place names in text: which division a name is, at which level, under which parents.

The divisions and the words that decide about names are loaded by :mod:`assistant.language.divisions` (cpca's
national table and ``assistant/data/places.toml``); this module finds them in a text. Towns, streets
and development zones (黄桥镇, 常州高新区) are not in the table; they are recognised by their suffix,
so that a question about one is never read as a question about no place, or about its county.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jieba

from assistant.language.divisions import LEVELS, Division, Vocabulary, load, ordinary
from assistant.language.name_match import NameIndex, alternatives

_CJK = re.compile(r"[\u4e00-\u9fff]")
_PARENT_GAP = re.compile(r"^[\d\s年月的]*$")  # 泰兴市2020年黄桥镇: the county still governs the town


@dataclass(frozen=True)
class Place:
    """A place named in a text: ``name`` as written, the division it is, and its parents.

    ``province`` and ``city`` are full names ("" when not applicable or not known); a town's county
    is in ``county``. ``span`` is (start, end) in the text searched.
    """

    name: str
    full_name: str
    level: str
    province: str = ""
    city: str = ""
    adcode: str = ""
    county: str = ""
    span: tuple[int, int] = (0, 0)

    def within(self, other: Place) -> bool:
        """True when this place is ``other`` or lies inside it (泰兴市 within 江苏省, anything within 全国)."""
        if other.level == "national":
            return True
        if self.level == "national":
            return False
        if self.full_name == other.full_name and self.level == other.level:
            return self.province == other.province or not (self.province and other.province)
        parents = {"province": self.province, "city": self.city, "county": self.county}
        return parents.get(other.level) == other.full_name and LEVELS.index(self.level) > LEVELS.index(other.level)


class Gazetteer:
    """Name → divisions, matched longest-first left to right (江苏省泰兴市 is two places, not 苏州)."""

    def __init__(self, divisions: list[Division], vocabulary: Vocabulary, forms: dict[str, tuple[str, ...]]) -> None:
        self.vocabulary = vocabulary
        self.index = NameIndex(divisions, vocabulary, forms)
        self.names = self.index.names
        self._town = alternatives(vocabulary.town_suffixes)

    def find(self, text: str, around: str = "") -> list[Place]:
        """Places named in ``text``; ``around`` is the region the text is from (a document's), which
        decides an ambiguous name the text itself leaves open (鼓楼区 in a 南京市 document)."""
        if not self.index.may_name(text) and not self._town.search(text):
            return []  # segmenting is most of the cost, and needless here
        words = [(start, end) for _w, start, end in jieba.tokenize(text)]
        region = _around(around) if around else None
        matches = self.index.match(text, words, region)
        places = _resolve([(m.name, m.span, m.candidates) for m in matches], region)
        places += self._towns(text, places, words)
        return sorted(places, key=lambda p: p.span)

    def _towns(self, text: str, places: list[Place], words: list[tuple[int, int]]) -> list[Place]:
        """黄桥镇 / 泰兴市黄桥镇 / 常州高新区: a unit below the county, named before its suffix."""
        towns: list[Place] = []
        ends = {b for _, b in words}
        for m in self._town.finditer(text):
            if any(p.span[0] <= m.start() < p.span[1] for p in places) or self.index.organization_at(
                text, m.end(), ends
            ):
                continue  # inside a division's own name (新区 in 浦东新区) or before an organisation's (景德镇学院)
            parent = next((p for p in reversed(places) if p.span[1] <= m.start() and p.level != "national"), None)
            base = _town_base(text, m, parent, words)
            if base is None:
                continue  # the suffix is part of a longer word: 下乡, 乡村, 城镇化
            if not base and parent and parent.span[1] == m.start() and m.group(0) not in ("镇", "乡", "街道"):
                base = parent.name  # 常州高新区: the zone is named by its city
            if len(base) < 2 or (self._generic(base) and base not in self.names):
                continue  # a place's own name is no category, whatever it contains (呼和浩特, 本溪)
            start = parent.span[0] if parent and parent.name == base else m.start() - len(base)
            if parent and parent.name != base and not _PARENT_GAP.match(text[parent.span[1] : start]):
                parent = None  # the text does not put this unit under that place
            if parent is None:
                parent = self._owner(base)  # 大连经济技术开发区 read as one word: still 大连's
            towns.append(
                Place(
                    name=base + m.group(0),
                    full_name=base + m.group(0),
                    level="town",
                    province=parent.province if parent else "",
                    city=(parent.full_name if parent.level == "city" else parent.city) if parent else "",
                    county=parent.full_name if parent and parent.level == "county" else "",
                    span=(start, m.end()),
                )
            )
        return towns

    def _owner(self, base: str) -> Place | None:
        """The division a zone is named by (白银高新区: 白银 alone is a word, before 高新区 the city)."""
        owner = region_of(base)
        if owner is not None and owner.name == base:
            return owner
        guarded = self.index.guarded.get(base, [])
        return _place(base, (0, len(base)), _choose(guarded)) if guarded else None

    def _generic(self, base: str) -> bool:
        """各乡 / 国家 / 街道和: a category or a run of words, not a unit's name."""
        v = self.vocabulary
        return (
            base in v.town_generic
            or any(base.startswith(g) or base.endswith(g) for g in v.town_generic)
            or any(c in base for c in v.town_not_in_name)
            or any(s in base for s in v.town_suffixes if len(s) > 1)
        )


def _town_base(text: str, suffix: re.Match[str], parent: Place | None, words: list[tuple[int, int]]) -> str | None:
    """The name before a unit suffix, or None when the suffix is inside a longer word (下乡).

    Either jieba reads name and suffix as one word (黄桥镇, 各乡镇), or the suffix is a word of its own
    and the name is the shortest run of whole words before it, two to four characters, never reaching
    back into the place written before it."""
    s, e = suffix.span()
    floor = parent.span[1] if parent else 0
    if (whole := next((a for a, b in words if a < s and b == e), None)) is not None:
        return text[max(whole, floor) : s]
    if not any(a == s for a, _ in words) or not any(b == e for _, b in words):
        return None
    run_start = s
    while run_start > max(floor, s - 4) and _CJK.match(text[run_start - 1]):
        run_start -= 1
    starts = [a for a, _ in words if run_start <= a <= s - 2]
    if not starts:
        return ""
    base_words = [text[a:b] for a, b in words if max(starts) <= a < s]
    return "" if any(ordinary(w) for w in base_words) else text[max(starts) : s]  # 推动开发区, 区对开发区


@lru_cache(maxsize=256)
def _around(region: str) -> Division | None:
    """The division a document's region names (its full name as metadata records it)."""
    place = region_of(region)
    if place is None or place.level in ("national", "town"):
        return None
    return Division(place.full_name, place.level, place.province, place.city, place.adcode)


def _resolve(matches: list[tuple[str, tuple[int, int], list[Division]]], around: Division | None = None) -> list[Place]:
    """Pick one division per match: the one consistent with the unambiguous places of the same text
    (朝阳 beside 辽宁 is 朝阳市; beside 北京 it is 朝阳区), else with the text's region (a document's),
    else the highest level (吉林 is the province), else the name without parents it doesn't share."""
    sure: list[Division | Place] = [c[0] for _, _, c in matches if len(c) == 1]
    places: list[Place] = []
    for name, span, candidates in matches:
        if places and places[-1].span[1] == span[0]:  # not one place twice running: 吉林省吉林 is 吉林市
            candidates = [c for c in candidates if c.full_name != places[-1].full_name] or candidates
        pool = _narrow(candidates, sure + places)
        if len(pool) > 1 and around is not None:
            pool = _narrow(pool, [around])
        places.append(_place(name, span, _choose(pool)))
    return places


def _narrow(candidates: list[Division], context: list[Division | Place]) -> list[Division]:
    """The candidates in a city the context names, else in a province it names, else all (鼓楼区 in
    a 南京市 text is 南京's, though 徐州's is in 江苏省 too)."""
    if len(candidates) == 1:
        return candidates
    names = {c.full_name for c in context}
    in_city = [c for c in candidates if c.city and c.city in names | {c.city for c in context}]
    return (
        in_city or [c for c in candidates if c.province in (names | {c.province for c in context}) - {""}] or candidates
    )


def _choose(pool: list[Division]) -> Division:
    """The highest level of ``pool``; when several remain, their name without the parents they don't share."""
    top = min(LEVELS.index(c.level) for c in pool)
    pool = [c for c in pool if LEVELS.index(c.level) == top]
    if len(pool) == 1:
        return pool[0]
    first = pool[0]
    same = lambda field: getattr(first, field) if all(getattr(c, field) == getattr(first, field) for c in pool) else ""  # noqa: E731
    return Division(first.full_name, first.level, same("province"), same("city"), "")


def _place(name: str, span: tuple[int, int], d: Division) -> Place:
    return Place(
        name=name, full_name=d.full_name, level=d.level, province=d.province, city=d.city, adcode=d.adcode, span=span
    )


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer (the table is read once)."""
    return Gazetteer(*load())


def find_places(text: str, around: str = "") -> list[Place]:
    """Every place named in ``text``, in order: divisions of the table (full or short names), the
    nation (全国/我国…), and towns or zones recognised by suffix with the place written before them.
    ``around``: the region the text comes from (a document's), for names the text leaves ambiguous."""
    return gazetteer().find(text, around)


def named_places(text: str) -> list[Place]:
    """:func:`find_places` less 国家, which in running text is a title or a body (国家高新技术企业,
    国家税务分局), not the nation; 全国 and 我国 still name it."""
    return [p for p in find_places(text) if p.name != "国家"]


def region_of(text: str) -> Place | None:
    """The place a text is about: its first place, made more specific by the places that follow
    inside it (江苏省泰兴市 → 泰兴市; 泰兴市黄桥镇 → 黄桥镇); None when it names none."""
    places = find_places(text)
    if not places:
        return None
    region = places[0]
    for place in places[1:]:
        if place.within(region) and place.level != region.level:
            region = place
        elif not region.within(place):
            break
    return region
