"""Place recognition over the whole national division table: recall and precision per level.

Run: .venv/bin/python benchmarks/places.py [--out benchmarks/results-places.json]

Every division at county level and above (cpca's table, ≈3,200), each of its name forms in
sentences from templates, every prefecture's zones (高新区, 经济技术开发区), and the near misses
generated from tests/places_near_misses.toml (organisations named after every province and
prefecture, people named like places, ordinary words that are short names, real names and
slogans). The cases and the scoring are tests/places_check.py's, which the test suite runs on a
slice. Precision counts every place found, in positives and near misses alike. Speed: find_places
per sentence over the corpus's sentences (the fact extractor's call), as a rate.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from places_check import LEVELS, Score, divisions, near_misses, positives, score  # noqa: E402


def _speed() -> dict[str, float]:
    """find_places over the sentences of the corpora's text files (what fact extraction reads)."""
    from assistant.language.places import find_places

    texts = [
        f.read_text(encoding="utf-8", errors="ignore")
        for f in sorted((ROOT.parent / "shared" / "corpora").rglob("*.txt"))
    ]
    sentences = [s for t in texts for s in re.split(r"(?<=[。；！？])", t) if len(s.strip()) > 4]
    started = time.perf_counter()
    for s in sentences:
        find_places(s)
    seconds = time.perf_counter() - started
    return {
        "sentences": len(sentences),
        "seconds": round(seconds, 2),
        "sentences_per_s": round(len(sentences) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-places.json")
    args = parser.parse_args()
    started = time.perf_counter()
    table = divisions()
    cases, misses = positives(table), near_misses(table)
    hits, wrong = score(cases), score(misses)
    both = Score()
    for part in (hits, wrong):
        for name in ("expected", "found", "predicted", "correct"):
            getattr(both, name).update(getattr(part, name))
    result = {
        "divisions": {level: sum(d.level == level for d in table) for level in LEVELS[:3]},
        "positive_sentences": len(cases),
        "near_miss_sentences": len(misses),
        "levels": both.figures(),
        "near_miss_places_found": dict(wrong.predicted),
        "misses": hits.misses,
        "false_positives": hits.false_positives + wrong.false_positives,
        "seconds": round(time.perf_counter() - started, 1),
        "speed": _speed(),
    }
    print(
        json.dumps(
            {k: v for k, v in result.items() if k not in ("misses", "false_positives")}, ensure_ascii=False, indent=1
        )
    )
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
