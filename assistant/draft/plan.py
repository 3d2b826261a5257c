"""Plan a drafted paragraph before writing it: which facts a policy writer leads with, and why.

Retrieval ranks passages by how much they look like the topic, which is not what a writer leads
with: asked for 泰兴市2020年科技创新成效, the best-matching sentences were an incubator's 15 new
projects and a growth rate from the 短板和不足 section. A plan instead collects candidate facts —
one retrieval per headline indicator, so every headline gets a chance, plus the headline figures
the fact table holds for the topic's regions and period (:mod:`assistant.draft.facts`) —
drops what must never be written as a result (:mod:`assistant.draft.clauses`), and ranks
what is left by importance: the headline indicators in their data-file order
(``assistant/data/drafting.toml``), then one or two comparisons or trends, then supporting
measures. Retrieval score plays no part in the order. A policy-area topic (高新技术企业认定条件)
is planned from one policy's provisions instead (:mod:`assistant.draft.policy`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.answer.grounding import evidence_years
from assistant.answer.types import Passage
from assistant.draft.clauses import excluded, facts_of_sentence, in_period, named_in, norm, role_of
from assistant.draft.facts import FactDraw, draw, held_regions
from assistant.draft.policy import policy_source, provisions
from assistant.draft.topic import Topic, read_topic, subject_of
from assistant.facts.store import FactStore
from assistant.language.draft_terms import DraftingSpec, load_spec
from assistant.language.figures import Figure, extract_figures
from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.text import SENTENCE
from assistant.retrieve import Filters, Retriever, SearchResult

# in rank order; a provision is a policy's (a policy-area topic has nothing else); context only fills a short draft
ROLES = ("headline", "provision", "comparison", "measure", "context")
MAX_COMPARISONS = 2  # a paragraph carries one or two comparisons or trends, not a table of them
MAX_ITEMS = 12  # more than a 300-character paragraph can hold; the writer takes them in order
PER_QUERY = 4  # passages per retrieval (one retrieval per headline indicator, plus the topic)

_LISTED = re.compile(r"分别|依次")


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
        return {
            "key": self.key,
            "n": n,
            "role": self.role,
            "indicator": self.indicator,
            "region": self.region,
            "years": list(self.years),
            "text": self.text,
            "value": self.value,
            "sentence": self.sentence,
            "source": self.passage.source,
            "why": self.why,
        }


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


def build_plan(
    topic: str,
    retriever: Retriever,
    filters: Filters | None = None,
    drop: frozenset[str] = frozenset(),
    spec: DraftingSpec | None = None,
    facts: FactStore | None = None,
) -> Plan:
    """Retrieve once per headline indicator (and once for the topic), draw the headline figures the
    fact table holds for the topic's regions and period, then rank the facts found."""
    spec = spec or load_spec()
    lexicon = load_lexicon(retriever.settings.knowledge_dir)
    asked = read_topic(topic, retriever.documents(), spec, lexicon, held_regions(facts))
    plan = Plan(topic, subject_of(topic, asked.places, spec), asked.regions, asked.years, [], [])
    if asked.unknown:  # 海南省 with no document and no figure: never a neighbour's or the nation's figures
        plan.refusal = f"资料中没有{'、'.join(asked.unknown)}的数据"
        return plan
    policy = policy_source(topic, asked, spec, retriever)
    if policy is not None:
        _policy_items(topic, asked, spec, retriever, policy, drop, plan)
        return plan
    period = set(asked.years)
    passages, starts = _retrieve(topic, retriever, asked, spec, filters)
    drawn = draw(facts, retriever, spec, asked.regions, period)
    for passage in drawn.passages:
        passages.setdefault(passage.chunk_id, passage)
        starts.setdefault(passage.chunk_id, int(retriever.metadata(passage.chunk_id).get("start") or 0))
    candidates = _candidates(spec, lexicon, asked, list(passages.values()), period, starts)
    candidates += _table_items(spec, asked, drawn, retriever, period)
    _keep(plan, _rank(candidates, asked), drop)
    return plan


def _keep(plan: Plan, ranked: list[PlanItem], drop: frozenset[str]) -> None:
    """The ranked facts the user did not drop (at most a paragraph's worth), or the refusal."""
    plan.items = [c for c in ranked if c.key not in drop][:MAX_ITEMS]
    plan.dropped = [c for c in ranked if c.key in drop]
    if not plan.items:
        plan.refusal = "资料中没有相应地区和年份可写的成效数据"


def _policy_items(
    topic: str,
    asked: Topic,
    spec: DraftingSpec,
    retriever: Retriever,
    policy: SearchResult,
    drop: frozenset[str],
    plan: Plan,
) -> None:
    """A policy-area plan: the policy's provisions with figures, in its own order."""
    ranked = []
    for rank, text, passage, why in sorted(provisions(topic, asked, spec, retriever, policy), key=lambda c: c[0]):
        figures = tuple(f for f in extract_figures(text) if not f.is_year)
        ranked.append(
            PlanItem(
                f"{passage.source}#{rank[1]}:{figures[0].text}",
                "provision",
                "",
                passage.region,
                passage.years,
                text,
                text,
                passage,
                figures,
                why,
            )
        )
    _keep(plan, ranked, drop)


def _retrieve(
    topic: str, retriever: Retriever, asked: Topic, spec: DraftingSpec, filters: Filters | None
) -> tuple[dict[str, Passage], dict[str, int]]:
    """The passages of one BM25 retrieval per headline (the topic's first) and per region, with
    each chunk's offset in its document, so facts keep the document's order."""
    region_words = " ".join(asked.places)
    year_words = " ".join(f"{y}年" for y in asked.years)
    headlines = asked.focus + [h for h in spec.headline if h not in asked.focus]
    queries = [topic] + [f"{region_words} {year_words} {h.query}" for h in headlines]
    scopes = (
        [
            Filters(region=r, year=filters.year if filters else None, document=filters.document if filters else None)
            for r in asked.regions
        ]
        if len(asked.regions) > 1
        else [filters or Filters(region=asked.regions[0] if asked.regions else None)]
    )
    passages: dict[str, Passage] = {}
    starts: dict[str, int] = {}
    for scope in scopes:
        for query in queries:
            # BM25 alone: the queries are keyword lists, the plan ranks by importance anyway, and a
            # query embedding costs more than the whole draft may take (one second)
            for r in retriever.search(query, k=PER_QUERY, filters=scope or None, mode="lexical"):
                starts[r.chunk_id] = int(r.metadata.get("start") or 0)
                passages.setdefault(r.chunk_id, Passage.of(0, r))
    return passages, starts


Candidate = tuple[tuple, PlanItem]  # (rank key, item)


def _candidates(
    spec: DraftingSpec,
    lexicon: Lexicon,
    asked: Topic,
    passages: list[Passage],
    period: set[int],
    starts: dict[str, int],
) -> list[Candidate]:
    out: dict[str, Candidate] = {}
    for passage in passages:
        if asked.regions and passage.region not in asked.regions:
            continue
        for m in SENTENCE.finditer(passage.text):
            sentence = m.group(0).strip()
            if not in_period(passage, sentence, period):
                continue
            for text, figures in facts_of_sentence(spec, sentence):
                if excluded(spec, passage, sentence, text, period):
                    continue
                named = named_in(spec, lexicon, text)
                if not named.indicators and not _LISTED.search(text):
                    # 已认定15家: the indicator is named earlier in the sentence; but 高技术制造业、装备制造业
                    # 增加值分别增长10.6%、7.9% lists figures of its own unnamed things
                    named = named_in(spec, lexicon, sentence)
                units_fit = named.headline is not None and named.measured_in(spec, lexicon, figures)
                on_focus = not asked.focus or named.headline in asked.focus
                topical = norm(text + passage.section)
                on_words = not asked.subject_words or any(w in topical for w in asked.subject_words)
                off_topic = bool(
                    (asked.focus and not on_focus and not (asked.subject_words and on_words))
                    or (not asked.focus and asked.subject_words and not on_words)
                )
                if off_topic and not units_fit:
                    continue
                role, order, why = role_of(spec, named, text, off_topic, units_fit)
                years = tuple(sorted(evidence_years(passage, sentence)))
                doc_order = (
                    passage.source,
                    starts.get(passage.chunk_id, 0) + passage.text.find(sentence),
                    sentence.find(text[:6]),
                )
                key = f"{passage.source}#{doc_order[1]}:{figures[0].text}"
                item = PlanItem(
                    key,
                    role,
                    named.headline.name if named.headline else "、".join(named.indicators[:2]),
                    passage.region,
                    years,
                    text,
                    sentence,
                    passage,
                    figures,
                    why,
                )
                # one fact per source position: overlapping retrievals return the same chunk text
                rank = (ROLES.index(role), order, _fit(passage, period), doc_order)
                out.setdefault(f"{passage.source}|{norm(text)}", (rank, item))
    return list(out.values())


def _fit(passage: Passage, period: set[int]) -> int:
    """0 for a document about the period itself (the 2022 bulletin for 2022), 1 for one that also
    speaks of other years (the 2023 government work report reviews 2022 and plans 2023): among
    facts of equal importance, the document about the period leads."""
    return int(bool(period) and not set(passage.years) <= period)


def _table_items(
    spec: DraftingSpec, asked: Topic, drawn: FactDraw, retriever: Retriever, period: set[int]
) -> list[Candidate]:
    """Plan items of the table rows the fact table holds for the topic: bound to their indicator by
    the table itself (row label × column header), so a headline whenever the indicator is one."""
    out: dict[str, Candidate] = {}
    for row in drawn.rows:
        fact = row.fact
        rank = spec.importance(fact.indicator)
        figures = tuple(f for f in extract_figures(row.text) if not f.is_year)
        if rank is None or not figures:
            continue
        headline = spec.headline[rank]
        on_focus = not asked.focus or headline in asked.focus
        role = "headline" if on_focus else "context"
        why = (
            (
                f"头条指标「{headline.name}：{fact.indicator}」（重要性第{rank + 1}位），取自事实表："
                f"{fact.title or fact.source}「{fact.region}」行"
            )
            if on_focus
            else (f"同地区同期的另一头条指标「{headline.name}」（事实表），仅在段落过短时补充")
        )
        start = int(retriever.metadata(fact.chunk_id).get("start") or 0) + fact.start
        item = PlanItem(
            f"{fact.source}#{start}:{figures[0].text}",
            role,
            headline.name,
            fact.region,
            (fact.year,) if fact.year else (),
            row.text,
            fact.text,
            row.passage,
            figures,
            why,
        )
        out.setdefault(
            f"{fact.source}|{row.text}",
            ((ROLES.index(role), rank, _fit(row.passage, period), (fact.source, start, 0)), item),
        )
    return list(out.values())


def _rank(candidates: list[Candidate], asked: Topic) -> list[PlanItem]:
    """Headlines by importance, then at most two comparisons, then measures; a comparison across
    regions interleaves the regions so each indicator is seen side by side."""

    # overlapping chunks cut one sentence differently, and a table row repeats what the prose
    # states: a fact whose figures another fact of the same document carries adds nothing (with
    # as many figures, the sentence is kept over the row: it reads as the report words it)
    def weight(item: PlanItem) -> tuple[int, bool, str]:
        return len(item.figures), item.passage.kind != "table_row", item.key

    def covered(item: PlanItem) -> bool:
        mine = {f.text for f in item.figures}
        return any(
            other is not item
            and other.passage.source == item.passage.source
            and mine <= {f.text for f in other.figures}
            and weight(other) > weight(item)
            for _, other in candidates
        )

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
