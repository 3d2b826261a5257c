"""One document version's BM25 segment on disk, opened in proportion to what a query reads.

A fresh process opening a 200,000-chunk view used to unpickle every chunk's text and metadata dict
(~4 CPU-s); a query reads the texts and metadata of a few dozen candidates. So a segment file keeps
each chunk's text (UTF-8) and metadata (pickled, as the difference from the document's first chunk)
as byte ranges the reader maps (``mmap``) and decodes only on access. What a whole-index scan needs
is read at open, small: the ids and the columns of :data:`SCANNED` (a filter's region, years and
source, the dense filter's content hash, the table rows' kind and label), each kept once when the
whole document shares its value.

Layout: the chunks' byte ranges, page after page as they stream in (a document is never held
whole), the pickled token counts (read by a merge only), then a pickled tail (ids, the ranges, the
first chunk's metadata, the columns, where the counts are) and the tail's offset in the last 8
bytes. Written under a unique temporary name and renamed into place, never modified; a mapped file
stays readable after another process replaces or removes it (the mapping keeps the old inode).
"""

from __future__ import annotations

import mmap
import os
import pickle
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.language.text import searchable
from assistant.language.tokens import tokenize

SCANNED = ("content_hash", "source", "region", "years", "kind", "row_label")
_MAGIC = b"BM25SEG5"
_ENCODING = ("utf-8", "surrogatepass")  # a lone surrogate in a stored text round-trips


class Segment:
    """One document version's chunks and their token counts (token ids local to the segment). The
    token counts are decoded when a merge first needs them: an open that finds its merge saved never
    does."""

    def __init__(
        self, ids: list[str], texts: SegmentTexts, metadatas: SegmentMetadatas, counts: Callable[[], tuple]
    ) -> None:
        self.ids, self.texts, self.metadatas, self._read_counts = ids, texts, metadatas, counts

    @cached_property
    def _counts(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        counts = self._read_counts()
        if len(counts[4]) != len(self.ids):
            raise ValueError(f"a segment holds {len(self.ids)} chunks but {len(counts[4])} lengths")
        return counts

    @property
    def vocab(self) -> list[str]:  # local token id -> token
        return self._counts[0]

    @property
    def token_ids(self) -> np.ndarray:  # distinct local token ids of every chunk, chunk after chunk
        return self._counts[1]

    @property
    def counts(self) -> np.ndarray:  # how often each of those occurs in its chunk
        return self._counts[2]

    @property
    def distinct(self) -> np.ndarray:  # distinct tokens per chunk (how many entries of token_ids each chunk owns)
        return self._counts[3]

    @property
    def lengths(self) -> np.ndarray:  # tokens per chunk (its BM25 document length)
        return self._counts[4]


class SegmentTexts(Sequence[str]):
    """A segment's chunk texts, decoded from the mapped file one at a time."""

    def __init__(self, data: mmap.mmap, ranges: np.ndarray) -> None:
        self._data, self._ranges = data, ranges  # ranges: (n, 4) text start, end, metadata start, end

    def __len__(self) -> int:
        return len(self._ranges)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        start, end = self._ranges[i, :2]
        return self._data[start:end].decode(*_ENCODING)


class SegmentMetadatas(Sequence[dict[str, Any]]):
    """A segment's chunk metadata: each dict rebuilt on access from the first chunk's and its own
    difference; :meth:`column` gives one key's value for every chunk without rebuilding any."""

    def __init__(self, data: mmap.mmap, ranges: np.ndarray, first: dict[str, Any], columns: dict[str, Any]) -> None:
        self._data, self._ranges, self._first, self._columns = data, ranges, first, columns

    def __len__(self) -> int:
        return len(self._ranges)

    def __getitem__(self, i: int) -> dict[str, Any]:  # type: ignore[override]
        start, end = self._ranges[i, 2:]
        changed, removed = pickle.loads(self._data[start:end])
        meta = {k: v for k, v in self._first.items() if k not in removed}
        meta.update(changed)
        return meta

    def column(self, key: str) -> list[Any]:
        """``key``'s value (None when absent) for every chunk; ``key`` one of :data:`SCANNED`."""
        per_chunk, value = self._columns[key]
        return list(value) if per_chunk else [value] * len(self)

    def fields(self, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        """Only ``keys`` (scanned ones) of every chunk's metadata; one dict shared by all chunks when
        the document has one value of each."""
        if not any(self._columns[key][0] for key in keys):
            return [{key: self._columns[key][1] for key in keys}] * len(self)
        return [dict(zip(keys, values)) for values in zip(*(self.column(key) for key in keys))]


def write_segment(path: Path, chunks: Iterable[Any], page_size: int) -> int:
    """Tokenize ``chunks`` (``StoredChunk``s of one document) into a segment file at ``path``; the
    chunk count. Texts and metadata stream to disk ``page_size`` chunks at a time, so a document of
    42,000 chunks is never held whole; only its ids, token counts and scanned columns are."""
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex}")
    try:
        count = _stream(tmp, chunks, page_size)
    except BaseException:  # a full disk or Ctrl-C: no partial file left behind
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return count


def _stream(tmp: Path, chunks: Iterable[Any], page_size: int) -> int:
    """Write every chunk's text and metadata bytes, then the tail; the chunk count."""
    vocab: dict[str, int] = {}
    token_ids: list[int] = []
    counts: list[int] = []
    distinct: list[int] = []
    lengths: list[int] = []
    ids: list[str] = []
    ranges: list[tuple[int, int, int, int]] = []
    columns: dict[str, list[Any]] = {key: [] for key in SCANNED}
    first: dict[str, Any] | None = None
    with open(tmp, "wb", buffering=page_size * 4096) as fh:
        at = fh.write(_MAGIC)
        for chunk in chunks:
            first = dict(chunk.metadata) if first is None else first
            text = chunk.text.encode(*_ENCODING)
            meta = pickle.dumps(_difference(first, chunk.metadata), protocol=pickle.HIGHEST_PROTOCOL)
            ranges.append((at, at + len(text), at + len(text), at + len(text) + len(meta)))
            at += fh.write(text) + fh.write(meta)
            ids.append(chunk.id)
            for key, column in columns.items():
                column.append(chunk.metadata.get(key))
            tokens = Counter(
                tokenize(searchable(chunk.text, chunk.metadata)) or [""]
            )  # an empty text is the empty token
            token_ids.extend(vocab.setdefault(t, len(vocab)) for t in tokens)
            counts.extend(tokens.values())
            distinct.append(len(tokens))
            lengths.append(sum(tokens.values()))
        arrays = (np.asarray(a, np.int32) for a in (token_ids, counts, distinct, lengths))
        end = at + fh.write(pickle.dumps((list(vocab), *arrays), protocol=pickle.HIGHEST_PROTOCOL))
        tail = {
            "ids": ids,
            "ranges": np.asarray(ranges, np.int64).reshape(-1, 4),
            "first": first or {},
            "columns": {key: _shared(values) for key, values in columns.items()},
            "counts": (at, end),
        }
        fh.write(pickle.dumps(tail, protocol=pickle.HIGHEST_PROTOCOL) + end.to_bytes(8, "little"))
    return len(lengths)


def _shared(values: list[Any]) -> tuple[bool, Any]:
    """(False, the one value every chunk has) or (True, the values per chunk) when they differ: plain
    builtins in the file, so a renamed module never makes it unreadable."""
    if any(v != values[0] for v in values):
        return True, values
    return False, values[0] if values else None


def _difference(first: dict[str, Any], meta: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """What ``meta`` changes of the first chunk's metadata: its other values, and the keys it lacks."""
    changed = {k: v for k, v in meta.items() if k not in first or first[k] != v}
    return changed, tuple(k for k in first if k not in meta)


def read_segment(path: Path) -> Segment:
    """A segment file mapped and its tail read; raises OSError/ValueError/UnpicklingError when it is
    unreadable (a foreign or older format, or torn)."""
    with open(path, "rb") as fh:
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if data[: len(_MAGIC)] != _MAGIC or len(data) < len(_MAGIC) + 8:
        raise ValueError(f"segment {path.name} is not a segment file of this format")
    tail = pickle.loads(data[int.from_bytes(data[-8:], "little") : -8])
    ids, ranges, (start, end) = tail["ids"], tail["ranges"], tail["counts"]
    if len(ids) != len(ranges) or (len(ranges) and ranges.max() > start) or end > len(data) - 8:
        raise ValueError(f"segment {path.name} holds {len(ids)} chunks but {len(ranges)} byte ranges")
    return Segment(
        ids,
        SegmentTexts(data, ranges),
        SegmentMetadatas(data, ranges, tail["first"], tail["columns"]),
        lambda: pickle.loads(data[start:end]),
    )


class Joined(Sequence[Any]):
    """The segments' texts or metadata as one sequence in the view's chunk order, read on access."""

    def __init__(self, parts: list[SegmentTexts] | list[SegmentMetadatas]) -> None:
        self._parts = parts
        self._starts = np.cumsum([0, *(len(p) for p in parts)]).tolist()

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, i: int) -> Any:  # type: ignore[override]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        part = bisect_right(self._starts, i) - 1
        return self._parts[part][i - self._starts[part]]

    def __iter__(self) -> Iterator[Any]:
        return (item for part in self._parts for item in part)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def column(self, key: str) -> list[Any]:
        """One scanned metadata key for every chunk (metadata parts only), without decoding any dict."""
        return [value for part in self._parts for value in part.column(key)]  # type: ignore[union-attr]

    def fields(self, *keys: str) -> list[dict[str, Any]]:
        """Only ``keys`` (scanned ones) of every chunk's metadata (metadata parts only), shared read-only
        dicts where a document has one value of each: what a whole-index scan reads."""
        return [item for part in self._parts for item in part.fields(keys)]  # type: ignore[union-attr]
