"""The commands over the document collection: ``ingest``, ``remove``, ``list`` and ``facts``."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from assistant import api
from assistant.cli.parser import settings_from
from assistant.errors import AssistantError


def cmd_ingest(args: argparse.Namespace) -> int:
    run = api.rebuild if args.rebuild else api.ingest
    report = run(settings_from(args), args.paths or None, progress=not args.quiet)
    t = report.timings
    print(
        f"documents: {report.documents} indexed, {report.skipped} unchanged, {len(report.failed)} failed; "
        f"chunks: {report.chunks}; {report.seconds:.1f} s "
        f"(parse {t['parse']:.2f}, clean+chunk {t['clean']:.2f}, embed {t['embed']:.2f}, write {t['write']:.2f}, "
        f"bm25 {t['lexical']:.2f}, facts {t['facts']:.2f})",
        file=sys.stderr,
    )
    for name in report.hidden:
        print(
            f"hidden: {name} was not indexed (its name starts with '.'); rename it or name the file itself to index it",
            file=sys.stderr,
        )
    for name, count in report.suspicious:
        print(
            f"suspicious: {name} holds {count} sentence(s) addressed to a reader or a model; they are kept out of "
            "answers and prompts",
            file=sys.stderr,
        )
    for name, other in report.replaced:
        print(
            f"replaced: {name} was indexed from {other}; the newer file under one path replaces the older "
            "(documents are known by their path below the folder ingested); move or rename one to keep both",
            file=sys.stderr,
        )
    for name, older, newer in report.kept:
        print(
            f"kept: {name} from {newer}, newer than {older}, which was not indexed; move or rename one to keep both",
            file=sys.stderr,
        )
    for old, new in report.renamed:
        print(f"renamed: {old} is now listed as {new} (documents are known by their folder too)", file=sys.stderr)
    for name, warning in report.warnings:
        print(f"warning: {name}: {warning}", file=sys.stderr)
    for name, reason in report.failed:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_remove(args: argparse.Namespace) -> int:
    removed = api.remove(settings_from(args), args.document)
    if removed is None:
        raise AssistantError(f"{args.document} is not in the index (see `python -m assistant list`)")
    print(f"removed {args.document} ({removed} chunks)", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    for doc in api.list_documents(settings_from(args)):
        if args.json:
            print(json.dumps(doc, ensure_ascii=False))
        else:
            flags = (
                ["INCOMPLETE (interrupted; not searchable until `ingest` is run again)"]
                if doc["status"] != "complete"
                else []
            ) + (
                [f"SUSPICIOUS: {doc['suspicious']} instruction(s) to a reader or model, kept out of answers"]
                if doc.get("suspicious")
                else []
            )
            print(
                "\t".join(
                    [doc["source"], doc.get("title", ""), *_inferred(doc), f"{doc.get('chunks', 0)} chunks", *flags]
                )
            )
    return 0


def _inferred(doc: dict[str, Any]) -> list[str]:
    """Region (level), years (issued), type and issuer, each with where it came from when it was
    inferred; where the file name says otherwise than the text, what it says, beside (the text wins)."""

    def said(value: str, field: str) -> str:
        source = doc.get(f"{field}_source", "")
        return f"{value or '-'} [{source}]" if source and source != "manifest" else value or "-"  # "- [not stated]"

    def file_name(value: Any) -> str:
        return f" (file name: {value})" if value else ""

    years = ",".join(map(str, doc.get("years", []))) if isinstance(doc.get("years"), list) else ""
    issued = f" (issued {doc['issued_year']})" if doc.get("issued_year") else ""
    region = f"{doc.get('region', '')}（{doc['level']}）" if doc.get("level") else doc.get("region", "")
    named_years = ",".join(map(str, doc.get("file_name_years") or []))
    return [
        said(region, "region") + file_name(doc.get("file_name_region")),
        said(years, "years") + issued + file_name(named_years),
        said(doc.get("doc_type", ""), "doc_type"),
        said(doc.get("issuer", ""), "issuer"),
    ]


def cmd_facts(args: argparse.Namespace) -> int:
    from assistant.facts.store import open_facts
    from assistant.facts.table import FIELDS, as_row

    store = open_facts(settings_from(args))
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
