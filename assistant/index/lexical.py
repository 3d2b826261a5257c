"""BM25 over jieba tokens, derived from the chunks stored in Chroma and rebuildable from them.

Local Chroma has no sparse index, so this view is built from ``ChunkStore.iter_chunks`` and kept
on disk beside the index, tagged with the store's ``generation``. When the tag no longer matches
(another process ingested, a run was killed, the server changed) it is rebuilt from Chroma.
The view also keeps every chunk's display text and metadata in memory: search results are
assembled from it without another round trip to Chroma.

Only servable chunks enter the view: those of documents whose registry record is complete (an
interrupted ingest's chunks wait for the run that completes them). Dense hits outside the view
are dropped by the retriever, so the view decides what can ever be evidence.
"""

from __future__ import annotations

import json
import logging
import pickle
import shutil
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.index.store import ChunkStore
from assistant.text import searchable, tokenize

log = logging.getLogger(__name__)
_FORMAT = 2


@dataclass
class LexicalIndex:
    generation: str
    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    bm25: bm25s.BM25 | None
    stored: int = 0  # chunks in the store when built, servable or not (a cheap staleness check)

    @classmethod
    def build(cls, store: ChunkStore) -> LexicalIndex:
        """Tokenize every stored chunk and index it (the generation is read first, so a
        concurrent write makes the result look stale rather than current)."""
        generation = store.generation()
        servable = store.searchable_hashes()
        ids, texts, metas = [], [], []
        stored = 0
        for chunk in store.iter_chunks():
            stored += 1
            meta = chunk.metadata
            if servable.get(str(meta.get("source"))) != meta.get("content_hash"):
                continue
            ids.append(chunk.id)
            texts.append(chunk.text)
            metas.append(chunk.metadata)
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(_token_ids(searchable(t, m) for t, m in zip(texts, metas)), show_progress=False)
        return cls(generation, ids, texts, metas, bm25, stored)

    def save(self, folder: Path) -> None:
        """Write atomically: a half-written cache must never be loaded."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.bm25 is not None:
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
        with open(tmp / "chunks.pkl", "wb") as fh:
            pickle.dump((self.ids, self.texts, self.metadatas), fh, protocol=pickle.HIGHEST_PROTOCOL)
        (tmp / "stamp.json").write_text(json.dumps({"format": _FORMAT, "generation": self.generation, "count": len(self.ids), "stored": self.stored}))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The cached view, or None when there is none or it is unreadable."""
        try:
            stamp = json.loads((folder / "stamp.json").read_text())
            if stamp.get("format") != _FORMAT:
                return None
            with open(folder / "chunks.pkl", "rb") as fh:
                ids, texts, metas = pickle.load(fh)
            bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
            log.info("BM25 cache at %s unusable (%s); rebuilding", folder, exc)
            return None
        return cls(stamp["generation"], ids, texts, metas, bm25, int(stamp.get("stored", -1)))

    @classmethod
    def current(cls, store: ChunkStore, folder: Path) -> LexicalIndex:
        """The cached view if it matches the store, else a fresh one (saved for next time)."""
        cached = cls.load(folder)
        if cached is not None and cached.generation == store.generation() and cached.stored == store.count():
            return cached
        fresh = cls.build(store)
        fresh.save(folder)
        return fresh

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens (unknown tokens score nothing)."""
        if self.bm25 is None:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in tokens if t in self.bm25.vocab_dict]
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def idf(self, token: str) -> float:
        """BM25 inverse document frequency; 0 for a token the corpus never uses (it cannot tell
        one passage from another — in questions such tokens are mostly segmentation debris)."""
        n = len(self.ids)
        token_id = self.bm25.vocab_dict.get(token) if self.bm25 is not None else None
        indptr = self.bm25.scores["indptr"] if self.bm25 is not None else None
        df = int(indptr[token_id + 1] - indptr[token_id]) if token_id is not None and token_id + 1 < len(indptr) else 0
        if df == 0:
            return 0.0
        return float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))


def _token_ids(texts: Iterable[str]) -> tuple[list[array[int]], dict[str, int]]:
    """Each text's tokens as ids in a compact array, and the vocabulary: what bm25s indexes.

    Lists of token strings cost ~1 GB at 42,000 chunks (a 30 MB file) against ~120 MB as ids, and
    they were the ingest's memory peak; the index built is the same (an empty text is the empty token)."""
    vocab: dict[str, int] = {}
    docs = [array("I", [vocab.setdefault(token, len(vocab)) for token in tokenize(text) or [""]]) for text in texts]
    return docs, vocab
