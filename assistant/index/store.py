"""Chroma as the store of record: chunk text, metadata and dense vectors, plus a document registry.

Embedded ``PersistentClient`` by default; setting ``CHROMA_HOST`` switches to a ``chroma run``
server with no other change. Chroma holds two collections:

* ``<name>`` — one record per chunk (display text as the document, dense vector, metadata);
* ``<name>__docs`` — one record per document, written *after* its chunks. A document counts as
  indexed only when its registry record carries the current content hash, so a run killed mid-way
  leaves a document that the next run finds stale and rewrites under the same stable chunk ids.

Every write stamps the chunk collection with a fresh ``generation``; derived views (BM25) compare
it with the one they were built from.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from assistant.errors import IndexError_
from assistant.settings import Settings

_PAGE = 2000


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


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
        where = f"server {settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else settings.resolved_index_dir
        raise IndexError_(f"cannot open the Chroma index at {where}: {exc}") from exc


class ChunkStore:
    """The two collections and the few operations ingest and retrieval need."""

    def __init__(self, settings: Settings) -> None:
        self.client = connect(settings)
        self.chunks = self.client.get_or_create_collection(
            settings.collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.docs = self.client.get_or_create_collection(f"{settings.collection}__docs", embedding_function=None)
        self._max_batch = self.client.get_max_batch_size()

    # -- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The document's registry record (written last, so only a fully indexed one has it)."""
        got = self.docs.get(ids=[doc_id], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else None

    def list_documents(self) -> list[dict[str, Any]]:
        """Registry records (metadata plus ``source``), sorted by file name."""
        got = self.docs.get(include=["metadatas"])
        return sorted(({**m, "source": i} for i, m in zip(got["ids"], got["metadatas"])), key=lambda d: d["source"])

    def replace_document(
        self,
        doc_id: str,
        doc_meta: dict[str, Any],
        ids: list[str],
        texts: list[str],
        metadatas: list[dict[str, Any]],
        vectors: np.ndarray,
    ) -> None:
        """Swap a document's chunks for new ones, then record it as complete."""
        self._delete_chunks(doc_id, keep=set(ids))
        for i in range(0, len(ids), self._max_batch):
            end = i + self._max_batch
            self.chunks.upsert(
                ids=ids[i:end], documents=texts[i:end], metadatas=metadatas[i:end], embeddings=vectors[i:end]
            )
        self.docs.upsert(ids=[doc_id], embeddings=[[1.0]], documents=[doc_meta.get("title", doc_id)], metadatas=[doc_meta])
        self._bump_generation()

    def remove_document(self, doc_id: str) -> int | None:
        """Delete a document and its chunks; the number of chunks removed, or None if it was unknown."""
        removed = self._delete_chunks(doc_id, keep=set())
        known = bool(self.docs.get(ids=[doc_id])["ids"])
        if known:
            self.docs.delete(ids=[doc_id])
        if not (removed or known):
            return None
        self._bump_generation()
        return removed

    def _delete_chunks(self, doc_id: str, keep: set[str]) -> int:
        existing = self.chunks.get(where={"source": doc_id}, include=[])["ids"]
        stale = [i for i in existing if i not in keep]
        for i in range(0, len(stale), self._max_batch):
            self.chunks.delete(ids=stale[i : i + self._max_batch])
        return len(stale)

    # -- generation ------------------------------------------------------------------------
    def generation(self) -> str:
        """Re-read from Chroma: ``Collection.metadata`` is a snapshot taken when it was opened,
        and another process (or another ChunkStore, e.g. the page's upload) may have written."""
        current = self.client.get_collection(self.chunks.name)
        return str((current.metadata or {}).get("generation", ""))

    def _bump_generation(self) -> None:
        self.chunks.modify(metadata={"generation": uuid.uuid4().hex})

    # -- reads -----------------------------------------------------------------------------
    def count(self) -> int:
        return self.chunks.count()

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every chunk, paged, in a stable order (for rebuilding derived views)."""
        offset = 0
        while True:
            got = self.chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                yield StoredChunk(cid, text, meta)
            offset += len(got["ids"])

    def dense_query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``n`` nearest chunks."""
        n = min(n, self.count())
        if n <= 0:
            return []
        got = self.chunks.query(query_embeddings=[vector.tolist()], n_results=n, where=where or None, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0])]

    def similarities(self, vector: np.ndarray, ids: list[str]) -> dict[str, float]:
        """Exact cosine similarity of given chunks (vectors are stored L2-normalized)."""
        if not ids:
            return {}
        got = self.chunks.get(ids=ids, include=["embeddings"])
        return {cid: float(np.dot(np.asarray(e, dtype=np.float32), vector)) for cid, e in zip(got["ids"], got["embeddings"])}
