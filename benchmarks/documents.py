"""Real-document ingest: the bulletins and policies, a 500-row workbook, a 100,000-row CSV.

Run: .venv/bin/python benchmarks/documents.py [--out benchmarks/out]

Each stage runs in its own process (peak resident memory belongs to one job), cold: an empty
embedding cache, so ingest time includes the model.
1. the five files of ../shared/corpora/bulletins-policies (three NBS bulletins with their tables,
   two policies), ingested; seconds, chunks, table rows, time split;
2. a 500-row XLSX (one sheet, a merged title, a header with units), ingested;
3. a 100,000-row CSV read and laid out into records (no embedding: that is the embedder's
   throughput times 100,001), seconds and peak RSS;
4. read + clean + chunk of the seed corpus (knowledge/), the stages this work changed, without the
   embedding that dominates its ingest.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import _peak_rss_mb, stage_ingest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BULLETINS = ROOT.parent / "shared" / "corpora" / "bulletins-policies"


def write_xlsx(path: Path, rows: int) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "企业研发"
    sheet.append(["2023年规模以上工业企业研发活动情况"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    sheet.append(["企业", "R&D经费（万元）", "R&D人员（人）", "R&D经费投入强度（%）"])
    for i in range(rows):
        sheet.append([f"企业{i:04d}", round(100 + i * 3.7, 1), 10 + i % 90, round(0.5 + (i % 40) / 10, 2)])
    workbook.save(path)
    return path


def write_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "R&D经费（万元）", "研发人员（人）"])
        writer.writerows([f"企业{i:06d}", f"{i * 1.5:.1f}", str(i % 500)] for i in range(rows))
    return path


def stage_layout(paths: list[str]) -> dict:
    from assistant.ingest.layout import lay_out
    from assistant.ingest.pipeline import discover
    from assistant.ingest.readers import read_blocks
    from assistant.settings import ChunkSettings

    files = discover([Path(p) for p in paths])[0]
    t0 = time.perf_counter()
    chunks = sum(len(lay_out(read_blocks(f), ChunkSettings()).chunks) for f in files)
    seconds = time.perf_counter() - t0
    return {"files": len(files), "chunks": chunks, "seconds": round(seconds, 2), "peak_rss_mb": round(_peak_rss_mb())}


def _child(stage: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--stage", stage, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"stage {stage} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "ingest":
        data, index, *paths = args.rest
        print(json.dumps(stage_ingest(Path(data), Path(index), paths)))
        return
    if args.stage == "layout":
        print(json.dumps(stage_layout(args.rest)))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    results: dict = {}
    if BULLETINS.is_dir():
        folder = work / "bulletins"
        folder.mkdir()
        for path in BULLETINS.glob("*.html"):
            shutil.copy(path, folder / path.name)
        print("bulletins and policies …", file=sys.stderr)
        results["bulletins_policies"] = _child("ingest", str(work / "data1"), str(work / "index1"), str(folder))
    sheets = work / "sheets"
    sheets.mkdir()
    write_xlsx(sheets / "企业研发500.xlsx", 500)
    print("500-row XLSX …", file=sys.stderr)
    results["xlsx_500_rows"] = _child("ingest", str(work / "data2"), str(work / "index2"), str(sheets))
    big = work / "csv"
    big.mkdir()
    write_csv(big / "企业100k.csv", 100_000)
    print("100,000-row CSV (read and lay out) …", file=sys.stderr)
    results["csv_100k_rows_layout"] = _child("layout", str(big))
    print("seed corpus read + clean + chunk …", file=sys.stderr)
    results["seed_layout"] = _child("layout", str(ROOT / "knowledge"))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "documents.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(json.dumps(results, indent=1, ensure_ascii=False))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
