"""Ctrl-C during an ingest: finish the batch in hand, then stop cleanly.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be, including inside a
Chroma write or between a batch's vectors and its rows; and while a native embedding call runs
it is not raised at all. Here the first Ctrl-C only sets a flag that the ingest loop checks after
every batch (a few seconds of work), so it stops at a point where everything written is whole;
a second Ctrl-C interrupts at once (the registry still marks the document incomplete).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType, TracebackType


class GracefulStop:
    """A context manager; :meth:`check` raises ``KeyboardInterrupt`` once a stop was requested."""

    def __init__(self) -> None:
        self.requested = False
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
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nstopping after the current batch (press Ctrl-C again to stop at once)…", file=sys.stderr, flush=True)

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt
