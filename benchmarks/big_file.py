"""The campaign file: the full ingest of a generated 30 MB text file — wall time, peak
memory, chunks/s — and, with --interrupt-after, how long Ctrl-C takes to stop it.

Run: .venv/bin/python benchmarks/big_file.py [--mb 30] [--interrupt-after S] [--out benchmarks/results-big-file.json]

The file is tests/heavy_files.py's (one report paragraph repeated: identical chunks are embedded
once, so the run measures chunking, batching and Chroma writes, not the model). `python -m
assistant ingest` runs as a child process into a fresh index; its peak RSS is the kernel's
(getrusage of the children), its chunk count what `list --json` reports afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from heavy_files import write_repeated  # noqa: E402


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=30)
    parser.add_argument("--interrupt-after", type=float, metavar="S", help="send SIGINT S seconds after the start")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-big-file.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="big-file-") as tmp:
        work = Path(tmp)
        big = write_repeated(work / "big.txt", args.mb)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ASSISTANT_DATA_DIR": str(work / "data"),
            "ASSISTANT_INDEX_DIR": str(work / "index"),
        }
        started = time.perf_counter()
        run = _cli(env, "ingest", str(big), "-q")
        stopped_after = None
        if args.interrupt_after is not None:
            try:
                run.wait(timeout=args.interrupt_after)
            except subprocess.TimeoutExpired:
                run.send_signal(signal.SIGINT)
                sent = time.perf_counter()
                run.wait()
                stopped_after = time.perf_counter() - sent
        _out, err = run.communicate()
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the ingest's, the only child yet
        listed, _ = _cli(env, "list", "--json").communicate()
        doc = next((json.loads(line) for line in listed.splitlines() if line.strip()), {})
        chunks = int(doc.get("chunks", 0))
        result = {
            "file_mb": round(big.stat().st_size / 1024 / 1024, 1),
            "exit_code": run.returncode,
            "status": doc.get("status"),
            "chunks_written": chunks,
            "seconds": round(seconds, 1),
            "chunks_per_s": round(chunks / seconds, 1),
            "peak_rss_mb": round(peak_mb),
            "load_average_at_end": round(os.getloadavg()[0], 1),
            "last_line": err.strip().splitlines()[-1:] or [""],
        }
        if stopped_after is not None:
            result["sigint_to_exit_s"] = round(stopped_after, 1)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
