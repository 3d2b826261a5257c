"""Serve written model answers (:mod:`assistant.evaluate.mutations`) through a backend and read
what verification made of them — the answer path and the drafting path.

The backend is whatever the caller built: the benchmark and the tests build the ``openai``
backend pointed at a scripted OpenAI-compatible endpoint on loopback, so the reply travels the
real HTTP client, the backend's checks, the fallback and the final verification. Retrieval is
left out on purpose: each case names its passages (the fact's chunk, and for a region swap the
other row's), so what is measured is verification, not search.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from assistant.answer import backends
from assistant.answer.binder import passage_binder
from assistant.answer.chain import Answerer
from assistant.answer.grounding import analyze, find_evidence
from assistant.answer.refusal import decide
from assistant.answer.stages import Answer, Grounded, Rejection, Request, Turn
from assistant.answer.types import Passage
from assistant.answer.verify import CITATION, UNVERIFIED_MARK, verify_answer
from assistant.evaluate.mutations import Case, Chunk
from assistant.facts.binding import question_claim
from assistant.facts.extract import Fact
from assistant.facts.vocabulary import Vocabulary


@dataclass
class MemoryFacts:
    """The fact table's one call verification makes (facts by chunk), over facts held in memory."""

    facts: dict[str, list[Fact]]
    vocab: Vocabulary

    def by_chunk(self, chunk_id: str) -> list[Fact]:
        return self.facts.get(chunk_id, [])


def passage(n: int, chunk: Chunk) -> Passage:
    m = chunk.meta
    return Passage(
        n,
        chunk.id,
        m["source"],
        m.get("title", m["source"]),
        m.get("region", ""),
        tuple(m.get("years") or ()),
        m.get("section", ""),
        chunk.text,
        kind=m.get("kind", "text"),
        row_label=m.get("row_label", ""),
        columns=m.get("columns", ""),
    )


class Runner:
    """Grounds a case on its passages and answers it through ``backend``."""

    def __init__(self, chunks: dict[str, Chunk], store: MemoryFacts, backend: Any, settings: Any) -> None:
        self.chunks = chunks
        self.store = store
        self.backend = backend
        self.settings = settings
        by_source: dict[str, dict] = {}
        for c in chunks.values():
            by_source.setdefault(
                c.meta["source"], {k: c.meta.get(k, "") for k in ("source", "region", "province", "title")}
            )
        self.documents = list(by_source.values())

    def grounded(self, question: str, ids: tuple[str, ...]) -> Grounded:
        passages = [passage(n, self.chunks[i]) for n, i in enumerate(ids, start=1)]
        facts = analyze(question, self.documents, self.store.vocab.lexicon)
        evidence = find_evidence(facts, passages, lambda word: 1.0)
        turn = Turn(Request(question, [], None, time.perf_counter()), question, question, facts)
        claim = question_claim(question, self.store.vocab, facts.places, facts.years)
        min_coverage = self.settings.answer.min_coverage
        refusal = decide(facts, evidence, min_coverage)
        return Grounded(
            turn, passages, evidence, refusal, 0.0, min_coverage, bound=passage_binder(self.store, claim, passages)
        )

    def answer(self, case: Case) -> Answer | None:
        """The case's reply served through the backend, checked and finalized as ``ask`` does;
        None when grounding refuses the question before any model runs (no reply to check)."""
        grounded = self.grounded(case.question, case.chunks)
        if grounded.refusal is not None:
            return None
        return Answerer._finalize(backends.generate(self.backend, grounded))

    def verify_ms(self, question: str, ids: tuple[str, ...]) -> float | None:
        """Milliseconds to verify the extractive answer to ``question`` over these passages
        (a fresh binder: nothing of an earlier answer is reused); None when grounding refuses."""
        grounded = self.grounded(question, ids)
        if grounded.refusal is not None:
            return None
        text = backends.extractive.compose_text(grounded)
        started = time.perf_counter()
        verify_answer(text, grounded.passage_texts(), grounded.bound)
        return (time.perf_counter() - started) * 1000

    def draft(self, paragraph: str, items: list[tuple[Fact, str]], chars: int) -> tuple[str | Rejection, str]:
        """A model's draft paragraph (the scripted reply) checked by the drafting path: the result
        of :func:`model_draft` and the final text as :mod:`drafting` verifies it."""
        from assistant.answer.context import Context
        from assistant.draft.candidates import PlanItem
        from assistant.draft.model import Brief, draft_binder, model_draft
        from assistant.draft.plan import Plan
        from assistant.language.figures import extract_figures

        plain = [(f, CITATION.sub("", text)) for f, text in items]
        plan_items = [
            PlanItem(
                f"k{i}",
                "headline",
                f.indicator,
                f.region,
                (f.year,) if f.year else (),
                text,
                text,
                passage(1, self.chunks[f.chunk_id]),
                tuple(x for x in extract_figures(text) if not x.is_year),
                "",
            )
            for i, (f, text) in enumerate(plain)
        ]
        regions = list(dict.fromkeys(f.region for f, _ in items))
        years = sorted({f.year for f, _ in items if f.year})
        plan = Plan("draft", "科技", regions, years, plan_items)
        context = Context(self.settings, backend=self.backend, facts=self.store)
        written = model_draft(context, plan, Brief("科技创新成效", "总结", chars, True), None)
        text = written if isinstance(written, str) else ""
        passages = {p.n: p.text for p in plan.passages}
        return written, verify_answer(text, passages, draft_binder(self.store, plan)).text if text else ""


def flagged(answer: Answer, case: Case) -> bool:
    """The case's figure is not presented as checked: the model's answer was replaced (the
    fallback, with its notice, or a kept refusal), or the figure is marked."""
    return bool(answer.notice) or answer.refused or f"{case.figure}{UNVERIFIED_MARK}" in answer.answer


def accepted(answer: Answer) -> bool:
    """A true answer kept as the model wrote it, every figure verified."""
    return not answer.notice and not answer.refused and bool(answer.figures) and all(f.verified for f in answer.figures)
