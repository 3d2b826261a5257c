"""An on-disk LangChain cache for LLM completions, keyed by prompt and the model's parameters.

LangChain's ``llm_string`` already names the backend, model, temperature and max tokens, so the
key is (llm_string, prompt). Only the generated text is stored (the chain reads nothing else). Only
successful generations reach ``update``: an exception never
produces a value, so errors are never cached. Used by the evaluation, where re-running an
unchanged gold set against a slow local model should cost seconds, not half an hour.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.caches import RETURN_VAL_TYPE, BaseCache
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration


class SQLiteCompletionCache(BaseCache):
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(folder / "completions.sqlite", check_same_thread=False, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS completion_text (key TEXT PRIMARY KEY, llm TEXT, value TEXT)")
        self._lock = threading.Lock()
        self.hits = 0

    @staticmethod
    def _key(prompt: str, llm_string: str) -> str:
        return hashlib.sha256(f"{llm_string}\x00{prompt}".encode()).hexdigest()

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM completion_text WHERE key = ?", (self._key(prompt, llm_string),)
            ).fetchone()
        if row is None:
            return None
        self.hits += 1
        return [ChatGeneration(message=AIMessage(content=text)) for text in json.loads(row[0])]

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Any]) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO completion_text VALUES (?, ?, ?)",
                (
                    self._key(prompt, llm_string),
                    llm_string,
                    json.dumps([g.text for g in return_val], ensure_ascii=False),
                ),
            )

    def clear(self, **kwargs: Any) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM completion_text")
