"""The ``openai`` backend: any OpenAI-compatible endpoint (OpenAI, DeepSeek, Qwen/DashScope, vLLM,
Ollama, llama.cpp's own server) through ``langchain-openai``, with timeouts and retries."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answer.backends.chat import ChatBackend
    from assistant.settings import Settings


def build(name: str, settings: Settings, cache: bool) -> ChatBackend:
    from langchain_openai import ChatOpenAI

    from assistant.answer.backends.chat import ChatBackend, open_cache

    a = settings.answer
    store = open_cache(settings) if cache else None
    model = ChatOpenAI(
        model=a.openai_model, api_key=settings.openai_api_key or "not-needed", base_url=settings.openai_base_url,
        timeout=a.timeout_s, max_retries=a.max_retries, temperature=a.temperature, max_tokens=a.max_tokens,
        streaming=True, cache=store,
    )
    return ChatBackend(name, model, settings, completion_cache=store)
