"""Tokens to the caller as the model writes them: one LangChain callback for answers and drafts,
which the page shows live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig


class TokenForwarder(BaseCallbackHandler):
    def __init__(self, on_token: Callable[[str], None]) -> None:
        self.on_token = on_token

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.on_token(token)


def streaming(on_token: Callable[[str], None] | None) -> RunnableConfig:
    """The run config that forwards each new token to ``on_token`` (none when it is None)."""
    return {"callbacks": [TokenForwarder(on_token)]} if on_token else {}
