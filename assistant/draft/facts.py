"""Headline figures a plan draws from the fact table, not only from retrieved passages.

Four BM25 hits per headline query miss what a writer needs when a report words its headline
unusually or states it in a chunk the query does not resemble, and they cannot find a figure at
all when it stands only in a table row of another region's document: 陕西's 2022 R&D spending is a
row of 附表2 in the national bulletin, whose chunks are all the 全国 document's. The fact table
(:mod:`assistant.facts`) has every figure already bound to its indicator (through the indicator
lexicon), region and year, so the plan asks it for the headline indicators of the topic's regions
and period:

* a fact read from a sentence brings its chunk into the plan's passages, where the clause rules
  (:mod:`assistant.draft.clauses`) judge it like any retrieved sentence;
* a fact read from a table row becomes a plan item of its own, worded from the column header and
  the cell ("R&D经费投入强度2.35%"), verified against the row as the source panel shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.types import Passage
from assistant.facts.fact import Fact
from assistant.facts.store import FactStore
from assistant.language.draft_terms import DraftingSpec
from assistant.retrieve import Retriever

_BRACKETS = re.compile(r"\s*[（(]([^）)]*)[）)]\s*")
MAX_CHUNKS = 8  # chunks a plan adds from the fact table: a report states its headlines in a few


@dataclass(frozen=True)
class TableFact:
    """A table-row fact, as the plan words it, with the row chunk it is verified against."""

    fact: Fact
    text: str  # "R&D经费投入强度2.35%": the column's wording and the cell, with its unit
    passage: Passage


@dataclass
class FactDraw:
    passages: list[Passage]  # chunks whose sentences state a headline figure of the regions/period
    rows: list[TableFact]


def held_regions(store: FactStore | None) -> set[str]:
    """The regions the fact table has figures for (a province known only from a national table)."""
    return set(store.held()["regions"]) if store else set()


def headline_facts(store: FactStore, spec: DraftingSpec, regions: list[str], period: set[int]) -> list[Fact]:
    """Whole-region facts of every headline indicator for exactly these regions and years, most
    important headline first."""
    out: list[tuple[int, Fact]] = []
    for region in regions:
        for fact in store.query(region=region, whole_only=True):
            rank = spec.importance(fact.indicator)
            if fact.region == region and rank is not None and (not period or fact.year in period):
                out.append((rank, fact))
    return [fact for _, fact in sorted(out, key=lambda r: (r[0], r[1].source, r[1].start))]


def draw(
    store: FactStore | None, retriever: Retriever, spec: DraftingSpec, regions: list[str], period: set[int]
) -> FactDraw:
    """The chunks and table rows the fact table holds for the topic's headline indicators."""
    if store is None or not regions:  # across all regions the table is a ranking, not a paragraph
        return FactDraw([], [])
    passages: dict[str, Passage] = {}
    rows: list[TableFact] = []
    for fact in headline_facts(store, spec, regions, period):
        result = retriever.chunk(fact.chunk_id)
        if result is None:  # the table is a step behind the index: a removed chunk is no source
            continue
        passage = Passage.of(0, result)
        if fact.kind == "table":
            rows.append(TableFact(fact, _row_wording(fact), passage))
        elif len(passages) < MAX_CHUNKS:
            passages.setdefault(fact.chunk_id, passage)
    return FactDraw(list(passages.values()), rows)


def _row_wording(fact: Fact) -> str:
    """The column header without its bracketed unit (a bracketed name stays: 研究与试验发展（R&D）经费),
    then the cell as written and the unit: R&D经费（亿元） × 769.6 → R&D经费769.6亿元. The figure stays the
    cell's, so verification finds it in the row (a value right after a bracketed unit carries that unit)."""
    header = _BRACKETS.sub(lambda m: "" if m.group(1) in (fact.unit, fact.base_unit) else m.group(0).strip(), fact.raw)
    header = re.sub(r"\s+", "", header)
    cell = fact.text[fact.start : fact.end] or f"{fact.value:g}"
    return f"{header}{cell}{fact.unit}"
