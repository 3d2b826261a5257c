"""Two documents that give different figures for one indicator, region and year: say so.

An answer that picked one of them would state the other document's figure as wrong without
saying why; a planted or revised document would silently win or lose on retrieval order. So when
the evidence holds such a pair, the answer shows both, each cited to its source, and says they
disagree (the user decides which document to trust) — whatever the backend: the extractive
composer writes the note itself, and a model's accepted answer gets it appended
(:func:`disagreement_note`), since a model may state one figure and stay silent on the other.

A figure belongs to an indicator when it is the first figure after the indicator's wording in
the sentence (``全年新认定国家高企86家,有效期内国家高企达227家``: 86家 is 新认定高新技术企业's,
227家 is 高新技术企业's); indicators come from the lexicon, so 新认定高企 and 新认定国家高新技术
企业 are one. Only a question naming one indicator and one year is checked: a comparison or a
trend has several figures by design. A target is no disagreement with the result it aimed at
(``预期目标6.5%左右`` against the 6.9% achieved; target words: ``data/drafting.toml``). A fact-table
answer knows its cells: a cell with figures from several documents is a disagreement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answer.grounding import evidence_years
from assistant.answer.types import Evidence, QuestionFacts
from assistant.language.draft_terms import load_spec
from assistant.language.figures import Figure
from assistant.language.lexicon import Lexicon

if TYPE_CHECKING:
    from assistant.answer.fact_answer import FactAnswer
    from assistant.answer.stages import Grounded


@dataclass(frozen=True)
class Side:
    """One document's figure: its title, the figure as written, the passage it is cited to."""

    title: str
    figure: str
    n: int


@dataclass(frozen=True)
class Disagreement:
    indicator: str
    region: str
    year: int | None
    sides: tuple[Side, ...]

    def sentence(self) -> str:
        """The note, each figure cited to its own passage (so all are verified, not marked)."""
        said = "，".join(f"《{s.title}》为{s.figure}[{s.n}]" for s in self.sides)
        year = f"{self.year}年" if self.year else ""
        # no count of documents: "两份" would be read as a figure (2份) no passage holds
        return f"注意：资料之间的数字不一致——{said}，均指{self.region}{year}{self.indicator}，请核对原文。"


def find_disagreement(
    question: str, facts: QuestionFacts, evidence: list[Evidence], lexicon: Lexicon, min_coverage: float
) -> Disagreement | None:
    """The first pair of documents whose evidence gives the asked indicator different values."""
    asked = {name for name, _ in lexicon.find(question)}
    if len(asked) != 1 or len(facts.years) != 1 or facts.multi:
        return None
    indicator, year = asked.pop(), facts.years[0]
    seen: dict[str, tuple[Evidence, Figure]] = {}  # region → the first figure found for it
    spec = load_spec()
    for e in evidence:
        if e.coverage < min_coverage or year not in evidence_years(e.passage, e.sentence) or spec.is_target(e.sentence):
            continue
        figure = _figure_of(indicator, e, lexicon)
        if figure is None:
            continue
        region = e.passage.region
        if region not in seen:
            seen[region] = (e, figure)
            continue
        first, first_figure = seen[region]
        if (
            first.passage.source != e.passage.source
            and first_figure.unit == figure.unit
            and first_figure.exact != figure.exact
        ):
            return Disagreement(indicator, region, year, (_side(first, first_figure), _side(e, figure)))
    return None


def fact_disagreements(answer: FactAnswer) -> list[Disagreement]:
    """The cells of a fact-table answer that documents give differently (passage n is series n-1:
    the answer numbers its rows in the order of its chart points)."""
    cells: dict[tuple[str, int | None], list[Side]] = defaultdict(list)
    indicator = ""
    for passage, point in zip(answer.passages, answer.series, strict=True):
        indicator = point["indicator"]
        cells[point["region"], point["year"]].append(
            Side(passage.title, f"{point['value_text']}{point['unit']}", passage.n)
        )
    return [
        Disagreement(indicator, region, year, tuple(sides))
        for (region, year), sides in cells.items()
        if len({s.figure for s in sides}) > 1
    ]


def disagreement_note(grounded: Grounded, lexicon: Lexicon, min_coverage: float) -> str:
    """What a model's answer must be followed by: every disagreement the grounded turn holds, "" when none."""
    if grounded.fact_answer is not None:
        return "".join(d.sentence() for d in fact_disagreements(grounded.fact_answer))
    found = find_disagreement(grounded.turn.standalone, grounded.facts, grounded.evidence, lexicon, min_coverage)
    return found.sentence() if found else ""


def _side(e: Evidence, figure: Figure) -> Side:
    return Side(e.passage.title, figure.text, e.passage.n)


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
