"""The answer backends, by name — the one place a backend's name is written.

:func:`resolve` (the configured name), the CLI's ``--backend`` choices and the page's backend
list all read :data:`NAMES`; adding a backend is a module here with a ``build`` function and a line in
:data:`REGISTRY`. Every backend is driven through :func:`generate`, which owns what they share:
the refusal (no backend runs), and the fallback to the extractive composer, with a notice, when a
model is unavailable or its answer fails verification.

Importing this package stays cheap (the CLI's parser reads it): the backends import their models,
LangChain and the composer inside ``build``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assistant.answer.backends import extractive, local, openai
from assistant.errors import AssistantError, first_line

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.runnables import RunnableConfig

    from assistant.answer.cache import SQLiteCompletionCache
    from assistant.answer.stages import Generated, Grounded, Rejection
    from assistant.settings import Settings

log = logging.getLogger(__name__)


class Backend(Protocol):
    """What :func:`generate` drives: ``write`` returns the answer's text, or a :class:`Rejection`
    when verification cannot stand behind a model's answer; it raises when the model is unreachable."""

    name: str
    chat_model: BaseChatModel | None  # rewrites follow-ups when there is one; the rules do otherwise
    completion_cache: SQLiteCompletionCache | None

    def write(self, grounded: Grounded, config: RunnableConfig) -> str | Rejection: ...


@dataclass(frozen=True)
class BackendSpec:
    build: Callable[[str, Settings, bool], Backend]  # (name, settings, cache completions?) → backend
    chosen_by_auto: Callable[[Settings], bool] | None = None  # "auto" picks the first whose test passes
    fallback: bool = False  # needs no model: what the others fall back to, and the evaluation's default
    frames_drafts: bool = False  # draft_writer "auto": the model writes a draft's frame, not the paragraph (CPU budget)


REGISTRY: dict[str, BackendSpec] = {
    "openai": BackendSpec(openai.build, chosen_by_auto=lambda s: bool(s.openai_api_key)),
    "local": BackendSpec(local.build, chosen_by_auto=lambda s: True, frames_drafts=True),
    "extractive": BackendSpec(extractive.build, fallback=True),
}
NAMES: tuple[str, ...] = tuple(REGISTRY)
FALLBACK: str = next(name for name, spec in REGISTRY.items() if spec.fallback)


def check_name(name: str) -> str:
    """``name`` if it is a backend's; a user-facing error naming the choices otherwise."""
    if name not in REGISTRY:
        raise AssistantError(f"unknown backend {name!r} (choose {', '.join(NAMES)})")
    return name


def auto(settings: Settings) -> str:
    """The backend ``auto`` stands for: ``openai`` with an API key, else the embedded model."""
    return next(name for name, spec in REGISTRY.items() if spec.chosen_by_auto and spec.chosen_by_auto(settings))


def resolve(settings: Settings) -> str:
    """The configured backend: ``ASSISTANT_BACKEND``, else ``answer.backend``, ``auto`` being the
    registry's choice. Checked here, not in the settings, which import nothing of ours."""
    if settings.backend:
        return check_name(settings.backend)
    if settings.answer.backend != "auto":
        return check_name(settings.answer.backend)
    return auto(settings)


def build(name: str, settings: Settings, cache: bool = False) -> Backend:
    """The backend called ``name``; ``cache`` keeps a model's completions on disk (the evaluation)."""
    return REGISTRY[check_name(name)].build(name, settings, cache)


def generate(backend: Backend, grounded: Grounded, config: RunnableConfig | None = None) -> Generated:
    """The answer's text for a grounded turn — the one entry point to every backend.

    A refusal decided by grounding is worded without running the backend. A model that is
    unreachable (an exception) or whose answer fails verification (a :class:`Rejection`) leaves
    the answer to the extractive composer, and the notice says which happened. Text no model
    streamed is handed to ``on_token`` whole.
    """
    from assistant.answer.refusal import DECLINED, Refusal, wording
    from assistant.answer.stages import Generated, Rejection

    started = time.perf_counter()
    on_token = grounded.turn.request.on_token
    if grounded.refusal is not None:
        text = wording(grounded.refusal, grounded.facts, grounded.passages)
        if on_token:
            on_token(text)
        return Generated(grounded, text, backend.name, "", 0.0)
    tried = attempt(backend.name, lambda: backend.write(grounded, config or {}), "回答", "已改用原文摘录回答")
    written, notice = tried.written, tried.notice
    if isinstance(written, Rejection) and written.declined and not fallback_answers_asked(grounded):
        # the model declined, and no passage holds a figure bound to the asked indicator: an
        # extractive answer would state another indicator's figure (人均经费 for 全时当量)
        text = wording(Refusal(DECLINED), grounded.facts, grounded.passages)
        if on_token:
            on_token(text)
        return Generated(grounded, text, backend.name, "", (time.perf_counter() - started) * 1000, declined=True)
    if notice:
        log.info("%s", notice)
        text, name = extractive.compose_text(grounded), FALLBACK
    else:
        text, name = str(written), backend.name
    if on_token and (notice or backend.chat_model is None):  # no model streamed it
        on_token(text)
    return Generated(grounded, text, name, notice, (time.perf_counter() - started) * 1000, tried.unreachable)


@dataclass(frozen=True)
class Attempt:
    """A model's try: what it wrote (None when it failed), and the notice when the fallback must answer."""

    written: str | Rejection | None
    notice: str = ""  # empty: the model's text stands
    unreachable: str = ""  # the lost endpoint, when that was the failure


def attempt(name: str, write: Callable[[], str | Rejection], what: str, instead: str) -> Attempt:
    """Run a model's ``write`` — the one fallback rule of answers and drafts alike: a model that
    is unreachable (an exception) or whose ``what`` fails verification (a :class:`Rejection`) is
    replaced by the extractive composer, and the notice says which happened and ``instead``."""
    from assistant.answer.stages import Rejection

    try:
        written = write()
    except Exception as exc:  # the endpoint is down, timed out or answered garbage: answer anyway
        log.warning("%s backend unavailable: %s", name, exc)
        unreachable = unreachable_endpoint(exc)
        return Attempt(None, f"{name} 后端不可用（{unreachable or first_line(exc)}），{instead}。", unreachable)
    if isinstance(written, Rejection):
        return Attempt(written, f"{name} 后端的{what}未通过核验（{written.reason}），{instead}。")
    return Attempt(written)


def fallback_answers_asked(grounded: Grounded) -> bool:
    """Whether the extractive answer states a figure its passage holds as the question's own
    indicator (a fact of the fact table, not a value that happens to be there)."""
    from assistant.answer.verify import verify_answer
    from assistant.facts.binding import Binder
    from assistant.language.figures import Figure

    binder = grounded.bound
    if not isinstance(binder, Binder):
        return True  # no fact table to bind with: the fallback's own verification decides
    figures = verify_answer(extractive.compose_text(grounded), grounded.passage_texts(), binder).figures
    return any(
        f.verified and f.citation is not None and binder.asked(Figure(f.text, f.value, f.unit, 0, 0, False), f.citation)
        for f in figures
    )


def unreachable_endpoint(exc: BaseException) -> str:
    """ "the LLM endpoint http://host:port is unreachable (…)" when ``exc`` is a connection failure of
    an OpenAI-compatible endpoint (after its retries), else "" (a model's error is not a lost dependency)."""
    import openai as openai_sdk

    if not isinstance(exc, openai_sdk.APIConnectionError):
        return ""
    url = exc.request.url
    port = f":{url.port}" if url.port else ""
    return f"the LLM endpoint {url.scheme}://{url.host}{port} is unreachable ({first_line(exc)})"
