"""PDF tables: table questions per format over whole printed and scanned bulletins, and the cost
of reading and laying out a 200-page PDF.

Run: .venv/bin/python benchmarks/pdf_tables.py [--out benchmarks/results-pdf-tables.json]
     [--formats html pdf scan] [--years 2022 2023] [--per-table 4] [--pages 200]

Questions (tests/pdf_bulletins.py): the national R&D bulletins of 2022 and 2023 as published (HTML),
printed whole by Chromium (PDF) and scanned (image-only PDF, read by OCR), each ingested alone and
asked ``--per-table`` cells of every long table through the extractive backend; a question is right
when its figure is stated, verified and cited to the table row under its column
(``format_check.check``). The big PDF: the 2022 bulletin's body printed over and over until the
PDF has ``--pages`` pages (tables breaking over pages all through), then read (``read_blocks``)
and laid out into chunks (``lay_out``) in a child process that reports its wall and CPU time and its peak RSS.
Needs ../shared/corpora and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pdf_bulletins import FORMATS, bulletin, run  # noqa: E402
from scans import print_to_pdf  # noqa: E402

from assistant.settings import Settings  # noqa: E402

_CHILD = """
import resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.settings import ChunkSettings
t1 = time.perf_counter()
document = read_blocks(Path(sys.argv[1]))
t2 = time.perf_counter()
laid = lay_out(document, ChunkSettings())
t3 = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(t2 - t1, t3 - t2, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, len(document.tables), len(laid.chunks))
"""


def big_pdf(pages: int, work: Path) -> tuple[Path, int]:
    """The 2022 bulletin's body repeated until Chromium prints at least ``pages`` pages."""
    import pypdfium2
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(bulletin(2022).read_text(encoding="utf-8"), "lxml")
    body = "".join(str(c) for c in soup.body.contents)
    copies, printed = 1, 0
    path = work / "big.pdf"
    while printed < pages:
        source = work / "big.html"
        source.write_text(
            f'<html><head><meta charset="utf-8"></head><body>{body * copies}</body></html>', encoding="utf-8"
        )
        print_to_pdf(source, path, timeout=600)
        printed = len(pypdfium2.PdfDocument(path))
        copies = max(copies + 1, -(-copies * pages // printed))
    return path, printed


def read_cost(pages: int, work: Path) -> dict[str, float]:
    path, printed = big_pdf(pages, work)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    read_s, layout_s, cpu_s, rss_kb, tables, chunks = out.stdout.split()
    return {
        "pages": printed,
        "mb": round(path.stat().st_size / 2**20, 1),
        "read_s": round(float(read_s), 1),
        "layout_s": round(float(layout_s), 1),
        "cpu_s": round(float(cpu_s), 1),
        "peak_rss_mb": round(int(rss_kb) / 1024),
        "tables": int(tables),
        "chunks": int(chunks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-pdf-tables.json")
    parser.add_argument("--formats", nargs="*", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--years", nargs="*", type=int, default=[2022, 2023])
    parser.add_argument("--per-table", type=int, default=4)
    parser.add_argument("--pages", type=int, default=200, help="pages of the big PDF (0: skip it)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-pdf-tables-"))
    results: dict = {"formats": {}}
    try:
        print("| format | year | right (strict) | value + row cited | ingest + ask s |\n|---|---|---|---|---|")
        for fmt in args.formats:
            for year in args.years:
                t0 = time.perf_counter()
                outcomes = run(fmt, year, Settings(index_dir=work / f"index-{fmt}-{year}"), work, args.per_table)
                right, cited = sum(o.right for o, _ in outcomes), sum(c for _, c in outcomes)
                seconds = time.perf_counter() - t0
                print(
                    f"| {fmt} | {year} | {right}/{len(outcomes)} | {cited}/{len(outcomes)} | {seconds:.0f} |",
                    flush=True,
                )
                results["formats"][f"{fmt}-{year}"] = {
                    "right": right,
                    "row_cited": cited,
                    "asked": len(outcomes),
                    "seconds": round(seconds),
                    "misses": [
                        {"question": o.question, "answer": o.answer, "cells": o.cells, "row_cited": c}
                        for o, c in outcomes
                        if not o.right
                    ],
                }
        if args.pages:
            results["big_pdf"] = cost = read_cost(args.pages, work)
            print(
                f"\n{cost['pages']}-page PDF ({cost['mb']} MB): read {cost['read_s']} s, "
                f"lay out {cost['layout_s']} s (wall), "
                f"CPU {cost['cpu_s']} s, peak RSS {cost['peak_rss_mb']} MB, "
                f"{cost['tables']} tables, {cost['chunks']} chunks"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["load_average"] = [round(x, 1) for x in os.getloadavg()]
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
