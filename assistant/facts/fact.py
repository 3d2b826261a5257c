"""What a fact is, and the readings both extractors share: a figure's value as written, its
qualifier (新增 / 累计 / 同比增长 / 占比), whether its unit can be the indicator's, a year.

Table rows (:mod:`assistant.facts.extract`) and sentences (:mod:`assistant.facts.prose`) read
these the same way, so a table cell and a sentence giving one figure make one fact.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from assistant.facts.vocabulary import Vocabulary, normalize
from assistant.language.figures import Figure
from assistant.language.places import region_of

YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")
_SCALE = re.compile(r"万亿|千万|百万|万|亿")
_SCALES = {"万亿": 10**12, "千万": 10**7, "百万": 10**6, "万": 10**4, "亿": 10**8}

# Qualifier words, tried in this order on the words between the indicator and the figure.
_GROWTH = re.compile(r"同比|比上年|增长|增幅|增速|提高|提升|下降|减少|增加")
SHARE = re.compile(r"占.{0,12}(?:比重|比例)|比重|占比")
NEW = re.compile(r"新增|认定|新培育|新引进|新登记|新建|新获")
_TOTAL = re.compile(r"累计|总数|总量|总计|拥有|共有|总额")
_PERCENT_UNITS = ("%", "个百分点")


@dataclass(frozen=True)
class Fact:
    """One figure bound to what it measures. ``value``/``unit`` as written (769.6, 亿元);
    ``base_value``/``base_unit`` in base units (7.696e10, 元) for comparing across spellings."""

    indicator: str  # canonical (through the vocabulary)
    raw: str  # the wording as written: the indicator phrase, or the column header
    subject: str  # a breakdown that is not a place (采矿业, 省级); "" for the whole region
    region: str
    level: str
    year: int | None
    period: str  # "1-9月", "" for the whole year
    value: float
    unit: str
    base_value: float
    base_unit: str
    qualifier: str  # "" | 新增 | 累计 | 同比增长 | 同比增加 | 占比
    source: str
    title: str
    chunk_id: str
    kind: str  # "table" | "text"
    text: str  # the table row or the sentence the figure stands in
    start: int  # the figure's span in the chunk text
    end: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Context:
    chunk_id: str
    source: str
    title: str
    region: str
    level: str
    years: tuple[int, ...]
    section: str


def context(chunk_id: str, meta: dict[str, Any]) -> Context:
    years = meta.get("years") or []
    if isinstance(years, str):
        years = json.loads(years) if years.startswith("[") else [int(y) for y in re.findall(r"\d{4}", years)]
    region = str(meta.get("region", ""))
    return Context(
        chunk_id,
        str(meta.get("source", "")),
        str(meta.get("title", "")),
        region,
        _level(region) or str(meta.get("level", "")),
        tuple(int(y) for y in years),
        str(meta.get("section", "")),
    )


_SHOWN = re.compile(r"[-−]?\d[\d,]*(?:\.\d+)?")


def shown(fact: Fact) -> str:
    """The value as its source displays it (a cell formatted 0.00% reads 4.00%, one with thousands
    separators 79,478,291), never re-formatted from the float (4%); the shortest form where the
    source's digits are not the value (a figure in 万 restated, a value computed)."""
    m = _SHOWN.search(fact.text[fact.start : fact.end])
    if m and float(m.group(0).replace(",", "").replace("−", "-")) == fact.value:
        return m.group(0)
    return format(Decimal(repr(fact.value)).normalize(), "f")


@lru_cache(maxsize=4096)
def _level(region: str) -> str:
    """The gazetteer's level of a document's region (national, province, …), so a document's own
    facts and the places its sentences name use one vocabulary."""
    place = region_of(region) if region else None
    return place.level if place else ""


def display(fig: Figure) -> tuple[float, str]:
    """The value and unit as written: 26.8亿元 → (26.8, 亿元), 48.4% → (48.4, %)."""
    scale = _SCALE.search(normalize(fig.text))
    if scale is None:
        return float(fig.exact), fig.unit
    return float(fig.exact / Decimal(_SCALES[scale.group(0)])), scale.group(0) + fig.unit


def qualifier_from(between: str, before: str) -> str:
    if _GROWTH.search(between):
        return "同比增长"
    if SHARE.search(between):
        return "占比"
    if NEW.search(between) or NEW.search(before):
        return "新增"
    if _TOTAL.search(between) or _TOTAL.search(before):
        return "累计"
    return ""


def unit_fits(qualifier: str, unit: str, allowed: frozenset[str] | None) -> tuple[bool, str]:
    """Whether the figure can be this indicator's, and the qualifier once the unit is known
    (同比增长 with a money unit is an absolute increase: 同比增加)."""
    if qualifier == "同比增长":
        return True, "同比增长" if unit in _PERCENT_UNITS else "同比增加"
    if qualifier == "占比":
        return unit == "%", qualifier
    return allowed is None or unit in allowed, qualifier


def as_share(vocab: Vocabulary, indicator: str, qualifier: str) -> tuple[str, str]:
    """A share the lexicon names as an indicator of its own (高新技术产业产值 占…比重 is
    高新技术产业产值占比), the same for a sentence and a table cell, so that a row copied into an
    answer binds its figure as the row does."""
    if qualifier == "占比" and (share := vocab.canonical(indicator + "占比")):
        return share, ""
    return indicator, qualifier


def year_from(text: str) -> int | None:
    m = YEAR.search(normalize(text))
    return int(m.group(1)) if m else None
