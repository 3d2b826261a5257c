"""The local model as a LangChain chat model: the bundled GGUF in llama.cpp's OpenAI-compatible
server, a separate process that :mod:`assistant.localmodel.server` supervises, reached through
the same ``ChatOpenAI`` client as any other endpoint (:func:`assistant.answer.backends.openai.chat_openai`).

llama.cpp never runs in the caller's process, so a native crash costs one answer, not the page:
the stream breaks, :class:`LocalServerChat` says the model process died and is restarting, and the
backend registry answers extractively with that notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from assistant.answer.backends.openai import chat_openai
from assistant.localmodel.process import ALIAS
from assistant.localmodel.server import ModelServer, ModelUnavailable
from assistant.settings import Settings


class LocalServerChat(BaseChatModel):
    """Waits for the server to be ready, streams through ``ChatOpenAI``, and turns a stream broken
    by the server's death into :class:`ModelUnavailable` saying so.

    Not ``ChatOpenAI`` itself: its cache key would include the server's port, which changes from
    run to run; this model's key is the model file and the generation parameters."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    server: ModelServer
    settings: Settings
    gguf: str
    max_tokens: int
    temperature: float
    _clients: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-server"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.gguf, "max_tokens": self.max_tokens, "temperature": self.temperature}

    def _client(self, base_url: str) -> Any:
        """A client per server address; no retries: the supervisor, not the client, restarts the server."""
        if base_url not in self._clients:
            self._clients[base_url] = chat_openai(self.settings, base_url, None, ALIAS, max_retries=0)
        return self._clients[base_url]

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        status = self.server.start().wait_ready(self.settings.answer.local_start_timeout_s)
        # ChatOpenAI sends the limit as max_completion_tokens, which llama-cpp-python's server
        # ignores (abetlen/llama-cpp-python#1907): unbounded, a small model writes on until its
        # context is full. The server reads max_tokens, so it is sent as well.
        limit = kwargs.pop("max_tokens", self.max_tokens)
        kwargs["extra_body"] = {**kwargs.get("extra_body", {}), "max_tokens": limit}
        try:
            yield from self._client(status.base_url)._stream(messages, stop, run_manager, max_tokens=limit, **kwargs)
        except Exception as exc:
            died = self.server.death_of(status.pid)
            if died:
                raise ModelUnavailable(died) from exc
            raise

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
