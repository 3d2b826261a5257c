"""Cell round trip over every table: each numeric cell of every table in knowledge/, ../shared/corpora
and the files tests/ builds in each format, asked in a user's words through the extractive backend.

Run: .venv/bin/python benchmarks/tables.py [--sample N] [--files GLOB …] [--out benchmarks/results-tables.json]

A reference read that does not use the product's table parser (tests/table_reference.py: calamine
values shown through their number formats, the csv module, python-docx's grid, lxml's cells,
pdfplumber's word positions) gives each cell's row label, column header, unit, displayed value and
year; the question is written from them (``2021年湖北研究与试验发展(R&D)经费投入强度是多少？``);
each file is ingested alone into an index of its own (the embedding cache shared) and the answer
must state the displayed value, cited to that row (tests/table_roundtrip.py). Prints per format
and per file: cells, asked, exact, miscited (right value, another citation), wrong, refused, and
the fact table's agreement with the reference.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import table_files  # noqa: E402
from table_reference import READERS  # noqa: E402
from table_roundtrip import VERDICTS, FileReport, run_file  # noqa: E402

from assistant.settings import Settings  # noqa: E402


def shared_corpora() -> Path | None:
    """../shared/corpora beside the checkout (also from a worktree one level further down)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "corpora").is_dir():
            return base / "shared" / "corpora"
    return None


def built_files(folder: Path) -> list[Path]:
    """The sample table as the tests build it, in every format with a reference reader, and the
    national bulletins of 2022 and 2023 printed by Chromium (text-layer PDFs whose 附表 break over
    pages); the PDFs only where Chromium is installed."""
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / "附表2.html"
    html.write_text(table_files.html_table(), encoding="utf-8")
    built = [
        table_files.write_csv(folder / "附表2.csv"),
        table_files.write_xlsx(folder / "附表2.xlsx"),
        table_files.write_xls(folder / "附表2.xls"),
        table_files.write_docx(folder / "附表2.docx"),
        html,
    ]
    if table_files.write_pdf(folder / "附表2.pdf", folder) is not None:
        import pdf_bulletins

        built += [folder / "附表2.pdf", *(pdf_bulletins.write("pdf", year, folder) for year in (2022, 2023))]
    return built


def table_sources(work: Path) -> list[Path]:
    roots = [ROOT / "knowledge"] + ([shared_corpora()] if shared_corpora() else [])
    found = sorted(p for root in roots for p in root.rglob("*") if p.is_file() and p.suffix.lower() in READERS)
    return found + built_files(work / "built")


def workbook_perf(folder: Path, sheets: int = 100, rows: int = 300) -> dict[str, float]:
    """Reading and laying out a 100-sheet workbook (300 rows × 12 columns a sheet, 0.00 formats):
    seconds, and peak Python allocations in a second, traced pass (calamine's own buffers are not counted)."""
    import tracemalloc

    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    from assistant.ingest.layout import lay_out
    from assistant.ingest.readers import read_blocks
    from assistant.settings import ChunkSettings

    path = folder / "百表.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    for s in range(sheets):
        sheet = workbook.create_sheet(f"表{s + 1}")
        sheet.append([f"表{s + 1} 各企业研发投入"])
        sheet.append(["企业", *(f"{2012 + j}" for j in range(11))])
        for i in range(rows):
            cells = [WriteOnlyCell(sheet, value=(i * 7.123456 + j) % 1000) for j in range(11)]
            for cell in cells:
                cell.number_format = "0.00"
            sheet.append([f"企业{i:04d}", *cells])
    workbook.save(path)
    t0 = time.perf_counter()
    laid = lay_out(read_blocks(path), ChunkSettings())
    seconds = time.perf_counter() - t0
    tracemalloc.start()  # a second pass: tracing slows Python about twofold
    lay_out(read_blocks(path), ChunkSettings())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "sheets": sheets,
        "rows": sheets * rows,
        "cells": sheets * rows * 12,
        "chunks": len(laid.chunks),
        "read_and_layout_s": round(seconds, 2),
        "peak_python_mb": round(peak / 2**20, 1),
    }


def summary(reports: list[FileReport]) -> dict[str, dict[str, float]]:
    """Per format: cells, asked, each verdict, exact and fact-agreement shares of the asked cells."""
    out: dict[str, dict[str, float]] = {}
    for fmt in sorted({r.fmt for r in reports}):
        mine = [r for r in reports if r.fmt == fmt]
        verdicts = sum((r.verdicts for r in mine), Counter())
        asked = sum(r.asked for r in mine)
        out[fmt] = {
            "files": len(mine),
            "cells": sum(r.cells for r in mine),
            "asked": asked,
            **{v: verdicts.get(v, 0) for v in VERDICTS},
            "exact_share": round(verdicts.get("exact", 0) / asked, 3) if asked else 0.0,
            "facts_expected": sum(r.facts_expected for r in mine),
            "facts_agree": sum(r.facts_agree for r in mine),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sample",
        "--max-cells",
        dest="sample",
        type=int,
        default=None,
        help="for a quick run: at most N cells asked per file, spread evenly (default: every cell)",
    )
    parser.add_argument("--files", nargs="+", default=["*"], help="file-name patterns to run (default: every file)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-tables.json")
    parser.add_argument("--no-perf", action="store_true", help="skip the 100-sheet workbook's read/layout timing")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-tables-"))
    perf = {} if args.no_perf else workbook_perf(work)
    if perf:
        print(f"100-sheet workbook: {perf}", flush=True)
    reports: list[FileReport] = []
    t0 = time.perf_counter()
    print("| file | format | cells | asked | exact | miscited | wrong | refused | facts agree / expected | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    try:
        for i, path in enumerate(table_sources(work)):
            if not any(fnmatch.fnmatch(path.name, pattern) for pattern in args.files):
                continue
            settings = Settings(index_dir=work / f"index-{i}")
            report = run_file(path, settings, args.sample)
            if not report.cells:
                continue
            reports.append(report)
            v = report.verdicts
            print(
                f"| {report.file} | {report.fmt} | {report.cells} | {report.asked} | {v['exact']} | {v['miscited']} "
                f"| {v['wrong']} | {v['refused']} | {report.facts_agree} / {report.facts_expected} "
                f"| {report.seconds} |",
                flush=True,
            )
            shutil.rmtree(work / f"index-{i}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {
        "max_cells": args.sample,
        "wall_s": round(time.perf_counter() - t0, 1),
        "workbook_100_sheets": perf,
        "formats": summary(reports),
        "files": [r.to_json() for r in reports],
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    print(json.dumps(results["formats"], ensure_ascii=False, indent=1))
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
