"""BM25 by document: one immutable segment file per document version, merged into postings at load.

A segment holds one document's servable chunks (ids, display texts, metadata) and, per chunk, its
distinct tokens with their counts and its length in tokens: everything BM25 needs that does not
depend on the rest of the index. What does depend on the rest — the number of chunks, each token's
document frequency, the mean chunk length — is computed when the segments are merged
(:class:`Postings`), so adding, replacing or removing a document tokenizes that document only and the
scores are those of an index built in one piece (bm25s' ``lucene`` BM25, its defaults k1 = 1.5, b = 0.75;
``tests/test_bm25_segments.py`` checks them against bm25s itself).

Segment files are written under a unique temporary name and renamed into place, and never modified:
a reader sees a whole file or none.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.text import searchable
from assistant.tokens import tokenize

K1, B = 1.5, 0.75  # bm25s' defaults, which the view used when bm25s built it


@dataclass
class Segment:
    """One document version's chunks and their token counts (token ids local to the segment)."""

    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    vocab: list[str]  # local token id -> token
    token_ids: np.ndarray  # distinct local token ids of every chunk, chunk after chunk
    counts: np.ndarray  # how often each of those occurs in its chunk
    distinct: np.ndarray  # distinct tokens per chunk (how many entries of token_ids each chunk owns)
    lengths: np.ndarray  # tokens per chunk (its BM25 document length)


def segment_name(source: str, content_hash: str) -> str:
    """A file name unique to one version of one document."""
    return f"{hashlib.sha1(source.encode()).hexdigest()[:12]}-{content_hash[:16]}.seg"


def write_segment(path: Path, chunks: Iterable[Any], page_size: int) -> int:
    """Tokenize ``chunks`` (``StoredChunk``s of one document) into a segment file at ``path``; the
    chunk count. Texts and metadata stream to disk ``page_size`` chunks at a time, so a document of
    42,000 chunks is never held whole; only its token counts are."""
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        count = _stream(tmp, chunks, page_size)
    except BaseException:  # a full disk or Ctrl-C: no partial file left behind
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return count


def _stream(tmp: Path, chunks: Iterable[Any], page_size: int) -> int:
    """Write the pages of texts and metadata, then the token counts; the chunk count."""
    vocab: dict[str, int] = {}
    token_ids: list[int] = []
    counts: list[int] = []
    distinct: list[int] = []
    lengths: list[int] = []
    with open(tmp, "wb") as fh:
        page: tuple[list[str], list[str], list[dict[str, Any]]] = ([], [], [])
        for chunk in chunks:
            for column, value in zip(page, (chunk.id, chunk.text, chunk.metadata)):
                column.append(value)
            tokens = Counter(
                tokenize(searchable(chunk.text, chunk.metadata)) or [""]
            )  # an empty text is the empty token
            token_ids.extend(vocab.setdefault(t, len(vocab)) for t in tokens)
            counts.extend(tokens.values())
            distinct.append(len(tokens))
            lengths.append(sum(tokens.values()))
            if len(page[0]) == page_size:
                pickle.dump(page, fh, protocol=pickle.HIGHEST_PROTOCOL)
                page = ([], [], [])
        pickle.dump(page, fh, protocol=pickle.HIGHEST_PROTOCOL)
        arrays = (
            list(vocab),
            np.asarray(token_ids, np.int32),
            np.asarray(counts, np.int32),
            np.asarray(distinct, np.int32),
            np.asarray(lengths, np.int32),
        )
        pickle.dump(("postings", *arrays), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return len(lengths)


def read_segment(path: Path) -> Segment:
    """A segment file read whole; raises OSError/ValueError/UnpicklingError when it is unreadable."""
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, Any]] = []
    with open(path, "rb") as fh:
        while True:
            record = pickle.load(fh)
            if record and record[0] == "postings":
                break
            for column, values in zip((ids, texts, metas), record):
                column.extend(values)
    vocab, token_ids, counts, distinct, lengths = record[1:]
    if len(lengths) != len(ids):
        raise ValueError(f"segment {path.name} holds {len(ids)} chunks but {len(lengths)} lengths")
    return Segment(ids, texts, metas, vocab, token_ids, counts, distinct, lengths)


class Postings:
    """Token-major term counts of all segments, with the collection statistics BM25 needs.

    Merging is vectorized (one stable sort of the chunks' distinct tokens); only the union of the
    segments' vocabularies is walked in Python."""

    def __init__(self, segments: list[Segment]) -> None:
        self.vocab: dict[str, int] = {}
        gids, rows, counts, lengths = [], [], [], []
        offset = 0
        for seg in segments:
            local = np.fromiter(
                (self.vocab.setdefault(t, len(self.vocab)) for t in seg.vocab), np.int64, len(seg.vocab)
            )
            gids.append(local[seg.token_ids])
            rows.append(offset + np.repeat(np.arange(len(seg.lengths), dtype=np.int64), seg.distinct))
            counts.append(seg.counts)
            lengths.append(seg.lengths)
            offset += len(seg.lengths)
        self.n = offset
        gid = np.concatenate(gids) if gids else np.zeros(0, np.int64)
        order = np.argsort(gid, kind="stable")
        self.rows = (np.concatenate(rows)[order] if rows else gid).astype(np.int32)
        self.counts = (np.concatenate(counts)[order] if counts else gid).astype(np.float32)
        self.indptr = np.zeros(len(self.vocab) + 1, np.int64)
        np.cumsum(np.bincount(gid, minlength=len(self.vocab)), out=self.indptr[1:])
        length = np.concatenate(lengths).astype(np.float32) if lengths else np.zeros(0, np.float32)
        # the length normalization of every chunk, once: k1 * (1 - b + b * |d| / avgdl)
        self.norm = K1 * ((1 - B) + B * length / max(float(length.mean()) if self.n else 1.0, 1e-9))

    def df(self, token: str) -> int:
        """Chunks that contain ``token``."""
        gid = self.vocab.get(token)
        return 0 if gid is None else int(self.indptr[gid + 1] - self.indptr[gid])

    def idf(self, token: str) -> float:
        """Lucene's BM25 idf, log(1 + (N - df + 0.5) / (df + 0.5)); 0 for a token no chunk uses."""
        df = self.df(token)
        return float(np.log(1.0 + (self.n - df + 0.5) / (df + 0.5))) if df else 0.0

    def scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every chunk for the query tokens (a repeated token counts again, as in bm25s)."""
        out = np.zeros(self.n, np.float32)
        for token in tokens:
            gid = self.vocab.get(token)
            if gid is None:
                continue
            start, end = self.indptr[gid], self.indptr[gid + 1]
            rows, tf = self.rows[start:end], self.counts[start:end]
            out[rows] += (np.float32(self.idf(token)) * tf / (self.norm[rows] + tf)).astype(np.float32)
        return out
