"""Metadata inference scored against the truth file: every document of knowledge/ and ../shared/corpora/.

Run: .venv/bin/python benchmarks/metadata.py [--truth eval/metadata_truth.jsonl]
     [--out benchmarks/results-metadata.json]

Each document is read as ingest reads it and its region, level, years reported on, issuer and type
compared with what a reader wrote in the truth file (assistant/evaluate/metadata.py). Prints the
documents right in every field, per-field accuracy, every miss, and the files the readers refuse;
exit 1 unless every readable document is right in every field.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# importable only once ROOT is on sys.path, hence after it
from assistant.evaluate.metadata import TRUTH, load_truth, score_document, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, default=TRUTH)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = summary([score_document(item) for item in load_truth(args.truth)])
    print(
        f"documents: {result['documents']}, readable: {result['readable']}, "
        f"right in every field: {result['all_fields_right']}"
    )
    for name, accuracy in result["field_accuracy"].items():
        print(f"  {name:<9} {accuracy:.3f}")
    for path, wrong in result["wrong"].items():
        print(f"wrong: {path}: " + "; ".join(f"{f} expected {e!r}, got {g!r}" for f, e, g in wrong))
    for path, reason in result["unreadable"].items():
        print(f"unreadable: {path}: {reason}")
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if result["all_fields_right"] == result["readable"] else 1


if __name__ == "__main__":
    sys.exit(main())
