"""BM25 over jieba tokens, derived from the chunks stored in Chroma and rebuildable from them.

Local Chroma has no sparse index, so this view is built from the store and kept on disk beside the
index, tagged with the store's ``generation``. It is kept by document: one segment file per complete
document (:mod:`assistant.index.segments`) and a stamp naming them. When the tag no longer matches
(another process ingested, a run was killed, the server changed), only the documents whose registry
record changed are read from Chroma and tokenized again; the others' segments are kept, so adding,
replacing or removing one document costs that document, not the index. The scores are those of a
view built in one piece: the statistics BM25 shares across chunks are computed when the segments are
merged at load. The retriever's copy also serves every chunk's display text and metadata, mapped
from the segment files and decoded on access (:mod:`assistant.index.segment_file`): search results
are assembled from it without another round trip to Chroma, and opening the view reads neither.

Only servable chunks enter the view: those of documents whose registry record is complete (an
interrupted ingest's chunks wait for the run that completes them). Dense hits outside the view
are dropped by the retriever, so the view decides what can ever be evidence.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.segment_file import Joined
from assistant.index.segments import (
    Postings,
    Segment,
    load_postings,
    read_segment,
    save_postings,
    segment_name,
    write_segment,
)
from assistant.index.store import ChunkStore

log = logging.getLogger(__name__)
_FORMAT = 5  # one segment file per document, named in stamp.json; texts and metadata read on access
_PICKLE_PAGE = 2000


@dataclass
class LexicalIndex:
    generation: str
    ids: list[str]
    texts: Sequence[str]
    metadatas: Joined  # of dicts; .column(key) for a scanned key over every chunk
    postings: Postings | None
    stored: int = 0  # chunks in the store when built, servable or not (a cheap staleness check)
    segments: dict[str, Segment] = field(default_factory=dict, repr=False)  # by file name, reused by the next load

    @classmethod
    def current(cls, store: ChunkStore, folder: Path, previous: LexicalIndex | None = None) -> LexicalIndex:
        """The view of the store as it is now: the saved one brought up to date; the segments of
        ``previous`` (an older view in memory) are reused instead of read again."""
        cls.refresh(store, folder)
        view = cls.load(folder, previous)
        if view is None:  # a segment replaced under us by another process, or unreadable: build it once more
            cls._build(store, folder, {})
            view = cls.load(folder)
        if view is None:
            raise OSError(f"the BM25 view at {folder} cannot be read back after rebuilding it")
        return view

    @classmethod
    def refresh(cls, store: ChunkStore, folder: Path) -> None:
        """Bring the saved view in step with the store, holding none of it in memory (ingest needs
        the view on disk for the page, not in its own process)."""
        stamp = _stamp(folder)
        if (
            stamp.get("format") == _FORMAT
            and stamp.get("generation") == store.generation()
            and stamp.get("stored") == store.count()
        ):
            return
        cls._build(store, folder, stamp.get("segments", {}) if stamp.get("format") == _FORMAT else {})

    @staticmethod
    def _build(store: ChunkStore, folder: Path, kept: dict[str, list[Any]]) -> None:
        """Write a segment for every complete document that has none at its content hash (all of
        them the first time), then the stamp naming the segments, then drop the ones it no longer names.

        The generation is read first, so a concurrent write makes the result look stale rather than
        current. Segments and the stamp are written under unique names and renamed into place: a
        reader finds whole files or none, never a half-written view."""
        generation, stored = store.generation(), store.count()
        if (folder / "chunks.pkl").exists() or _stamp(folder).get("format", _FORMAT) != _FORMAT:
            shutil.rmtree(folder, ignore_errors=True)  # a view of an older format (3, 4): replaced whole
        folder.mkdir(parents=True, exist_ok=True)
        segments: dict[str, list[Any]] = {}
        for source, content_hash in sorted(store.searchable_hashes().items()):
            old = kept.get(source)
            if old and old[0] == content_hash and (folder / old[1]).exists():
                segments[source] = old
                continue
            name = segment_name(source, content_hash)
            count = write_segment(folder / name, store.document_chunks(source, content_hash), _PICKLE_PAGE)
            segments[source] = [content_hash, name, count]
        stamp = {
            "format": _FORMAT,
            "generation": generation,
            "stored": stored,
            "count": sum(s[2] for s in segments.values()),
            "segments": segments,
        }
        tmp = folder / f"stamp.json.tmp-{uuid.uuid4().hex}"
        try:
            tmp.write_text(json.dumps(stamp, ensure_ascii=False))
            os.replace(tmp, folder / "stamp.json")
        finally:
            tmp.unlink(missing_ok=True)
        for name in {s[1] for s in kept.values()} - {s[1] for s in segments.values()}:
            (folder / name).unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path, previous: LexicalIndex | None = None) -> LexicalIndex | None:
        """The saved view, or None when there is none or it is unreadable."""
        stamp = _stamp(folder)
        if stamp.get("format") != _FORMAT:
            return None
        reuse = previous.segments if previous is not None else {}
        segments: dict[str, Segment] = {}
        try:
            for _content_hash, name, count in stamp["segments"].values():
                segment = reuse.get(name) or read_segment(folder / name)
                if len(segment.ids) != count:
                    return None
                segments[name] = segment
            parts = list(segments.values())
            ids = [i for seg in parts for i in seg.ids]
            base = previous.postings if previous is not None else None
            postings = _postings(folder, segments, base) if ids else None  # reads the token counts it merges
        except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
            log.info("BM25 view at %s unusable (%s); rebuilding", folder, exc)
            return None
        texts, metas = Joined([seg.texts for seg in parts]), Joined([seg.metadatas for seg in parts])
        return cls(stamp["generation"], ids, texts, metas, postings, int(stamp.get("stored", -1)), segments)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens (unknown tokens score nothing)."""
        if self.postings is None:
            return np.zeros(0, dtype=np.float32)
        return self.postings.scores(tokens)

    def idf(self, token: str) -> float:
        """BM25 inverse document frequency; 0 for a token the corpus never uses (it cannot tell
        one passage from another — in questions such tokens are mostly segmentation debris)."""
        return self.postings.idf(token) if self.postings is not None else 0.0


def _postings(folder: Path, segments: dict[str, Segment], previous: Postings | None) -> Postings:
    """The merged postings of ``segments``: the previous view's when they match, else the saved merge
    of exactly these segments, else the previous or saved merge brought up to date with the segments
    it lacks (a one-document change merges that document), else a merge of all; a new merge is saved."""
    names = list(segments)
    if previous is not None and previous.names == names:
        return previous
    saved = load_postings(folder, names)
    if saved is not None:
        return saved
    postings = Postings.merge(list(segments.items()), previous or load_postings(folder, None))
    try:
        save_postings(folder, postings)
    except OSError as exc:  # a full or read-only disk: the view still serves, the next load merges again
        log.info("BM25 postings not saved at %s (%s)", folder, exc)
    return postings


def _stamp(folder: Path) -> dict[str, Any]:
    """What the saved view was built from (format, generation, counts); {} when there is none."""
    try:
        return json.loads((folder / "stamp.json").read_text())
    except (OSError, ValueError):
        return {}
