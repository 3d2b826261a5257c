"""The heavy objects built once (the Answerer and its Retriever) and the chat's streaming."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.answer import backends
from assistant.answer.backends import FALLBACK
from assistant.draft.writer import write_draft
from assistant.errors import AssistantError, first_line
from assistant.settings import Settings

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "泰兴市2020年新认定国家高企多少家？",
    "浙江某区2013年研发投入占GDP比重预计达到多少？",
    "上海市2020年新认定高新技术企业多少家？",
]


@dataclass
class Services:
    """The heavy objects, built once: the Answerer (with its Retriever) and the start-up notice.

    They are built after the page is served, so that it paints at once: on the first request
    that needs them (the page's load event, an ``/ask`` call) or ``delay_s`` after ``start()``,
    whichever comes first; a search then warms the query path (jieba, embedder) so the first
    question is quick. Every handler calls ``get()``, which waits until they are ready. When the
    configured backend cannot be built (the local model does not load, an unknown backend name),
    the extractive backend is used instead and ``notice`` says so on the page.
    """

    settings: Settings
    backend: str | None = None
    notice: str = ""
    error: BaseException | None = None
    _answerer: Any = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _kick: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self, delay_s: float = 0.0, warm_up: bool = True) -> Services:
        def run() -> None:
            self._kick.wait(delay_s)
            self._build(warm_up)

        self._thread = threading.Thread(target=run, name="assistant-build", daemon=True)
        self._thread.start()
        return self

    def _build(self, warm_up: bool) -> None:
        with self._lock:
            if self._ready.is_set():
                return
            try:
                self._answerer = build_answerer(self.settings, self.backend, self)
            except BaseException as exc:  # noqa: BLE001 - re-raised to every handler by get()
                self.error = exc
                log.exception("cannot open the assistant")
            finally:
                self._ready.set()
        if warm_up and self.error is None:  # the first search loads jieba and the embedder's query path
            try:
                self._answerer.retriever.search("科技创新", k=1)
            except Exception as exc:  # an empty or broken index: the page says so on first use
                log.warning("warm-up search failed: %s", exc)

    def get(self, timeout: float = 300) -> Any:
        """The Answerer, built now if it was not yet (in this thread when ``start()`` was never called)."""
        self._kick.set()
        if self._thread is None:
            self._build(warm_up=False)
        if not self._ready.wait(timeout):
            raise AssistantError("助手仍在启动，请稍后再试")
        if self.error is not None:
            raise AssistantError(f"无法打开索引：{self.error}") from self.error
        return self._answerer

    def reload_index(self) -> Any:
        """Show the index as it is after a write (upload, removal, re-index); the retriever."""
        retriever = self.get().retriever
        retriever.refresh()
        return retriever

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def retriever(self) -> Any:
        return self.get().retriever


def build_answerer(settings: Settings, backend: str | None, services: Services | None = None) -> Any:
    """An Answerer for ``backend`` (None: from settings); falls back to extractive on failure."""
    from assistant import api

    retriever = api.open_retriever(settings)
    wanted = backend or settings.backend or settings.answer.backend
    try:
        wanted = backend or backends.resolve(settings)
        return api.open_answerer(settings, backend=wanted, retriever=retriever)
    except Exception as exc:  # noqa: BLE001 - any failure to build a backend means: answer extractively
        if wanted == FALLBACK:
            raise
        log.warning("backend %s unavailable (%s); using extractive", wanted, exc)
        if services is not None:
            services.notice = f"{wanted} 后端无法启动（{first_line(exc)}），已改用抽取式（{FALLBACK}）回答。"
        return api.open_answerer(settings, backend=FALLBACK, retriever=retriever)


def plain_history(turns: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Prior turns as the Answerer wants them: ``[{"role", "content"}]`` with plain text content."""
    out = []
    for t in turns:
        role, content = t.get("role"), t.get("content")
        if role in ("user", "assistant") and isinstance(content, str) and content.strip():
            out.append({"role": role, "content": content})
    return out


_DONE = object()


def stream_answer(
    answerer: Any,
    question: str,
    history: list[dict[str, str]] | None = None,
    filters: Any = None,
    draft: dict[str, Any] | None = None,
    poll_s: float = 0.1,
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Run ``ask`` (or, given ``draft`` options — style, chars, drop — ``draft``) in a worker
    thread and yield ``(text so far, None)`` as tokens arrive, then ``(final text, answer dict)``
    once: the verified answer replaces the stream."""
    tokens: queue.Queue[object] = queue.Queue()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            if draft is not None:
                result["answer"] = write_draft(answerer, question, filters=filters, on_token=tokens.put, **draft)
            else:
                result["answer"] = answerer.ask(question, history=history, filters=filters, on_token=tokens.put)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc
        finally:
            tokens.put(_DONE)

    threading.Thread(target=work, name="assistant-answer", daemon=True).start()
    text, done = "", False
    while not done:
        try:
            item = tokens.get(timeout=poll_s)
        except queue.Empty:
            continue
        batch = [item]
        while True:  # take everything already there: one page update per batch, not per token
            try:
                batch.append(tokens.get_nowait())
            except queue.Empty:
                break
        done = _DONE in batch
        new = "".join(str(t) for t in batch if t is not _DONE)
        if new:
            text += new
            yield text, None
    if "error" in result:
        raise result["error"]
    answer = result["answer"]
    yield answer.answer, answer.to_json()
