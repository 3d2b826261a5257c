"""The merged BM25 postings are saved: a process opening an unchanged view reads them instead of merging,
and a change merges only the changed documents into the saved merge, with the scores of a merge in one piece.

Documents (the postings code was written against none of them): ``../shared/corpora/fresh-2026-12/``'s
Luoyang 2023 bulletin (TXT), the 2021 national R&D bulletin (saved HTML page, with its province table
as rows) and the 2017 Dongguan notice (HTML); ``reports-laws/``'s 科学技术进步法 (TXT) and knowledge/'s
浙江省专利条例 (MD), each also in an edited second version.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import test_bm25_segments
from test_bm25_segments import DOCS, _write

from assistant.index import lexical, segments
from assistant.index.lexical import LexicalIndex
from assistant.index.segments import Postings, Segment, read_segment, write_segment
from assistant.index.store import ChunkStore
from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.settings import PROJECT_ROOT, Settings

store = test_bm25_segments.store  # the three documents in a real store (a fixture)

SHARED = PROJECT_ROOT.parent / "shared" / "corpora"
FILES = {
    "luoyang": SHARED / "fresh-2026-12" / "HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt",
    "nbs2021": SHARED / "fresh-2026-12" / "huhuaping-techme__nbs_2021_quanguo_keji_jingfei_touru_tongji_gongbao.html",
    "dongguan": SHARED
    / "fresh-2026-12"
    / "yuxingChan04-KXTcompany_demo__dongguan_2017_gaoqi_peiyuku_ruku_tongzhi.html",
    "law": SHARED / "reports-laws" / "LawRefBook-Laws__科学技术进步法(2021-12-24).txt",
    "zhejiang": PROJECT_ROOT / "knowledge" / "浙江省专利条例(2015-09-25).md",
}
pytestmark = pytest.mark.skipif(not all(p.exists() for p in FILES.values()), reason="needs ../shared/corpora")


@dataclass
class _Chunk:
    id: str
    text: str
    metadata: dict[str, Any]


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], tuple[str, Segment]]:
    """(document, version) -> (segment name, segment), two versions per document."""
    folder = tmp_path_factory.mktemp("segments")
    out = {}
    for doc, path in FILES.items():
        laid = lay_out(read_blocks(path), Settings().chunk)
        for version, edit in enumerate(("", "（修订稿）")):
            chunks = [
                _Chunk(f"{doc}-{version}-{c.index}", c.text + edit, {"source": doc, "section": c.section} | extra)
                for c, extra in zip(laid.chunks, laid.extra)
            ]
            name = f"{doc}-{version}.seg"
            write_segment(folder / name, chunks, 50)
            out[doc, version] = (name, read_segment(folder / name))
    return out


def _same(a: Postings, b: Postings, tokens: list[str]) -> None:
    assert a.names == b.names and a.n == b.n and np.array_equal(a.norm, b.norm)
    assert set(a.vocab) == set(b.vocab)  # a removed or replaced document's own tokens are gone
    for token in tokens:
        assert np.array_equal(a.scores([token]), b.scores([token])), token
        assert a.idf(token) == b.idf(token), token
    query = tokens[:: max(1, len(tokens) // 12)] * 2  # repeated tokens count again
    assert np.array_equal(a.scores(query), b.scores(query))


def test_every_sequence_of_changes_merges_as_a_merge_in_one_piece(versions: dict) -> None:
    """Generated: 40 random steps (add, remove or replace a document), each merged into the previous
    step's postings and compared with a merge of the same segments from scratch, token by token."""
    rng = random.Random(24)
    present: dict[str, int] = {doc: 0 for doc in rng.sample(sorted(FILES), 2)}
    postings = None
    for _step in range(40):
        target = [versions[doc, present[doc]] for doc in sorted(present)]
        postings = Postings.merge(target, postings)
        full = Postings.merge(target)
        tokens = sorted({t for _, seg in target for t in seg.vocab})
        _same(postings, full, tokens)
        absent = sorted(set(FILES) - set(present))
        action = rng.choice(["add"] * bool(absent) + ["remove"] * (len(present) > 1) + ["replace"])
        if action == "add":
            present[rng.choice(absent)] = rng.randrange(2)
        elif action == "remove":
            del present[rng.choice(sorted(present))]
        else:
            doc = rng.choice(sorted(present))
            present[doc] = 1 - present[doc]


def test_an_unchanged_view_is_read_not_merged_and_a_change_merges_only_the_new_document(
    store: ChunkStore, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = settings.lexical_dir
    first = LexicalIndex.current(store, folder)  # merges all and saves the merge
    assert [p.name for p in folder.glob("postings-*.pkl")] == [segments.postings_name(first.postings.names)]
    merges: list[tuple[list[str], list[str]]] = []
    real_merge = Postings.merge.__func__

    def spy(cls: type[Postings], parts: list[tuple[str, Segment]], base: Postings | None = None) -> Postings:
        merges.append(([name for name, _ in parts], base.names if base is not None else []))
        return real_merge(cls, parts, base)

    monkeypatch.setattr(segments.Postings, "merge", classmethod(spy))
    again = LexicalIndex.current(store, folder)  # another process opening the same view
    assert merges == [] and again.postings.names == first.postings.names
    _same(again.postings, first.postings, list(first.postings.vocab))

    _write(store, "taixing.txt", DOCS["taixing.txt"])  # one document added
    store.remove_document("patent-law.txt")  # and one removed
    after = LexicalIndex.current(store, folder)  # a fresh process: the saved merge is its base
    assert len(merges) == 1
    merged, base = merges[0]
    assert base == first.postings.names and len(set(merged) - set(base)) == 1  # taixing's segment only
    full = LexicalIndex.current(store, tmp_path / "full")
    assert after.ids == full.ids
    _same(after.postings, full.postings, sorted(full.postings.vocab))
    assert len(list(folder.glob("postings-*.pkl"))) == 1  # the older merge is dropped


def test_an_unreadable_saved_merge_is_merged_again(store: ChunkStore, settings: Settings) -> None:
    folder = settings.lexical_dir
    first = LexicalIndex.current(store, folder)
    for path in folder.glob("postings-*.pkl"):
        path.write_bytes(path.read_bytes()[:100])  # a torn file (it is renamed into place, but disks fail)
    again = LexicalIndex.current(store, folder)
    _same(again.postings, first.postings, list(first.postings.vocab))
    assert lexical.load_postings(folder, again.postings.names) is not None  # saved whole again
