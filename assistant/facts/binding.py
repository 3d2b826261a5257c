"""Indicator-bound verification: a figure is verified only when the fact it is in the passage
*as* has the indicator, region, year and qualifier its sentence claims.

Numeric verification alone accepts "钟楼区1-9月发明专利授权量为885件[1]" because 885件 is in [1] —
but there it is 专利授权量 (all patents); 发明专利授权量 is 144件. Here the answer sentence is read
with the same extractor as the documents: the figure's claimed indicator, qualifier, region and
year come from the sentence's own words (a place or year it names, even one the extractor binds
no indicator to), else from the question; the passage's facts with the same value must include
one that agrees. A figure the passage holds but no fact of the passage binds (the lexicon does not
know its indicator: 有效专利拥有量) is read on both sides by one rule (:func:`Binder.reading`):
the indicator phrase before it in its own clause, the place and year before it, else the
passage's region and years; a clause that names a thing of its own binds the figure to nothing
the answer can claim. So 周口's 有效专利拥有量18619件 is never 周口's 授权专利, nor 洛阳's anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from assistant.facts.extract import Fact, extract_facts
from assistant.facts.fact import NEW, YEAR, qualifier_from
from assistant.facts.prose import own_words
from assistant.facts.regions import Place as Place_
from assistant.facts.regions import places_in
from assistant.facts.vocabulary import Vocabulary, normalize
from assistant.language.figures import Figure, extract_figures
from assistant.language.places import Place, region_of
from assistant.language.text import SENTENCE, to_simplified

STOCK = frozenset({"", "累计"})  # 有效期内高企达227家 and 总数达132家 answer the same question
OTHER = "\x00other"  # the indicator of a figure whose clause names a thing the lexicon does not know
_GROWTH = re.compile(r"增长率|增速|增幅|同比增长|比上年增长|增长了?多少")
_SHARE = re.compile(r"占比|比重|比例")
_INCREASE = re.compile(r"比上年增加|同比增加|比上年多|比上年减少|同比减少")
# the composer's attribution line, titles, and the lead of the disagreement note (answer/conflicts.py),
# which names the documents before the figures and says what they are of after them
_QUOTED = re.compile(r"^\s*据《[^》]*》（[^）]*）：|《[^》]*》|注意：资料之间的数字不一致——")
_NOT_WORD = re.compile(r"[^\u4e00-\u9fffa-z&]+")
_LEAD_BREAK = re.compile(r"[，,；;：:｜|。！？!?]")  # 、 lists the words of one breakdown (文教、工美、体育…制造业)
_MINUS = ("-", "−", "－")
_BREAK = re.compile(r"[，,；;、：:｜|。！？!?]")  # a clause, or a table record's cell


def asked_qualifiers(question: str, units: frozenset[str] | None) -> frozenset[str]:
    """The qualifiers a question's figure may carry: 新增 / 同比增长 / 占比, else a stock."""
    q = to_simplified(question)
    if NEW.search(q) and "累计" not in q:  # the words that make a sentence's figure 新增 (认定, 新建…)
        return frozenset({"新增"})
    if _GROWTH.search(q):
        return frozenset({"同比增长"})
    if _INCREASE.search(q):  # 比上年增加多少: the change in the indicator's own unit (1465.9亿元)
        return frozenset({"同比增加"})
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
    subject: str | None = None  # words naming what the figure is of besides place and indicator (医药制造业)
    said: str = ""  # the sentence's words before the figure (a table record's row label among them)


@dataclass(frozen=True)
class Source:
    """A numbered passage as a figure no fact binds is read against: its text and what the
    document is about (its region, the years it reports on)."""

    text: str
    region: str = ""
    years: tuple[int, ...] = ()


def question_claim(question: str, vocab: Vocabulary, places: list[str], years: list[int]) -> Claim:
    """The question's indicator, its one place (as written: 常州市 stays the city, not 钟楼区)
    and its one year; a question naming several of either claims none of them."""
    indicator = vocab.search(question)
    return Claim(
        indicator,
        places[-1] if len(places) == 1 else None,
        years[0] if len(years) == 1 else None,
        asked_qualifiers(question, vocab.units(indicator)) if indicator else None,
    )


@lru_cache(maxsize=1024)
def _place(name: str) -> Place | None:
    return region_of(name)


@lru_cache(maxsize=4096)
def _places(sentence: str) -> tuple[Place_, ...]:
    """The places a sentence names (the gazetteer's word cut is the costly part of verification:
    an answer's sentences and its passages' recur from figure to figure)."""
    return tuple(places_in(sentence))


def _region_agrees(fact_region: str, claimed: str | None) -> bool:
    """One place, however written: a claim about 常州市 is not answered by 常州市钟楼区's figure
    (a district is not its city), nor one about 陕西 or 洛阳 by the nation's; one about 钟楼区 or
    常州钟楼区 is answered by 常州市钟楼区's."""
    if not claimed or not fact_region:
        return True
    mine, theirs = _place(claimed), _place(fact_region)
    if mine is None or theirs is None:
        return True
    return mine.within(theirs) and theirs.within(mine)


def agrees(fact: Fact, claim: Claim) -> bool:
    if claim.indicator and fact.indicator != claim.indicator:
        return False
    if claim.qualifiers is not None and fact.qualifier not in claim.qualifiers:
        return False
    if claim.year and fact.year and fact.year != claim.year:
        return False
    return _region_agrees(fact.region, claim.region) and _subject_agrees(fact, claim.subject, claim.said)


def _subject_agrees(fact: Fact, subject: str | None, said: str) -> bool:
    """A breakdown's figure (医药制造业's row) is not the whole region's, and the whole region's
    figure (全国 2.65%) is not a breakdown's the answer names but the fact's text does not."""
    if subject is None:
        return True
    theirs = _NOT_WORD.sub("", normalize(fact.subject))
    if theirs:
        return theirs in said
    text = _NOT_WORD.sub("", normalize(fact.text))
    return all(word in text for word in subject.split() if len(word) >= 2)


def _same_indicator(theirs: str, mine: str) -> bool:
    """Two readings name one indicator: the same canonical name, or unknown words of which one
    holds the other (高新技术产业增加值 in 全市高新技术产业增加值, not 战略性新兴产业增加值)."""
    if theirs.startswith(OTHER) and mine.startswith(OTHER):
        a, b = theirs.removeprefix(OTHER), mine.removeprefix(OTHER)
        return a in b or b in a
    return theirs == mine


def _readings_agree(theirs: Claim, mine: Claim) -> bool:
    """A passage's reading of a figure (``theirs``) against an answer's claim: an indicator the
    passage gives to something else (OTHER included) disagrees; one it leaves unsaid does not."""
    if mine.indicator and theirs.indicator and not _same_indicator(theirs.indicator, mine.indicator):
        return False
    if mine.qualifiers is not None and theirs.qualifiers is not None and not mine.qualifiers & theirs.qualifiers:
        return False
    if mine.year and theirs.year and mine.year != theirs.year:
        return False
    return _region_agrees(theirs.region or "", mine.region)


def _lead(sentence: str, raw: str, fig_start: int) -> str:
    """The words of the indicator's clause before the indicator phrase, places, years and
    carry-over words aside: 医药制造业 in "医药制造业2023年研发经费投入强度为2.65%"."""
    norm = normalize(sentence)
    at = norm.rfind(normalize(raw), 0, fig_start)
    if at < 0:
        return ""
    start = max((m.end() for m in _LEAD_BREAK.finditer(norm, 0, at)), default=0)
    return own_words(norm, start, at, list(_places(sentence)), gap=" ").replace("年", " ")


class Binder:
    """Called by verification for a figure found (by value) in passage ``n``."""

    def __init__(
        self,
        facts_of: Callable[[int], list[Fact]],
        vocab: Vocabulary,
        claim: Claim,
        source_of: Callable[[int], Source | None] | None = None,
    ) -> None:
        self.facts_of = facts_of
        self.vocab = vocab
        self.claim = claim
        self.source_of = source_of or (lambda n: None)
        self._facts: dict[str, list[Fact]] = {}
        self._found: dict[str, list[tuple[str, tuple[int, int]]]] = {}

    def _phrases(self, sentence: str) -> list[tuple[str, tuple[int, int]]]:
        if sentence not in self._found:
            self._found[sentence] = self.vocab.find(sentence)
        return self._found[sentence]

    def _sentence_facts(self, sentence: str) -> list[Fact]:
        if sentence not in self._facts:
            self._facts[sentence] = extract_facts("", sentence, {}, self.vocab)
        return self._facts[sentence]

    def reading(self, sentence: str, fig: Figure, default: Claim) -> Claim:
        """What ``sentence`` says ``fig`` is, read without the extractor (which binds no indicator
        to it): walking back from the figure clause by clause, the first indicator phrase, or the
        first clause naming words of its own (an indicator the lexicon does not know, kept as
        those words); the qualifier between; the place and year named before it — else
        ``default``'s. Answer and passage are read alike, so a copied sentence agrees with itself."""
        norm = normalize(sentence)
        phrases = self._phrases(sentence)
        # a place word inside an indicator's name (国家高企) is no place the figure belongs to
        places = [p for p in _places(sentence) if not any(s < p.end and p.start < e for _, (s, e) in phrases)]
        starts = [0, *(m.end() for m in _BREAK.finditer(norm, 0, fig.start))]
        years = [int(m.group(1)) for m in YEAR.finditer(norm, 0, fig.start)]
        year = years[-1] if years else default.year
        found = [(c, span) for c, span in phrases if span[1] <= fig.start]
        stops = [*starts[1:], fig.start]
        for start, stop in reversed(list(zip(starts, stops))):
            # as the extractor: a place in the figure's own clause, else in the clause that says what it is
            near = [p for p in places if start <= p.start and p.end <= fig.start]
            region = near[-1].name if near else default.region
            near = [(c, span) for c, span in found if span[1] > start]
            if near:
                qualifier = qualifier_from(norm[near[-1][1][1] : fig.start], "")
                return Claim(near[-1][0], region, year, STOCK if qualifier in STOCK else frozenset({qualifier}))
            words = own_words(norm, start, stop, places).replace("年", "")
            if len(words) >= 2:  # 有效专利拥有量18619件: a thing of its own, the lexicon does not know it
                return Claim(OTHER + words, region, year, None)
        near = [p for p in places if starts[-1] <= p.start and p.end <= fig.start]
        region = near[-1].name if near else default.region
        if any(span[0] >= fig.end for _, span in phrases):
            return Claim(None, region, year, None)  # "共组织28家企业申报认定高新技术企业": nobody's
        return replace(default, region=region, year=year)  # a bare figure ("为28家") is the default's

    def claim_in(self, sentence: str, fig: Figure) -> Claim:
        """The figure's claim as its own sentence words it, the question filling what it leaves out."""
        # the composer's 据《…》（region，years）： and any title (《2023年…公报》为2.56%) say where, not what
        own = _QUOTED.sub(lambda m: " " * len(m.group(0)), sentence)
        mine = next((f for f in self._sentence_facts(own) if f.start == fig.start), None)
        if mine is None:
            return self.reading(own, fig, self.claim)
        qualifiers = STOCK if mine.qualifier in STOCK else frozenset({mine.qualifier})
        return Claim(
            mine.indicator,
            mine.region or self.claim.region,
            mine.year or self.claim.year,
            qualifiers,
            mine.subject or _lead(own, mine.raw, fig.start),
            _NOT_WORD.sub("", normalize(own[: fig.start])),
        )

    def _source_agrees(self, fig: Figure, n: int, claim: Claim) -> bool:
        """No fact of passage n holds the figure: read it there by the answer's own rule."""
        source = self.source_of(n)
        if source is None:
            return True  # nothing to read it against: the value check stands
        default = Claim(None, source.region or None, source.years[0] if len(source.years) == 1 else None, None)
        for m in SENTENCE.finditer(source.text):
            for theirs in extract_figures(m.group(0)):
                if (
                    not theirs.is_year
                    and theirs.exact == fig.exact
                    and (not fig.unit or not theirs.unit or theirs.unit == fig.unit)
                ):
                    if _readings_agree(self.reading(m.group(0), theirs, default), claim):
                        return True
        return False

    def _copied(self, sentence: str, n: int) -> bool:
        """Whether the sentence is passage n's own words (the extractive composer quotes them)."""
        source = self.source_of(n)
        body = re.sub(r"\s+", "", _QUOTED.sub("", sentence)).rstrip("。；;")
        return source is not None and len(body) >= 8 and body in re.sub(r"\s+", "", source.text)

    def __call__(self, sentence: str, fig: Figure, n: int) -> bool:
        # a figure is read without its sign; a table cell's fact keeps it (比上年增长（%）-2.5)
        signed = -float(fig.exact) if sentence[max(fig.start - 1, 0) : fig.start] in _MINUS else float(fig.exact)
        same = [f for f in self.facts_of(n) if f.base_value == signed and (not fig.unit or f.base_unit == fig.unit)]
        claim = self.claim_in(sentence, fig)
        if claim.year and not YEAR.search(normalize(_QUOTED.sub("", sentence))) and self._copied(sentence, n):
            claim = replace(claim, year=None)  # a quoted sentence's year is its source's, not the question's
        if not same:
            return self._source_agrees(fig, n, claim)
        if any(agrees(f, claim) for f in same):
            return True
        # a quoted table record: read as prose, its figure takes the header's words (完成额（万元）777397:
        # an indicator the lexicon does not know) or a qualifier from its title (构成及其增长速度｜经营净收入｜
        # 绝对数（元）3476: 同比增加), while the row's facts bind it cell by cell; it is what they say, and
        # answers when one of them is what the question asks
        return self._copied(sentence, n) and any(f.kind == "table" and agrees(f, self.claim) for f in same)

    def asked(self, fig: Figure, n: int) -> bool:
        """Whether passage n holds ``fig`` as the question's own indicator (a fact, not a reading):
        what a fallback needs before it overrides a model that declined."""
        return self.claim.indicator is not None and any(
            f.base_value == float(fig.exact) and f.indicator == self.claim.indicator and agrees(f, self.claim)
            for f in self.facts_of(n)
        )
