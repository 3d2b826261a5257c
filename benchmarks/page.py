"""First paint of the page: seconds from `python app.py` starting until the title is visible in
headless Chromium (Debian's, driven by Playwright), over an existing index. Repeated starts, each
with a cold browser cache (a new port is a new origin). ``listening`` is when the port opened;
the rest is the browser loading Gradio's frontend and rendering the page.

``--busy-cores N`` keeps N cores spinning in other processes meanwhile, to see what a machine that
is doing something else gives. Results go to stdout and benchmarks/out/page.json.

Run: .venv/bin/python benchmarks/page.py [--runs 10] [--busy-cores 1]
     (needs /usr/bin/chromium and an index: make ingest)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from scans import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_paint(
    browser: object, script: str = "app.py", backend: str = "extractive", wait_for: str | None = None
) -> tuple[float, ...]:
    """(seconds until the port accepts connections, seconds until the title is visible), and with
    ``wait_for`` the seconds until that selector is visible too (the local model's ready line)."""
    port = _free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_PORT": str(port),
        "ASSISTANT_ANSWER__BACKEND": backend,
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    page = browser.new_page()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, script], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() - started > 60:
                    raise SystemExit("app.py did not start") from exc
                time.sleep(0.02)
        listening = time.monotonic() - started
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
        page.locator("#app-title h1").wait_for(state="visible", timeout=60_000)
        painted = time.monotonic() - started
        if wait_for is None:
            return listening, painted
        page.locator(wait_for).wait_for(state="visible", timeout=600_000)
        return listening, painted, time.monotonic() - started
    finally:
        page.close()
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--script", default="app.py", help="the page to start (default app.py)")
    parser.add_argument("--busy-cores", type=int, default=0, help="cores kept busy by other processes meanwhile")
    args = parser.parse_args()
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy_cores)]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            runs = [first_paint(browser, args.script) for _ in range(args.runs)]
            browser.close()
    finally:
        for spinner in spinners:
            spinner.kill()
    listening = [r[0] for r in runs]
    times = [r[1] for r in runs]
    result = {
        "runs": args.runs,
        "busy_cores": args.busy_cores,
        "cpus": os.cpu_count(),
        "first_paint_s": [round(t, 2) for t in times],
        "median_s": round(statistics.median(times), 2),
        "max_s": round(max(times), 2),
        "listening_median_s": round(statistics.median(listening), 2),
    }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "page.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
