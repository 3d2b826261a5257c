"""BM25 by document: one immutable segment file per document version, merged into postings at load.

A segment holds one document's servable chunks (ids, display texts, metadata) and, per chunk, its
distinct tokens with their counts and its length in tokens: everything BM25 needs that does not
depend on the rest of the index. What does depend on the rest — the number of chunks, each token's
document frequency, the mean chunk length — is computed when the segments are merged
(:class:`Postings`), so adding, replacing or removing a document tokenizes that document only and the
scores are those of an index built in one piece (bm25s' ``lucene`` BM25, its defaults k1 = 1.5, b = 0.75;
``tests/test_bm25_segments.py`` checks them against bm25s itself).

Segment files (:mod:`assistant.index.segment_file`) are written under a unique temporary name and
renamed into place, and never modified: a reader sees a whole file or none.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from pathlib import Path

import numpy as np

from assistant.index.segment_file import Segment, read_segment, write_segment

__all__ = ["Postings", "Segment", "load_postings", "read_segment", "save_postings", "segment_name", "write_segment"]

K1, B = 1.5, 0.75  # bm25s' defaults, which the view used when bm25s built it


def segment_name(source: str, content_hash: str) -> str:
    """A file name unique to one version of one document."""
    return f"{hashlib.sha1(source.encode()).hexdigest()[:12]}-{content_hash[:16]}.seg"


class Postings:
    """Token-major term counts of all segments, with the collection statistics BM25 needs.

    Built by :meth:`merge` from an earlier merge (in memory or saved, :func:`save_postings`) and the
    segments it lacks: the earlier entries are kept in place (filtered and renumbered, vectorized) and
    only the new segments' vocabularies are walked in Python and their entries sorted, so a one-document
    change costs that document plus a few linear numpy passes over the index, not a re-merge. Chunks are
    in the segments' order, so the statistics and scores equal those of a merge in one piece."""

    def __init__(
        self,
        names: list[str],
        sizes: list[int],
        vocab: dict[str, int],
        csr: tuple[np.ndarray, np.ndarray, np.ndarray],
        lengths: np.ndarray,
    ) -> None:
        self.names, self.sizes, self.vocab = names, sizes, vocab  # segment file names and chunk counts, in order
        self.indptr, self.rows, self.counts = csr  # token gid -> [indptr[gid], indptr[gid+1]) of rows/counts
        self.lengths = lengths  # tokens per chunk
        self.n = len(lengths)
        # the length normalization of every chunk, once: k1 * (1 - b + b * |d| / avgdl)
        self.norm = K1 * ((1 - B) + B * lengths / max(float(lengths.mean()) if self.n else 1.0, 1e-9))

    @classmethod
    def merge(cls, segments: list[tuple[str, Segment]], base: Postings | None = None) -> Postings:
        """The postings of ``segments`` (name, segment) in this order, reusing what ``base`` holds of them."""
        base = base or cls([], [], {}, (np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)), _F0)
        if [name for name, _ in segments] == base.names:
            return base
        starts = dict(zip(base.names, np.cumsum([0, *base.sizes]).tolist()))
        sizes = dict(zip(base.names, base.sizes))
        remap = np.full(base.n, -1, np.int64)
        vocab = dict(base.vocab)
        lengths, gids, rows, counts = [], [], [], []
        offset = 0
        for name, seg in segments:
            if name in starts:
                start, size = starts[name], sizes[name]
                remap[start : start + size] = np.arange(offset, offset + size)
                lengths.append(base.lengths[start : start + size])
            else:
                size = len(seg.lengths)
                local = np.fromiter((vocab.setdefault(t, len(vocab)) for t in seg.vocab), np.int64, len(seg.vocab))
                gids.append(local[seg.token_ids])
                rows.append(offset + np.repeat(np.arange(size, dtype=np.int64), seg.distinct))
                counts.append(seg.counts)
                lengths.append(seg.lengths.astype(np.float32))
            offset += size
        csr = _combine(base, remap, len(vocab), _concat(gids, np.int64), _concat(rows, np.int64), _concat(counts))
        vocab, indptr = _compact(vocab, csr[0])
        sizes = [int(len(x)) for x in lengths]
        return cls([n for n, _ in segments], sizes, vocab, (indptr, *csr[1:]), _concat(lengths))

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


_F0 = np.zeros(0, np.float32)


def _concat(parts: list[np.ndarray], dtype: type = np.float32) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _combine(
    base: Postings, remap: np.ndarray, n_tokens: int, gid: np.ndarray, rows: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``base``'s entries of the chunks it keeps (rows renumbered by ``remap``, -1: dropped) and the new
    entries, token-major: per token, the kept entries in their order, then the new ones in theirs (a
    chunk occurs once per token, so the order within a token changes no score). A few linear passes
    over the base (a gather, a filter when chunks were dropped, two inserts); only new entries are sorted."""
    indptr = np.concatenate((base.indptr, np.full(n_tokens + 1 - len(base.indptr), base.indptr[-1])))
    old_rows, old_counts = remap[base.rows], base.counts
    dropped = old_rows < 0
    if dropped.any():
        indptr = indptr - np.concatenate(([0], np.cumsum(dropped)))[indptr]
        old_rows, old_counts = old_rows[~dropped], old_counts[~dropped]
    order = np.argsort(gid, kind="stable")  # the new entries only
    gid, rows, counts = gid[order], rows[order], counts[order]
    at = indptr[gid + 1]  # each new entry goes after its token's kept entries, in order
    indptr = indptr + np.concatenate(([0], np.cumsum(np.bincount(gid, minlength=n_tokens))))
    out_rows = np.insert(old_rows.astype(np.int32, copy=False), at, rows.astype(np.int32))
    return indptr, out_rows, np.insert(old_counts, at, counts.astype(np.float32))


def _compact(vocab: dict[str, int], indptr: np.ndarray) -> tuple[dict[str, int], np.ndarray]:
    """The vocabulary without the tokens no chunk holds any more (only removed or replaced documents
    used them), so a removal leaves no trace in the merge nor in the saved file; the vocabulary is
    renumbered in its order. Unchanged when every token is still used (an addition)."""
    used = np.diff(indptr) > 0
    if used.all():
        return vocab, indptr
    kept = [token for token, keep in zip(vocab, used.tolist()) if keep]
    return dict(zip(kept, range(len(kept)))), np.concatenate((indptr[:1], indptr[1:][used]))


def postings_name(names: list[str]) -> str:
    """The file the merged postings of these segments (in this order) are saved under."""
    return f"postings-{hashlib.sha1(chr(10).join(names).encode()).hexdigest()[:16]}.pkl"


def save_postings(folder: Path, postings: Postings) -> None:
    """Save a merge for the next process that opens the same view (and as the base of the next
    change's merge); older saved merges are dropped. Written under a unique name, renamed into place."""
    path = folder / postings_name(postings.names)
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex}")
    p = postings
    try:
        with open(tmp, "wb") as fh:
            pickle.dump((p.names, p.sizes, list(p.vocab), p.indptr, p.rows, p.counts, p.lengths), fh, protocol=5)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    for old in folder.glob("postings-*.pkl"):
        if old.name != path.name:
            old.unlink(missing_ok=True)


def load_postings(folder: Path, names: list[str] | None) -> Postings | None:
    """The saved merge of exactly ``names``, or (``names`` None) whichever merge is saved, as a base;
    None when there is none or it is unreadable (another process replaced it: merge again)."""
    paths = [folder / postings_name(names)] if names is not None else sorted(folder.glob("postings-*.pkl"))
    for path in paths:
        try:
            with open(path, "rb") as fh:
                saved, sizes, vocab, indptr, rows, counts, lengths = pickle.load(fh)
        except (OSError, ValueError, EOFError, pickle.UnpicklingError):
            continue
        if names is None or saved == names:
            return Postings(saved, sizes, dict(zip(vocab, range(len(vocab)))), (indptr, rows, counts), lengths)
    return None
