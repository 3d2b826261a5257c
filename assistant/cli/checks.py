"""The commands that check the product rather than use it: ``eval``, ``doctor`` and ``model``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from assistant import api
from assistant.cli.parser import settings_from
from assistant.evaluate.run import GATED_METRICS


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluate.report import write_report
    from assistant.evaluate.run import DEFAULT_THRESHOLDS, load_thresholds

    thresholds = {} if args.no_gates else load_thresholds(args.thresholds or DEFAULT_THRESHOLDS, args.backend)
    thresholds |= {
        f"{b}_{m}": getattr(args, f"{b}_{m}")
        for m in GATED_METRICS
        for b in ("min", "max")
        if getattr(args, f"{b}_{m}") is not None
    }
    report = api.evaluate(
        settings_from(args),
        args.backend,
        args.limit,
        gold=args.gold,
        thresholds=thresholds,
        kinds=args.kinds,
        sample=args.sample,
        cache=not args.no_cache,
        progress=True,
    )
    paths = write_report(report, args.out / args.backend)
    for name, value in report["metrics"].items():
        gate = report["gates"].get(name)
        mark = "" if gate is None else ("  ok" if gate["ok"] else f"  FAILED ({gate['rule']})")
        print(f"{name:28} {value}{mark}")
    print(f"report: {', '.join(map(str, paths))}", file=sys.stderr)
    if not report["passed"]:
        print(
            "evaluation gates missed: " + ", ".join(k for k, g in report["gates"].items() if not g["ok"]),
            file=sys.stderr,
        )
    return 0 if report["passed"] else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    from assistant.doctor import run_checks

    def report(check: Any) -> None:
        print(f"{'ok  ' if check.ok else 'FAIL'}  {check.name:16} {check.detail}", flush=True)
        if not check.ok:
            print(f"      {'':16} → {check.fix}", flush=True)

    failed = [c.name for c in run_checks(settings_from(args), report) if not c.ok]
    if failed:
        print(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def cmd_model(args: argparse.Namespace) -> int:
    from assistant.localmodel.model_file import ensure_model

    settings = settings_from(args)
    path = ensure_model(settings.model_cache_dir, settings.answer.local_model_path)
    checked = "configured, not hash-checked" if settings.answer.local_model_path else "SHA-256 verified"
    print(f"local model: {path} ({path.stat().st_size / 1e9:.2f} GB, {checked})", file=sys.stderr)
    return 0
