"""BM25 over jieba tokens, derived from the chunks stored in Chroma and rebuildable from them.

Local Chroma has no sparse index, so this view is built from ``ChunkStore.iter_chunks`` and kept
on disk beside the index, tagged with the store's ``generation``. When the tag no longer matches
(another process ingested, a run was killed, the server changed) it is rebuilt from Chroma.
The retriever's copy also keeps every chunk's display text and metadata in memory: search results
are assembled from it without another round trip to Chroma. Building the view holds only the token
ids; texts and metadata stream to disk, so an ingest rebuilds it without holding the index.

Only servable chunks enter the view: those of documents whose registry record is complete (an
interrupted ingest's chunks wait for the run that completes them). Dense hits outside the view
are dropped by the retriever, so the view decides what can ever be evidence.

Readers never see a half-written view, however many threads and processes write: each build goes
to a folder of its own (``tmp-<random>``, unique per writer, not per process: two threads of the
page share a pid), is renamed whole to ``v-<random>`` and only then named by ``stamp.json``, which
is replaced atomically. A reader reads the stamp once and the files of the version it names; if
a later writer removed that version meanwhile, the reader reads the new stamp and tries again.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import time
import uuid
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.index.store import ChunkStore
from assistant.text import searchable, tokenize

log = logging.getLogger(__name__)
_FORMAT = 4  # stamp.json names the version folder holding chunks.pkl (pages of ids, texts, metadatas) and bm25/
_PICKLE_PAGE = 2000
_ATTEMPTS = 6  # reads of a view replaced under the reader before giving up
_ABANDONED_S = 3600.0  # a build folder this old belongs to a killed writer
_SUPERSEDED_S = 60.0  # a version is kept this long after it was built: readers that just read its stamp finish
_NOTHING = object()


@dataclass
class LexicalIndex:
    generation: str
    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    bm25: bm25s.BM25 | None
    stored: int = 0  # chunks in the store when built, servable or not (a cheap staleness check)

    @classmethod
    def current(cls, store: ChunkStore, folder: Path) -> LexicalIndex:
        """The view of the store as it is now: the cached one if it matches, else rebuilt and saved.

        A version that fails to load is retried under the stamp read anew (another writer replaced
        and removed it); only the same version failing twice is taken as damaged and rebuilt."""
        cls.refresh(store, folder)
        failed: object = _NOTHING
        for _ in range(_ATTEMPTS):
            stamp = _stamp(folder)
            view = cls._load(folder, stamp)
            if view is not None:
                return view
            if stamp.get("version") == failed:
                cls._build(store, folder)
            failed = stamp.get("version")
        raise OSError(f"the BM25 view at {folder} cannot be read back after rebuilding it")

    @classmethod
    def refresh(cls, store: ChunkStore, folder: Path) -> None:
        """Rebuild the saved view unless it matches the store, holding none of it in memory (ingest
        needs the view on disk for the page, not in its own process)."""
        stamp = _stamp(folder)
        if stamp.get("format") != _FORMAT or stamp.get("generation") != store.generation() or stamp.get("stored") != store.count():
            cls._build(store, folder)

    @staticmethod
    def _build(store: ChunkStore, folder: Path) -> None:
        """Tokenize every servable chunk and index it, streaming texts and metadata to disk a page at
        a time: a 42,000-chunk index (a 30 MB file) held ~130 MB of them while its BM25 was built.

        The generation is read first, so a concurrent write makes the result look stale rather
        than current. Written to a folder of its own and renamed: a half-written view is never loaded."""
        generation = store.generation()
        servable = store.searchable_hashes()
        version = uuid.uuid4().hex
        tmp = folder / f"tmp-{version}"
        tmp.mkdir(parents=True)
        vocab: dict[str, int] = {}
        tokens: list[array[int]] = []
        stored = 0
        with open(tmp / "chunks.pkl", "wb") as fh:
            page: tuple[list[str], list[str], list[dict[str, Any]]] = ([], [], [])
            for chunk in store.iter_chunks():
                stored += 1
                meta = chunk.metadata
                if servable.get(str(meta.get("source"))) != meta.get("content_hash"):
                    continue
                for column, value in zip(page, (chunk.id, chunk.text, meta)):
                    column.append(value)
                tokens.append(_token_ids(searchable(chunk.text, meta), vocab))
                if len(page[0]) == _PICKLE_PAGE:
                    pickle.dump(page, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    page = ([], [], [])
            pickle.dump(page, fh, protocol=pickle.HIGHEST_PROTOCOL)
        if tokens:
            bm25 = bm25s.BM25()
            bm25.index((tokens, vocab), show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
        tmp.rename(folder / f"v-{version}")
        stamp = {"format": _FORMAT, "generation": generation, "count": len(tokens), "stored": stored, "version": f"v-{version}"}
        staged = folder / f"stamp-{version}.tmp"
        staged.write_text(json.dumps(stamp))
        os.replace(staged, folder / "stamp.json")
        _remove_stale(folder)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved view, or None when there is none or it is unreadable."""
        return cls._load(folder, _stamp(folder))

    @classmethod
    def _load(cls, folder: Path, stamp: dict[str, Any]) -> LexicalIndex | None:
        """The version ``stamp`` names, or None when it is missing (removed by a later writer) or unreadable."""
        if stamp.get("format") != _FORMAT or not str(stamp.get("version", "")).startswith("v-"):
            return None
        where = folder / str(stamp["version"])
        try:
            ids: list[str] = []
            texts: list[str] = []
            metas: list[dict[str, Any]] = []
            with open(where / "chunks.pkl", "rb") as fh:
                while True:
                    try:
                        page = pickle.load(fh)
                    except EOFError:
                        break
                    for column, values in zip((ids, texts, metas), page):
                        column.extend(values)
            bm25 = bm25s.BM25.load(str(where / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError, pickle.UnpicklingError) as exc:
            log.info("BM25 view at %s unusable (%s)", where, exc)
            return None
        if len(ids) != stamp.get("count"):
            return None
        return cls(stamp["generation"], ids, texts, metas, bm25, int(stamp.get("stored", -1)))

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


def _stamp(folder: Path) -> dict[str, Any]:
    """What the saved view was built from (format, generation, counts); {} when there is none."""
    try:
        return json.loads((folder / "stamp.json").read_text())
    except (OSError, ValueError):
        return {}


def _remove_stale(folder: Path) -> None:
    """Remove what the current stamp does not name: versions built over a minute ago (a reader
    still on one retries under the new stamp; a younger one may be another writer's, renamed but
    not yet named by the stamp), a killed writer's build or stamp after an hour, and the files of
    views saved before versions existed."""
    current = _stamp(folder).get("version")
    now = time.time()
    for entry in folder.iterdir():
        if entry.name in ("stamp.json", current):
            continue
        keep = _ABANDONED_S if entry.name.startswith(("tmp-", "stamp-")) else _SUPERSEDED_S if entry.name.startswith("v-") else 0
        try:
            if now - entry.stat().st_mtime >= keep:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        except OSError:  # removed by another writer's cleanup meanwhile
            continue


def _token_ids(text: str, vocab: dict[str, int]) -> array[int]:
    """The text's tokens as ids in a compact array (new tokens join ``vocab``): what bm25s indexes.

    Lists of token strings cost ~1 GB at 42,000 chunks (a 30 MB file) against ~30 MB as ids; the
    index built is the same (an empty text is the empty token)."""
    return array("I", [vocab.setdefault(token, len(vocab)) for token in tokenize(text) or [""]])
