"""The ``local`` backend: the bundled GGUF model (or ``answer.local_model_path``) run by llama.cpp
on this machine's CPU (:mod:`assistant.answer.llm`). A 1.5B model on two cores is slow and easily
distracted, so its prompt holds only the ``answer.local_passages`` best passages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answer.backends.chat import ChatBackend
    from assistant.settings import Settings


def build(name: str, settings: Settings, cache: bool) -> ChatBackend:
    from assistant.answer.backends.chat import ChatBackend, open_cache
    from assistant.answer.llm import LlamaCppChat
    from assistant.answer.local_model import ensure_model

    a = settings.answer
    store = open_cache(settings) if cache else None
    path = ensure_model(settings.model_cache_dir, a.local_model_path)
    model = LlamaCppChat(model_path=path, n_ctx=a.local_context, n_threads=a.local_threads,
                         max_tokens=a.max_tokens, temperature=a.temperature, cache=store)
    return ChatBackend(name, model, settings, max_passages=a.local_passages, completion_cache=store)
