"""Parse files in a child process whose address space is capped, so that a file no cheap check
could judge (:mod:`assistant.ingest.limits`) costs that child, never the caller.

The page parses every upload this way (its process serves other users and must survive a bomb);
the CLI does when ``ingest.parse_memory_mb`` is set. One child serves a whole ingest run and is
replaced after a file that broke it. The child reads and screens the file (the costly steps that
depend on its content); embedding and writing stay in the caller.
"""

from __future__ import annotations

import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.injection import screen_document
from assistant.ingest.readers import Document, read_blocks

_MB = 1 << 20


def parse(path: Path) -> tuple[Document, tuple[str, ...]]:
    """Read ``path`` and take planted instructions out: what ingest indexes, and what it flagged."""
    return screen_document(read_blocks(path))


def _cap(memory_mb: int) -> None:
    limit = memory_mb * _MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Parser:
    """:func:`parse` in a memory-capped child (``memory_mb`` > 0) or in this process (0)."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, path: Path) -> tuple[Document, tuple[str, ...]]:
        if self.memory_mb <= 0:
            return parse(path)
        if self._pool is None:  # spawn: the caller may hold threads and open Chroma handles
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_cap, initargs=(self.memory_mb,))
        try:
            return self._pool.submit(parse, path).result()
        except MemoryError as exc:
            raise DocumentError(path.name, f"reading it needs more than the {self.memory_mb} MB allowed for one file; "
                                           "not read (ASSISTANT_INGEST__PARSE_MEMORY_MB)") from exc
        except BrokenProcessPool as exc:
            self.close()
            raise DocumentError(path.name, "the process reading it ran out of memory or crashed "
                                           f"(limit {self.memory_mb} MB); not read") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
