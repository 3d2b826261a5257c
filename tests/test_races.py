"""Races: questions asked while documents are written and removed never fail.

Real parts throughout: embedded Chroma, the real embedder, the extractive answerer, real threads,
and a second process writing to the same index through the CLI's own functions. The campaign
found 1–9 failures in 40 asks (a BM25 view folder named by pid, shared by two threads)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import copy_seeds

from assistant.answer.chain import Answerer
from assistant.index.lexical import LexicalIndex
from assistant.index.store import ChunkStore
from assistant.ingest.pipeline import ingest, remove
from assistant.retrieve import Retriever
from assistant.settings import PROJECT_ROOT, Settings

TAIXING = "001_bbaa06e7afcfcd41.txt"
ZJ_DISTRICT = "002_34f0dc6191c594a9.txt"
QUESTIONS = [
    "泰兴市2020年新认定国家高企多少家？",
    "浙江某区2013年研发投入占GDP比重预计达到多少？",
    "上海市2020年新认定高新技术企业多少家？",
]
ASKS, READERS = 400, 8

# A writer in another process: the same index, uploads and removals of its own file until told to stop.
CHURN = """
import sys, pathlib
from assistant.ingest.pipeline import ingest, remove
from assistant.settings import Settings
settings = Settings(data_dir=sys.argv[1], index_dir=sys.argv[2])
path, stop = pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
n = 0
while not stop.exists():
    n += 1
    path.write_text(f"进程写入的文件\\n2021年，某县新认定高新技术企业{n}家。\\n", encoding="utf-8")
    ingest(settings, [path], progress=False)
    remove(settings, path.name)
print(n)
"""


def _churn(settings: Settings, folder: Path, stop: threading.Event, rounds: list[int]) -> None:
    """Upload and remove a document of this process until ``stop`` (what the page's thread does)."""
    path = folder / "线程上传.txt"
    while not stop.is_set():
        rounds.append(len(rounds))
        path.write_text(f"线程写入的文件\n2022年，某镇新认定高新技术企业{len(rounds)}家。\n", encoding="utf-8")
        ingest(settings, [path], progress=False)
        remove(settings, path.name)


def test_four_hundred_concurrent_asks_during_writes_never_fail(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    copy_seeds(folder, TAIXING, ZJ_DISTRICT)
    assert ingest(settings, [folder], progress=False).documents == 2
    answerer = Answerer(settings, retriever=Retriever(settings), backend="extractive")
    stop, rounds, flag = threading.Event(), [], tmp_path / "stop"
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHURN,
            str(settings.data_dir),
            str(settings.resolved_index_dir),
            str(tmp_path / "进程上传.txt"),
            str(flag),
        ],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = threading.Thread(target=_churn, args=(settings, tmp_path, stop, rounds))
    writer.start()

    def ask(i: int) -> str | None:
        try:
            answer = answerer.ask(QUESTIONS[i % len(QUESTIONS)])
        except Exception:  # noqa: BLE001 — every failure is counted, whatever it is
            return traceback.format_exc(limit=-4)
        return None if i % 3 != 0 or "86家" in answer.answer else f"wrong answer: {answer.answer}"

    try:
        with ThreadPoolExecutor(READERS) as pool:
            failures = [f for f in pool.map(ask, range(ASKS)) if f]
    finally:
        stop.set()
        flag.touch()
        writer.join()
        out, err = other.communicate(timeout=300)
    assert other.returncode == 0, err[-2000:]
    assert failures == [], failures[:5]
    assert len(rounds) >= 2 and int(out.strip()) >= 1  # writes really overlapped the asks
    assert {d["source"] for d in ChunkStore(settings).list_documents()} == {TAIXING, ZJ_DISTRICT}


def test_bm25_views_built_and_read_by_many_threads_are_never_torn(settings: Settings, tmp_path: Path) -> None:
    """Eight threads of one process (one pid) rebuild and read the same view folder at once."""
    folder = tmp_path / "docs"
    copy_seeds(folder, TAIXING)
    ingest(settings, [folder], progress=False)
    store, view = ChunkStore(settings), tmp_path / "bm25"
    expected = len(LexicalIndex.current(store, view).ids)

    def work(i: int) -> str | None:
        try:
            if i % 2:
                LexicalIndex._build(store, view, {})
            got = LexicalIndex.current(store, view)
        except Exception as exc:  # noqa: BLE001
            return f"{type(exc).__name__}: {exc}"
        return None if len(got.ids) == expected else f"{len(got.ids)} chunks, not {expected}"

    with ThreadPoolExecutor(8) as pool:
        assert [f for f in pool.map(work, range(200)) if f] == []
    assert [
        p.name for p in view.iterdir() if ".tmp" in p.name or p.name.startswith("tmp")
    ] == []  # no half-written file left
