"""Run the gold set through the same public API the CLI and the page use, score it, gate it.

``python -m assistant eval`` calls :func:`run_eval`; the exit code is non-zero when any gate of
the backend's table in ``eval/thresholds.toml`` (or a ``--min-*``/``--max-*`` flag) is missed.
LLM completions are cached on disk by backend, model, prompt and parameters, so a re-run of an
unchanged evaluation costs seconds; errors are never cached. Cached completions take no time, so
the report counts them (``cached_completions``), and ``cache=False`` (``--no-cache``) generates
every one afresh when the latency figures are what is being measured.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.answer.chain import Answerer
from assistant.draft.writer import write_draft
from assistant.evaluate.answers import aggregate, breakdown, by_kind, score_item
from assistant.evaluate.retrieval import load_gold, score_retrieval
from assistant.settings import PROJECT_ROOT, Settings

DEFAULT_GOLD = PROJECT_ROOT / "eval" / "gold.jsonl"
DEFAULT_THRESHOLDS = PROJECT_ROOT / "eval" / "thresholds.toml"
QUALITY_METRICS = (
    "recall_at_1",
    "recall_at_5",
    "mrr",
    "ndcg_at_5",
    "figure_accuracy",
    "numeric_grounding",
    "unmarked_unverified_figures",
    "citation_precision",
    "citation_recall",
    "negative_rejection",
    "false_refusal",
    "drafting",
    "bound_accuracy",
    "wrong_but_verified",
    "draft_headline_coverage",
    "draft_citation_precision",
    "draft_citation_recall",
    "draft_bound_figures",
    "draft_within_length",
)
# Timings are reported, and a ``--max-*`` flag may gate them by hand, but a thresholds file (the test
# gate) may not: a timing gate fails for a busy machine, not for a defect. ``make bench`` measures them
# as ratios against the previous build in one run (benchmarks/compare.py).
LATENCY_METRICS = ("draft_total_ms_p50", "retrieve_ms_p50", "generate_ms_p50", "total_ms_p50", "total_ms_p95")
GATED_METRICS = QUALITY_METRICS + LATENCY_METRICS


def load_thresholds(path: Path, backend: str) -> dict[str, float]:
    """The backend's gates, e.g. ``{"min_figure_accuracy": 0.9}``: quality metrics only."""
    with open(path, "rb") as fh:
        table = tomllib.load(fh).get(backend, {})
    timed = [k for k in table if k.split("_", 1)[1] in LATENCY_METRICS]
    if timed:
        raise ValueError(
            f"{path}: {timed} gate a timing; timings belong to `make bench` (benchmarks/compare.py), "
            "not to the test gate"
        )
    unknown = [k for k in table if k.split("_", 1)[1] not in QUALITY_METRICS or not k.startswith(("min_", "max_"))]
    if unknown:
        raise ValueError(f"{path}: unknown threshold(s) {unknown}; known metrics: {QUALITY_METRICS}")
    return dict(table)


def apply_gates(metrics: dict[str, Any], thresholds: dict[str, float]) -> dict[str, dict[str, Any]]:
    gates = {}
    for key, limit in thresholds.items():
        kind, metric = key.split("_", 1)
        value = metrics.get(metric)
        ok = value is not None and (value >= limit if kind == "min" else value <= limit)
        gates[metric] = {"rule": f"{'≥' if kind == 'min' else '≤'} {limit}", "ok": ok}
    return gates


def run_eval(
    settings: Settings,
    backend: str,
    gold: Path = DEFAULT_GOLD,
    thresholds: dict[str, float] | None = None,
    limit: int | None = None,
    kinds: list[str] | None = None,
    sample: int | None = None,
    progress: bool = True,
    on_item: Callable[[int, int], None] | None = None,
    cache: bool = True,
) -> dict[str, Any]:
    """Answer every selected gold item with ``backend`` and return the full report."""
    items = [i for i in load_gold(gold) if not kinds or i["kind"] in kinds][:limit]
    if sample and sample < len(items):  # evenly spread over the file, so every kind and report is touched
        items = [items[round(j * (len(items) - 1) / (sample - 1))] for j in range(sample)] if sample > 1 else items[:1]
    answerer = Answerer(settings, backend=backend, cache=cache)
    started = time.perf_counter()
    results = []
    for n, item in enumerate(tqdm(items, desc=f"eval {backend}", unit="q", disable=not progress), start=1):
        if item["kind"] == "draft":
            answer = write_draft(answerer, item["question"], style=item.get("style"), chars=item.get("chars"))
        else:
            answer = answerer.ask(item["question"], history=item.get("history"))
        results.append(score_item(item, answer))
        if on_item:
            on_item(n, len(items))
    metrics = aggregate(results)
    if answerer.completion_cache is not None:
        metrics["cached_completions"] = answerer.completion_cache.hits  # latencies below exclude these generations
    answerable = [i for i in items if i["kind"] in ("figure", "multi_figure", "policy")]
    retrieval = score_retrieval(answerable, lambda q: answerer.retriever.search(q, k=10))
    metrics |= {k: v for k, v in retrieval.to_json().items() if k in ("recall_at_1", "recall_at_5", "mrr", "ndcg_at_5")}
    gates = apply_gates(metrics, thresholds or {})
    return {
        "backend": backend,
        "gold": str(gold),
        "seconds": round(time.perf_counter() - started, 1),
        "metrics": metrics,
        "gates": gates,
        "passed": all(g["ok"] for g in gates.values()),
        "by_kind": by_kind(results),
        "by_format": breakdown(results, "format") if any(r.format for r in results) else {},
        "retrieval_misses": retrieval.misses,
        "items": [r.to_json() for r in results],
    }
