"""The ``extractive`` backend: an answer composed from the source sentences themselves.

No LLM, deterministic and fast: the CI workhorse and the fallback when an LLM backend fails.
It copies the best supporting sentence(s) found by :mod:`assistant.answer.grounding`, so its
figures are the source's own, with the region and year of each stated in front.
"""

from __future__ import annotations

import re

from assistant.answer.grounding import evidence_years
from assistant.answer.indicator_match import row_named
from assistant.answer.types import Evidence, QuestionFacts

MAX_SENTENCES = 3
MAX_SENTENCES_MULTI = 5
KEEP_RATIO = 0.85  # a further sentence must cover the question nearly as well as the best one …
KEEP_RATIO_MULTI = 0.6  # … unless the question asks for several figures
MAX_ITEMS = 8  # list items carried after a lead-in sentence (下列条件之一：)
# a list item as policies number them: （一） (一) 一、 1. 1、 ①
_ITEM = re.compile(r"\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．]|[①-⑳])")


_YEAR_CELL = re.compile(r"^((?:19|20)\d\d)年")


def asked_cells(e: Evidence, years: list[int]) -> str:
    """A table row with a column per year (regions down, years across: 北京｜2000年（万元）1402871｜…｜
    2023年（万元）85369394) quoted at the asked years' cells, each with its column header; any
    other row, or one without an asked year's column, whole."""
    cells = e.sentence.split("｜")
    dated = {i: int(m.group(1)) for i, c in enumerate(cells) if (m := _YEAR_CELL.match(c))}
    if e.passage.kind != "table_row" or len(dated) < 2 or not set(dated.values()) & set(years):
        return e.sentence
    return "｜".join(c for i, c in enumerate(cells) if i not in dated or dated[i] in years)


def _lead(e: Evidence, sentence: str) -> str:
    years = "、".join(f"{y}年" for y in sorted(evidence_years(e.passage, sentence)))
    # a document whose issuer states no place is said to be so, as the citation list does
    return f"据《{e.passage.title}》（{e.passage.region or '地区不详'}{'，' + years if years else ''}）"


def compose(
    facts: QuestionFacts, evidence: list[Evidence], max_sentences: int = MAX_SENTENCES, keep_all: bool = False
) -> str:
    """One cited sentence per chosen piece of evidence; for comparisons, the best per region."""
    chosen: list[Evidence] = []
    if keep_all:
        chosen = list(evidence)
    elif len(facts.regions) > 1:
        for region in facts.regions:
            best = next((e for e in evidence if e.passage.region == region), None)
            if best is not None:
                chosen.append(best)
    else:
        if row_named(facts, evidence[0].passage):  # a cell question is answered from the rows it names,
            evidence = [e for e in evidence if row_named(facts, e.passage)]
            # every one of them: 水运 under each of 表6's four indicators, the table's headers telling which
            max_sentences = max(max_sentences, min(len(evidence), MAX_SENTENCES_MULTI))
        top = evidence[0].coverage
        ratio = KEEP_RATIO_MULTI if facts.multi else KEEP_RATIO
        max_sentences = max(max_sentences, MAX_SENTENCES_MULTI) if facts.multi else max_sentences
        for e in evidence:
            if e.coverage >= top * ratio and e.sentence not in {c.sentence for c in chosen}:
                chosen.append(e)
            if len(chosen) == max_sentences:
                break
    lines, previous, said = [], "", ""
    for e in chosen:
        if e.sentence.strip().rstrip("。；;，,") in said:  # an item already carried after its lead-in
            continue
        quoted = asked_cells(e, facts.years) if e.passage.kind == "table_row" else _with_items(e)
        sentence = quoted.rstrip("。；;，,")
        lead = _lead(e, sentence)
        said += sentence
        lines.append(f"{lead + '：' if lead != previous else ''}{sentence}[{e.passage.n}]。")
        previous = lead
    return "".join(lines)


def _with_items(e: Evidence) -> str:
    """A sentence that leads into a list (符合下列条件之一的，可以…：) with the items that follow it
    in its passage: the lead-in alone states none of the conditions the question asks for. An item
    (（二）擅自提高收费标准的) is quoted after its lead-in, which says what follows from it (the fine)."""
    sentence = e.sentence.strip()
    at = e.passage.text.find(sentence)
    if at < 0:
        return sentence
    if _ITEM.match(sentence):
        before = [line.strip() for line in e.passage.text[:at].split("\n") if line.strip()]
        lead = next((line for line in reversed(before) if not _ITEM.match(line)), "")
        return f"{lead}{sentence}" if lead.endswith(("：", ":")) else sentence
    if not sentence.endswith(("：", ":")):
        return sentence
    items = []
    for line in e.passage.text[at + len(sentence) :].split("\n"):
        if not line.strip():  # Markdown sets a blank line between items
            continue
        if not _ITEM.match(line) or len(items) == MAX_ITEMS:
            break
        items.append(line.strip())
    return sentence + "".join(items)
