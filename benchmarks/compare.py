"""This build against the previous one, in one run: latency and throughput as ratios (new / old).

Run: .venv/bin/python benchmarks/compare.py [--baseline REF | --baseline-results FILE] [--rounds 3] [--save FILE]

By default the previous build is ``HEAD~1`` checked out with ``git worktree add --detach`` in a temporary
folder; both builds run benchmarks/probe.py (ingest of knowledge/ into a fresh index, search and
extractive-answer latency over gold questions, ingest of a document no cache has seen) in separate processes,
interleaved round by round (new, old, old, new, …) so that a busy machine slows both alike; the report
gives each build's median over the rounds and the ratio. ``--baseline-results`` compares against a
file written earlier by ``--save`` instead (no second checkout, but not the same run: the ratio then
carries any change in the machine's load, and the report says so).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOWER_IS_BETTER = (
    "ingest_cached_s",
    "search_ms.p50",
    "search_ms.p95",
    "extractive_answer_ms.p50",
    "extractive_answer_ms.p95",
)
HIGHER_IS_BETTER = ("ingest_uncached_chunks_per_s",)


def _flat(figures: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = float(value)
    return out


def probe(tree: Path, index: Path) -> dict[str, float]:
    """One run of benchmarks/probe.py importing ``tree``'s package, on a fresh index, sharing this
    tree's data folder (embedding cache, model) so that only code differs."""
    env = os.environ | {"PYTHONPATH": str(tree), "ASSISTANT_DATA_DIR": str(ROOT / ".data")}
    args = [
        sys.executable,
        str(ROOT / "benchmarks" / "probe.py"),
        "--index",
        str(index),
        "--knowledge",
        str(ROOT / "knowledge"),
        "--gold",
        str(ROOT / "eval" / "gold.jsonl"),
    ]
    done = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"probe failed in {tree}:\n{done.stderr[-2000:]}")
    return _flat(json.loads(done.stdout.strip().splitlines()[-1]))


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}


def measure(trees: dict[str, Path], rounds: int, scratch: Path) -> dict[str, dict[str, float]]:
    """Each tree's medians over ``rounds`` interleaved runs (order alternating every round)."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for n in range(rounds):
        order = list(trees) if n % 2 == 0 else list(reversed(trees))
        for name in order:
            runs[name].append(probe(trees[name], scratch / f"{name}-{n}"))
            print(f"round {n + 1}/{rounds} {name}: {runs[name][-1]}", file=sys.stderr)
    return {name: _medians(r) for name, r in runs.items()}


def report(new: dict[str, float], old: dict[str, float], baseline: str) -> str:
    """A Markdown table: both builds' figures and new/old, marked where the new build is ≥ 10 % worse."""
    lines = [f"baseline: {baseline}", "", "| metric | this build | baseline | new / old |", "|---|---|---|---|"]
    for key in new:
        if key not in old or not old[key]:
            continue
        ratio = new[key] / old[key]
        worse = ratio > 1.1 if key in LOWER_IS_BETTER else ratio < 1 / 1.1
        lines.append(f"| {key} | {new[key]} | {old[key]} | {ratio:.2f}{' ⚠' if worse else ''} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1", help="git revision of the previous build (default HEAD~1)")
    parser.add_argument("--baseline-results", type=Path, help="compare against figures saved by --save instead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save", type=Path, help="also write this build's figures here (a baseline for later)")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        scratch = Path(tmp)
        if args.baseline_results:
            saved = json.loads(args.baseline_results.read_text())
            new = measure({"new": ROOT}, args.rounds, scratch)["new"]
            old, baseline = (
                saved["figures"],
                f"saved results {args.baseline_results} (commit {saved['commit']}; another run, so load may differ)",
            )
        else:
            old_tree = scratch / "baseline"
            subprocess.run(
                ["git", "worktree", "add", "--detach", "--quiet", str(old_tree), args.baseline], cwd=ROOT, check=True
            )
            try:
                figures = measure({"new": ROOT, "old": old_tree}, args.rounds, scratch)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=False)
            new, old = figures["new"], figures["old"]
            baseline = f"git worktree of {args.baseline} (same run, interleaved, {args.rounds} rounds each)"
    text = report(new, old, baseline)
    print(text)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(text + "\n", encoding="utf-8")
    if args.save:
        args.save.write_text(json.dumps({"commit": commit, "figures": new}, indent=1))


if __name__ == "__main__":
    main()
