"""The BM25 view is opened in proportion to what a query reads: segment files give chunk texts and
metadata back on access, exactly as written, and a removed document leaves no token in the merge.

Documents (the segment file format was written against none of them): test_bm25_segments' real files,
``fresh-2026-12/``'s Luoyang 2023 bulletin (TXT), ``bulletins-policies/``' 2022 national R&D bulletin
(saved HTML page, its province table as row chunks), ``reports-laws/``' 专利法 (TXT) and knowledge/'s
泰兴 report, laid out by the real pipeline and written to a real Chroma.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import test_bm25_segments
from test_bm25_segments import DOCS

from assistant.index import segment_file
from assistant.index.lexical import LexicalIndex
from assistant.index.segment_file import SCANNED, read_segment, write_segment
from assistant.index.segments import load_postings
from assistant.index.store import ChunkStore
from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.language.named_rows import RowLabels
from assistant.retrieve import Retriever
from assistant.settings import Settings

store = test_bm25_segments.store  # the three documents in a real store (a fixture)

pytestmark = pytest.mark.skipif(not all(p.exists() for p in DOCS.values()), reason="needs ../shared/corpora")


@dataclass
class _Chunk:
    id: str
    text: str
    metadata: dict[str, Any]


def _chunks(name: str, rng: random.Random) -> list[_Chunk]:
    """A document's real chunks and metadata, each chunk's metadata then edited at random (keys of the
    first chunk dropped, values changed to None or False, keys added): every way a chunk can differ
    from the first one, which its stored metadata is the difference from."""
    laid = lay_out(read_blocks(DOCS[name]), Settings().chunk)
    out = []
    for c, extra in zip(laid.chunks, laid.extra):
        meta = {"source": name, "content_hash": "h" * 64, "section": c.section, "chunk_index": c.index} | extra
        for key in rng.sample(sorted(meta), rng.randrange(3)):
            choice = rng.randrange(3)
            if choice == 0:
                del meta[key]
            else:
                meta[key] = None if choice == 1 else False
        if rng.random() < 0.2:
            meta[f"added{rng.randrange(3)}"] = [rng.randrange(2020, 2025)]
        out.append(_Chunk(f"{name}-{c.index}", c.text, meta))
    return out


def test_a_segment_file_gives_back_every_chunk_as_written(tmp_path: Path) -> None:
    """Generated: every document, its chunks' metadata edited at random, round-trips exactly: texts,
    metadata dicts, each scanned column and the scanned fields."""
    rng = random.Random(24)
    for name in DOCS:
        for round_ in range(3):
            chunks = _chunks(name, rng)
            path = tmp_path / f"{name}-{round_}.seg"
            assert write_segment(path, iter(chunks), 7) == len(chunks)
            seg = read_segment(path)
            assert seg.ids == [c.id for c in chunks]
            assert list(seg.texts) == [c.text for c in chunks]
            assert list(seg.metadatas) == [c.metadata for c in chunks], name
            assert seg.metadatas[len(chunks) - 1] == chunks[-1].metadata
            for key in SCANNED:
                assert seg.metadatas.column(key) == [c.metadata.get(key) for c in chunks], (name, key)
            wanted = [{k: c.metadata.get(k) for k in ("kind", "row_label")} for c in chunks]
            assert seg.metadatas.fields(("kind", "row_label")) == wanted


def test_a_mapped_segment_stays_readable_after_its_file_is_replaced_or_removed(tmp_path: Path) -> None:
    """Another process replaces or drops a segment while this one's view still serves it."""
    rng = random.Random(7)
    chunks = _chunks("patent-law.txt", rng)
    path = tmp_path / "law.seg"
    write_segment(path, chunks, 50)
    seg = read_segment(path)
    write_segment(path, [_Chunk(c.id, c.text + "（修订）", c.metadata) for c in chunks], 50)
    assert list(seg.texts) == [c.text for c in chunks]
    path.unlink()
    assert list(seg.metadatas) == [c.metadata for c in chunks]


def test_a_torn_or_older_segment_file_is_refused(tmp_path: Path) -> None:
    chunks = _chunks("luoyang.txt", random.Random(3))
    path = tmp_path / "luoyang.seg"
    write_segment(path, chunks, 50)
    whole = path.read_bytes()
    for torn in (whole[: len(whole) // 2], whole[:-3], b"\x80\x05older pickled pages"):
        path.write_bytes(torn)
        with pytest.raises((ValueError, EOFError, segment_file.pickle.UnpicklingError)):
            read_segment(path)


def test_opening_a_retriever_decodes_no_chunk_nor_token_counts_and_a_search_only_its_candidates(
    store: ChunkStore, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[int] = []
    for cls in (segment_file.SegmentTexts, segment_file.SegmentMetadatas):
        real = cls.__getitem__
        monkeypatch.setattr(cls, "__getitem__", lambda self, i, real=real: decoded.append(i) or real(self, i))
    LexicalIndex.current(store, settings.lexical_dir)  # the first open merges and saves the merge
    retriever = Retriever(settings)
    view = retriever.lexical
    assert decoded == [] and len(view.ids) > 200
    assert not any("_counts" in vars(seg) for seg in view.segments.values())  # nor any token counts
    hits = retriever.search("研究与试验发展经费投入强度", k=5, mode="lexical")
    assert hits and 0 < len(decoded) <= 4 * settings.retrieve.candidates < len(view.ids)
    decoded.clear()
    every = list(view.metadatas)  # the whole metadata, decoded: what the columns stand for
    assert RowLabels(view.metadatas.fields("kind", "row_label")).rows == RowLabels(every).rows
    assert RowLabels(every).rows  # the 2022 bulletin's province table
    assert retriever.regions() == sorted({m.get("region", "") for m in every} - {""})


def test_an_older_view_is_replaced_whole(store: ChunkStore, settings: Settings) -> None:
    folder = settings.lexical_dir
    folder.mkdir(parents=True)
    (folder / "stamp.json").write_text('{"format": 4, "segments": {}}')
    (folder / "0123-old.seg").write_bytes(b"pages of the older format")
    view = LexicalIndex.current(store, folder)
    assert len(view.ids) == store.count() and not (folder / "0123-old.seg").exists()


def test_a_removed_document_leaves_no_token_in_the_merge_nor_in_the_saved_file(
    store: ChunkStore, settings: Settings, tmp_path: Path
) -> None:
    """A removal merged into the open view's postings, then one merged by a fresh process into the
    saved merge: each vocabulary is that of a merge from scratch, every token with a chunk."""
    folder = settings.lexical_dir
    view = LexicalIndex.current(store, folder)
    law = next(s for s in view.segments.values() if s.ids[0].startswith("patent-law"))
    others = {t for s in view.segments.values() if s is not law for t in s.vocab}
    only_law = set(law.vocab) - others
    assert len(only_law) > 50
    for step, name in enumerate(("patent-law.txt", "luoyang.txt")):
        store.remove_document(name)
        after = LexicalIndex.current(store, folder, view if step == 0 else None)
        full = LexicalIndex.current(store, tmp_path / f"full-{step}")
        saved = load_postings(folder, after.postings.names)
        for postings in (after.postings, saved):
            assert set(postings.vocab) == set(full.postings.vocab)
            assert not only_law & set(postings.vocab)
            assert (np.diff(postings.indptr) > 0).all() and len(postings.indptr) == len(postings.vocab) + 1
            for token in sorted(full.postings.vocab)[::7]:
                assert np.array_equal(postings.scores([token]), full.postings.scores([token])), token


def test_a_document_is_read_in_pages_to_its_last_chunk(store: ChunkStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paging stops at the first short page: every page size, one that divides the document's chunks
    exactly included, gives back each chunk once."""
    from assistant.index import store as store_module

    for source, content_hash in store.searchable_hashes().items():
        wanted = sorted(store.chunks.get(where={"source": source}, include=[])["ids"])
        for page in sorted({1, 7, len(wanted) - 1, len(wanted), len(wanted) + 1} - {0}):
            monkeypatch.setattr(store_module, "_PAGE", page)
            assert sorted(c.id for c in store.document_chunks(source, content_hash)) == wanted, (source, page)
