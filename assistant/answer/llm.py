"""llama.cpp in process on CPU (``llama-cpp-python``) as a LangChain chat model, so the local
backend (:mod:`assistant.answer.backends.local`) goes through the same chain as an API model and
streams tokens to LangChain callbacks, which the page turns into a live answer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from assistant.errors import AssistantError

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}
_GENERATE = threading.Lock()  # a llama.cpp context is not re-entrant; the page may ask concurrently


@lru_cache(maxsize=2)
def _load_llama(path: str, n_ctx: int, n_threads: int | None) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise AssistantError("the local backend needs llama-cpp-python (installed by `make run`)") from exc
    return Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)


class LlamaCppChat(BaseChatModel):
    """A chat model over an in-process ``llama_cpp.Llama``; one generation at a time (it is not re-entrant)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path
    n_ctx: int = 4096
    n_threads: int | None = None
    max_tokens: int = 400
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model_path.name, "max_tokens": self.max_tokens, "temperature": self.temperature}

    def _messages(self, messages: list[BaseMessage]) -> list[dict[str, str]]:
        return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        llama = _load_llama(str(self.model_path), self.n_ctx, self.n_threads)
        with _GENERATE:
            for part in llama.create_chat_completion(
                messages=self._messages(messages), max_tokens=kwargs.get("max_tokens", self.max_tokens),
                temperature=self.temperature, stop=stop, stream=True,
            ):
                token = part["choices"][0]["delta"].get("content") or ""
                if token:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                    if run_manager:
                        run_manager.on_llm_new_token(token, chunk=chunk)
                    yield chunk

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
