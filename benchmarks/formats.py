"""Table questions per format: the 2022 bulletin's 附表2 as CSV, XLSX, XLS, DOCX, HTML, printed PDF and scan.

Run: .venv/bin/python benchmarks/formats.py [--out benchmarks/results-formats.json] [--formats csv xlsx …]

The same check as tests/test_table_formats.py (tests/format_check.py): each format's file is
ingested alone into an index of its own (one embedding cache shared, so repeated row texts are
embedded once and later formats ingest faster) and asked the same questions through the extractive
backend. A question is right when every figure it asks for is stated, verified, and cited to the
table row with its row label and the column it stands under. Prints a Markdown table and writes
the outcomes as JSON. Needs ../shared/corpora and, for pdf and scan, /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from format_check import FORMATS, QUESTIONS, run_format  # noqa: E402

from assistant.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results-formats.json",
        help="where the outcomes go as JSON (default: %(default)s)",
    )
    parser.add_argument(
        "--formats", nargs="+", choices=FORMATS, default=list(FORMATS), help="formats to check (default: all)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-formats-"))
    results: dict = {"questions": [q.text for q in QUESTIONS], "formats": {}}
    print("| format | questions right | figures stated / verified / row cited / column | ingest s |")
    print("|---|---|---|---|")
    try:
        for fmt in args.formats:
            settings = Settings(data_dir=work / "data", index_dir=work / f"index-{fmt}")
            ran = run_format(fmt, settings, work)
            if ran is None:
                print(f"| {fmt} | skipped: no /usr/bin/chromium | | |")
                continue
            seconds, outcomes = ran
            cells = [c for o in outcomes for c in o.cells]
            counts = " / ".join(str(sum(c[k] for c in cells)) for k in ("figure", "verified", "row", "column"))
            right = sum(o.right for o in outcomes)
            print(f"| {fmt} | {right}/{len(outcomes)} | {counts} (of {len(cells)}) | {seconds:.1f} |", flush=True)
            results["formats"][fmt] = {
                "right": right,
                "asked": len(outcomes),
                "ingest_s": round(seconds, 2),
                "outcomes": [asdict(o) | {"right": o.right} for o in outcomes],
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["load_average"] = [round(x, 1) for x in os.getloadavg()]
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
