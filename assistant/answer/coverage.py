"""Whether the corpus covers what a question asks, and when it does not, the true reason.

A region is covered where any document is about it or any fact row is of it: a row of a national
bulletin's by-region table covers 陕西 as much as a document about 陕西 would. One claim (a region,
a year, an indicator) is checked at a time, so a question of several parts gets a reason per part:

* the region is absent — no document about it and no figure of it;
* the region is present, but not for that year — the years it has are named;
* the indicator is absent for that region and year — the region has other figures for that year.

Regions are compared by their full names (黔东南州 and 黔东南苗族侗族自治州 are one region), read
through the gazetteer (:mod:`assistant.language.places`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.facts.store import FactStore
from assistant.language.places import Place, gazetteer, named_places, region_of

_MAX_NAMED_YEARS = 6  # a year refusal names at most this many of the years held (the latest)


@dataclass(frozen=True)
class Asked:
    """One claim of a question: a place (its full name, and the name as the user wrote it), a year
    (None: not asked) and an indicator (canonical; None: not one the fact table knows)."""

    region: str
    written: str = ""
    year: int | None = None
    indicator: str | None = None


@dataclass(frozen=True)
class Gap:
    """Why the corpus does not cover an :class:`Asked`: ``kind`` is region, year or indicator."""

    kind: str
    asked: Asked
    years: tuple[int, ...] = ()  # for a year gap: the years the region has, latest first

    def reason(self) -> str:
        """The reason in the user's words."""
        name = self.asked.written or self.asked.region
        if self.kind == "region":
            return f"资料中没有关于{name}的文件或数据"
        if self.kind == "year":
            held = "、".join(f"{y}年" for y in self.years[:_MAX_NAMED_YEARS])
            more = "等" if len(self.years) > _MAX_NAMED_YEARS else ""
            return f"资料中有{name}的数据，但没有{self.asked.year}年的（有{held}{more}）"
        year = f"{self.asked.year}年" if self.asked.year else ""
        return f"资料中有{name}{year}的数据，但没有{self.asked.indicator}的数字"


def asked_parts(places: tuple[Place, ...], years: list[int], indicators: list[str]) -> list[Asked]:
    """The claims of a question: each place it names (no town: those are refused apart) for each
    year it names, with its indicator when it names exactly one."""
    indicator = indicators[0] if len(indicators) == 1 else None
    return [Asked(p.full_name, p.name, y, indicator) for p in places if p.level != "town" for y in (years or [None])]


@dataclass
class Coverage:
    """What the corpus covers, by region full name: its years, and the indicators of each year."""

    years: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    regions: set[str] = field(default_factory=set)
    indicators: dict[tuple[str, int | None], set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, documents: list[dict], store: FactStore | None = None) -> Coverage:
        """From the documents' regions and years and the fact table's cells."""
        coverage = cls()
        for doc in documents:
            region = full_name(str(doc.get("region") or ""))
            if region:
                coverage.regions.add(region)
                coverage.years[region] |= {int(y) for y in doc.get("years") or ()}
        for written, year, indicator in store.cells() if store is not None else ():
            region = full_name(written)
            coverage.regions.add(region)
            if year is not None:
                coverage.years[region].add(int(year))
            coverage.indicators[(region, year)].add(indicator)
        return coverage

    def gap(self, asked: Asked) -> Gap | None:
        """None when the corpus covers the claim as far as its documents and fact rows can tell."""
        region = full_name(asked.region)
        if region not in self.regions:
            return Gap("region", asked)
        held = self.years.get(region, set())
        if asked.year is not None and held and asked.year not in held:
            return Gap("year", asked, tuple(sorted(held, reverse=True)))
        figures = self.indicators.get((region, asked.year), set()) if asked.year is not None else set()
        if asked.indicator and figures and asked.indicator not in figures:
            return Gap("indicator", asked)
        return None


@lru_cache(maxsize=4096)
def full_name(region: str) -> str:
    """A region's full name (陕西 → 陕西省, 黔东南州 → 黔东南苗族侗族自治州); unchanged when the
    gazetteer does not know it (a town, a redacted 浙江省某区)."""
    place = _region_place(region) if region else None
    return place.full_name if place is not None else region


def same_division(region: str, places: list[Place]) -> list[str]:
    """The names the question gives the document's region in any of its forms (黔东南州 and 黔东南
    for 黔东南苗族侗族自治州, which no suffix rule of :func:`region_aliases` derives)."""
    own = _region_place(region)
    if own is None or own.level == "national":
        return []
    return [p.name for p in places if (p.full_name, p.level, p.province) == (own.full_name, own.level, own.province)]


@lru_cache(maxsize=1024)
def written_forms(region: str) -> frozenset[str]:
    """The names the gazetteer reads as this region on their own, whatever else they may be
    (黔东南州, 黔东南 for 黔东南苗族侗族自治州); none for an ordinary word (合作 for 合作市)."""
    own = _region_place(region)
    if own is None or own.level == "national":
        return frozenset()
    return frozenset(
        name
        for name, divisions in gazetteer().names.items()
        if any(
            (d.full_name, d.level) == (own.full_name, own.level) and own.province in ("", d.province) for d in divisions
        )
    )


@lru_cache(maxsize=1024)
def _region_place(region: str) -> Place | None:
    """The division a document's region is, when the region is all of one name (not 浙江省某区)."""
    place = region_of(region)
    return place if place is not None and place.span[1] == len(region) else None


def names_any(sentence: str, written: list[str], places: tuple[Place, ...]) -> bool:
    """The sentence names one of the places as written, or the same division in another form
    (a row labelled 湖北 answers 湖北省; 黔东南州 answers 黔东南苗族侗族自治州)."""
    if any(p in sentence for p in written):
        return True
    wanted = {p.full_name for p in places if p.name in written}
    return bool(wanted) and any(p.full_name in wanted for p in named_places(sentence))
