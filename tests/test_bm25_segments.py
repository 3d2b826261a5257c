"""Incremental BM25 view and fact table: a changed document costs that document, and the result is the
one a build in one piece gives.

Documents are real files (none of them the ones the segment code was written against):
``../shared/corpora/fresh-2026-12/HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt`` (a city
bulletin), the 2022 national R&D bulletin (HTML, with its province table as row chunks), a law, and
knowledge/'s 泰兴 report — read and laid out by the real pipeline and written to a real Chroma as
ingest writes them. Their vectors are constant (embedding is not under test here, and BM25 and the fact
table never read vectors), which keeps the test free of the embedding model.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import bm25s
import numpy as np
import pytest

from assistant.facts.store import open_facts
from assistant.index.lexical import LexicalIndex
from assistant.index.store import ChunkStore
from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.language.text import searchable
from assistant.language.tokens import tokenize
from assistant.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/corpora")
DOCS = {
    "luoyang.txt": SHARED / "fresh-2026-12" / "HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt",
    "nbs2022.html": SHARED
    / "bulletins-policies"
    / "huhuaping-techme__nbs_2022_quanguo_keji_jingfei_touru_tongji_gongbao.html",
    "patent-law.txt": SHARED / "reports-laws" / "LawRefBook-Laws__专利法(2020-10-17).txt",
    "taixing.txt": Path(__file__).resolve().parents[1] / "knowledge" / "002_34f0dc6191c594a9.txt",
}
pytestmark = pytest.mark.skipif(not all(p.exists() for p in DOCS.values()), reason="needs ../shared/corpora")


def _write(store: ChunkStore, name: str, path: Path, edit: str = "") -> None:
    """One document as ingest writes it: registry record (incomplete), chunks, then complete.
    ``edit`` is appended to every chunk, a new version of the same file."""
    laid = lay_out(read_blocks(path), Settings().chunk)
    texts = [c.text + edit for c in laid.chunks]
    content_hash = hashlib.sha256((path.name + edit).encode()).hexdigest()
    record = {"title": name, "content_hash": content_hash}
    metas = [
        {"source": name, "content_hash": content_hash, "section": c.section, "chunk_index": c.index} | extra
        for c, extra in zip(laid.chunks, laid.extra)
    ]
    ids = [f"{name}-{content_hash[:8]}-{i}" for i in range(len(texts))]
    store.begin_document(name, record)
    store.write_chunks(ids, texts, metas, np.ones((len(texts), 4), dtype=np.float32))
    store.finish_document(name, record)


def _by_id(view: LexicalIndex, tokens: list[str]) -> dict[str, float]:
    return dict(zip(view.ids, view.scores(tokens).tolist()))


@pytest.fixture
def store(settings: Settings) -> ChunkStore:
    """The three documents (a bulletin in text, a bulletin page with tables, a law) in a real store;
    the other BM25 test modules import it."""
    chunks = ChunkStore(settings)
    for name in ("luoyang.txt", "nbs2022.html", "patent-law.txt"):
        _write(chunks, name, DOCS[name])
    return chunks


def test_one_changed_document_rewrites_only_its_segment_and_scores_as_a_full_build(
    store: ChunkStore, settings: Settings, tmp_path: Path
) -> None:
    folder = settings.lexical_dir
    before = LexicalIndex.current(store, folder)
    kept = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.seg")}
    assert len(kept) == 3
    _write(store, "luoyang.txt", DOCS["luoyang.txt"], edit="（修订）")  # replaced
    store.remove_document("patent-law.txt")  # removed
    _write(store, "taixing.txt", DOCS["taixing.txt"])  # added
    after = LexicalIndex.current(store, folder, before)
    segments = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.seg")}
    assert len(segments) == 3 and len(set(segments) - set(kept)) == 2  # new luoyang and taixing; patent law gone
    unchanged = set(segments) & set(kept)
    assert len(unchanged) == 1 and all(segments[n] == kept[n] for n in unchanged)  # nbs2022 not rewritten
    assert before.segments[next(iter(unchanged))] is after.segments[next(iter(unchanged))]  # nor read again

    full = LexicalIndex.current(store, tmp_path / "full")
    assert sorted(after.ids) == sorted(full.ids)
    assert {i: t for i, t in zip(after.ids, after.texts)} == {i: t for i, t in zip(full.ids, full.texts)}
    vocab = sorted({t for text, meta in zip(full.texts, full.metadatas) for t in tokenize(searchable(text, meta))})
    for token in vocab:  # every token of the index, as a query of its own
        assert _by_id(after, [token]) == pytest.approx(_by_id(full, [token]), rel=1e-6, abs=1e-7)
        assert after.idf(token) == pytest.approx(full.idf(token))


def test_scores_are_bm25s_scores_for_every_token_and_for_repeated_ones(store: ChunkStore, settings: Settings) -> None:
    """The statistics shared across chunks (N, df, mean length) are computed at merge: the scores must
    be those bm25s gives over the same chunks indexed in one piece."""
    view = LexicalIndex.current(store, settings.lexical_dir)
    tokenized = [tokenize(searchable(t, m)) or [""] for t, m in zip(view.texts, view.metadatas)]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in tokenized]
    indexed = list(vocab)  # bm25s adds "" to the dict it is given
    reference = bm25s.BM25()
    reference.index((ids, vocab), show_progress=False)
    for token in indexed:
        assert view.scores([token]) == pytest.approx(reference.get_scores([token]), rel=1e-5, abs=1e-6)
    query = ["研发", "经费", "研发", "2023年", "专利", "不在索引里的词"]
    known = [t for t in query if t in indexed]
    assert view.scores(query) == pytest.approx(reference.get_scores(known), rel=1e-5, abs=1e-6)


def test_fact_table_changes_only_the_changed_documents_rows(store: ChunkStore, settings: Settings) -> None:
    facts = open_facts(settings, store)
    rows = lambda source: facts._db.execute("SELECT id FROM facts WHERE source = ?", (source,)).fetchall()  # noqa: E731, SLF001
    national = rows("nbs2022.html")
    assert national and rows("luoyang.txt")
    _write(store, "luoyang.txt", DOCS["luoyang.txt"], edit="（修订）")
    store.remove_document("patent-law.txt")
    report = facts.sync(store)
    luoyang_chunks = sum(1 for _ in store.document_chunks("luoyang.txt", store.document("luoyang.txt")["content_hash"]))
    assert (report.added, report.removed, report.rebuilt) == (luoyang_chunks, 2, False)
    assert rows("nbs2022.html") == national  # the other document's rows were never touched
    assert rows("patent-law.txt") == [] and rows("luoyang.txt")
    reference = open_facts(
        Settings(
            data_dir=settings.data_dir,
            index_dir=settings.resolved_index_dir / "x",
            knowledge_dir=settings.knowledge_dir,
        ),
        store,
    )
    key = lambda f: (f.chunk_id, f.start, f.indicator, f.value)  # noqa: E731
    assert sorted(map(key, facts.query())) == sorted(map(key, reference.query()))
