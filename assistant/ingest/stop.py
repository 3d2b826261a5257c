"""Ctrl-C during an ingest: stop within seconds, never half-way through a write.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be, including inside a
Chroma write. Here a Ctrl-C that arrives while a batch is being written only sets a flag, and the
interrupt is raised as soon as the write is whole; anywhere else (reading, cleaning, chunking,
embedding) it is raised at once, as usual. A second Ctrl-C during a write interrupts at once
(the registry still marks the document incomplete, so the index stays consistent either way).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType


class GracefulStop:
    """A context manager for a run; :meth:`writing` marks the sections a Ctrl-C must not split."""

    def __init__(self) -> None:
        self.requested = False
        self._writing = False
        self._previous: object = None
        self._installed = False

    def __enter__(self) -> GracefulStop:
        # signal handlers can only be set from the main thread; the page ingests in a worker
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
            self._installed = True
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self._writing or self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(
            "\nstopping once this batch is written (press Ctrl-C again to stop at once)…", file=sys.stderr, flush=True
        )

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A write that must complete: a Ctrl-C during it takes effect right after."""
        self._writing = True
        try:
            yield
        finally:
            self._writing = False
        if self.requested:
            raise KeyboardInterrupt
