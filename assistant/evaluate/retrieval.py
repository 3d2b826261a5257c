"""Retrieval metrics against the gold set (``eval/gold.jsonl``): recall@1/@5, MRR, nDCG@5.

A retrieved chunk is relevant to a gold item when it comes from one of the item's sources and
holds one of its evidence sentences (compared after Simplified + NFKC normalization, blanks
removed). Evidence that a chunk boundary cuts still counts when the chunk holds the figure with
the words just before it: the label-and-figure pair is what a user needs to see.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.language.text import to_simplified
from assistant.retrieve import SearchResult

_BLANKS = re.compile(r"\s+")


def load_gold(path: Path) -> list[dict[str, Any]]:
    """Gold items, one JSON object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(text: str) -> str:
    return _BLANKS.sub("", to_simplified(text))


def is_relevant(item: dict[str, Any], result: SearchResult) -> bool:
    """Does this chunk support the gold item (right source, evidence or labelled figure inside)?"""
    sources = item.get("sources", [])
    # a gold source is a file name; a document ingested from a folder is listed as folder/name
    if result.source not in sources and result.source.rsplit("/", 1)[-1] not in sources:
        return False
    text = _norm(result.text)
    for evidence in map(_norm, item.get("evidence", [])):
        if evidence in text:
            return True
        for figure in map(_norm, item.get("figures", [])):
            at = evidence.find(figure)
            if at >= 0 and figure in text and evidence[max(0, at - 8) : at + len(figure)] in text:
                return True
    return False


@dataclass
class RetrievalScores:
    n: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    ndcg_at_5: float
    misses: list[str]

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def score_retrieval(
    items: Iterable[dict[str, Any]], search: Callable[[str], list[SearchResult]], depth: int = 10
) -> RetrievalScores:
    """recall@1/@5 (an item is found when any relevant chunk is ranked that high), MRR@depth,
    and nDCG@5 with binary gains over the item's relevant chunks."""
    r1 = r5 = rr = ndcg = 0.0
    misses: list[str] = []
    items = [i for i in items if i.get("sources") and i.get("evidence")]
    for item in items:
        results = search(item["question"])[:depth]
        flags = [is_relevant(item, r) for r in results]
        first = next((rank for rank, ok in enumerate(flags, start=1) if ok), None)
        r1 += first == 1
        r5 += first is not None and first <= 5
        rr += 1.0 / first if first else 0.0
        dcg = sum(1.0 / math.log2(rank + 1) for rank, ok in enumerate(flags[:5], start=1) if ok)
        ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(5, max(1, sum(flags))) + 1))
        ndcg += dcg / ideal if ideal else 0.0
        if not first or first > 5:
            misses.append(item["id"])
    n = max(len(items), 1)
    return RetrievalScores(len(items), r1 / n, r5 / n, rr / n, ndcg / n, misses)
