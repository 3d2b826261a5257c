"""Mutation benchmark of verification: no wrong figure is ever marked verified.

Run: .venv/bin/python benchmarks/verification.py [--per-class 250] [--out benchmarks/results-verification.json]

1. The fact table of knowledge/ + ../shared/corpora/ (read, laid out and extracted as ingest
   does; no embedding: retrieval is not what is measured).
2. For facts drawn at random (seed 20): a true model answer and its mutations
   (:mod:`assistant.evaluate.mutations`: digit, decimal place, 万↔亿, indicator, region, year,
   qualifier), each the reply of a scripted OpenAI-compatible endpoint on loopback, answered through
   the real ``openai`` backend (HTTP client, the backend's checks, the fallback, final
   verification). Counted per class: mutations flagged (fallback, kept refusal or the figure
   marked), true answers accepted (kept, every figure verified).
3. The drafting path: a paragraph of three true fact sentences of one passage, one of them
   replaced by the case's sentence, through ``model_draft`` (the model writes the paragraph).
4. Verification time of the extractive backend's answer to each true case's question (p50/p95).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def load_corpus():
    from assistant.evaluate.mutations import read_chunks
    from assistant.facts.extract import extract_facts
    from assistant.facts.vocabulary import load_vocabulary
    from assistant.ingest.pipeline import discover
    from assistant.settings import get_settings

    settings, vocab = get_settings(), load_vocabulary()
    folders = [ROOT / "knowledge", ROOT.parent / "shared" / "corpora"]
    folders = [f if f.exists() else Path("/work/shared/corpora") for f in folders]
    chunks, facts = {}, {}
    for path in discover(folders, ["SOURCES.md"])[0]:  # the corpora's notes on their files are no documents
        try:
            read = read_chunks(path, settings)
        except Exception as exc:  # a file the readers refuse costs that file
            print(f"skipped {path.name}: {exc}", file=sys.stderr)
            continue
        for c in read:
            chunks[c.id] = c
            facts[c.id] = extract_facts(c.id, c.text, c.meta, vocab)
    return settings, vocab, chunks, facts


def all_cases(vocab, chunks, facts, per_class: int, seed: int):
    """Cases per class, from facts in random order, until every class has ``per_class``."""
    from assistant.evaluate.mutations import cases

    tables: dict[tuple, list] = defaultdict(list)
    for cid, fs in facts.items():
        m = chunks[cid].meta
        if m.get("kind") == "table_row":
            tables[(m["source"], m.get("table_title", ""))].extend(fs)
    pool = [f for fs in facts.values() for f in fs]
    random.Random(seed).shuffle(pool)
    chosen: dict[str, list] = defaultdict(list)
    for fact in pool:
        m = chunks[fact.chunk_id].meta
        neighbours = [f for f in tables.get((m["source"], m.get("table_title", "")), []) if f.chunk_id != fact.chunk_id]
        for case in cases(fact, facts[fact.chunk_id], neighbours[:400], vocab):
            if len(chosen[case.kind]) < per_class:
                chosen[case.kind].append(case)
        if all(
            len(chosen[k]) >= per_class
            for k in ("true", "digit", "decimal", "unit", "indicator", "region", "year", "qualifier")
        ):
            break
    return chosen


def run_answers(runner, endpoint, chosen, per_class: int) -> tuple[dict, list]:
    from assistant.evaluate.scripted import accepted, flagged

    counts, misses = {}, []
    for kind, group in chosen.items():
        good = n = refused = 0
        for case in group:
            if n == per_class:
                break
            endpoint.reply = staticmethod(lambda messages, text=case.answer: text)
            answer = runner.answer(case)
            refused += answer is None
            if answer is None:  # grounding refused the question: no model ran, nothing to count
                continue
            n += 1
            ok = accepted(answer) if kind == "true" else flagged(answer, case)
            good += ok
            if not ok:
                misses.append(
                    {
                        "kind": kind,
                        "question": case.question,
                        "reply": case.answer,
                        "answer": answer.answer,
                        "notice": answer.notice,
                        "source": case.fact.source,
                    }
                )
        counts[kind] = {
            "n": n,
            "refused_before_the_model": refused,
            "accepted" if kind == "true" else "flagged": good,
            "share": round(good / n, 4) if n else None,
        }
    return counts, misses


def run_drafts(runner, endpoint, chosen, vocab, facts, per_class: int) -> tuple[dict, list]:
    """One paragraph per case: the case's sentence among two true sentences of its passage, or, for a
    region swap across two table rows, beside the true sentence of the row whose region it took."""
    from assistant.answer.stages import Rejection
    from assistant.answer.verify import UNVERIFIED_MARK
    from assistant.draft.compose import draft_length
    from assistant.evaluate.mutations import number, says, statement, wording

    def rival(case) -> list:
        """The fact of the other cited row whose region the mutated sentence gives the figure."""
        return [
            f
            for f in facts[case.chunks[1]]
            if f.indicator == case.fact.indicator and f.region in case.answer and f.region != case.fact.region
        ][:1]

    counts, misses = {}, []
    for kind, group in chosen.items():
        good = n = 0
        for case in group:
            if n == per_class:
                break
            mates = [
                f for f in facts[case.fact.chunk_id] if f is not case.fact and f.base_value != case.fact.base_value
            ]
            mates = [(f, statement(f, wording(f, vocab), f"{number(f.value)}{f.unit}")) for f in mates][:2]
            if len(case.chunks) > 1:  # a region swap across two table rows: the other row is cited as [2]
                mates = [(f, statement(f, wording(f, vocab), f"{number(f.value)}{f.unit}", 2)) for f in rival(case)]
            mates = [(f, s) for f, s in mates if says(s, f, vocab)]
            paragraph = "".join([case.answer, *(s for _, s in mates)])
            endpoint.reply = staticmethod(lambda messages, text=paragraph: text)
            written, final = runner.draft(
                paragraph, [(case.fact, case.answer), *mates], max(40, draft_length(paragraph))
            )
            ok = (
                isinstance(written, str)
                if kind == "true"
                else (isinstance(written, Rejection) or f"{case.figure}{UNVERIFIED_MARK}" in final)
            )
            good += ok
            n += 1
            if not ok:
                misses.append({"kind": kind, "draft": paragraph, "result": str(written), "source": case.fact.source})
        counts[kind] = {
            "n": n,
            "accepted" if kind == "true" else "flagged": good,
            "share": round(good / n, 4) if n else None,
        }
    return counts, misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-class", type=int, default=250)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-verification.json")
    args = ap.parse_args()
    from conftest import scripted_endpoint

    from assistant.answer import backends
    from assistant.evaluate.scripted import MemoryFacts, Runner

    t0 = time.perf_counter()
    settings, vocab, chunks, facts = load_corpus()
    print(f"corpus: {len(chunks)} chunks, {sum(map(len, facts.values()))} facts ({time.perf_counter() - t0:.1f} s)")
    chosen = all_cases(vocab, chunks, facts, 8 * args.per_class, args.seed)  # grounding refuses many two-region ones
    with scripted_endpoint() as endpoint:
        settings = settings.model_copy(update={"openai_base_url": endpoint.url, "openai_api_key": "sk-local"})
        runner = Runner(chunks, MemoryFacts(facts, vocab), backends.build("openai", settings), settings)
        answers, answer_misses = run_answers(runner, endpoint, chosen, args.per_class)
        drafts, draft_misses = run_drafts(runner, endpoint, chosen, vocab, facts, args.per_class)
    timings = [t for c in chosen["true"] if (t := runner.verify_ms(c.question, c.chunks)) is not None]
    sources = Counter(c.fact.source for group in chosen.values() for c in group)
    result = {
        "answers": answers,
        "drafts": drafts,
        "verify_ms_extractive": {
            "n": len(timings),
            "p50": round(statistics.median(timings), 2),
            "p95": round(sorted(timings)[int(0.95 * (len(timings) - 1))], 2),
        },
        "documents": dict(sources.most_common()),
        "misses": (answer_misses + draft_misses)[:60],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {k: result[k] for k in ("answers", "drafts", "verify_ms_extractive", "seconds")},
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
