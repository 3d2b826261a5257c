"""Score the metadata the product gives each document against ``eval/metadata_truth.jsonl``.

The truth file holds, for every document of ``knowledge/`` and ``../shared/corpora/``, what a reader
of the document writes: region, level, the years reported on, the issuing bodies and the type.
Each document is read exactly as ingest reads it (readers, screening, layout, then the manifest
entry over inference), so the score is the product's, not a test double's. Names are compared by
meaning: a region through the gazetteer (常州市钟楼区 = 钟楼区), levels and issuers through the aliases
of ``assistant/data/metadata.toml`` (县级市 = 区县, 人大常委会 = 人民代表大会常务委员会).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import PROJECT_ROOT, Settings

TRUTH = PROJECT_ROOT / "eval" / "metadata_truth.jsonl"
ROOTS = {"knowledge": PROJECT_ROOT / "knowledge", "corpora": PROJECT_ROOT.parent / "shared" / "corpora"}
FIELDS = ("region", "level", "years", "issuer", "doc_type")


@dataclass
class DocumentScore:
    """One document: the fields that differ as (field, expected, got), or why it could not be read."""

    path: str
    wrong: list[tuple[str, Any, Any]] = field(default_factory=list)
    unreadable: str = ""


def load_truth(path: Path = TRUTH) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def product_metadata(path: Path, settings: Settings | None = None) -> dict[str, Any]:
    """The metadata ingest stores for ``path`` (raises DocumentError when it cannot be read)."""
    from assistant.ingest.injection import screen_document
    from assistant.ingest.layout import lay_out
    from assistant.ingest.manifest import document_meta, load_manifest
    from assistant.ingest.pipeline import bounded_blocks
    from assistant.ingest.readers import read_blocks

    document, _ = screen_document(read_blocks(path))
    display = lay_out(bounded_blocks(document), (settings or Settings()).chunk).display
    return document_meta(path.name, display, load_manifest(path.parent).get(path.name)).model_dump()


def same(field_name: str, expected: Any, got: Any) -> bool:
    """Equal by meaning (see the module docstring)."""
    from assistant.ingest.issuer import vocabulary
    from assistant.language.places import region_of

    vocab = vocabulary()
    if field_name == "region":

        def canon(name: str) -> str:
            place = region_of(name) if name else None
            return place.full_name if place is not None else name

        return canon(expected) == canon(got)
    if field_name == "level":
        return vocab["level_aliases"].get(expected, expected) == vocab["level_aliases"].get(got, got)
    if field_name == "issuer":

        def bodies(text: str) -> set[str]:
            for short, full in vocab["issuer_aliases"].items():
                text = text.replace(short, full)
            return {b for b in text.replace("，", "、").split("、") if b}

        return bodies(expected) == bodies(got)
    if field_name == "years":
        return sorted(expected) == sorted(got or [])
    return expected == got


def score_document(item: dict[str, Any], settings: Settings | None = None) -> DocumentScore:
    """Compare one truth row with what the product gives its document."""
    from assistant.errors import DocumentError

    score = DocumentScore(f"{item['root']}/{item['path']}")
    try:
        meta = product_metadata(ROOTS[item["root"]] / item["path"], settings)
    except DocumentError as exc:
        score.unreadable = exc.reason
        return score
    score.wrong = [(f, item[f], meta.get(f)) for f in FIELDS if not same(f, item[f], meta.get(f))]
    return score


def summary(scores: list[DocumentScore]) -> dict[str, Any]:
    """Documents right in every field, per-field accuracy over the readable ones, and the misses."""
    readable = [s for s in scores if not s.unreadable]
    per_field = {f: sum(all(w[0] != f for w in s.wrong) for s in readable) / max(len(readable), 1) for f in FIELDS}
    return {
        "documents": len(scores),
        "readable": len(readable),
        "all_fields_right": sum(not s.wrong for s in readable),
        "field_accuracy": per_field,
        "wrong": {s.path: s.wrong for s in readable if s.wrong},
        "unreadable": {s.path: s.unreadable for s in scores if s.unreadable},
    }
