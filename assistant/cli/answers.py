"""The commands that answer from the index: ``search``, ``ask`` and ``draft``, one question or a batch."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assistant import api
from assistant.cli.parser import settings_from
from assistant.draft.writer import write_draft
from assistant.errors import AssistantError, LLMUnavailable
from assistant.questions import printable, read_question


def _read_items(path: Path) -> Iterator[dict[str, Any]]:
    """Batch input: one JSON object per line with the question under "q" (or "question"). A line
    that is no such object comes back as {"line": n, "error": …}: it costs that line, not the batch."""
    try:
        lines = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError as exc:
        raise AssistantError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            yield {**item, "q": str(item["q"] if "q" in item else item["question"]), "line": n}
        except (ValueError, KeyError, TypeError) as exc:
            yield {"line": n, "error": f'{path}:{n}: expected a JSON object with key "q" ({exc})'}


def _batch(path: Path, run: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    """One JSON line per question, in order; a question that cannot be asked prints its error
    line and the batch goes on (exit code 2, an input error, if any could not be asked)."""
    failed = 0
    for item in _read_items(path):
        try:
            if "error" in item:
                raise AssistantError(item["error"])
            out = run(item)
        except AssistantError as exc:
            failed += 1
            out = {"line": item["line"], "q": item.get("q", ""), "error": str(exc)}
            print(f"error: line {item['line']}: {printable(str(exc))}", file=sys.stderr)
        print(printable(json.dumps(out, ensure_ascii=False)), flush=True)
    return AssistantError.exit_code if failed else 0


def cmd_search(args: argparse.Namespace) -> int:
    if not args.question and not args.questions:
        raise AssistantError("give a QUESTION or --questions FILE.jsonl")
    retriever = api.open_retriever(settings_from(args))
    filters = api.filters(args.region, args.year, args.doc)

    def run(question: str) -> dict[str, Any]:
        asked = read_question(question, retriever.settings.answer.max_question_chars)
        results = retriever.search(asked, k=args.k, filters=filters, mode=args.mode)
        return {"question": question, "results": [r.to_json() for r in results]}

    if args.questions:
        return _batch(args.questions, lambda item: run(item["q"]))
    out = run(args.question)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        if not out["results"]:
            print("no passages found (is the index empty? run `python -m assistant ingest`)")
        for r in out["results"]:
            print(f"[{r['rank']}] {r['source']} · {r['region']} · {r['section'] or '—'}  (score {r['score']})")
            print(f"    {r['text']}\n")
    return 0


def _print_answer(answer: Any, as_json: bool) -> None:
    """JSON (the ``ask --json`` contract), or the answer, any notice and the reference list."""
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    print(answer.answer)
    if answer.notice:
        print(f"\n注意：{answer.notice}")
    if answer.citations:
        print("\n参考资料：")
        for c in answer.citations:
            print(f"[{c.n}] 《{c.title}》（{c.region}）{c.source} · {c.section or '—'}")
    print(f"\n({answer.backend}, {answer.timings['total_ms'] / 1000:.1f} s)", file=sys.stderr)


def _answerer(args: argparse.Namespace) -> Any:
    return api.open_answerer(settings_from(args), backend=args.backend)


def cmd_ask(args: argparse.Namespace) -> int:
    if not args.question and not args.questions:
        raise AssistantError("give a QUESTION or --questions FILE.jsonl")
    answerer = _answerer(args)
    filters = api.filters(args.region, args.year, args.doc)
    if args.questions:
        lost: list[str] = []

        def run(item: dict[str, Any]) -> dict[str, Any]:
            answer = answerer.ask(item["q"], history=item.get("history"), filters=filters)
            lost.append(answer.unreachable)
            return answer.to_json()

        failed = _batch(args.questions, run)
        return _lost_llm(next((u for u in lost if u), "")) or failed
    answer = answerer.ask(args.question, filters=filters)
    _print_answer(answer, args.json)
    return _lost_llm(answer.unreachable)


def cmd_draft(args: argparse.Namespace) -> int:
    draft = write_draft(_answerer(args), args.topic, style=args.style, chars=args.chars, drop=frozenset(args.drop))
    _print_answer(draft, args.json)
    if args.plan and not args.json:
        print("\n写作计划（按重要性）：")
        for item in draft.to_json()["plan"]:
            print(f"[{item['n']}] {item['role']:<10} {item['value']:<16} {item['why']}  ({item['key']})")
    return _lost_llm(draft.unreachable)


def _lost_llm(unreachable: str) -> int:
    """The answer was printed (from the sources); say in one line that the LLM was lost, and exit non-zero."""
    if not unreachable:
        return 0
    print(f"error: {unreachable}; answered from the sources instead", file=sys.stderr)
    return LLMUnavailable.exit_code
