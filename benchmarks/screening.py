"""Instruction screening cost against text length: it must grow linearly.

The campaign's inputs: a one-line file without any sentence end (the worst case of the old
screener, which searched back to the start for every anchor: 19.8 s at 1M characters) and
ordinary report text with many anchors (AI, 系统, 用户 …), at 1 to 50 MB. For each, the seconds
per MB should stay flat; results-screening.json keeps the figures.

    .venv/bin/python benchmarks/screening.py [--max-mb 50]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from assistant.ingest.injection import load_patterns, screen

LINE = "2020年全市新认定国家高新技术企业86家，AI产业系统集成用户规模增长12.5%，you and the system "


def _texts(megabytes: float) -> dict[str, str]:
    chars = int(megabytes * (1 << 20) / 3)  # ~3 UTF-8 bytes per character of this text
    body = (LINE * (chars // len(LINE) + 1))[:chars]
    return {"one-line": body, "lines": body.replace("，you", "\nyou").replace("。", "。\n")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-mb", type=float, default=50.0)
    args = parser.parse_args()
    patterns = load_patterns()
    rows = []
    for megabytes in [m for m in (1, 5, 10, 25, 50) if m <= args.max_mb]:
        for kind, text in _texts(megabytes).items():
            t0 = time.process_time()
            screened = screen(text, patterns)
            seconds = time.process_time() - t0
            rows.append(
                {
                    "kind": kind,
                    "mb": megabytes,
                    "chars": len(text),
                    "cpu_s": round(seconds, 2),
                    "s_per_mb": round(seconds / megabytes, 3),
                    "flagged": len(screened.flagged),
                }
            )
            print(rows[-1], flush=True)
    out = Path(__file__).with_name("results-screening.json")
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
