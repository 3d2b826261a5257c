"""``python -m assistant``: a thin shell over the package's public functions.

Each subcommand calls the same function the page calls; this module only parses flags and
prints. User-facing errors (:class:`AssistantError`) are printed as one line and exit with their
class's code (:data:`assistant.errors.EXIT_CODES`, listed in ``--help``); set
``ASSISTANT_RAISE_ERRORS=1`` for their traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from assistant import api
from assistant.answer import backends
from assistant.errors import EXIT_CODES, AssistantError, LLMUnavailable
from assistant.evaluate.run import GATED_METRICS
from assistant.settings import Settings, get_settings

EPILOG = """
examples:
  python -m assistant ingest                       # index knowledge/ (unchanged files are skipped)
  python -m assistant ingest ~/reports/*.pdf       # add your own files
  python -m assistant search 泰兴市2020年新认定高企多少家
  python -m assistant search 研发经费占GDP比重 --region 浙江 --json
  python -m assistant search --questions eval/gold.jsonl > results.jsonl
  python -m assistant remove 000_ed9fd284b80e42d9.txt
  python -m assistant ask 泰兴市2020年新认定国家高企多少家 --backend extractive --json
  python -m assistant draft 泰兴市2020年高新技术企业培育成效
  python -m assistant facts --indicator 研发经费投入强度 --year 2022 --csv

backends: openai (OPENAI_API_KEY, OPENAI_BASE_URL, ASSISTANT_ANSWER__OPENAI_MODEL), local (llama.cpp,
the bundled Qwen2.5-Coder-1.5B GGUF; the default without an API key), extractive (no LLM).
settings: ASSISTANT_* environment variables or .env (see assistant/settings.py);
CHROMA_HOST/CHROMA_PORT switch from the embedded index to a `chroma run` server.

exit codes:
""" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items()) + "\n"


def _add_index_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, metavar="DIR", help="index folder (default: .data/index, or ASSISTANT_INDEX_DIR)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Answer questions about science-and-technology bureau reports and policies, with sources.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index files or folders (default: knowledge/)",
                       description="Read, clean, chunk and index documents (.txt .md .html .pdf .docx; "
                       "UTF-8, GB18030/GBK or Big5). Unchanged files are skipped; changed ones replaced. "
                       "Unreadable files are reported and skipped; the exit code is 1 if any failed.")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: knowledge/)")
    _add_index_flag(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--max-mb", type=float, metavar="MB",
                   help="refuse files larger than this (default 64, or ASSISTANT_INGEST__MAX_FILE_MB)")

    p = sub.add_parser("remove", help="delete a document from the index", description="Delete a document and its chunks.")
    p.add_argument("document", metavar="DOC", help="the document's file name, as shown by `list`")
    _add_index_flag(p)

    p = sub.add_parser("list", help="list indexed documents with metadata and chunk counts")
    _add_index_flag(p)
    p.add_argument("--json", action="store_true", help="one JSON object per document")

    p = sub.add_parser("search", help="find the passages that answer a question",
                       description="Hybrid search (BM25 over jieba tokens + dense e5) over the index.")
    p.add_argument("question", nargs="?", help="the question (Simplified or Traditional Chinese)")
    p.add_argument("-k", type=int, default=None, help="number of passages (default 5)")
    _add_index_flag(p)
    p.add_argument("--json", action="store_true", help="print JSON (always on with --questions)")
    p.add_argument("--questions", type=Path, metavar="FILE.jsonl", help='batch: one {"q": ...} per line → one JSON line per question, in order')
    p.add_argument("--region", help="only this region (a part of the name is enough: 泰兴)")
    p.add_argument("--year", type=int, help="only documents covering this year")
    p.add_argument("--doc", metavar="FILE", help="only this document (file name)")
    p.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid", help="ranking (default hybrid)")
    backend_help = f"{' | '.join(backends.NAMES)} (default: the settings' answer.backend; auto: an API model with a key, else the embedded one)"
    p = sub.add_parser("ask", help="answer a question with cited, verified figures",
                       description="Answer from the indexed documents only; every figure is checked against the passage "
                       "its sentence cites, and unverified ones are marked. Says so when the documents have no answer.")
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--backend", choices=backends.NAMES, help=backend_help)
    _add_index_flag(p)
    p.add_argument("--json", action="store_true", help="print the answer as JSON (always on with --questions)")
    p.add_argument("--questions", type=Path, metavar="FILE.jsonl",
                   help='batch: one {"q": ..., "history": [...]} per line → one JSON line per question, in order')
    p.add_argument("--region", help="only this region")
    p.add_argument("--year", type=int, help="only documents covering this year")
    p.add_argument("--doc", metavar="FILE", help="only this document")

    p = sub.add_parser("draft", help="draft a 150–300 character report paragraph with cited figures",
                       description="Write a paragraph for a report on TOPIC from the indexed documents, every figure cited "
                       "and verified, followed by the reference list.")
    p.add_argument("topic", help="what the paragraph is about, e.g. 泰兴市2020年高新技术企业培育成效")
    p.add_argument("--backend", choices=backends.NAMES, help=backend_help)
    p.add_argument("--style", choices=["总结", "对比", "简报"],
                   help="总结 results paragraph, 对比 comparison, 简报 brief bullet list (default: from the topic, else 总结)")
    p.add_argument("--chars", type=int, metavar="N", help="at most N characters, at least N/2 (default 300)")
    p.add_argument("--drop", nargs="+", metavar="KEY", default=[], help="leave out these plan facts (keys from --json)")
    p.add_argument("--plan", action="store_true", help="also print the plan: the facts chosen, in rank order, and why")
    _add_index_flag(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("facts", help="list indicator facts (figures bound to indicator, region and year)",
                       description="Rows of the fact table extracted from the indexed tables and sentences. --indicator "
                       "matches any synonym the indicator lexicon knows (研发经费 finds R&D经费), else a part of its name.")
    p.add_argument("--indicator", metavar="TEXT", help="indicator, e.g. R&D经费投入强度 or 发明专利授权量")
    p.add_argument("--region", metavar="R", help="region (a part of the name is enough: 北京, 钟楼)")
    p.add_argument("--year", type=int, metavar="Y", help="year the figure is for")
    _add_index_flag(p)
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="one JSON object per line")
    shape.add_argument("--csv", action="store_true", help="CSV with a header row")

    p = sub.add_parser("eval", help="score a backend on the gold question set (exit 1 when a gate is missed)",
                       description="Answer every gold question, compute retrieval, figure, grounding, citation, refusal, "
                       "drafting and latency metrics, write report.json/.md/.html, and gate them with eval/thresholds.toml.")
    p.add_argument("--backend", choices=backends.NAMES, default=backends.FALLBACK, help=f"default {backends.FALLBACK}")
    p.add_argument("--gold", type=Path, help="gold set (default eval/gold.jsonl)")
    p.add_argument("--out", type=Path, default=Path("eval/out"), help="report folder (default eval/out/<backend>)")
    _add_index_flag(p)
    p.add_argument("--limit", type=int, help="only the first N selected items (a quick smoke evaluation)")
    p.add_argument("--kinds", nargs="+", metavar="KIND", help="only these kinds (figure, unanswerable, …)")
    p.add_argument("--sample", type=int, metavar="N", help="N items spread evenly over the selection (a smoke evaluation)")
    p.add_argument("--thresholds", type=Path, help="thresholds file (default eval/thresholds.toml)")
    p.add_argument("--no-cache", action="store_true",
                   help="generate every completion afresh (by default they are cached on disk, which makes a re-run "
                        "fast but its latency figures those of the cache)")
    p.add_argument("--no-gates", action="store_true", help="report only; always exit 0")
    for metric in GATED_METRICS:
        for bound in ("min", "max"):
            p.add_argument(f"--{bound}-{metric.replace('_', '-')}", type=float, metavar="X", dest=f"{bound}_{metric}",
                           help=argparse.SUPPRESS if bound == "max" and metric != "false_refusal" else None)
    sub.add_parser("doctor", help="check this machine: versions, CPU, llama.cpp build, model, index, endpoints",
                   description="Check Python and package versions, CPU features, the llama.cpp build against this CPU, "
                   "the model file's SHA-256, a short generation in the model server (tokens/s), the index, the "
                   "embedder and any configured OpenAI-compatible endpoint. Exit 1 if a check fails, with what to do.")
    sub.add_parser("model", help="assemble and verify the bundled local model (once; a progress bar on a terminal)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = get_settings(index_dir=getattr(args, "index", None))
    if getattr(args, "max_mb", None) is not None:
        settings.ingest.max_file_mb = args.max_mb
    return settings


def cmd_ingest(args: argparse.Namespace) -> int:
    report = api.ingest(_settings(args), args.paths or None, progress=not args.quiet)
    t = report.timings
    print(
        f"documents: {report.documents} indexed, {report.skipped} unchanged, {len(report.failed)} failed; "
        f"chunks: {report.chunks}; {report.seconds:.1f} s "
        f"(parse {t['parse']:.2f}, clean+chunk {t['clean']:.2f}, embed {t['embed']:.2f}, write {t['write']:.2f}, bm25 {t['lexical']:.2f}, facts {t['facts']:.2f})",
        file=sys.stderr,
    )
    for name in report.hidden:
        print(f"hidden: {name} was not indexed (its name starts with '.'); rename it or name the file itself to index it",
              file=sys.stderr)
    for name, count in report.suspicious:
        print(f"suspicious: {name} holds {count} sentence(s) addressed to a reader or a model; they are kept out of "
              "answers and prompts", file=sys.stderr)
    for name, other in report.replaced:
        print(f"replaced: {name} was indexed from {other}; documents are known by file name, rename one to keep both",
              file=sys.stderr)
    for name, warning in report.warnings:
        print(f"warning: {name}: {warning}", file=sys.stderr)
    for name, reason in report.failed:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    removed = api.remove(_settings(args), args.document)
    if removed is None:
        raise AssistantError(f"{args.document} is not in the index (see `python -m assistant list`)")
    print(f"removed {args.document} ({removed} chunks)", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    for doc in api.list_documents(_settings(args)):
        if args.json:
            print(json.dumps(doc, ensure_ascii=False))
        else:
            flags = (["INCOMPLETE (interrupted; not searchable until `ingest` is run again)"] if doc["status"] != "complete" else []) + (
                [f"SUSPICIOUS: {doc['suspicious']} instruction(s) to a reader or model, kept out of answers"]
                if doc.get("suspicious") else [])
            print("\t".join([doc["source"], doc.get("title", ""), *_inferred(doc), f"{doc.get('chunks', 0)} chunks", *flags]))
    return 0


def _inferred(doc: dict[str, Any]) -> list[str]:
    """Region (level), years (issued) and type, each with where it came from when it was inferred."""
    def said(value: str, field: str) -> str:
        source = doc.get(f"{field}_source", "")
        return f"{value or '-'} [{source}]" if source and source != "manifest" else value or "-"  # "- [not stated]"

    years = ",".join(map(str, doc.get("years", []))) if isinstance(doc.get("years"), list) else ""
    issued = f" (issued {doc['issued_year']})" if doc.get("issued_year") else ""
    region = f"{doc.get('region', '')}（{doc['level']}）" if doc.get("level") else doc.get("region", "")
    return [said(region, "region"), said(years, "years") + issued, said(doc.get("doc_type", ""), "doc_type")]


def _read_items(path: Path) -> list[dict[str, Any]]:
    """Batch input: one JSON object per line with the question under "q" (or "question")."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            items.append({**item, "q": str(item["q"] if "q" in item else item["question"])})
        except (ValueError, KeyError, TypeError) as exc:
            raise AssistantError(f"{path}:{n}: expected a JSON object with key \"q\" ({exc})") from exc
    return items


def cmd_search(args: argparse.Namespace) -> int:
    if not args.question and not args.questions:
        raise AssistantError("give a QUESTION or --questions FILE.jsonl")
    retriever = api.open_retriever(_settings(args))
    filters = api.filters(args.region, args.year, args.doc)

    def run(question: str) -> dict[str, Any]:
        results = retriever.search(question, k=args.k, filters=filters, mode=args.mode)
        return {"question": question, "results": [r.to_json() for r in results]}

    if args.questions:
        for item in _read_items(args.questions):
            print(json.dumps(run(item["q"]), ensure_ascii=False), flush=True)
        return 0
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
    return api.open_answerer(_settings(args), backend=args.backend)


def cmd_ask(args: argparse.Namespace) -> int:
    if not args.question and not args.questions:
        raise AssistantError("give a QUESTION or --questions FILE.jsonl")
    answerer = _answerer(args)
    filters = api.filters(args.region, args.year, args.doc)
    if args.questions:
        lost = ""
        for item in _read_items(args.questions):
            answer = answerer.ask(item["q"], history=item.get("history"), filters=filters)
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
            lost = lost or answer.unreachable
        return _lost_llm(lost)
    answer = answerer.ask(args.question, filters=filters)
    _print_answer(answer, args.json)
    return _lost_llm(answer.unreachable)


def cmd_draft(args: argparse.Namespace) -> int:
    draft = _answerer(args).draft(args.topic, style=args.style, chars=args.chars, drop=frozenset(args.drop))
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


def cmd_facts(args: argparse.Namespace) -> int:
    from assistant.facts.store import open_facts
    from assistant.facts.table import FIELDS, as_row

    store = open_facts(_settings(args))
    facts = store.query(args.indicator, args.region, args.year)
    if args.json:
        for fact in facts:
            print(json.dumps(fact.to_json(), ensure_ascii=False))
    elif args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(FIELDS)
        writer.writerows(as_row(f) for f in facts)
    else:
        for f in facts:
            when = f"{f.year or '?'}{f.period and ' ' + f.period}"
            label = f"{f.indicator}{f.qualifier and '·' + f.qualifier}{f.subject and '（' + f.subject + '）'}"
            print(f"{label}\t{f.region or '—'}\t{when}\t{f.value:g}{f.unit}\t{f.source}")
        if not facts:
            print("no facts match (is the index empty? run `python -m assistant ingest`)", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluate.report import write_report
    from assistant.evaluate.run import DEFAULT_THRESHOLDS, load_thresholds

    thresholds = {} if args.no_gates else load_thresholds(args.thresholds or DEFAULT_THRESHOLDS, args.backend)
    thresholds |= {f"{b}_{m}": getattr(args, f"{b}_{m}") for m in GATED_METRICS for b in ("min", "max") if getattr(args, f"{b}_{m}") is not None}
    report = api.evaluate(_settings(args), args.backend, args.limit, gold=args.gold, thresholds=thresholds, kinds=args.kinds,
                          sample=args.sample, cache=not args.no_cache, progress=True)
    paths = write_report(report, args.out / args.backend)
    for name, value in report["metrics"].items():
        gate = report["gates"].get(name)
        mark = "" if gate is None else ("  ok" if gate["ok"] else f"  FAILED ({gate['rule']})")
        print(f"{name:28} {value}{mark}")
    print(f"report: {', '.join(map(str, paths))}", file=sys.stderr)
    if not report["passed"]:
        print("evaluation gates missed: " + ", ".join(k for k, g in report["gates"].items() if not g["ok"]), file=sys.stderr)
    return 0 if report["passed"] else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    from assistant.doctor import run_checks

    def report(check: Any) -> None:
        print(f"{'ok  ' if check.ok else 'FAIL'}  {check.name:16} {check.detail}", flush=True)
        if not check.ok:
            print(f"      {'':16} → {check.fix}", flush=True)

    failed = [c.name for c in run_checks(_settings(args), report) if not c.ok]
    if failed:
        print(f"doctor: {len(failed)} check(s) failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def cmd_model(args: argparse.Namespace) -> int:
    from assistant.answer.local_model import ensure_model

    settings = _settings(args)
    path = ensure_model(settings.model_cache_dir, settings.answer.local_model_path)
    checked = "configured, not hash-checked" if settings.answer.local_model_path else "SHA-256 verified"
    print(f"local model: {path} ({path.stat().st_size / 1e9:.2f} GB, {checked})", file=sys.stderr)
    return 0


COMMANDS = {"doctor": cmd_doctor, "model": cmd_model, "eval": cmd_eval, "facts": cmd_facts, "ingest": cmd_ingest, "remove": cmd_remove, "list": cmd_list, "search": cmd_search, "ask": cmd_ask, "draft": cmd_draft}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except AssistantError as exc:
        if os.environ.get("ASSISTANT_RAISE_ERRORS"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        print(f"interrupted: {exc or 'the index is consistent; run the same command again to finish'}", file=sys.stderr)
        return 130
