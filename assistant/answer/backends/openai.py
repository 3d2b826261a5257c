"""The ``openai`` backend: any OpenAI-compatible endpoint (OpenAI, DeepSeek, Qwen/DashScope, vLLM,
Ollama, llama.cpp's own server) through ``langchain-openai``, with timeouts and retries. The
``local`` backend's supervised server is reached through the same client (:func:`chat_openai`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.caches import BaseCache
    from langchain_core.language_models.chat_models import BaseChatModel

    from assistant.answer.backends.chat import ChatBackend
    from assistant.settings import Settings


def chat_openai(
    settings: Settings,
    base_url: str | None,
    api_key: str | None,
    model: str,
    max_retries: int,
    cache: BaseCache | None = None,
) -> BaseChatModel:
    """A streaming ``ChatOpenAI`` with the answer settings' timeout, temperature and token limit."""
    from langchain_openai import ChatOpenAI

    a = settings.answer
    return ChatOpenAI(
        model=model,
        api_key=api_key or "not-needed",
        base_url=base_url,
        timeout=a.timeout_s,
        max_retries=max_retries,
        temperature=a.temperature,
        max_tokens=a.max_tokens,
        streaming=True,
        cache=cache,
    )


def build(name: str, settings: Settings, cache: bool) -> ChatBackend:
    from assistant.answer.backends.chat import ChatBackend, open_cache

    a = settings.answer
    store = open_cache(settings) if cache else None
    model = chat_openai(
        settings, settings.openai_base_url, settings.openai_api_key, a.openai_model, a.max_retries, store
    )
    return ChatBackend(name, model, settings, completion_cache=store)
