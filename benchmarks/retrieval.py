"""Retrieval quality on the gold set: lexical vs dense vs hybrid, and the fusion-weight sweep.

Run: .venv/bin/python benchmarks/retrieval.py [--gold eval/gold.jsonl] [--index DIR]
Prints a table per kind and mode; the chosen default weight must be at least as good as the
better single ranking (the fusion contract of the foundation issue).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.evaluate import load_gold, score_retrieval
from assistant.retrieve import Retriever
from assistant.settings import get_settings

KINDS = ("figure", "multi_figure", "policy", "comparison")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"))
    parser.add_argument("--index", type=Path)
    parser.add_argument("--sweep", action="store_true", help="also sweep the lexical weight 0.5–1.0")
    args = parser.parse_args()
    settings = get_settings(index_dir=args.index)
    retriever = Retriever(settings)
    gold = load_gold(args.gold)
    rows = []
    configs = [("lexical", None), ("dense", None), ("hybrid", settings.retrieve.lexical_weight)]
    if args.sweep:
        configs += [("hybrid", w) for w in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)]
    for mode, weight in configs:
        if weight is not None:
            retriever.settings.retrieve.lexical_weight = weight
        for kind in KINDS:
            items = [i for i in gold if i["kind"] == kind]
            s = score_retrieval(items, lambda q, m=mode: retriever.search(q, k=10, mode=m))
            rows.append({"mode": mode, "weight": weight, "kind": kind, **s.to_json()})
            print(
                f"{mode:8} w={weight!s:5} {kind:13} n={s.n:3}  R@1={s.recall_at_1:.3f}  R@5={s.recall_at_5:.3f}  "
                f"MRR={s.mrr:.3f}  nDCG@5={s.ndcg_at_5:.3f}  misses={s.misses}"
            )
    Path("benchmarks/out").mkdir(parents=True, exist_ok=True)
    Path("benchmarks/out/retrieval.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
