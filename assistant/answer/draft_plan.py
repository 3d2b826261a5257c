"""Plan a drafted paragraph before writing it: which facts a policy writer leads with, and why.

Retrieval ranks passages by how much they look like the topic, which is not what a writer leads
with: asked for 泰兴市2020年科技创新成效, the best-matching sentences were an incubator's 15 new
projects and a growth rate from the 短板和不足 section. A plan instead collects candidate facts
(one retrieval per headline indicator, so every headline gets a chance), drops what must never be
written as a result (shortcomings; targets, estimates of later years, plans), and ranks what is
left by importance: the headline indicators in their data-file order, then one or two
comparisons or trends, then supporting measures. Retrieval score plays no part in the order.

A fact is a clause group of one source sentence: the clause holding a figure plus the clauses
that continue it (同比增长119.3%, 列泰州第1), quoted as written so every figure can be verified
against the original passage. Indicators are recognized by the indicator lexicon
(:mod:`assistant.lexicon`); which of them are headlines, in what order, and the markers of
shortcomings, targets and comparisons live in ``assistant/data/drafting.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from assistant.answer.grounding import Passage, analyze, evidence_years
from assistant.errors import AssistantError
from assistant.figures import Figure, extract_figures
from assistant.lexicon import Lexicon, load_lexicon
from assistant.retrieve import Filters, Retriever
from assistant.text import SENTENCE, to_simplified

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "drafting.toml"
ROLES = ("headline", "comparison", "measure", "context")  # in rank order; context only fills a short draft
MAX_COMPARISONS = 2  # a paragraph carries one or two comparisons or trends, not a table of them
MAX_ITEMS = 12  # more than a 300-character paragraph can hold; the writer takes them in order
PER_QUERY = 4  # passages per retrieval (one retrieval per headline indicator, plus the topic)

_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")
_FOOTNOTE = re.compile(r"\[\d+\]|［\d+］")
_SPACE_NEAR_CJK = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+|(?<=\d)\s+(?=[%.])|(?<=\.)\s+(?=\d)")
_BREAKDOWN = re.compile(r"[（(]其中[^）)]*[）)]")
_LIST_MARK = re.compile(r"^\s*(?:[一二三四五六七八九十]+是|[（(]?[一二三四五六七八九十\d]+[)）、.．]|其中)\s*")


class Headline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    indicators: list[str]  # canonical names in the indicator lexicon
    topic: list[str]
    query: str


class Markers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shortcoming_sections: list[str]
    plan_sections: list[str]
    target_words: list[str]
    pending: list[str]
    continuation: list[str]
    comparison: list[str]
    general_topic: list[str]


class DraftingSpec(BaseModel):
    """The data file, validated: a bad entry is named at load, not discovered mid-draft."""

    model_config = ConfigDict(extra="forbid")
    headline: list[Headline]
    units: dict[str, list[str]]  # lexicon unit family → figure units
    markers: Markers

    def pattern(self, name: str) -> re.Pattern[str]:
        return _alternation(tuple(getattr(self.markers, name)))


@lru_cache(maxsize=None)
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(words))


@lru_cache(maxsize=4)
def load_spec(path: Path = DATA_FILE) -> DraftingSpec:
    try:
        return DraftingSpec.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise AssistantError(f"drafting data {path} is invalid: {str(exc).splitlines()[0]}") from exc


@dataclass(frozen=True)
class PlanItem:
    """One fact the paragraph may carry, with where it comes from and why it was chosen."""

    key: str  # stable across redrafts: the page drops a fact by this key
    role: str  # headline | comparison | measure | context (another headline of the region and period)
    indicator: str  # the headline indicator the clause names ("" for a measure of no headline)
    region: str
    years: tuple[int, ...]  # the years the fact speaks of
    text: str  # the clause group as written in the source (original script)
    sentence: str  # the whole evidence sentence
    passage: Passage
    figures: tuple[Figure, ...]
    why: str

    @property
    def value(self) -> str:
        return "、".join(f.text for f in self.figures)

    def to_json(self, n: int) -> dict[str, Any]:
        return {"key": self.key, "n": n, "role": self.role, "indicator": self.indicator, "region": self.region,
                "years": list(self.years), "text": self.text, "value": self.value, "sentence": self.sentence,
                "source": self.passage.source, "why": self.why}


@dataclass
class Plan:
    """A ranked list of facts; ``passages`` are numbered [1..] in the order the items first use them."""

    topic: str
    subject: str  # what the paragraph is about, without region, year and request words
    regions: list[str]
    years: list[int]
    items: list[PlanItem]
    dropped: list[PlanItem] = field(default_factory=list)
    refusal: str | None = None

    @property
    def passages(self) -> list[Passage]:
        seen: dict[str, Passage] = {}
        for item in self.items:
            seen.setdefault(item.passage.chunk_id, item.passage)
        return [_renumber(p, n) for n, p in enumerate(seen.values(), start=1)]

    def number(self, item: PlanItem) -> int:
        return next(p.n for p in self.passages if p.chunk_id == item.passage.chunk_id)

    def to_json(self) -> list[dict[str, Any]]:
        return [item.to_json(self.number(item)) for item in self.items]


def _renumber(p: Passage, n: int) -> Passage:
    return replace(p, n=n)


def clean_clause(text: str) -> str:
    """Source text fit to quote: footnote marks ([2] would read as a citation) and the spaces of
    Word-exported HTML (30782.9 亿元) removed, list markers (二是) and breakdowns ((其中发明980件…))
    dropped: a paragraph states the total."""
    text = _SPACE_NEAR_CJK.sub("", _BREAKDOWN.sub("", _FOOTNOTE.sub("", text))).strip()
    for opening, closing in ("()", "（）"):  # a clause cut inside brackets (…1457万元(其中，…) ends before them
        if text.count(opening) > text.count(closing):
            text = text[: text.rfind(opening)]
    return _LIST_MARK.sub("", text).strip(" ，,；;：:。")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", to_simplified(text)).lower()


@dataclass(frozen=True)
class _Named:
    """What a clause names: its lexicon indicators, and the headline they belong to (if any)."""

    indicators: tuple[str, ...]
    headline: Headline | None
    importance: int  # the headline's place in the data file; len(headlines) for none

    def measured_in(self, spec: DraftingSpec, lexicon: Lexicon, figures: tuple[Figure, ...]) -> bool:
        """A figure of the clause is in a unit its indicator is measured in (高企 are counted, not paid)."""
        units = {u for name in self.indicators for u in spec.units.get(lexicon.unit_family(name), [])}
        return any(f.unit in units for f in figures)


def _named(spec: DraftingSpec, lexicon: Lexicon, text: str) -> _Named:
    names = tuple(dict.fromkeys(name for name, _ in lexicon.find(text)))
    for i, h in enumerate(spec.headline):
        mine = tuple(n for n in names if n in h.indicators)
        if mine:
            return _Named(mine, h, i)
    return _Named(names, None, len(spec.headline))


def _facts_of_sentence(spec: DraftingSpec, sentence: str) -> list[tuple[str, tuple[Figure, ...]]]:
    """Clause groups: a clause with a figure, plus the figure-less or continuing clauses after it."""
    continuing = spec.pattern("continuation")
    groups: list[tuple[list[str], list[Figure]]] = []
    inside = False  # within brackets a clause cut at 、，: 1457万元(其中，年产值达35.46亿元…) is not about 1457万元
    for m in _CLAUSE.finditer(sentence):
        clause = m.group(0)
        depth = clause.count("(") + clause.count("（") - clause.count(")") - clause.count("）")
        if inside:
            inside = depth >= 0
            continue
        inside = depth > 0
        found = [f for f in extract_figures(_BREAKDOWN.sub(" ", _FOOTNOTE.sub(" ", clause))) if not f.is_year]
        figures = [f for f in found if f.unit]
        body = clean_clause(clause)
        if not body or len(figures) < len(found):  # 提高0.3 cut off from its unit by a chunk border
            continue
        continues = bool(continuing.match(_norm(body)))
        if continues and not groups:  # 总数达295家 at a chunk's start: whose total, the chunk does not say
            continue
        if figures and not continues:
            groups.append(([body], figures))
        elif groups and (figures or len(groups[-1][0]) < 3) and len(body) <= 40:
            groups[-1][0].append(body)
            groups[-1][1].extend(figures)
    return [("，".join(parts), tuple(figs)) for parts, figs in groups]


_NOWHERE = Passage(0, "", "", "", "", (), "", "")


def _years_in(text: str) -> set[int]:
    return evidence_years(_NOWHERE, text)


def _excluded(spec: DraftingSpec, passage: Passage, sentence: str, text: str, period: set[int]) -> str | None:
    """Why a fact must not be drafted as a result, or None."""
    section = _norm(passage.section)
    if spec.pattern("shortcoming_sections").search(section):
        return "短板与不足"
    section_years = _years_in(passage.section)
    if spec.pattern("plan_sections").search(section) or (period and section_years and min(section_years) > max(period)):
        return "工作思路与计划"
    if spec.pattern("target_words").search(_norm(text)) and (not period or not _speaks_of(sentence, period)):
        return "目标或预计"
    said = _years_in(sentence)
    if period and said and min(said) > max(period):
        return "晚于所写年份"
    return None


def _speaks_of(text: str, period: set[int]) -> bool:
    """An estimate for the period itself (2013年…预计超9亿元, in the 2013 report) may be drafted
    as the estimate it is; a target for a later year may not."""
    years = _years_in(text)
    return bool(years & period) and max(years) <= max(period)


def _in_period(passage: Passage, sentence: str, period: set[int]) -> bool:
    """The fact is reported for the period: its sentence, section or document speaks of it (a
    2020 report's 2019年度研发经费占比 is part of the 2020 results; a 2021 target is not)."""
    if not period:
        return True
    years = evidence_years(passage, sentence) | set(passage.years)
    return bool(years & period)


def subject_of(topic: str, places: list[str], spec: DraftingSpec) -> str:
    """泰兴市2020年高新技术企业培育成效 → 高新技术企业培育: what the topic sentence names."""
    text = to_simplified(topic)
    for name in sorted(places, key=len, reverse=True):
        text = text.replace(name, "")
    text = re.sub(r"(?:19|20)\d\d\s*年度?|[（(]简体[)）]", "", text)
    text = re.sub(r"^(?:为|写一段|起草一段|起草|撰写|请)+|写一段|起草一段|关于", "", text)
    text = re.sub(r"的?(?:报告段落|总结文字|汇报材料|段落|文字|材料|总结|简报)$", "", text)
    text = re.sub(r"(?:工作|成效|情况|成果|进展|亮点|对比|比较)+$", "", text)
    return re.sub(r"^各地|^全市|^的|的$", "", text).strip() or "科技创新"


@dataclass
class _Topic:
    regions: list[str]
    years: list[int]
    places: list[str]
    focus: list[Headline]  # headline indicators the topic names
    subject_words: list[str]  # further words a measure must carry to be on topic


def read_topic(topic: str, documents: list[dict], spec: DraftingSpec, lexicon: Lexicon) -> _Topic:
    facts = analyze(topic, documents)
    plain = _norm(topic)
    asked = {name for name, _ in lexicon.find(topic)}
    focus = [h for h in spec.headline if any(w.lower() in plain for w in h.topic) or asked & set(h.indicators)]
    general = set(spec.markers.general_topic)
    named = {w for h in focus for w in h.topic} | {v for h in focus for i in h.indicators for v in lexicon.variants(i)}
    words = [t for t in facts.tokens if t not in general and not any(t in n or n in t for n in named)]
    # 浙江某区 names the district, not also the province whose policies are indexed as 浙江省
    regions = [r for r in facts.regions if not any(r != o and r in o for o in facts.regions)]
    return _Topic(regions, facts.years, facts.places, focus, words)


def build_plan(topic: str, retriever: Retriever, filters: Filters | None = None, drop: frozenset[str] = frozenset(),
               spec: DraftingSpec | None = None) -> Plan:
    """Retrieve once per headline indicator (and once for the topic), then rank the facts found."""
    spec = spec or load_spec()
    lexicon = load_lexicon(retriever.settings.knowledge_dir)
    documents = retriever.documents()
    asked = read_topic(topic, documents, spec, lexicon)
    period = set(asked.years)
    region_words = " ".join(asked.places)
    year_words = " ".join(f"{y}年" for y in asked.years)
    queries = [topic] + [f"{region_words} {year_words} {h.query}" for h in asked.focus + [h for h in spec.headline if h not in asked.focus]]
    scopes = [Filters(region=r, year=filters.year if filters else None, document=filters.document if filters else None)
              for r in asked.regions] if len(asked.regions) > 1 else [filters or Filters(region=asked.regions[0] if asked.regions else None)]
    passages: dict[str, Passage] = {}
    starts: dict[str, int] = {}  # chunk offsets in their document: facts keep the document's order
    for scope in scopes:
        for query in queries:
            # BM25 alone: the queries are keyword lists, the plan ranks by importance anyway, and a
            # query embedding costs more than the whole draft may take (one second)
            for r in retriever.search(query, k=PER_QUERY, filters=scope or None, mode="lexical"):
                starts[r.chunk_id] = int(r.metadata.get("start") or 0)
                passages.setdefault(r.chunk_id, Passage.of(0, r))
    candidates = _candidates(spec, lexicon, asked, list(passages.values()), period, starts)
    plan = Plan(topic, subject_of(topic, asked.places, spec), asked.regions, asked.years, [], [])
    ranked = _rank(candidates, asked)
    plan.items = [c for c in ranked if c.key not in drop][:MAX_ITEMS]
    plan.dropped = [c for c in ranked if c.key in drop]
    if not plan.items:
        plan.refusal = "资料中没有相应地区和年份可写的成效数据"
    return plan


def _candidates(spec: DraftingSpec, lexicon: Lexicon, asked: _Topic, passages: list[Passage], period: set[int],
                starts: dict[str, int]) -> list[tuple[tuple, PlanItem]]:
    comparing = spec.pattern("comparison")
    out: dict[str, tuple[tuple, PlanItem]] = {}
    for passage in passages:
        if asked.regions and passage.region not in asked.regions:
            continue
        for m in SENTENCE.finditer(passage.text):
            sentence = m.group(0).strip()
            if not _in_period(passage, sentence, period):
                continue
            for text, figures in _facts_of_sentence(spec, sentence):
                if _excluded(spec, passage, sentence, text, period):
                    continue
                named = _named(spec, lexicon, text)
                if not named.indicators:  # 有效期内达227家: the indicator is named earlier in the sentence
                    named = _named(spec, lexicon, sentence)
                headline = named.headline
                units_fit = headline is not None and named.measured_in(spec, lexicon, figures)
                on_focus = not asked.focus or headline in asked.focus
                topical = _norm(text + passage.section)
                on_words = not asked.subject_words or any(w in topical for w in asked.subject_words)
                off_topic = (asked.focus and not on_focus and not (asked.subject_words and on_words)) or (
                    not asked.focus and asked.subject_words and not on_words)
                if off_topic and not units_fit:
                    continue
                compares = bool(comparing.search(_norm(text)))
                years = tuple(sorted(evidence_years(passage, sentence)))
                indicator = "、".join(named.indicators[:2])
                if off_topic and headline is not None:
                    role, order = "context", named.importance
                    why = f"同地区同期的另一头条指标「{headline.name}」，仅在段落过短时补充"
                elif units_fit and headline is not None and not spec.pattern("pending").search(_norm(text)):
                    role, order = "headline", named.importance
                    why = f"头条指标「{headline.name}：{indicator}」（重要性第{named.importance + 1}位）" + (
                        "，含同比或排名比较" if compares else "")
                elif compares:
                    role, order = "comparison", 0
                    why = "比较或趋势：" + ("与上年或同期相比" if re.search("同比|比上年|较上年|增长|提高|下降", text) else "位次比较")
                else:
                    role, order = "measure", 0
                    why = "支撑举措" + (f"（{indicator}）" if indicator else "")
                doc_order = (passage.source, starts.get(passage.chunk_id, 0) + passage.text.find(sentence), sentence.find(text[:6]))
                key = f"{passage.source}#{doc_order[1]}:{figures[0].text}"
                # one fact per source position: overlapping retrievals return the same chunk text
                identity = f"{passage.source}|{_norm(text)}"
                item = PlanItem(key, role, headline.name if headline else indicator, passage.region, years, text,
                                sentence, passage, figures, why)
                out.setdefault(identity, ((ROLES.index(role), order, doc_order), item))
    return list(out.values())


def _rank(candidates: list[tuple[tuple, PlanItem]], asked: _Topic) -> list[PlanItem]:
    """Headlines by importance, then at most two comparisons, then measures; a comparison across
    regions interleaves the regions so each indicator is seen side by side."""
    # overlapping chunks cut one sentence differently: a fact whose figures another fact of the
    # same document carries (all of them, and more) adds nothing
    def covered(item: PlanItem) -> bool:
        mine = {f.text for f in item.figures}
        return any(other is not item and other.passage.source == item.passage.source
                   and mine <= {f.text for f in other.figures} and (len(other.figures), other.key) > (len(item.figures), item.key)
                   for _, other in candidates)

    ordered = [item for _, item in sorted(candidates, key=lambda c: c[0]) if not covered(item)]
    comparisons = [i for i in ordered if i.role == "comparison"][:MAX_COMPARISONS]
    kept = [i for i in ordered if i.role != "comparison" or i in comparisons]
    if len(asked.regions) != 1:
        by_region: dict[str, list[PlanItem]] = {}
        for item in kept:
            by_region.setdefault(item.region, []).append(item)
        interleaved: list[PlanItem] = []
        for depth in range(max((len(v) for v in by_region.values()), default=0)):
            interleaved += [items[depth] for items in by_region.values() if depth < len(items)]
        kept = interleaved
    return kept
