"""A policy area: the provisions of one policy a writer quotes, in the policy's own order.

高新技术企业认定条件 asks for no region's results but for what a policy requires: the thresholds
it sets (科技人员占比不低于10%, 研究开发费用占比不低于5%/4%/3%, 高新技术产品收入占比不低于60%).
Such a topic names a policy word (条件, 办法, 政策…, data in ``assistant/data/drafting.toml``) and
its best-matching passage is a policy's. The plan then takes that one policy's provisions that
state a figure, those under a section the topic names (第三章 认定条件与程序) first, each in the
policy's article order: a paragraph on a policy follows the policy, not a retrieval score.
A provision is quoted whole (its list mark dropped), so its figures verify against the article.
"""

from __future__ import annotations

from assistant.answer.types import Passage
from assistant.draft.clauses import clean_clause, norm
from assistant.draft.topic import Topic
from assistant.language.draft_terms import DraftingSpec
from assistant.language.figures import extract_figures
from assistant.language.text import SENTENCE
from assistant.retrieve import Filters, Retriever, SearchResult

PASSAGES = 60  # of the one policy: every chunk sharing a word with the topic, short list items included


def policy_source(topic: str, asked: Topic, spec: DraftingSpec, retriever: Retriever) -> SearchResult | None:
    """The policy a policy-area topic is about: the best lexical hit, when it is a policy's."""
    if not spec.pattern("policy_topic").search(norm(topic)) or asked.years:
        return None
    scope = Filters(region=asked.regions[0]) if len(asked.regions) == 1 else None
    hits = retriever.search(topic, k=1, filters=scope, mode="lexical")
    return hits[0] if hits and hits[0].metadata.get("doc_type") == "policy" else None


def provisions(
    topic: str, asked: Topic, spec: DraftingSpec, retriever: Retriever, source: SearchResult
) -> list[tuple[tuple, str, Passage, str]]:
    """(rank key, provision text, passage, why) for every provision of the policy stating a figure."""
    durations = set(spec.units.get("duration", []))
    out: dict[str, tuple[tuple, str, Passage, str]] = {}
    for hit in retriever.search(topic, k=PASSAGES, filters=Filters(document=source.source), mode="lexical"):
        passage = Passage.of(0, hit)
        named = not asked.subject_words or any(w in norm(hit.section) for w in asked.subject_words)
        start = int(hit.metadata.get("start") or 0)
        for m in SENTENCE.finditer(hit.text):  # a list item on its own line is one provision
            text = clean_clause(m.group(0))
            if not any(f.unit and f.unit not in durations for f in extract_figures(text) if not f.is_year):
                continue
            why = f"政策条款：《{passage.title}》{' · ' + hit.section if hit.section else ''}"
            out.setdefault(norm(text), ((0 if named else 1, start + m.start()), text, passage, why))
    return list(out.values())
