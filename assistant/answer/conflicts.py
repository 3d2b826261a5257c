"""Two documents that give different figures for one indicator, region and year: say so.

An answer that picked one of them would state the other document's figure as wrong without
saying why; a planted or revised document would silently win or lose on retrieval order. So when
the evidence holds such a pair, the answer shows both, each cited to its source, and says they
disagree (the user decides which document to trust).

A figure belongs to an indicator when it is the first figure after the indicator's wording in
the sentence (``全年新认定国家高企86家,有效期内国家高企达227家``: 86家 is 新认定高新技术企业's,
227家 is 高新技术企业's); indicators come from the lexicon, so 新认定高企 and 新认定国家高新技术
企业 are one. Only a question naming one indicator and one year is checked: a comparison or a
trend has several figures by design.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer.grounding import Evidence, QuestionFacts, evidence_years
from assistant.figures import Figure
from assistant.lexicon import Lexicon


@dataclass(frozen=True)
class Disagreement:
    indicator: str
    region: str
    year: int
    first: tuple[Evidence, Figure]
    second: tuple[Evidence, Figure]

    def sentence(self) -> str:
        """The note, each figure cited to its own passage (so both are verified, not marked)."""
        (a, fa), (b, fb) = self.first, self.second
        return (f"注意：资料之间的数字不一致——《{a.passage.title}》为{fa.text}[{a.passage.n}]，"
                f"《{b.passage.title}》为{fb.text}[{b.passage.n}]，均指{self.region}{self.year}年{self.indicator}，请核对原文。")


def find_disagreement(question: str, facts: QuestionFacts, evidence: list[Evidence], lexicon: Lexicon,
                      min_coverage: float) -> Disagreement | None:
    """The first pair of documents whose evidence gives the asked indicator different values."""
    asked = {name for name, _ in lexicon.find(question)}
    if len(asked) != 1 or len(facts.years) != 1 or facts.multi:
        return None
    indicator, year = asked.pop(), facts.years[0]
    seen: dict[str, tuple[Evidence, Figure]] = {}  # region → the first figure found for it
    for e in evidence:
        if e.coverage < min_coverage or year not in evidence_years(e.passage, e.sentence):
            continue
        figure = _figure_of(indicator, e, lexicon)
        if figure is None:
            continue
        region = e.passage.region
        if region not in seen:
            seen[region] = (e, figure)
            continue
        first, first_figure = seen[region]
        if (first.passage.source != e.passage.source and first_figure.unit == figure.unit
                and first_figure.exact != figure.exact):
            return Disagreement(indicator, region, year, seen[region], (e, figure))
    return None


def _figure_of(indicator: str, e: Evidence, lexicon: Lexicon) -> Figure | None:
    """The first figure after a wording of ``indicator`` and before the next indicator's wording."""
    mentions = lexicon.find(e.sentence)
    for i, (name, (_, end)) in enumerate(mentions):
        if name != indicator:
            continue
        stop = mentions[i + 1][1][0] if i + 1 < len(mentions) else len(e.sentence)
        figure = next((f for f in e.figures if end <= f.start < stop and not f.is_year), None)
        if figure is not None:
            return figure
    return None
