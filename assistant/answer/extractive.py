"""The ``extractive`` backend: an answer composed from the source sentences themselves.

No LLM, deterministic and fast: the CI workhorse and the fallback when an LLM backend fails.
It copies the best supporting sentence(s) found by :mod:`assistant.answer.grounding`, so its
figures are the source's own, with the region and year of each stated in front.
"""

from __future__ import annotations

from assistant.answer.grounding import Evidence, QuestionFacts, evidence_years

MAX_SENTENCES = 3
MAX_SENTENCES_MULTI = 5
KEEP_RATIO = 0.85  # a further sentence must cover the question nearly as well as the best one …
KEEP_RATIO_MULTI = 0.6  # … unless the question asks for several figures


def _lead(e: Evidence) -> str:
    years = "、".join(f"{y}年" for y in sorted(evidence_years(e.passage, e.sentence)))
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
        top = evidence[0].coverage
        ratio = KEEP_RATIO_MULTI if facts.multi else KEEP_RATIO
        max_sentences = max(max_sentences, MAX_SENTENCES_MULTI) if facts.multi else max_sentences
        for e in evidence:
            if e.coverage >= top * ratio and e.sentence not in {c.sentence for c in chosen}:
                chosen.append(e)
            if len(chosen) == max_sentences:
                break
    lines, previous = [], ""
    for e in chosen:
        lead = _lead(e)
        sentence = e.sentence.rstrip("。；;，,")
        lines.append(f"{lead + '：' if lead != previous else ''}{sentence}[{e.passage.n}]。")
        previous = lead
    return "".join(lines)
