"""The ``local`` backend: the bundled GGUF model (or ``answer.local_model_path``) run by llama.cpp
on this machine's CPU, in its own supervised server process (:mod:`assistant.localmodel.server`,
:mod:`assistant.answer.backends.local_chat`). Building it starts that server in the background and returns at once.
A 1.5B model on two cores is slow and easily distracted, so its prompt holds only the
``answer.local_passages`` best passages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answer.backends.chat import ChatBackend
    from assistant.settings import Settings


def build(name: str, settings: Settings, cache: bool) -> ChatBackend:
    from assistant.answer.backends.chat import ChatBackend, open_cache
    from assistant.answer.backends.local_chat import LocalServerChat
    from assistant.localmodel.model_file import MODEL_FILE
    from assistant.localmodel.server import shared_server

    a = settings.answer
    store = open_cache(settings) if cache else None
    model = LocalServerChat(
        server=shared_server(settings).start(),
        settings=settings,
        gguf=a.local_model_path.name if a.local_model_path else MODEL_FILE,
        max_tokens=a.max_tokens,
        temperature=a.temperature,
        cache=store,
    )
    return ChatBackend(name, model, settings, max_passages=a.local_passages, completion_cache=store)
