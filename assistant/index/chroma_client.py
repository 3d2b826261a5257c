"""Reaching Chroma: the embedded client on the index folder or a ``chroma run`` server, with a lost
server turned into one line naming it and reads repeated when a concurrent delete fails them.

Kept apart from :mod:`assistant.index.store`, which decides what is stored (chunks, the document
registry, generations); this module only decides how a call reaches Chroma and what its failures say.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings

from assistant.errors import ChromaUnavailable, IndexError_
from assistant.settings import Settings

log = logging.getLogger(__name__)
# What embedded Chroma raises when a query meets chunks another thread deleted meanwhile: the
# read succeeds when repeated, mostly at once, sometimes only after a second (seen as 1–9 failed
# calls of 40 concurrent asks during uploads).
_TRANSIENT = ("Error finding id",)
_READ_ATTEMPTS = 6  # 1.55 s of pauses in all


def connect(settings: Settings) -> chromadb.api.ClientAPI:
    """An embedded client on the index folder, or an HTTP client when a server is configured."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        path = settings.resolved_index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:  # chroma raises plain ValueError/ConnectionError types here
        if settings.chroma_host:
            raise ChromaUnavailable(f"cannot reach the Chroma server {server_name(settings)}: {exc}") from exc
        raise IndexError_(f"cannot open the Chroma index at {settings.resolved_index_dir}: {exc}") from exc


def server_name(settings: Settings) -> str:
    return f"http://{settings.chroma_host}:{settings.chroma_port}"


# What httpx and chromadb raise when the server is gone or drops a request half-way.
_LOST = (httpx.TransportError, ConnectionError, TimeoutError)


class _Remote:
    """A collection (or client) of a ``chroma run`` server whose calls turn a lost connection into
    one :class:`ChromaUnavailable` line naming the server, instead of an 85-line traceback."""

    def __init__(self, target: Any, server: str) -> None:
        self._target = target
        self._server = server

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except _LOST as exc:
                raise ChromaUnavailable(f"lost the Chroma server {self._server} ({type(exc).__name__}: {exc})") from exc
            except Exception as exc:  # chromadb wraps some transport failures in its own types
                if isinstance(exc.__cause__ or exc.__context__, _LOST):
                    raise ChromaUnavailable(f"lost the Chroma server {self._server} ({exc})") from exc
                raise

        return call


def guard(settings: Settings) -> Callable[[Any], Any]:
    return (lambda target: _Remote(target, server_name(settings))) if settings.chroma_host else (lambda target: target)


def retrying(read: Callable[[], Any], empty: dict[str, Any]) -> Any:
    """``read()``, repeated after a pause when Chroma fails it for a concurrent delete; ``empty``
    (no dense hits: the question is answered from the BM25 view alone) if it still fails."""
    for attempt in range(_READ_ATTEMPTS):
        try:
            return read()
        except Exception as exc:  # chromadb raises its own InternalError types, not a common base
            if not any(t in str(exc) for t in _TRANSIENT):
                raise
            if attempt < _READ_ATTEMPTS - 1:
                time.sleep(0.05 * 2**attempt)
    log.warning("Chroma kept failing a read during a concurrent delete; answering from the BM25 view alone")
    return empty
