"""Document identity is the path below the ingest root.

Real parts: embedded Chroma in a temp folder, the real embedder, the CLI as a subprocess. Bureaus
keep one folder per district with the same file names in each; an index written when documents
were known by file name alone is written here in that form, then opened by this code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from test_cli import _env, run_cli

from assistant.index.chroma_client import connect
from assistant.index.store import ChunkStore
from assistant.ingest.pipeline import ingest
from assistant.retrieve import Retriever
from assistant.settings import Settings

EAST = "一、2020年工作情况\n东区全年新认定国家高企86家。"
WEST = "一、2020年工作情况\n西区全年新认定国家高企91家。"


def _districts(root: Path) -> None:
    for folder, text in (("东区", EAST), ("西区", WEST)):
        (root / folder).mkdir(parents=True)
        (root / folder / "工作报告.txt").write_text(text, encoding="utf-8")


def _sources(settings: Settings) -> list[str]:
    return [d["source"] for d in ChunkStore(settings).list_documents()]


def test_same_named_files_in_two_folders_are_two_documents(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "bureau"
    _districts(root)
    out = run_cli("ingest", str(root), "-q", env=_env(settings))
    assert out.returncode == 0 and "replaced" not in out.stderr, out.stderr
    listed = [json.loads(line) for line in run_cli("list", "--json", env=_env(settings)).stdout.splitlines()]
    assert [(d["source"], d["name"], d["folder"]) for d in listed] == [
        ("东区/工作报告.txt", "工作报告.txt", "东区"),
        ("西区/工作报告.txt", "工作报告.txt", "西区"),
    ]
    texts = {r.source: r.text for r in Retriever(settings).search("新认定国家高企", k=5)}
    assert "86家" in texts["东区/工作报告.txt"] and "91家" in texts["西区/工作报告.txt"]
    # re-ingesting the same path updates that document, the other untouched
    (root / "西区" / "工作报告.txt").write_text(WEST.replace("91家", "95家"), encoding="utf-8")
    assert ingest(settings, [root], progress=False).documents == 1
    texts = [c.text for c in ChunkStore(settings).iter_chunks()]
    assert any("95家" in t for t in texts) and not any("91家" in t for t in texts) and any("86家" in t for t in texts)
    # a bare name two folders share is refused with the names to choose from; the listed name removes
    ambiguous = run_cli("remove", "工作报告.txt", env=_env(settings))
    assert ambiguous.returncode == 2 and "东区/工作报告.txt" in ambiguous.stderr and "Traceback" not in ambiguous.stderr
    assert run_cli("remove", "西区/工作报告.txt", env=_env(settings)).returncode == 0
    assert _sources(settings) == ["东区/工作报告.txt"]
    assert all(c.metadata["source"] == "东区/工作报告.txt" for c in ChunkStore(settings).iter_chunks())


def test_the_newer_of_two_files_under_one_path_is_kept_and_said(settings: Settings, tmp_path: Path) -> None:
    older, newer = tmp_path / "a" / "报告.txt", tmp_path / "b" / "报告.txt"
    for path, text, mtime in ((older, EAST, 1_600_000_000), (newer, WEST, 1_700_000_000)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        os.utime(path, (mtime, mtime))
    assert ingest(settings, [older.parent], progress=False).replaced == []
    out = run_cli("ingest", str(newer.parent), "-q", env=_env(settings))  # newer: replaces, and says so
    assert out.returncode == 0 and f"replaced: 报告.txt was indexed from {older.resolve()}" in out.stderr, out.stderr
    out = run_cli("ingest", str(older.parent), "-q", env=_env(settings))  # older: left out, and said
    assert out.returncode == 0 and f"kept: 报告.txt from {newer.resolve()}" in out.stderr, out.stderr
    assert ChunkStore(settings).document("报告.txt")["path"] == str(newer.resolve())
    assert any("91家" in c.text for c in ChunkStore(settings).iter_chunks())


def _write_old_form(settings: Settings) -> None:
    """Strip what this code adds to the registry (``name``, ``folder``, ``modified`` and the id
    scheme of the collection), leaving the registry as the file-name code wrote it."""
    client = connect(settings)
    docs = client.get_collection(f"{settings.collection}__docs")
    got = docs.get(include=["metadatas", "documents", "embeddings"])
    client.delete_collection(docs.name)
    old = client.create_collection(docs.name, embedding_function=None)
    strip = {"name", "folder", "modified"}
    old.add(
        ids=got["ids"],
        documents=got["documents"],
        embeddings=got["embeddings"],
        metadatas=[{k: v for k, v in m.items() if k not in strip} for m in got["metadatas"]],
    )


def test_an_index_of_the_file_name_scheme_is_migrated_with_nothing_lost(settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "bureau"
    _districts(root)
    (root / "总结.txt").write_text("一、2021年工作情况\n全年技术合同成交额12亿元。", encoding="utf-8")
    # the old scheme: each file known by its name (a subfolder's file was ingested by itself)
    ingest(settings, [root / "东区" / "工作报告.txt", root / "总结.txt"], progress=False)
    _write_old_form(settings)
    store = ChunkStore(settings)  # first open by this code
    assert {(d["source"], d["name"], d["folder"]) for d in store.list_documents()} == {
        ("工作报告.txt", "工作报告.txt", ""),
        ("总结.txt", "总结.txt", ""),
    }
    assert {r.source for r in Retriever(settings).search("新认定国家高企 技术合同", k=5)} == {
        "工作报告.txt",
        "总结.txt",
    }
    # the folder ingested as a whole: the subfolder's file takes its full id, nothing duplicated
    report = ingest(settings, [root], progress=False)
    assert report.renamed == [("工作报告.txt", "东区/工作报告.txt")] and report.skipped == 1
    assert _sources(settings) == ["东区/工作报告.txt", "总结.txt", "西区/工作报告.txt"]
    chunks = list(ChunkStore(settings).iter_chunks())
    assert sorted({c.metadata["source"] for c in chunks}) == _sources(settings)
    assert len(chunks) == sum(d["chunks"] for d in ChunkStore(settings).list_documents())
