"""Ingest into a real embedded Chroma: idempotence, replacement, removal, bad files, retrieval."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import KNOWLEDGE

from assistant.index.store import ChunkStore
from assistant.ingest.pipeline import ingest, remove
from assistant.retrieve import Filters, Retriever
from assistant.settings import Settings

TAIXING = "001_bbaa06e7afcfcd41.txt"
ZJ_DISTRICT = "002_34f0dc6191c594a9.txt"


def _ids(settings: Settings) -> list[str]:
    return sorted(c.id for c in ChunkStore(settings).iter_chunks())


def test_corpus_is_indexed_with_manifest_metadata(corpus_settings: Settings) -> None:
    docs = {d["source"]: d for d in ChunkStore(corpus_settings).list_documents()}
    assert len(docs) == 10
    assert docs[TAIXING]["region"] == "泰兴市" and docs[TAIXING]["years"] == [2020, 2021]
    assert docs[ZJ_DISTRICT]["script"] == "Traditional"
    assert sum(d["chunks"] for d in docs.values()) == ChunkStore(corpus_settings).count()


def test_figure_question_finds_its_sentence(retriever: Retriever) -> None:
    top = retriever.search("泰兴市2020年新认定国家高企多少家？")[0]
    assert top.source == TAIXING and "新认定国家高企86家" in top.text
    assert top.section.startswith("一、2020年工作情况 > 2.创新能力明显提升")


def test_simplified_question_finds_traditional_report_shown_as_written(retriever: Retriever) -> None:
    results = retriever.search("浙江某区2013年研发投入占GDP比重预计达到多少？", k=5)
    hit = next(r for r in results if r.source == ZJ_DISTRICT)
    assert "研發投入預計超9億元" in hit.text  # displayed in the original Traditional script
    assert "(xiàn)" not in hit.text and "呈現(" not in hit.text


def test_filters_restrict_region_year_and_document(retriever: Retriever) -> None:
    for result in retriever.search("高新技术企业", k=10, filters=Filters(region="泰兴")):
        assert result.metadata["region"] == "泰兴市"
    for result in retriever.search("高新技术企业", k=10, filters=Filters(year=2012)):
        assert 2012 in result.metadata["years"]
    assert {r.source for r in retriever.search("专利", k=10, filters=Filters(document=ZJ_DISTRICT))} == {ZJ_DISTRICT}


def test_reingest_is_idempotent_with_stable_ids(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in (TAIXING, ZJ_DISTRICT, "manifest.json"):
        shutil.copy(KNOWLEDGE / name, folder / name)
    first = ingest(settings, [folder], progress=False)
    ids = _ids(settings)
    second = ingest(settings, [folder], progress=False)
    assert (first.documents, second.documents, second.skipped) == (2, 0, 2)
    assert _ids(settings) == ids and len(set(ids)) == len(ids)


def test_changed_document_replaces_its_chunks(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    doc = folder / "report.txt"
    doc.write_text("一、2020年工作情况\n全年新认定国家高企86家。科技贷款7840万元。", encoding="utf-8")
    ingest(settings, [folder], progress=False)
    doc.write_text("一、2021年工作情况\n全年新认定国家高企91家。", encoding="utf-8")
    report = ingest(settings, [folder], progress=False)
    assert report.documents == 1
    texts = [c.text for c in ChunkStore(settings).iter_chunks()]
    assert any("91家" in t for t in texts) and not any("86家" in t for t in texts)
    assert Retriever(settings).search("高企")[0].text.find("91家") >= 0


def test_a_same_named_file_from_another_folder_is_reported_as_replacing(settings: Settings, tmp_path: Path) -> None:
    """Documents are known by file name: the second 报告.txt takes the first one's place, and the run says so."""
    first, second = tmp_path / "a" / "报告.txt", tmp_path / "b" / "报告.txt"
    for path, text in ((first, "全年新认定国家高企86家。"), (second, "全年新认定国家高企91家。")):
        path.parent.mkdir()
        path.write_text(f"一、2020年工作情况\n{text}", encoding="utf-8")
    assert ingest(settings, [first], progress=False).replaced == []
    assert ingest(settings, [first], progress=False).replaced == []  # unchanged, same file
    report = ingest(settings, [second], progress=False)
    assert report.replaced == [("报告.txt", str(first.resolve()))]
    assert ChunkStore(settings).document("报告.txt")["path"] == str(second.resolve())
    assert [d["source"] for d in ChunkStore(settings).list_documents()] == ["报告.txt"]


def test_remove_deletes_document_and_its_chunks(settings: Settings, tmp_path: Path) -> None:
    for name in (TAIXING, ZJ_DISTRICT):
        shutil.copy(KNOWLEDGE / name, tmp_path / name)
    ingest(settings, [tmp_path / TAIXING, tmp_path / ZJ_DISTRICT], progress=False)
    removed = remove(settings, TAIXING)
    assert removed and removed > 0
    store = ChunkStore(settings)
    assert [d["source"] for d in store.list_documents()] == [ZJ_DISTRICT]
    assert all(c.metadata["source"] == ZJ_DISTRICT for c in store.iter_chunks())
    assert all(r.source == ZJ_DISTRICT for r in Retriever(settings).search("泰兴 高企"))
    assert remove(settings, TAIXING) is None


def test_bad_files_are_reported_and_the_rest_indexed(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(KNOWLEDGE / TAIXING, folder / TAIXING)
    (folder / "gbk.txt").write_bytes("泸州市全年技术合同登记46项，成交金额698.89万元。".encode("gbk"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x00" * 50)
    (folder / "broken.docx").write_bytes(b"not a zip file at all")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    report = ingest(settings, [folder, tmp_path / "missing.txt"], progress=False)
    failed = dict(report.failed)
    assert set(failed) == {"empty.txt", "binary.txt", "broken.docx", "broken.pdf", str(tmp_path / "missing.txt")}
    assert "empty" in failed["empty.txt"] and "binary" in failed["binary.txt"]
    assert report.documents == 2
    hit = Retriever(settings).search("泸州 技术合同 成交金额")[0]
    assert hit.source == "gbk.txt" and "698.89万元" in hit.text


def test_bm25_view_is_saved_in_pages_and_read_back_whole(
    corpus_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view is streamed to disk a page at a time (so an ingest never holds every chunk's text);
    read back it must be the whole index, in the store's order, scoring as one built in one piece."""
    import assistant.index.lexical as lexical

    store = ChunkStore(corpus_settings)
    whole = lexical.LexicalIndex.current(store, corpus_settings.lexical_dir)
    monkeypatch.setattr(lexical, "_PICKLE_PAGE", 7)
    paged_dir = tmp_path / "bm25"
    lexical.LexicalIndex.refresh(store, paged_dir)
    paged = lexical.LexicalIndex.load(paged_dir)
    assert paged is not None and len(paged.ids) > 7 * 10
    assert (paged.ids, paged.texts, paged.metadatas) == (whole.ids, whole.texts, whole.metadatas)
    tokens = ["高新技术企业", "认定"]
    assert paged.scores(tokens).tolist() == whole.scores(tokens).tolist()


def test_bm25_view_is_not_rebuilt_while_it_matches_the_store(corpus_settings: Settings, tmp_path: Path) -> None:
    from assistant.index.lexical import LexicalIndex

    store = ChunkStore(corpus_settings)
    folder = tmp_path / "bm25"
    LexicalIndex.refresh(store, folder)
    built = (folder / "stamp.json").stat().st_mtime_ns
    LexicalIndex.refresh(store, folder)
    assert LexicalIndex.current(store, folder).generation == store.generation()
    assert (folder / "stamp.json").stat().st_mtime_ns == built


def test_dense_search_filters_to_servable_documents_only_while_others_are_stored(
    settings: Settings, tmp_path: Path
) -> None:
    """Chroma's metadata filter costs most of a search at 40,000 chunks, so the dense query is
    filtered to complete documents only while the store holds chunks of another (one being
    written, or interrupted); its chunks are never served either way."""
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(KNOWLEDGE / TAIXING, folder / TAIXING)
    ingest(settings, [folder], progress=False)
    retriever = Retriever(settings)
    assert retriever._dense_where(None) is None

    store = ChunkStore(settings)  # a second document begun and one batch written, as a killed ingest leaves it
    store.begin_document("half.md", {"content_hash": "h", "source": "half.md"})
    vector = retriever.embedder.embed_query("泰兴市2020年新认定国家高企多少家？")
    store.write_chunks(
        ["half-0"],
        ["泰兴市2020年新认定国家高企9999家。"],
        [{"source": "half.md", "content_hash": "h"}],
        vector.reshape(1, -1),
    )
    retriever.refresh()
    assert retriever._dense_where(None) == retriever._servable
    results = retriever.search("泰兴市2020年新认定国家高企多少家？", k=10)
    assert results and all(r.source == TAIXING for r in results)
