"""The gold items over ../shared/corpora hold: each evidence is in its source as laid out for the
index (tables as records), and each expected figure is in its evidence."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from assistant.evaluate.answers import has_figure
from assistant.ingest.layout import lay_out
from assistant.ingest.readers import read_blocks
from assistant.language.text import to_simplified
from assistant.settings import ChunkSettings

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
GOLD = ROOT / "eval" / "gold_corpora.jsonl"
ITEMS = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is absent")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", to_simplified(text))


@cache
def _display(name: str) -> str:
    path = next(CORPORA.rglob(name))
    return _squeeze(lay_out(read_blocks(path), ChunkSettings()).display)


def test_the_set_covers_every_kind_the_issue_names() -> None:
    kinds = [i["kind"] for i in ITEMS]
    assert len(ITEMS) >= 40 and len({i["id"] for i in ITEMS}) == len(ITEMS)
    assert kinds.count("figure") >= 18 and kinds.count("comparison") >= 5
    assert kinds.count("policy") >= 8 and kinds.count("unanswerable") >= 5
    assert sum("｜" in e for i in ITEMS for e in i["evidence"]) >= 10  # figures only in tables


@pytest.mark.parametrize("item", [i for i in ITEMS if i["sources"]], ids=lambda i: i["id"])
def test_evidence_is_in_its_source_and_holds_the_figures(item: dict) -> None:
    for evidence in item["evidence"]:
        assert any(_squeeze(evidence) in _display(source) for source in item["sources"]), evidence
    joined = "\n".join(item["evidence"])
    for figure in item["figures"]:
        assert has_figure(joined, figure), figure
