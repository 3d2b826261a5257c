"""One build's latency and throughput figures, as JSON on stdout: run by benchmarks/compare.py in
this tree and in the previous build's tree, so it uses only the public API both builds have.

Run: PYTHONPATH=<tree> .venv/bin/python benchmarks/probe.py --index DIR --knowledge DIR --gold F [--questions N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def _timed(call, items: list[str]) -> dict[str, float]:
    times = []
    for item in items:
        t0 = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - t0) * 1000)
    return _percentiles(times)


def _passages(folder: Path, n: int, chars: int = 300) -> list[str]:
    """``n`` distinct chunk-sized windows of the folder's text files (real prose, the size of a chunk)."""
    text = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in sorted(folder.glob("*.txt")))
    step = max(1, (len(text) - chars) // max(1, n))
    return [text[i * step : i * step + chars] for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--knowledge", type=Path, required=True)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument(
        "--embed-texts", type=int, default=32, help="distinct passages ingested with no embedding cache"
    )
    args = parser.parse_args()

    from assistant import api
    from assistant.settings import get_settings

    settings = get_settings(index_dir=args.index)
    t0 = time.perf_counter()
    api.ingest(settings, [args.knowledge], progress=False)
    out: dict[str, object] = {"ingest_cached_s": round(time.perf_counter() - t0, 2)}
    questions = [
        json.loads(line)["question"] for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    questions = questions[: args.questions]
    retriever = api.open_retriever(settings)
    retriever.search(questions[0], k=5)  # warm: the BM25 view and the embedder load once
    out["search_ms"] = _timed(lambda q: retriever.search(q, k=5), questions)
    answerer = api.open_answerer(settings, backend="extractive", retriever=retriever)
    out["extractive_answer_ms"] = _timed(answerer.ask, questions)
    # a document no cache has seen, through the build's whole ingest (its embedding path included)
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "uncached.txt"
        doc.write_text("\n\n".join(_passages(args.knowledge, args.embed_texts)), encoding="utf-8")
        report = api.ingest(
            get_settings(index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data"), [doc], progress=False
        )
        out["ingest_uncached_chunks_per_s"] = round(report.chunks / report.seconds, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
