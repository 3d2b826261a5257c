"""Embed and write one document's chunks in batches, so that a stopped run resumes where it stopped.

Chunk ids are stable (the document's id, the chunk's place and its text): a run that stopped after
some batches finds them written under the same ids and embeds only the rest. Memory stays flat on
a big file: at most ``ingest.write_chunks`` chunks are held, embedded ``ingest.batch_chunks`` at
a time, and a stop (:mod:`assistant.ingest.stop`) waits for a whole write.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.index.embed import Embedder, passage_vectors, without_dense
from assistant.index.store import ChunkStore
from assistant.ingest.chunk import Chunk
from assistant.ingest.injection import is_flagged
from assistant.ingest.layout import Laid
from assistant.ingest.report import IngestReport
from assistant.ingest.stop import GracefulStop
from assistant.language.text import searchable
from assistant.settings import Settings

Pending = tuple[str, Chunk, dict[str, Any]]  # (chunk id, chunk, its metadata)


def doc_key(doc_id: str) -> str:
    return hashlib.sha1(doc_id.encode()).hexdigest()[:12]


def chunk_id(doc_id: str, index: int, text: str) -> str:
    """Stable: the same document content always yields the same ids."""
    return f"{doc_key(doc_id)}-{index:04d}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def write_batches(
    store: ChunkStore,
    embedder: Embedder,
    settings: Settings,
    name: str,
    laid: Laid,
    base: dict[str, Any],
    report: IngestReport,
    stop: GracefulStop,
    progress: bool,
) -> tuple[float, float]:
    """Embed the chunks ``ingest.batch_chunks`` at a time and write them ``ingest.write_chunks`` at
    a time, skipping chunks an interrupted run already wrote (same content, same ids); the
    seconds spent embedding and writing. A stop between writes loses only vectors, which the
    embedding cache keeps for the next run."""
    chunks = laid.chunks
    report.partial = (name, 0, len(chunks))
    batch = settings.ingest.batch_chunks
    window = max(settings.ingest.write_chunks, batch)
    bar = tqdm(
        total=len(chunks),
        desc=f"  {name[:30]}",
        unit="chunk",
        leave=False,
        dynamic_ncols=True,
        disable=not progress or len(chunks) <= batch,
    )
    embed_s = write_s = 0.0
    for start in range(0, len(chunks), window):
        part = list(zip(chunks[start : start + window], laid.extra[start : start + window]))
        ids = [chunk_id(name, c.index, c.text) for c, _ in part]
        done = store.written(ids)
        todo = _pending(ids, part, done, base, settings)
        bar.update(len(part) - len(todo))
        vectors, seconds = _embed(embedder, todo, batch, bar)
        embed_s += seconds
        if todo:
            w0 = time.perf_counter()
            with stop.writing():
                store.write_chunks(
                    [i for i, _, _ in todo],
                    [c.text for _, c, _ in todo],
                    [m for _, _, m in todo],
                    np.concatenate(vectors),
                )
                report.partial = (name, start + len(part), len(chunks))
            write_s += time.perf_counter() - w0
        report.partial = (name, start + len(part), len(chunks))
    bar.close()
    return embed_s, write_s


def _pending(
    ids: list[str], part: list[tuple[Chunk, dict[str, Any]]], done: set[str], base: dict[str, Any], settings: Settings
) -> list[Pending]:
    """The chunks of a window not written yet, each with its metadata: the document's, the chunk's
    place and section, whether it holds flagged text, and whether it gets a dense vector."""
    return [
        (
            i,
            c,
            base
            | {
                "section": c.section,
                "start": c.start,
                "end": c.end,
                "chunk_index": c.index,
                "suspicious": is_flagged(c.text),
            }
            | extra
            | ({"dense": False} if without_dense(extra, settings.embed) else {}),
        )
        for i, (c, extra) in zip(ids, part)
        if i not in done
    ]


def _embed(embedder: Embedder, todo: list[Pending], batch: int, bar: tqdm) -> tuple[list[np.ndarray], float]:
    """The vectors of ``todo``, ``batch`` chunks at a time, and the seconds spent."""
    vectors = []
    embed_s = 0.0
    for at in range(0, len(todo), batch):
        piece = todo[at : at + batch]
        e0 = time.perf_counter()
        texts = [searchable(c.text, m) for _, c, m in piece]
        dense = [m.get("dense", True) for _, _, m in piece]
        vectors.append(passage_vectors(embedder, [i for i, _, _ in piece], texts, dense))
        embed_s += time.perf_counter() - e0
        bar.update(len(piece))
    return vectors, embed_s
