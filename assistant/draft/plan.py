"""Plan a drafted paragraph before writing it: which facts a policy writer leads with, and why.

Retrieval ranks passages by how much they look like the topic, which is not what a writer leads
with: asked for 泰兴市2020年科技创新成效, the best-matching sentences were an incubator's 15 new
projects and a growth rate from the 短板和不足 section. A plan instead collects candidate facts —
one retrieval per headline indicator, so every headline gets a chance, plus the headline figures
the fact table holds for the topic's regions and period (:mod:`assistant.draft.facts`) —
drops what must never be written as a result (:mod:`assistant.draft.clauses`; the candidates
are read in :mod:`assistant.draft.candidates`), and ranks what is left by importance: the
headline indicators in their data-file order (``assistant/data/drafting.toml``), then one or two
comparisons or trends, then supporting measures. Retrieval score plays no part in the order.
A policy-area topic (高新技术企业认定条件) is planned from one policy's provisions instead
(:mod:`assistant.draft.policy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from assistant.answer.types import Passage
from assistant.draft.candidates import Candidate, PlanItem, sentence_candidates, table_candidates
from assistant.draft.facts import draw, held_regions
from assistant.draft.policy import policy_source, provisions
from assistant.draft.topic import Topic, read_topic, subject_of
from assistant.facts.store import FactStore
from assistant.language.draft_terms import DraftingSpec, load_spec
from assistant.language.figures import extract_figures
from assistant.language.lexicon import load_lexicon
from assistant.retrieve import Filters, Retriever, SearchResult

MAX_COMPARISONS = 2  # a paragraph carries one or two comparisons or trends, not a table of them
MAX_ITEMS = 12  # more than a 300-character paragraph can hold; the writer takes them in order
PER_QUERY = 4  # passages per retrieval (one retrieval per headline indicator, plus the topic)


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
    candidates = sentence_candidates(spec, lexicon, asked, list(passages.values()), period, starts)
    candidates += table_candidates(spec, asked, drawn, retriever, period)
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
