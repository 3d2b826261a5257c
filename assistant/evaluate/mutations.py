"""Model answers written from the fact table: true ones, and mutations of them that verification
must flag (the bar: every mutation flagged, ≥ 0.98 of true answers accepted).

A true answer states one fact as a model would: its region (and breakdown), year, period, the
indicator as the source words it, the qualifier (新增, 累计, 比上年增长, 占比) and the figure, citing
the fact's passage. A mutation changes one thing: the value (a digit, the decimal place), the
scale (万 ↔ 亿), or what the figure is said to be — another indicator of the same passage or table
row, another region of the same passage or table, another year, another qualifier. A mutation is
kept only when no fact of its passages is what it says (a swapped indicator with the same value
would be true). The benchmark (``benchmarks/verification.py``) and the tests serve these through a
scripted OpenAI-compatible endpoint; nothing here knows a document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.facts.extract import Fact, extract_facts
from assistant.facts.vocabulary import Vocabulary
from assistant.language.figures import extract_figures

CLASSES = ("digit", "decimal", "unit", "indicator", "region", "year", "qualifier")
_BRACKET_TAIL = re.compile(r"[（(][^）)]*[）)]\s*$")
_SCALE_SWAP = {"万": "亿", "亿": "万"}
_SWAPS = (("申请", "授权"), ("授权", "申请"))


@dataclass(frozen=True)
class Chunk:
    """A chunk as ingest stores it: id, text and metadata (source, region, years, kind, …)."""

    id: str
    text: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class Case:
    kind: str  # "true" or one of CLASSES
    question: str
    answer: str  # the model's reply: one sentence citing [1] (and naming [2]'s region for a region swap)
    chunks: tuple[str, ...]  # passages [1], [2] …
    figure: str  # the figure as the answer writes it
    fact: Fact  # the true fact the case starts from


def read_chunks(path: Path, settings: Any) -> list[Chunk]:
    """A file read, screened and laid out as ingest does, without embedding or storing it."""
    from assistant.ingest.injection import screen_document
    from assistant.ingest.layout import lay_out
    from assistant.ingest.manifest import document_meta, load_manifest
    from assistant.ingest.pipeline import bounded_blocks
    from assistant.ingest.readers import read_blocks

    document, _ = screen_document(read_blocks(path))
    laid = lay_out(bounded_blocks(document), settings.chunk)
    meta = document_meta(path.name, laid.display, load_manifest(path.parent).get(path.name))
    base = {k: v for k, v in meta.model_dump().items() if isinstance(v, (str, int, float, bool)) and v != ""}
    base |= {"source": path.name, "years": list(meta.years)}
    return [
        Chunk(f"{path.name}#{c.index}", c.text, base | {"section": c.section} | extra)
        for c, extra in zip(laid.chunks, laid.extra)
    ]


def number(value: float) -> str:
    """A value as a source writes it: 769.6, 18619, 2.65 (no float noise, no trailing .0)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def wording(fact: Fact, vocab: Vocabulary) -> str:
    """The indicator as the source words it (a column header without its unit), when the
    lexicon reads it as the fact's indicator; else the canonical name."""
    raw = _BRACKET_TAIL.sub("", fact.raw).strip()
    return raw if raw and vocab.search(raw) == fact.indicator else fact.indicator


def phrase(words: str, qualifier: str) -> str:
    """The words before the figure that say its qualifier, as a model writes them."""
    if qualifier == "新增":
        return f"{words}为" if re.search("新增|新认定|新培育|新引进", words) else f"新增{words}"
    if qualifier == "累计":
        return f"{words}累计达"
    if qualifier == "同比增长":
        return f"{words}比上年增长"
    if qualifier == "同比增加":
        return f"{words}比上年增加"
    if qualifier == "占比":
        return f"{words}占比为"
    return f"{words}为"


def statement(fact: Fact, words: str, figure: str, n: int = 1) -> str:
    """One answer sentence: region, breakdown, year and period, then the indicator and figure."""
    year = f"{fact.year}年" if fact.year else ""
    return f"{fact.region}{fact.subject}{year}{fact.period}{phrase(words, fact.qualifier)}{figure}[{n}]。"


def question(fact: Fact, words: str, *regions: str) -> str:
    places = "和".join(regions) if regions else fact.region
    year = f"{fact.year}年" if fact.year else ""
    asked = {
        "新增": f"新增{words}",
        "累计": f"累计{words}",
        "同比增长": f"{words}比上年增长",
        "同比增加": f"{words}比上年增加",
        "占比": f"{words}占比",
    }.get(fact.qualifier, words)
    return f"{places}{fact.subject}{year}{fact.period}{asked}是多少？"


def says(sentence: str, fact: Fact, vocab: Vocabulary) -> bool:
    """Whether the extractor reads the sentence's figure as the fact (indicator and qualifier):
    a true answer the phrasing garbled would test the phrasing, not verification."""
    return any(
        f.indicator == fact.indicator and f.qualifier == fact.qualifier and f.base_value == fact.base_value
        for f in extract_facts("", sentence, {}, vocab)
    )


def _mutated_values(fact: Fact) -> Iterator[tuple[str, str]]:
    """(class, figure) for the value mutations: a digit, the decimal place, 万 ↔ 亿."""
    digits = number(fact.value)
    last = max(i for i, c in enumerate(digits) if c.isdigit())
    yield "digit", f"{digits[:last]}{(int(digits[last]) + 1) % 10}{digits[last + 1 :]}{fact.unit}"
    if "." in digits:
        at = digits.index(".")
        moved = (
            digits[:at] + digits[at + 1] + "." + digits[at + 2 :] if at + 2 < len(digits) else digits.replace(".", "")
        )
        yield "decimal", f"{moved.lstrip('0') or '0'}{fact.unit}"
    elif len(digits) > 1:
        yield "decimal", f"{digits[:-1]}.{digits[-1]}{fact.unit}"
    if fact.unit[:1] in _SCALE_SWAP:
        yield "unit", f"{digits}{_SCALE_SWAP[fact.unit[0]]}{fact.unit[1:]}"


def cases(fact: Fact, chunk: list[Fact], neighbours: list[Fact], vocab: Vocabulary) -> Iterator[Case]:
    """The true answer of ``fact`` and its mutations. ``chunk``: the facts of its passage;
    ``neighbours``: facts of other passages of the same table (other rows), for region swaps."""
    words = wording(fact, vocab)
    figure = f"{number(fact.value)}{fact.unit}"
    true = statement(fact, words, figure)
    if not says(true, fact, vocab):
        return
    q = question(fact, words)
    yield Case("true", q, true, (fact.chunk_id,), figure, fact)
    for kind, wrong in _mutated_values(fact):
        value = next((f.exact for f in extract_figures(wrong) if not f.is_year), None)
        if value is not None and not any(f.base_value == float(value) and f.indicator == fact.indicator for f in chunk):
            yield Case(kind, q, statement(fact, words, wrong), (fact.chunk_id,), wrong, fact)
    yield from _swaps(fact, words, figure, q, chunk, neighbours, vocab)


def _true_in(sentence: str, chunk: list[Fact], vocab: Vocabulary) -> bool:
    """Whether the passage's facts hold what a mutated sentence says (indicator, qualifier, value):
    then it is no mutation, whatever it was meant to change."""
    said = extract_facts("", sentence, {}, vocab)
    return any(
        s.indicator == f.indicator and s.qualifier == f.qualifier and _same_value(s, f) for s in said for f in chunk
    )


def _same_value(a: Fact, b: Fact) -> bool:
    return a.base_value == b.base_value and a.base_unit == b.base_unit


def _swaps(
    fact: Fact, words: str, figure: str, q: str, chunk: list[Fact], neighbours: list[Fact], vocab: Vocabulary
) -> Iterator[Case]:
    """What the figure is said to be, changed: indicator, region, year, qualifier."""
    others = [
        f
        for f in chunk
        if f.indicator != fact.indicator and not any(_same_value(fact, g) and g.indicator == f.indicator for g in chunk)
    ]
    others.sort(key=lambda f: (f.base_unit != fact.base_unit, f.start))
    said = statement(fact, wording(others[0], vocab), figure) if others else ""
    if others and not _true_in(said, chunk, vocab):
        yield Case("indicator", q, said, (fact.chunk_id,), figure, fact)
    rivals = [
        f
        for f in [*chunk, *neighbours]
        if f.region != fact.region and f.indicator == fact.indicator and not _same_value(f, fact)
    ]
    if rivals:
        rival = rivals[0]
        cited = (fact.chunk_id,) if rival.chunk_id == fact.chunk_id else (fact.chunk_id, rival.chunk_id)
        said = statement(replace(fact, region=rival.region), words, figure)
        # asked of both places (周口 and 洛阳 compared), and of the fact's place alone, as the chain asks
        # each part of a question of several places: the other row is among the passages either way
        for asked in (question(fact, words, fact.region, rival.region), q):
            yield Case("region", asked, said, cited, figure, fact)
    if fact.year and not any(_same_value(f, fact) and f.year == fact.year - 1 for f in [*chunk, *neighbours]):
        yield Case(
            "year", q, statement(replace(fact, year=fact.year - 1), words, figure), (fact.chunk_id,), figure, fact
        )
    swapped = next((words.replace(a, b) for a, b in _SWAPS if a in words), None)
    other = {"新增": "累计", "累计": "新增", "": "新增", "同比增长": "", "同比增加": "", "占比": ""}.get(fact.qualifier)
    if swapped and vocab.search(swapped) != fact.indicator:
        said = statement(fact, swapped, figure)
    else:
        said = statement(replace(fact, qualifier=other), words, figure) if other is not None else ""
    if said and not _true_in(said, chunk, vocab):
        yield Case("qualifier", q, said, (fact.chunk_id,), figure, fact)
