"""Write an evaluation as ``report.json``, ``report.md`` and ``report.html``.

The Markdown is for pull requests and the README: headline metrics, a table per kind, then
every failure with its question, what was expected and what came back. The HTML is the same,
escaped (answers quote documents, and a document may contain markup).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def to_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Evaluation — backend `{report['backend']}`",
        "",
        f"gold: `{report['gold']}` · items: {report['metrics']['items']}",
        "",
    ]
    lines += ["| metric | value | gate | pass |", "|---|---|---|---|"]
    for name, value in report["metrics"].items():
        gate = report["gates"].get(name)
        lines.append(
            f"| {name} | {_fmt(value)} | {gate['rule'] if gate else ''} | "
            f"{('✅' if gate['ok'] else '❌') if gate else ''} |"
        )
    for title, table in (("kind", report["by_kind"]), ("format", report.get("by_format") or {})):
        if not table:
            continue
        lines += [
            "",
            f"## By {title}",
            "",
            f"| {title} | n | correct | accuracy | refused | median total ms |",
            "|---|---|---|---|---|---|",
        ]
        for key, row in table.items():
            lines.append(
                f"| {key} | {row['n']} | {row['correct']} | {_fmt(row['accuracy'])} | {row['refused']} | "
                f"{row['median_total_ms']} |"
            )
    failures = [r for r in report["items"] if not r["ok"]]
    lines += ["", f"## Failures ({len(failures)})", ""]
    for r in failures:
        lines += [
            f"### {r['id']} ({r['kind']})",
            f"- question: {r['question']}",
            f"- expected: {', '.join(r['expected']) or '(a refusal)'}",
            f"- missing: {', '.join(r['missing']) or '—'}",
            f"- got{' (refused)' if r['refused'] else ''}: {r['answer']}",
            "",
        ]
    return "\n".join(lines)


def to_html(report: dict[str, Any]) -> str:
    def row(cells: list[Any], tag: str = "td") -> str:
        return "<tr>" + "".join(f"<{tag}>{html.escape(_fmt(c))}</{tag}>" for c in cells) + "</tr>"

    metrics = "".join(
        row(
            [
                k,
                v,
                (report["gates"].get(k) or {}).get("rule", ""),
                "" if k not in report["gates"] else ("pass" if report["gates"][k]["ok"] else "FAIL"),
            ]
        )
        for k, v in report["metrics"].items()
    )
    kinds = "".join(
        row([k, r["n"], r["correct"], r["accuracy"], r["refused"], r["median_total_ms"]])
        for k, r in report["by_kind"].items()
    )
    failures = "".join(
        row([r["id"], r["kind"], r["question"], ", ".join(r["expected"]) or "(refusal)", r["answer"]])
        for r in report["items"]
        if not r["ok"]
    )
    return f"""<!doctype html><html lang="zh"><meta charset="utf-8">\
<title>Evaluation {html.escape(report["backend"])}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}\
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}</style>
<h1>Evaluation — backend {html.escape(report["backend"])}</h1>
<table>{row(["metric", "value", "gate", "result"], "th")}{metrics}</table>
<h2>By kind</h2><table>{row(["kind", "n", "correct", "accuracy", "refused", "median total ms"], "th")}{kinds}</table>
<h2>Failures</h2><table>{row(["id", "kind", "question", "expected", "got"], "th")}{failures}</table></html>"""


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / "report.html"]
    paths[0].write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    paths[1].write_text(to_markdown(report), encoding="utf-8")
    paths[2].write_text(to_html(report), encoding="utf-8")
    return paths
