"""Three-part questions against one-part ones on the local model: one model call for parts that
share passages (assistant/answer/joint.py) against a call per part.

Run: .venv/bin/python benchmarks/multipart_local.py --index DIR [--triples 6] [--plan]
     [--out benchmarks/results-multipart-local.json]

1. Singles: the ``figure`` items of eval/gold.jsonl and eval/gold_corpora.jsonl, each grounded alone
   (no model): those the model would be asked (no refusal, no fact-table answer) with the passages
   it would be shown (``ChatBackend.chosen``).
2. Triples: three singles whose shown passages overlap (a chunk shared with another of the three),
   joined as three clauses (…，…；…？) that decompose into exactly those three parts and form one
   group of :func:`assistant.answer.joint.shared_groups` — the parts share passages. ``--plan``
   stops here and prints them.
3. Timed on the local backend in one run, per triple in turn: one of its singles asked alone
   (the k-th triple's k-th clause, mod 3), the triple asked with one call (the default, after),
   then with a call per part (``answer.joint_parts = 1``, before: after the single, its first
   call would find the same prompt in llama.cpp's prefix cache); one warm-up answer first.
   Reported: p50 of each, the ratios p50(3-part)/p50(1-part) before and after, which parts one
   call answered, and parts right (answered, every gold figure on the part's own line).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# importable only once ROOT is on sys.path, hence after it
from benchmarks.multipart import _clause, _right, score  # noqa: E402


def singles(answerer: Any) -> list[dict]:
    """Gold figure items the model would answer, each with the chunks of the passages it is shown."""
    items: list[dict] = []
    for name in ("gold.jsonl", "gold_corpora.jsonl"):
        lines = (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines()
        items += [json.loads(line) for line in lines if line.strip()]
    out = []
    for item in items:
        if item["kind"] != "figure":
            continue
        grounded = answerer.ground_part(item["question"], None)
        if grounded.refusal is None and grounded.fact_answer is None:
            out.append({**item, "chunks": {p.chunk_id for p in answerer.generator.chosen(grounded)}})
    return out


def triples(answerer: Any, items: list[dict], wanted: int) -> list[list[dict]]:
    """Up to ``wanted`` disjoint triples of singles whose joined question is three parts sharing passages."""
    from assistant.answer.joint import shared_groups
    from assistant.answer.parts import decompose

    used: set[str] = set()
    out: list[list[dict]] = []
    found = wanted * 3  # found first, then spread evenly over them (not the first documents' alone)
    for a in items:
        near = [b for b in items if b is not a and b["chunks"] & a["chunks"] and b["id"] not in used]
        for b in near:
            for c in near:
                trio = [a, b, c]
                if len(out) >= found or c is b or used & {i["id"] for i in trio} or b["id"] > c["id"]:
                    continue
                question = f"{_clause(a['question'])}，{_clause(b['question'])}；{c['question']}"
                split = decompose(question, answerer.retriever.lexicon)
                if split is None or len(split.parts) != 3 or split.compute:
                    continue
                grounded = [answerer.ground_part(p.question, None) for p in split.parts]
                if shared_groups(answerer.generator, grounded, 3) == [[0, 1, 2]]:
                    out.append([{**i, "joined": question} for i in trio])
                    used |= {i["id"] for i in trio}
    return out[:: max(1, len(out) // wanted)][:wanted]


def _timed(answerer: Any, question: str) -> tuple[Any, float]:
    started = time.perf_counter()
    answer = answerer.ask(question)
    return answer, (time.perf_counter() - started) * 1000


def run(answerer: Any, trios: list[list[dict]], warm_up: str) -> dict[str, Any]:
    """Singles, then each triple with a call per part and with one call, interleaved per triple."""
    base = answerer.settings
    per_part = base.model_copy(update={"answer": base.answer.model_copy(update={"joint_parts": 1})})
    single_ms: list[float] = []
    runs: dict[str, dict[str, Any]] = {
        "before": {"ms": [], "right": 0, "parts": 0},
        "after": {"ms": [], "right": 0, "parts": 0},
    }
    singles_right = 0
    rows = []
    _timed(answerer, warm_up)  # the model server starts and loads; a question of no triple (no prompt cached)
    for k, trio in enumerate(trios):
        item = trio[k % 3]  # one single of each triple, a different clause from triple to triple
        answer, ms = _timed(answerer, item["question"])
        single_ms.append(ms)
        singles_right += _right(answer.answer, item["figures"])
        case = {"parts": [{"figures": i["figures"], "id": i["id"]} for i in trio]}
        row: dict[str, Any] = {"question": trio[0]["joined"], "single": item["question"], "single_ms": round(ms)}
        # one call first: a call per part after the single would find its first prompt cached whole
        for phase, settings in (("after", base), ("before", per_part)):
            answerer.settings = settings
            answer, ms = _timed(answerer, trio[0]["joined"])
            counts = score(answer, case)
            runs[phase]["ms"].append(ms)
            runs[phase]["right"] += counts["right"]
            runs[phase]["parts"] += counts["parts"]
            row[phase] = {
                "ms": round(ms),
                "right": counts["right"],
                "joint": [p.get("joint", False) for p in answer.parts],
                "answer": answer.answer,
            }
        answerer.settings = base
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)  # progress: a run takes minutes
    p50 = round(statistics.median(single_ms))
    return {
        "triples": len(trios),
        "singles": len(single_ms),
        "single_ms_p50": p50,
        "singles_right": singles_right,
        **{
            f"{phase}_{key}": value
            for phase, r in runs.items()
            for key, value in (
                ("ms_p50", round(statistics.median(r["ms"]))),
                ("ratio", round(statistics.median(r["ms"]) / p50, 2)),
                ("parts_right", f"{r['right']}/{r['parts']}"),
            )
        },
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--triples", type=int, default=6)
    parser.add_argument("--plan", action="store_true", help="find the triples and stop (no model call)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-multipart-local.json")
    args = parser.parse_args()
    from assistant import api
    from assistant.settings import get_settings

    answerer = api.open_answerer(get_settings(index_dir=args.index), backend="local")
    items = singles(answerer)
    trios = triples(answerer, items, args.triples)
    if args.plan or not trios:
        print(json.dumps([t[0]["joined"] for t in trios], ensure_ascii=False, indent=2))
        return
    used = {i["id"] for trio in trios for i in trio}
    result = run(answerer, trios, next(i["question"] for i in items if i["id"] not in used))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
