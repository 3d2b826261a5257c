"""OCR seconds per page and accuracy, on scans of the 2022 national R&D bulletin.

Run: .venv/bin/python benchmarks/ocr.py [--out benchmarks/results-ocr.json]   (needs /usr/bin/chromium)

Pages: the bulletin's 各地区 table (附表2) and 分行业 table (附表1), each printed by headless
Chromium and rasterized at the DPI ingest renders scans at, and a page of the bulletin's prose.
Per page: wall and CPU seconds of OCR (engine already loaded; the one-off load is reported apart;
the CPU seconds count every thread and tell the cost on a machine busy with other work), and
- for tables: figures right (a figure counts when it is in the right row and column of the grid
  laid out from the page) and label cells right (row names and headers, exactly);
- for prose: characters right (matched characters of the expected text over its length).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.ingest.ocr import DPI, _engine, ocr_page  # noqa: E402
from assistant.ingest.ocr_layout import OcrTable, is_figure  # noqa: E402
from tests.scans import INDUSTRY_TABLE, PARAGRAPH, REGION_TABLE, bulletin_table_html, paragraph_html, print_pages  # noqa: E402


def _table_scores(blocks: list, expected: list[list[str]]) -> dict:
    """Expected data rows found by their label in the laid-out grids; figures and labels compared."""
    rows = {row[0]: row for b in blocks if isinstance(b, OcrTable) for row in b.grid[1:]}
    figures = labels = figures_right = labels_right = 0
    for want in expected[1:]:
        got = rows.get(want[0])
        labels += 1
        labels_right += got is not None
        for j, cell in enumerate(want[1:], start=1):
            if is_figure(cell):
                figures += 1
                figures_right += bool(got) and j < len(got) and got[j] == cell
    return {"figures": figures, "figures_right": figures_right, "labels": labels, "labels_right": labels_right}


def _prose_score(blocks: list, expected: str) -> dict:
    got = "".join(b for b in blocks if isinstance(b, str))
    matched = sum(m.size for m in difflib.SequenceMatcher(None, expected, got, autojunk=False).get_matching_blocks())
    return {"characters": len(expected), "characters_right": matched}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-ocr.json")
    args = parser.parse_args()
    t0 = time.perf_counter()
    _engine()
    load_s = time.perf_counter() - t0
    pages = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs = [
            (name, *bulletin_table_html(table))
            for name, table in (("regions", REGION_TABLE), ("industries", INDUSTRY_TABLE))
        ]
        jobs.append(("prose", paragraph_html(), PARAGRAPH))
        for name, html, expected in jobs:
            images = print_pages(html, folder, name)
            blocks, seconds, cpu = [], [], []
            for i, image in enumerate(images, start=1):
                t, c = time.perf_counter(), time.process_time()
                blocks += ocr_page(image, f"{name} page {i}")
                seconds.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            score = _prose_score(blocks, expected) if isinstance(expected, str) else _table_scores(blocks, expected)
            pages.append(
                {
                    "name": name,
                    "pages": len(images),
                    "size": list(images[0].size),
                    "seconds": [round(s, 2) for s in seconds],
                    "cpu_seconds": [round(s, 2) for s in cpu],
                }
                | score
            )
            print(json.dumps(pages[-1], ensure_ascii=False), flush=True)
    total_pages = sum(p["pages"] for p in pages)
    total_s = sum(sum(p["seconds"]) for p in pages)
    total_cpu = sum(sum(p["cpu_seconds"]) for p in pages)
    result = {
        "dpi": DPI,
        "engine_load_s": round(load_s, 2),
        "pages": pages,
        "seconds_per_page": round(total_s / total_pages, 2),
        "cpu_seconds_per_page": round(
            total_cpu / total_pages, 2
        ),  # all threads; the wall time is this over the free cores
        "figures_right": f"{sum(p.get('figures_right', 0) for p in pages)}/{sum(p.get('figures', 0) for p in pages)}",
        "labels_right": f"{sum(p.get('labels_right', 0) for p in pages)}/{sum(p.get('labels', 0) for p in pages)}",
        "characters_right": (
            f"{sum(p.get('characters_right', 0) for p in pages)}/{sum(p.get('characters', 0) for p in pages)}"
        ),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "pages"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
