"""The answer chain — one LCEL pipeline of typed stages for every backend:

    Request → understand (follow-up rewrite, analysis) → Turn → ground (retrieve, number the
    passages, find evidence, decide the refusal) → Grounded → generate (refusal | backend) →
    Generated → finalize (parse [n], verify figures) → Answer

The refusal is decided before any backend runs (:mod:`refusal`): when the passages hold nothing
for the asked region, year and indicator, the answer says so and no model is called. The
backends sit behind one registry (:mod:`backends`); a model that fails, or whose answer fails
verification, leaves the answer to the extractive composer with a notice. Tokens stream to
``on_token`` (LangChain callbacks), which the page shows live.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from assistant.answer import backends
from assistant.answer.binder import passage_binder
from assistant.answer.context import Context
from assistant.answer.coverage import Coverage
from assistant.answer.followup import merge_followup
from assistant.answer.from_facts import FactAnswerer
from assistant.answer.governs import ungoverned
from assistant.answer.grounding import analyze, find_evidence, names_document
from assistant.answer.multipart import answer_parts, parts_from_series
from assistant.answer.parts import decompose
from assistant.answer.prompts import load_prompt
from assistant.answer.refusal import UNBOUND, decide, wording
from assistant.answer.stages import Answer, Citation, Generated, Grounded, Request, Turn
from assistant.answer.streaming import streaming
from assistant.answer.types import Passage, QuestionFacts
from assistant.answer.verify import verify_answer
from assistant.facts.binding import Binder, question_claim
from assistant.facts.store import FactStore
from assistant.questions import read_question
from assistant.retrieve import Filters

__all__ = ["Answer", "Answerer", "Citation"]

log = logging.getLogger(__name__)
# a question naming more documents than this by year and kind (2023年统计公报 of many places) is
# searched over the whole index, its grounding still keeping only the named documents' passages
MAX_NAMED_DOCUMENTS = 3
MIN_TITLE_CHARS = 5  # a title this long, written whole in a question, names its document (浙江省专利条例)


class Answerer(Context):
    """A :class:`Context` that answers questions through one chain of typed stages; drafts are
    written from the same context (:func:`assistant.draft.writer.write_draft`)."""

    @cached_property
    def chain(self) -> Runnable[Request, Answer]:
        return (
            RunnableLambda(self._understand)
            | RunnableLambda(self._ground)
            | RunnableLambda(self._generate)
            | RunnableLambda(self._finalize)
        )

    # -- public API --------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: Filters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """A question of several parts (A和B分别是多少, A比B高多少) is answered part by part
        (:mod:`assistant.answer.multipart`); any other through the chain at once. Raises
        :class:`QuestionError` for a question that cannot be asked as given (too long, unpaired surrogates)."""
        question = read_question(question, self.settings.answer.max_question_chars)
        split = decompose(question, self.retriever.lexicon) if not history else None
        if split is None or not split.parts:
            return self._run(question, history or [], filters, on_token)
        one_indicator = len({p.claim.get("indicator") for p in split.parts}) == 1
        if not split.compute and one_indicator and self._facts_answer_whole(question, filters):
            answer = self._run(question, [], filters, on_token)
            answer.parts = parts_from_series(split, answer)  # the fact table answered every part at once
            if all(p["status"] == "answered" for p in answer.parts):
                return answer
        return answer_parts(self, split, filters, on_token, time.perf_counter())

    def _facts_answer_whole(self, question: str, filters: Filters | None) -> bool:
        """A comparison or series the fact table answers as one (two regions', two years' figures of
        one indicator): it lists every part already, with both figures where sources differ."""
        if filters:
            return False
        asked = analyze(question, self.retriever.documents(), self.retriever.lexicon)
        routed = self.fact_answers().answer(question, asked)
        return routed is not None and not routed.refused

    def answer_part(
        self,
        question: str,
        filters: Filters | None,
        grounded: Grounded | None = None,
        generator: backends.Backend | None = None,
    ) -> tuple[Answer, Grounded]:
        """One part of a question through the chain's stages, with the grounding that decided it
        (whose refusal gives the part its own reason). ``grounded`` and ``generator``: a part grounded
        already, whose text a model call shared with other parts wrote (:mod:`assistant.answer.joint`)."""
        grounded = grounded or self.ground_part(question, filters)
        generated = backends.generate(generator or self.generator, grounded, streaming(None))
        return self._finalize(generated), grounded

    def ground_part(self, question: str, filters: Filters | None) -> Grounded:
        """One part retrieved and grounded, no backend run: whether the passages answer it."""
        return self._ground(self._understand(Request(question, [], filters, time.perf_counter()), streaming(None)))

    def _run(
        self, text: str, history: list[dict[str, str]], filters: Filters | None, on_token: Callable[[str], None] | None
    ) -> Answer:
        return self.chain.invoke(
            Request(text, history, filters, time.perf_counter(), on_token), config=streaming(on_token)
        )

    # -- chain stages ------------------------------------------------------------------------
    def _understand(self, request: Request, config: RunnableConfig) -> Turn:
        """The question standing on its own, and its analysis (once: every later stage reuses it)."""
        documents = self.retriever.documents()
        asked = analyze(request.text, documents, self.retriever.lexicon)
        if not request.history or (asked.regions and asked.years):  # names its own region and year: a new question
            return Turn(request, request.text, request.text, asked)
        standalone, facts = self._rewrite(request, asked, documents, config)
        return Turn(request, standalone, standalone, facts)

    def _rewrite(
        self, request: Request, asked: QuestionFacts, documents: list[dict], config: RunnableConfig
    ) -> tuple[str, QuestionFacts]:
        """A follow-up made standalone by the rules, or by the model when it keeps what they keep."""
        merged = merge_followup(request.text, request.history, documents, asked=asked)
        ours = analyze(merged, documents, self.retriever.lexicon)
        model = self.generator.chat_model
        if model is None:
            return merged, ours
        transcript = "\n".join(
            f"{'用户' if t['role'] == 'user' else '助手'}：{t['content']}" for t in request.history[-4:]
        )
        system, user = load_prompt("rewrite").render(history=transcript, question=request.text)
        try:
            rewritten = str(model.invoke([SystemMessage(system), HumanMessage(user)]).content).strip().splitlines()
        except Exception as exc:  # a failed rewrite must not cost the answer
            log.warning("follow-up rewrite failed (%s); using the merged question", exc)
            return merged, ours
        candidate = rewritten[0].strip() if rewritten else ""
        # The model may word the question better, but it must not move it: a rewrite that names
        # other places or years than the rules carried over (浙江那个区 → 浙江哪个区, a province
        # instead of the district; a dropped 按浙江省专利条例) loses to the rules.
        theirs = analyze(candidate, documents, self.retriever.lexicon)
        if not candidate or (theirs.regions, set(theirs.years)) != (ours.regions, set(ours.years)):
            return merged, ours
        return candidate, theirs

    def _ground(self, turn: Turn) -> Grounded:
        started = time.perf_counter()
        answers = self.fact_answers()
        if not turn.request.filters:
            routed = answers.answer(turn.standalone, turn.facts)
            if routed is not None:  # a comparison, trend or ranking: the fact rows are the passages
                grounded = routed.grounded(
                    turn, started, self.settings.answer.min_coverage, _binder(answers.store, turn, routed.passages)
                )
                # the fact table keeps no chunk layout: a cited row's kind, row label, columns, text as
                # written and reading method (OCR) come from its chunk, so the source panel shows the row
                return replace(grounded, passages=[self._with_chunk_metadata(p) for p in grounded.passages])
        passages = self._passages(turn)
        evidence = find_evidence(turn.facts, passages, self.retriever.lexical.idf)
        min_coverage = self.settings.answer.min_coverage
        refusal = decide(
            turn.facts, evidence, min_coverage, lambda: Coverage.of(self.retriever.documents(), answers.store)
        ) or ungoverned(turn.facts, evidence, passages)
        return Grounded(
            turn,
            passages,
            evidence,
            refusal,
            (time.perf_counter() - started) * 1000,
            min_coverage,
            bound=_binder(answers.store, turn, passages),
        )

    def _with_chunk_metadata(self, passage: Passage) -> Passage:
        m = self.retriever.metadata(passage.chunk_id)
        return replace(
            passage,
            kind=m.get("kind", passage.kind),
            row_label=m.get("row_label", passage.row_label),
            columns=m.get("columns", passage.columns),
            original=m.get("original", passage.original),
            ocr=bool(m.get("ocr", passage.ocr)),
        )

    def fact_answers(self) -> FactAnswerer:
        """The fact table's answers to comparisons, trends and rankings (:meth:`Context.facts`)."""
        facts = self.facts()
        return FactAnswerer(facts, facts.vocab)

    def _passages(self, turn: Turn) -> list[Passage]:
        """The retrieved passages, numbered [1]…[k]; a comparison gets the best passages of each region."""
        k, regions, filters = self.settings.answer.passages, turn.facts.regions, turn.request.filters
        named = self._named_documents(turn.facts) if not filters else []
        if named:  # 2017年政府工作报告中…: that report's passages, not a yearbook row that matches better
            hits = [
                r
                for d in named
                for r in self.retriever.search(turn.query, k=k, filters=Filters(document=d), scope=turn.facts.scope)
            ]
            results = sorted(hits, key=lambda r: -r.score)[:k]
            return [Passage.of(n, r) for n, r in enumerate(results, start=1)]
        results = self.retriever.search(turn.query, k=k, filters=filters, scope=turn.facts.scope)
        if len(regions) > 1 and not filters:
            per_region = [
                self.retriever.search(
                    turn.query, k=max(2, k // len(regions) + 1), filters=Filters(region=r), scope=turn.facts.scope
                )
                for r in regions
            ]
            results = list({r.chunk_id: r for hits in per_region for r in hits}.values())
        if len(regions) <= 1:  # a cell question names one place; a comparison's rows come per region above
            held = {r.chunk_id for r in results}
            named = self.retriever.named_rows(turn.query, self.settings.answer.named_rows, filters)
            results += [r for r in named if r.chunk_id not in held]
        return [Passage.of(n, r) for n, r in enumerate(results, start=1)]

    def _named_documents(self, facts: QuestionFacts) -> list[str]:
        """The documents a question names, when it names a few: by title (浙江省专利条例第十六条, a
        part of 浙江省…和浙江省专利条例 asked alone) or by year and kind (2017年政府工作报告)."""
        named = []
        for d in self.retriever.documents():
            title = d.get("title", "")
            if (len(title) >= MIN_TITLE_CHARS and title in facts.question) or (
                facts.doc_years and names_document(facts, title, d.get("years") or ())
            ):
                named.append(d["source"])
        return named if len(named) <= MAX_NAMED_DOCUMENTS else []

    def _generate(self, grounded: Grounded, config: RunnableConfig) -> Generated:
        return backends.generate(self.generator, grounded, config)

    @staticmethod
    def _finalize(generated: Generated) -> Answer:
        grounded = generated.grounded
        turn = grounded.turn
        passages = {p.n: p for p in grounded.passages}
        checked = verify_answer(generated.text, grounded.passage_texts(), grounded.bound, given=turn.standalone)
        refused = grounded.refusal is not None or generated.declined
        if not refused and checked.figures and all(f.unbound for f in checked.figures):
            # every figure the passages hold measures something else there (a district's for its city's)
            checked = verify_answer(wording(UNBOUND, turn.facts, []), {})
            refused = True
        total = (time.perf_counter() - turn.request.started) * 1000
        fact_answer = grounded.fact_answer
        return Answer(
            question=turn.request.text,
            answer=checked.text,
            refused=refused,
            backend=generated.backend,
            citations=[Citation.of(passages[n]) for n in checked.cited],
            figures=checked.figures,
            timings={"retrieve_ms": grounded.retrieve_ms, "generate_ms": generated.generate_ms, "total_ms": total},
            standalone_question=turn.standalone,
            notice=" ".join(n for n in (generated.notice, fact_answer and fact_answer.notice) if n),
            passages=grounded.passages,
            unreachable=generated.unreachable,
            series=fact_answer.series if fact_answer and not refused else [],
        )


def _binder(store: FactStore, turn: Turn, passages: list[Passage]) -> Binder:
    """Indicator-bound verification against the facts of the cited chunks and the question's claim."""
    return passage_binder(
        store, question_claim(turn.standalone, store.vocab, turn.facts.places, turn.facts.years), passages
    )
