"""Drafting latency: every gold drafting topic, planned and written, timed end to end.

Run: .venv/bin/python benchmarks/drafting.py [--backend extractive] [--rounds 3]
         [--set eval/gold.jsonl:.data/index] [--set eval/gold_corpora.jsonl:.data/corpora-index]
         [--out benchmarks/results-drafting.json]

Each --set pairs a gold file with the index its topics are drafted over (defaults: the shipped
corpus's and the corpora's, where those indexes exist). The first draft of a set also opens the
fact table and the BM25 view; it is reported apart (``cold_ms``), and the median and p95 are over
the later rounds (``Answerer.draft``'s ``total_ms``, what ``eval`` reports as draft_total_ms_p50).
The bar: extractive median ≤ 1 s; on the local model ≤ 15 s (use ``eval --backend
local --kinds draft --no-cache`` for that: its drafts are also scored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from assistant.draft.writer import write_draft

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SETS = ("eval/gold.jsonl:.data/index", "eval/gold_corpora.jsonl:.data/corpora-index")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_set(gold: Path, index: Path, backend: str, rounds: int) -> dict:
    from assistant.answer.chain import Answerer
    from assistant.settings import Settings

    topics = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if '"draft"' in line]
    topics = [t for t in topics if t["kind"] == "draft"]
    answerer = Answerer(Settings(index_dir=index), backend=backend)
    started = time.perf_counter()
    first = topics[0]
    write_draft(answerer, first["question"], style=first.get("style"), chars=first.get("chars"))
    cold_ms = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(rounds):
        for t in topics:
            draft = write_draft(answerer, t["question"], style=t.get("style"), chars=t.get("chars"))
            times.append(draft.timings["total_ms"])
    return {
        "gold": str(gold.relative_to(ROOT)),
        "index": str(index.relative_to(ROOT)),
        "topics": len(topics),
        "drafts": len(times),
        "cold_ms": round(cold_ms, 1),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(_p95(times), 1),
        "max_ms": round(max(times), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="extractive")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", action="append", dest="sets", metavar="GOLD:INDEX")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-drafting.json")
    args = parser.parse_args()
    results = []
    for pair in args.sets or DEFAULT_SETS:
        gold, index = (ROOT / part for part in pair.split(":", 1))
        if not index.is_dir():
            print(f"skipped {pair}: no index at {index}", file=sys.stderr)
            continue
        results.append(run_set(gold, index, args.backend, args.rounds))
        print(json.dumps(results[-1], ensure_ascii=False))
    report = {"backend": args.backend, "rounds": args.rounds, "load_average": os.getloadavg(), "sets": results}
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
