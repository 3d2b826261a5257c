"""Real-document ingest: the bulletins and policies, a 500-row workbook, a 100,000-row CSV.

Run: .venv/bin/python benchmarks/documents.py [--out benchmarks/results-documents.json] [--before REV]
     [--rounds N] [--seed-only]

Each stage runs in its own process (peak resident memory belongs to one job), cold: an empty
embedding cache, so ingest time includes the model.
1. the five files of ../shared/corpora/bulletins-policies (three NBS bulletins with their tables,
   two policies), ingested; seconds, chunks, time split;
2. a 500-row XLSX (one sheet, a merged title, a header with units), ingested;
3. a scanned PDF (the 2022 bulletin's 各地区 table printed by Chromium, pages kept as images only),
   ingested: OCR seconds per page are the parse stage over the pages (needs /usr/bin/chromium);
4. a 100,000-row CSV read and laid out into records (no embedding: that is the embedder's
   throughput times 100,001), seconds and peak RSS;
5. read + clean + chunk of the seed corpus (knowledge/), without the embedding;
6. cold ingest of the seed corpus by this tree and by the tree at --before (the last commit before
   the real-documents work), one after the other on the same machine, --rounds pairs in alternating
   order: the +10 % bar.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import _peak_rss_mb, stage_ingest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BULLETINS = ROOT.parent / "shared" / "corpora" / "bulletins-policies"
BEFORE = "19fd051"  # main just before the first real-documents commit (places.py, adcef85)


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


def write_scan(folder: Path) -> tuple[Path, int] | None:
    """The bulletin's 各地区 table as a scanner would give it (image-only pages); None without Chromium."""
    sys.path.insert(0, str(ROOT))
    from tests.scans import CHROMIUM, REGION_TABLE, bulletin_table_html, image_only_pdf, print_pages

    if not CHROMIUM.exists():
        return None
    images = print_pages(bulletin_table_html(REGION_TABLE)[0], folder.parent, "scan")
    return image_only_pdf(images, folder / "各地区扫描件.pdf"), len(images)


def _child(stage: str, *args: str, tree: Path = ROOT) -> dict:
    """One stage in a fresh process of ``tree``'s code (its own benchmarks/ script, its own package)."""
    script = tree / "benchmarks" / ("documents.py" if stage != "ingest" or tree == ROOT else "pipeline.py")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [sys.executable, str(script), "--stage", stage, *args],
        capture_output=True,
        text=True,
        cwd=tree,
        env=os.environ | {"PYTHONPATH": str(tree)},
    )
    if out.returncode:
        raise SystemExit(f"stage {stage} failed:\n{out.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the stage's process, every thread: on a shared machine the wall time tracks the
    # other jobs, the CPU time much less
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return json.loads(out.stdout.strip().splitlines()[-1]) | {"cpu_s": round(cpu, 1)}


def seed_before_after(work: Path, rev: str, rounds: int) -> dict:
    """Cold seed-corpus ingest by the tree at ``rev`` and by this one, back to back, ``rounds`` times
    in alternating order (the machine's load drifts; the first of a pair must not always pay for it)."""
    before = work / "before"
    before.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
    runs: dict[str, list[dict]] = {"before": [], "now": []}
    for n in range(rounds):
        for side in ("before", "now") if n % 2 == 0 else ("now", "before"):
            print(f"seed corpus ingest, {side} (round {n + 1}) …", file=sys.stderr)
            dirs = (str(work / f"data-{side}-{n}"), str(work / f"index-{side}-{n}"))
            runs[side].append(_child("ingest", *dirs, tree=before if side == "before" else ROOT))
    # the embedding is the same work on both sides (the same 327 texts) but tracks the machine's
    # load; the rest ("besides embedding") is what the code changed
    median = {
        side: {
            "seconds": statistics.median(r["seconds"] for r in rs),
            "cpu_s": statistics.median(r["cpu_s"] for r in rs),
            "besides_embedding_s": round(statistics.median(r["seconds"] - r["split_s"]["embed"] for r in rs), 2),
        }
        for side, rs in runs.items()
    }
    return {
        "rev": rev,
        "rounds": runs,
        "median": median,
        "change": round(median["now"]["seconds"] / median["before"]["seconds"] - 1, 3),
        "change_cpu": round(median["now"]["cpu_s"] / median["before"]["cpu_s"] - 1, 3),
    }


def other_stages(work: Path) -> dict:
    """Stages 1–5: the bulletins and policies, the 500-row XLSX, the scan, the big CSV, the seed layout."""
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
    scans = work / "scans"
    scans.mkdir()
    scan = write_scan(scans)
    if scan:
        print("scanned PDF (OCR) …", file=sys.stderr)
        ocr = _child("ingest", str(work / "data3"), str(work / "index3"), str(scans))
        results["scanned_pdf"] = ocr | {"pages": scan[1], "ocr_s_per_page": round(ocr["split_s"]["parse"] / scan[1], 2)}
    big = work / "csv"
    big.mkdir()
    write_csv(big / "企业100k.csv", 100_000)
    print("100,000-row CSV (read and lay out) …", file=sys.stderr)
    results["csv_100k_rows_layout"] = _child("layout", str(big))
    print("seed corpus read + clean + chunk …", file=sys.stderr)
    results["seed_layout"] = _child("layout", str(ROOT / "knowledge"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results-documents.json",
        help="where the results JSON goes (default: %(default)s)",
    )
    parser.add_argument(
        "--before", default=BEFORE, help="the commit the seed ingest is compared with (default: %(default)s)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="seed ingest pairs, in alternating order (default: 1)")
    parser.add_argument("--seed-only", action="store_true", help="only stage 6, the seed ingest before and now")
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
    results: dict = {"cpus": os.cpu_count(), "load_average_start": [round(x, 1) for x in os.getloadavg()]}
    if not args.seed_only:
        results |= other_stages(work)
    results["seed_ingest"] = seed_before_after(work, args.before, args.rounds)
    results["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=1, ensure_ascii=False))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
