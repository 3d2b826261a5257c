"""What answering and drafting both work from, opened once: the settings, the retriever (with its
lexicon), the fact table and the backend.

The chain (:class:`assistant.answer.chain.Answerer`, a context with its stages) and drafting
(:mod:`assistant.draft.writer`) work from this one object, so neither reaches into the other's
internals and both see the same index, the same facts and the same model.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from assistant.answer import backends
from assistant.facts.store import FactStore, open_facts
from assistant.retrieve import Retriever
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answer.cache import SQLiteCompletionCache
    from assistant.language.lexicon import Lexicon

log = logging.getLogger(__name__)


class Context:
    """The heavy parts of answering, built once per index and shared by every question and draft."""

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever | None = None,
        backend: str | backends.Backend | None = None,
        cache: bool = False,
        facts: FactStore | None = None,
    ) -> None:
        """``backend``: a registered name (None: from settings) or a built backend (tests install a
        stand-in model this way). ``cache`` keeps model completions on disk (the evaluation).
        ``facts``: a fact table already open, used as it is (the verification benchmark's)."""
        self.settings = settings
        self._retriever = retriever
        if backend is None or isinstance(backend, str):
            backend = backends.build(backend or backends.resolve(settings), settings, cache)
        self.generator: backends.Backend = backend
        self._facts = facts

    @property
    def backend(self) -> str:
        """The backend's name, as answers and drafts report it."""
        return self.generator.name

    @property
    def completion_cache(self) -> SQLiteCompletionCache | None:
        return self.generator.completion_cache

    @property
    def retriever(self) -> Retriever:
        """The index's retriever, opened on first use."""
        if self._retriever is None:
            self._retriever = Retriever(self.settings)
        return self._retriever

    @property
    def lexicon(self) -> Lexicon:
        """The indicator lexicon of this index: the packaged one plus the knowledge folder's extension."""
        return self.retriever.lexicon

    def facts(self) -> FactStore:
        """The fact table of this index, opened on first use and kept in step with Chroma.

        While another process or thread holds the table's write lock for its own sync (an upload),
        the question is answered from the table as it was: the previous state, never a torn one."""
        if self._facts is None:
            self._facts = open_facts(self.settings, self.retriever.store)
        elif self._retriever is not None:
            try:
                self._facts.sync(self._retriever.store)
            except sqlite3.OperationalError as exc:
                log.info("fact table not synced for this question (%s); using it as it was", exc)
        return self._facts
