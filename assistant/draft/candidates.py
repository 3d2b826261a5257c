"""The facts a plan chooses from: the clauses of retrieved sentences that carry figures and the
rows the fact table holds for the topic, each a :class:`PlanItem` with its rank key and why.

Ranking them (headlines first, then comparisons, then measures) is :mod:`assistant.draft.plan`'s;
here each candidate gets the key that ranking sorts by: its role, its importance, whether its
document is about the period, and its place in the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.answer.grounding import evidence_years
from assistant.answer.types import Passage
from assistant.draft.clauses import excluded, facts_of_sentence, in_period, named_in, norm, role_of
from assistant.draft.facts import FactDraw
from assistant.draft.topic import Topic
from assistant.language.draft_terms import DraftingSpec
from assistant.language.figures import Figure, extract_figures
from assistant.language.lexicon import Lexicon
from assistant.language.text import SENTENCE
from assistant.retrieve import Retriever

# in rank order; a provision is a policy's (a policy-area topic has nothing else); context only fills a short draft
ROLES = ("headline", "provision", "comparison", "measure", "context")

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


Candidate = tuple[tuple, PlanItem]  # (rank key, item)


def sentence_candidates(
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


def table_candidates(
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
