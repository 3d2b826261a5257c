"""Indicator-bound verification: a figure is verified only when the fact it is in the passage
*as* has the indicator, region and year its sentence claims.

Numeric verification alone accepts "钟楼区1-9月发明专利授权量为885件[1]" because 885件 is in [1] —
but there it is 专利授权量 (all patents); 发明专利授权量 is 144件. Here the answer sentence is read
with the same extractor as the documents: the figure's claimed indicator, qualifier and region
come from the sentence's own words (else from the question), its year only where the sentence
states one, and the passage's facts with the same value must include one that agrees. A figure the passage holds but no fact of the
passage binds (the extractor saw no indicator for it) keeps its numeric verification: the
table cannot contradict what it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from assistant.facts.extract import Fact, extract_facts
from assistant.facts.vocabulary import Vocabulary
from assistant.figures import Figure
from assistant.places import Place, region_of
from assistant.text import to_simplified

STOCK = frozenset({"", "累计"})  # 有效期内高企达227家 and 总数达132家 answer the same question
_NEW = re.compile(r"新增|新认定|新培育|新引进")
_GROWTH = re.compile(r"增长率|增速|增幅|同比增长|比上年增长|增长了?多少")
_SHARE = re.compile(r"占比|比重|比例")
_ATTRIBUTION = re.compile(r"^\s*据《[^》]*》（[^）]*）：")


def asked_qualifiers(question: str, units: frozenset[str] | None) -> frozenset[str]:
    """The qualifiers a question's figure may carry: 新增 / 同比增长 / 占比, else a stock."""
    q = to_simplified(question)
    if _NEW.search(q):
        return frozenset({"新增"})
    if _GROWTH.search(q):
        return frozenset({"同比增长"})
    if _SHARE.search(q) and units != {"%"}:
        return frozenset({"占比"})
    return STOCK


@dataclass(frozen=True)
class Claim:
    """What a figure is said to be; None where nothing is said (then anything agrees)."""

    indicator: str | None = None
    region: str | None = None
    year: int | None = None
    qualifiers: frozenset[str] | None = None


def question_claim(question: str, vocab: Vocabulary, places: list[str], years: list[int]) -> Claim:
    """The question's indicator, its one place (as written: 常州市 stays the city, not 钟楼区)
    and its one year; a question naming several of either claims none of them."""
    indicator = vocab.search(question)
    return Claim(indicator, places[-1] if len(places) == 1 else None, years[0] if len(years) == 1 else None,
                 asked_qualifiers(question, vocab.units(indicator)) if indicator else None)


@lru_cache(maxsize=1024)
def _place(name: str) -> Place | None:
    return region_of(name)


def _region_agrees(fact_region: str, claimed: str | None) -> bool:
    """A claim about 常州市 is not answered by 常州市钟楼区's figure (a district is not its city);
    one about 钟楼区 or 常州钟楼区 is."""
    if not claimed or not fact_region:
        return True
    mine, theirs = _place(claimed), _place(fact_region)
    if mine is None or theirs is None:
        return True
    return mine.within(theirs)


def agrees(fact: Fact, claim: Claim) -> bool:
    if claim.indicator and fact.indicator != claim.indicator:
        return False
    if claim.qualifiers is not None and fact.qualifier not in claim.qualifiers:
        return False
    if claim.year and fact.year and fact.year != claim.year:
        return False
    return _region_agrees(fact.region, claim.region)


class Binder:
    """Called by verification for a figure found (by value) in passage ``n``."""

    def __init__(self, facts_of: Callable[[int], list[Fact]], vocab: Vocabulary, claim: Claim) -> None:
        self.facts_of = facts_of
        self.vocab = vocab
        self.claim = claim

    def claim_in(self, sentence: str, fig: Figure) -> Claim:
        """The figure's claim as its own sentence words it, the question filling what it leaves out.
        A bare figure ("为28家[1]") claims the question's indicator; one in a sentence that names
        indicators but binds none to it ("共组织28家企业申报认定高新技术企业") claims nothing."""
        own = _ATTRIBUTION.sub(lambda m: " " * len(m.group(0)), sentence)  # the composer's 据《…》（region，years）：
        mine = next((f for f in extract_facts("", own, {}, self.vocab) if f.start == fig.start), None)
        if mine is None:
            return Claim() if self.vocab.find(own) else self.claim
        qualifiers = STOCK if mine.qualifier in STOCK else frozenset({mine.qualifier})
        # a year is claimed only where the sentence states one; a place, else the question's
        return Claim(mine.indicator, mine.region or self.claim.region, mine.year, qualifiers)

    def __call__(self, sentence: str, fig: Figure, n: int) -> bool:
        same = [f for f in self.facts_of(n) if f.base_value == float(fig.exact) and (not fig.unit or f.base_unit == fig.unit)]
        if not same:
            return True
        claim = self.claim_in(sentence, fig)
        return any(agrees(f, claim) for f in same)
