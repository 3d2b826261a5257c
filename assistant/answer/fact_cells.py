"""Which fact-table rows an answer may use: observed figures (no targets), one figure per value
and document for a cell, and for a ranking the regions' own rows of one table.
"""

from __future__ import annotations

from collections import defaultdict

from assistant.facts.extract import Fact
from assistant.language.draft_terms import load_spec


def distinct(cell: list[Fact]) -> list[Fact] | None:
    """One fact per distinct value (a table row before a sentence saying the same). Different
    values from different documents are all kept (a preliminary and a revised figure); from one
    document they make its word on the cell ambiguous, unless that document has a table row for
    it: such a document is left out (a work report whose sentences give two shares for the year),
    and when every document is, the cell is ambiguous (None)."""
    tabled = {f.source for f in cell if f.kind == "table"}
    # a document's table row is its figure for the cell; its sentences may speak of parts (高技术制造业…经费)
    cell = [f for f in cell if f.kind == "table" or f.source not in tabled]
    ordered = sorted(cell, key=lambda f: (f.kind != "table", f.source, f.start))
    by_value: dict[float, Fact] = {}
    for f in ordered:
        by_value.setdefault(f.base_value, f)
    kept = list(by_value.values())
    sources = [f.source for f in kept]
    clear = [f for f in kept if sources.count(f.source) == 1]
    return clear or None


def observed(fact: Fact) -> bool:
    """Not a target ("到2020年…力争…达到2.5%" is no 2020 figure; target words: data/drafting.toml)."""
    return fact.kind == "table" or not load_spec().is_target(fact.text)


def regional(facts: list[Fact]) -> list[Fact]:
    """The facts a ranking is over: regions' own (not the national total), a table's where one holds them."""
    ranked_pool = [f for f in facts if f.level != "national" and f.region]
    return [f for f in ranked_pool if f.kind == "table"] or ranked_pool


def one_table(facts: list[Fact], year: int) -> list[Fact]:
    """A ranking is over one table's rows. Two tables of a year (a bulletin's 附表 and a yearbook's)
    round some cells differently: pooled, every region where they differ fell out of the ranking
    and a lesser region came first. The table holding the most regions wins; among equals, the one
    whose title names the year (the bulletin of that year), then the document's name."""
    tables: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        tables[(f.source, f.text.split("｜")[0] if f.kind == "table" else "")].append(f)
    if not tables:
        return []
    chosen = max(tables, key=lambda k: (len({f.region for f in tables[k]}), str(year) in k[1], k[0]))
    return tables[chosen]
