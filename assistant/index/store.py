"""Chroma as the store of record: chunk text, metadata and dense vectors, plus a document registry.

Embedded ``PersistentClient`` by default; setting ``CHROMA_HOST`` switches to a ``chroma run``
server with no other change. Chroma holds two collections:

* ``<name>`` — one record per chunk (display text as the document, dense vector, metadata);
* ``<name>__docs`` — one record per document. It is written *before* the chunks with
  ``status="incomplete"`` and the new content hash, and rewritten with ``status="complete"`` after
  the last batch. A document is searchable only when its record is complete and a chunk's content
  hash is the record's (:meth:`ChunkStore.searchable_hashes`), so ``list`` shows an interrupted
  document as incomplete and search never serves its chunks; the next run finds it incomplete,
  keeps the chunks already written (stable ids: same content, same ids) and writes the rest.

Every registry change stamps the chunk collection with a fresh ``generation``; derived views
(BM25) compare it with the one they were built from.

A lost ``chroma run`` server surfaces as :class:`ChromaUnavailable` naming it, never as an httpx
traceback (:mod:`assistant.index.chroma_client`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from assistant.errors import AssistantError, ChromaUnavailable
from assistant.index.chroma_client import connect, guard, retrying, server_name
from assistant.settings import Settings

# Chunks read per Chroma call when a derived view (BM25, fact table) reads the whole index. Chroma
# 1.5's embedded ``get`` allocates far more than the records it returns, in proportion to the page:
# over a 42,000-chunk index a page of 10,000 metadatas raised the process's RSS by 350 MB (and
# glibc's per-thread arenas kept most of it), 2,000 by ~220 MB, 500 by ~130 MB; a full read at 500
# takes 2 s against 1.7 s at 2,000 (benchmarks/big_file.py re-measures the whole ingest).
_PAGE = 500
COMPLETE, INCOMPLETE = "complete", "incomplete"
log = logging.getLogger(__name__)
# The registry's id scheme, kept in its collection's metadata: "path" = the path below the ingest
# root (``东区/工作报告.docx``). Registries written before it knew documents by file name alone.
_ID_SCHEME = ("doc_ids", "path")


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


class ChunkStore:
    """The two collections and the few operations ingest and retrieval need."""

    def __init__(self, settings: Settings) -> None:
        wrap = guard(settings)
        self.where = server_name(settings) if settings.chroma_host else str(settings.resolved_index_dir)
        self.client = wrap(connect(settings))
        self.chunks = wrap(
            self.client.get_or_create_collection(
                settings.collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
        )
        self.docs = wrap(self.client.get_or_create_collection(f"{settings.collection}__docs", embedding_function=None))
        self._max_batch = self.client.get_max_batch_size()
        self._migrate()

    def _migrate(self) -> None:
        """Bring a registry written when documents were known by file name to the path scheme, once:
        its ids stay (a file name is the path of a file ingested from its own folder, and the
        chunks keep their ids), and each record gains the ``name`` and ``folder`` ``list`` shows.
        A file of a subfolder that an older index knew by its name alone moves to its full id the
        next time its folder is ingested (:meth:`remove_other_ids`); nothing is lost meanwhile."""
        key, scheme = _ID_SCHEME
        if (self.docs.metadata or {}).get(key) == scheme:
            return
        got = self.docs.get(include=["metadatas"])
        stale = [(i, m or {}) for i, m in zip(got["ids"], got["metadatas"]) if "name" not in (m or {})]
        try:
            if stale:
                self.docs.update(ids=[i for i, _ in stale], metadatas=[m | id_parts(i) for i, m in stale])
            self.docs.modify(metadata={key: scheme})
        except ChromaUnavailable:
            raise
        except Exception:  # a read-only index is still read (its ids are its names); migrated when writable
            return

    # -- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The document's registry record (``status`` says whether all its chunks are written)."""
        got = self.docs.get(ids=[doc_id], include=["metadatas"])
        return _with_status(got["metadatas"][0]) if got["ids"] else None

    def list_documents(self) -> list[dict[str, Any]]:
        """Registry records (metadata plus ``source`` and ``status``), sorted by file name."""
        got = self.docs.get(include=["metadatas"])
        return sorted(
            ({**_with_status(m), "source": i} for i, m in zip(got["ids"], got["metadatas"])), key=lambda d: d["source"]
        )

    def resolve(self, name: str) -> str:
        """The id of the document ``name`` means: the id itself, or the one document whose file name
        it is (a name several folders share is refused with the ids to choose from)."""
        if self.docs.get(ids=[name], include=[])["ids"]:
            return name
        ids = sorted(self.docs.get(where={"name": name}, include=[])["ids"])
        if len(ids) > 1:
            raise AssistantError(f"{name} names {len(ids)} documents ({', '.join(ids)}); give the one `list` shows")
        return ids[0] if ids else name

    def remove_other_ids(self, path: str, keep: str) -> list[str]:
        """Remove the records (and chunks) of file ``path`` under ids other than ``keep``: the same
        file indexed before under another id (by name alone, or from another root). Their ids."""
        others = [i for i in self.docs.get(where={"path": path}, include=[])["ids"] if i != keep]
        for other in others:
            self.remove_document(other)
        return others

    def searchable_hashes(self) -> dict[str, str]:
        """``{source: content hash}`` of the complete documents: only their chunks may be served."""
        return {d["source"]: str(d.get("content_hash", "")) for d in self.list_documents() if d["status"] == COMPLETE}

    def servable_ids(self) -> set[str]:
        """Ids of the chunks search may serve: their document is complete, at their content hash."""
        servable = self.searchable_hashes()
        return {
            c.id
            for c in self.iter_chunks(texts=False)
            if servable.get(str(c.metadata.get("source"))) == c.metadata.get("content_hash")
        }

    def begin_document(self, doc_id: str, doc_meta: dict[str, Any]) -> None:
        """Record the new version as incomplete and drop chunks of any other version, before writing."""
        self._upsert_record(doc_id, doc_meta | {"status": INCOMPLETE})
        self._delete_chunks({"$and": [{"source": doc_id}, {"content_hash": {"$ne": doc_meta["content_hash"]}}]})
        self._bump_generation()

    def written(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are stored (a resumed run skips them: same id, same content)."""
        return set(self.chunks.get(ids=ids, include=[])["ids"]) if ids else set()

    def write_chunks(
        self, ids: list[str], texts: list[str], metadatas: list[dict[str, Any]], vectors: np.ndarray
    ) -> None:
        """One batch of a document's chunks (not searchable until :meth:`finish_document`)."""
        for i in range(0, len(ids), self._max_batch):
            end = i + self._max_batch
            self.chunks.upsert(
                ids=ids[i:end], documents=texts[i:end], metadatas=metadatas[i:end], embeddings=vectors[i:end]
            )

    def finish_document(self, doc_id: str, doc_meta: dict[str, Any]) -> None:
        """Mark the document complete: from now on search serves its chunks and ``list`` shows it."""
        self._upsert_record(doc_id, doc_meta | {"status": COMPLETE})
        self._bump_generation()

    def _upsert_record(self, doc_id: str, doc_meta: dict[str, Any]) -> None:
        """Replace the record whole: Chroma's upsert merges metadata, so a key the new version lacks
        (a region no longer inferred, a flag no longer raised) would survive from the old one. A kill
        between delete and add leaves no record, which search reads as "not complete": consistent."""
        self.docs.delete(ids=[doc_id])
        self.docs.add(ids=[doc_id], embeddings=[[1.0]], documents=[doc_meta.get("title", doc_id)], metadatas=[doc_meta])

    def remove_document(self, doc_id: str) -> int | None:
        """Delete a document and its chunks; the number of chunks removed, or None if it was unknown."""
        removed = self._delete_chunks({"source": doc_id})
        known = bool(self.docs.get(ids=[doc_id])["ids"])
        if known:
            self.docs.delete(ids=[doc_id])
        if not (removed or known):
            return None
        self._bump_generation()
        return removed

    def _delete_chunks(self, where: dict[str, Any]) -> int:
        stale = self.chunks.get(where=where, include=[])["ids"]
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

    def iter_chunks(self, texts: bool = True) -> Iterator[StoredChunk]:
        """Every chunk, paged, in a stable order (for rebuilding derived views); with
        ``texts=False`` only ids and metadata are read (the text comes back empty)."""
        include = ["documents", "metadatas"] if texts else ["metadatas"]
        offset = 0
        while True:
            got = self.chunks.get(include=include, limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield from _stored(got)
            offset += len(got["ids"])

    def document_chunks(self, source: str, content_hash: str) -> Iterator[StoredChunk]:
        """One version of one document's chunks, paged (what a by-document view reads when that
        document changed: the cost of the document, not of the index)."""
        where = {"$and": [{"source": source}, {"content_hash": content_hash}]}
        offset = 0
        while True:
            got = self.chunks.get(where=where, include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            yield from _stored(got)
            offset += len(got["ids"])
            if len(got["ids"]) < _PAGE:  # the last page: no call for an empty one (each filtered get
                return  # scans Chroma's metadata, ~20 ms at 200,000 chunks, docs/library.md)

    def get_chunks(self, ids: list[str]) -> Iterator[StoredChunk]:
        """The given chunks with text and metadata, read a page at a time (ids not stored are left out)."""
        for i in range(0, len(ids), _PAGE):
            yield from _stored(self.chunks.get(ids=ids[i : i + _PAGE], include=["documents", "metadatas"]))

    def dense_query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None, stored: int | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``n`` nearest chunks; ``stored``, the chunk count when the
        caller has just read it (Chroma's count scans the index: ~13 ms at 200,000 chunks)."""
        n = min(n, self.count() if stored is None else stored)
        if n <= 0:
            return []
        got = retrying(
            lambda: self.chunks.query(
                query_embeddings=[vector.tolist()], n_results=n, where=where or None, include=["distances"]
            ),
            {"ids": [[]], "distances": [[]]},
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0])]

    def similarities(self, vector: np.ndarray, ids: list[str]) -> dict[str, float]:
        """Exact cosine similarity of given chunks (vectors are stored L2-normalized)."""
        if not ids:
            return {}
        got = retrying(lambda: self.chunks.get(ids=ids, include=["embeddings"]), {"ids": [], "embeddings": []})
        return {
            cid: float(np.dot(np.asarray(e, dtype=np.float32), vector)) for cid, e in zip(got["ids"], got["embeddings"])
        }


def _stored(got: dict[str, Any]) -> Iterator[StoredChunk]:
    texts = got.get("documents") or [""] * len(got["ids"])
    for cid, text, meta in zip(got["ids"], texts, got["metadatas"]):
        yield StoredChunk(cid, text or "", meta or {})


def id_parts(doc_id: str) -> dict[str, str]:
    """The ``name`` and ``folder`` shown beside an id (``东区/工作报告.docx`` → 工作报告.docx, 东区)."""
    path = PurePosixPath(doc_id)
    return {"name": path.name, "folder": "" if str(path.parent) == "." else str(path.parent)}


def _with_status(meta: dict[str, Any]) -> dict[str, Any]:
    """Records written before statuses existed were only ever written complete."""
    return {"status": COMPLETE, **meta}
