"""Write a drafted paragraph from its plan, on any backend, and check it like an answer.

Plan (:mod:`assistant.draft.plan`), then write: the extractive backend fills templates
from the plan (:mod:`assistant.draft.compose`, deterministic); an LLM backend gets the
plan's facts as numbered passages (:mod:`assistant.draft.model`), and a paragraph that
fails the checks an answer gets, or a backend that fails, leaves the extractive draft, with a
notice. Either way the figures are verified against the original passages, which the
references show.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.answer.backends import FALLBACK, Attempt, attempt
from assistant.answer.prompts import CANNOT_ANSWER
from assistant.answer.stages import Answer, Citation
from assistant.answer.verify import verify_answer
from assistant.draft.compose import DEFAULT_CHARS, compose, draft_length
from assistant.draft.model import Brief, model_draft
from assistant.draft.plan import Plan, build_plan
from assistant.errors import AssistantError
from assistant.language.draft_terms import STYLES
from assistant.language.text import to_simplified
from assistant.questions import read_question
from assistant.retrieve import Filters

if TYPE_CHECKING:
    from assistant.answer.context import Context


class DraftError(AssistantError):
    """A drafting option the user gave is not one we offer."""


@dataclass
class Draft(Answer):
    """An :class:`Answer` plus the plan it was written from (``draft --json`` prints both)."""

    plan: Plan | None = None
    style: str = "总结"
    chars: int = DEFAULT_CHARS

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out |= {
            "style": self.style,
            "chars": self.chars,
            "length": draft_length(self.answer),
            "plan": self.plan.to_json() if self.plan else [],
            "dropped": [i.key for i in self.plan.dropped] if self.plan else [],
        }
        return out


def style_of(topic: str) -> str:
    """The style a topic asks for when none is given: 各地…对比 compares, …简报 lists."""
    return "对比" if re.search("对比|比较", topic) else "简报" if "简报" in topic else "总结"


def write_draft(
    context: Context,
    topic: str,
    filters: Filters | None = None,
    on_token: Callable[[str], None] | None = None,
    style: str | None = None,
    chars: int | None = None,
    drop: frozenset[str] = frozenset(),
) -> Draft:
    """A cited paragraph on ``topic``: planned from the context's index and facts, then written on
    its backend. Raises :class:`DraftError` for a style or length we do not offer, and
    :class:`QuestionError` for a topic that cannot be asked as given."""
    topic = read_question(topic, context.settings.answer.max_question_chars)
    style = style or style_of(topic)
    if style not in STYLES:
        raise DraftError(f"unknown style {style!r} (choose {'、'.join(STYLES)})")
    chars = chars or DEFAULT_CHARS
    if chars < 40:
        raise DraftError(f"--chars {chars} is too short for a paragraph (at least 40)")
    t0 = time.perf_counter()
    plan = build_plan(topic, context.retriever, filters, drop, facts=context.facts())
    retrieve_ms = (time.perf_counter() - t0) * 1000
    brief = Brief(topic, style, chars, to_simplified(topic) == topic or "简体" in topic)
    t1 = time.perf_counter()
    text, backend, tried = _write(context, plan, brief, on_token)
    if on_token and backend == FALLBACK:
        on_token(text)
    timings = {
        "retrieve_ms": retrieve_ms,
        "generate_ms": (time.perf_counter() - t1) * 1000,
        "total_ms": (time.perf_counter() - t0) * 1000,
    }
    return _finish(topic, plan, text, backend, tried.notice, style, chars, timings, tried.unreachable)


def _write(
    context: Context, plan: Plan, brief: Brief, on_token: Callable[[str], None] | None
) -> tuple[str, str, Attempt]:
    """The paragraph, the backend that wrote it, and the model's attempt (the backends' one
    fallback rule: a failed or unverifiable model draft leaves the extractive one, with a notice)."""
    name = context.backend
    if plan.refusal:
        return f"{CANNOT_ANSWER}（{plan.refusal}）。", name, Attempt(None)
    if context.generator.chat_model is None:
        return compose(plan, brief.style, brief.chars, brief.simplified), name, Attempt(None)
    tried = attempt(name, lambda: model_draft(context, plan, brief, on_token), "段落", "已改用按计划摘录的段落")
    if tried.notice:
        return compose(plan, brief.style, brief.chars, brief.simplified), FALLBACK, tried
    return str(tried.written), name, tried


def _finish(
    topic: str,
    plan: Plan,
    text: str,
    backend: str,
    notice: str,
    style: str,
    chars: int,
    timings: dict[str, float],
    unreachable: str = "",
) -> Draft:
    passages = {p.n: p for p in plan.passages}
    checked = verify_answer(text, {n: p.text for n, p in passages.items()})
    citations = [Citation.of(passages[n]) for n in checked.cited]
    return Draft(
        question=topic,
        answer=checked.text,
        refused=bool(plan.refusal),
        backend=backend,
        citations=citations,
        figures=checked.figures,
        timings=timings,
        standalone_question=topic,
        notice=notice,
        passages=list(passages.values()),
        unreachable=unreachable,
        plan=plan,
        style=style,
        chars=chars,
    )
