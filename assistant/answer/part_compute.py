"""The figure a several-part question asks to be computed (a difference, ratio, growth, share or
which is higher) from its two parts' answers: each side's one verified figure, both on one basis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.answer.computed import Computed, compute, single_figure
from assistant.answer.part_result import PartResult, part_figures
from assistant.answer.parts import Decomposition, Part
from assistant.answer.verify import FigureResult
from assistant.facts.binding import asked_qualifiers

if TYPE_CHECKING:
    from assistant.answer.chain import Answerer


def computation(
    answerer: Answerer, split: Decomposition, results: list[PartResult], offset_of: list[dict[int, int]]
) -> Computed | None:
    """The asked computation over the two parts' single verified figures — A against B as asked
    (A比B), the later year first for a listed pair of years (…和…增长了多少) — or why it cannot be made."""
    if not split.compute or len(results) != 2:
        return None
    sides = [
        _pick(answerer, r.part, part_figures(r.answer, o)) if r.answered else None for r, o in zip(results, offset_of)
    ]
    sides = _same_basis(answerer, results, offset_of, sides)
    picked: list[tuple[str, FigureResult, int]] = []
    for r, fig in zip(results, sides):
        if fig is None:
            return Computed(split.compute, f"{r.part.label()}没有唯一核实的数字，未计算。", "", ())
        picked.append((r.part.label(), fig, int(r.part.claim.get("year", "0")[:4] or 0)))
    a, b = picked
    if not split.explicit and split.compute in ("difference", "growth") and a[2] and b[2] and a[2] < b[2]:
        a, b = b, a
    return compute(split.compute, (a[0], a[1]), (b[0], b[1]))


def _same_basis(
    answerer: Answerer, results: list[PartResult], offset_of: list[dict[int, int]], sides: list[FigureResult | None]
) -> list[FigureResult | None]:
    """One side has figures from two documents (2.54% first published, 2.56% revised): compute with
    the one the other side's document gives, so both figures stand on one basis (the 2023 bulletin's
    0.09个百分点 is 2.65 − 2.56)."""
    if sum(f is None for f in sides) != 1 or not all(r.answered for r in results):
        return sides
    i = sides.index(None)
    other = sides[1 - i]
    source = _source_of(results[1 - i], offset_of[1 - i], other.citation if other else None)
    if not source:
        return sides
    figures = part_figures(results[i].answer, offset_of[i])
    same = [f for f in figures if _source_of(results[i], offset_of[i], f.citation) == source]
    return [_pick(answerer, results[i].part, same) if j == i else f for j, f in enumerate(sides)]


def _source_of(result: PartResult, offset: dict[int, int], n: int | None) -> str:
    """The document the part's citation ``n`` (as renumbered in the composed answer) is from."""
    back = {new: old for old, new in offset.items()}
    answer = result.answer
    return next((c.source for c in answer.citations if c.n == back.get(n)), "") if answer and n else ""


def _pick(answerer: Answerer, part: Part, figures: list[FigureResult]) -> FigureResult | None:
    """The part's one figure to compute with: its only verified figure of the indicator's units,
    else the only one the fact table holds as that indicator with that qualifier (86家 of
    "新认定86家, 有效期内227家" for 新认定), else None."""
    store = answerer.fact_answers().store
    indicator = store.vocab.search(part.question)
    units = store.vocab.units(indicator) if indicator else None
    fig = single_figure(figures, units)
    if fig is not None or indicator is None:
        return fig
    qualifiers = asked_qualifiers(part.question, units)
    region, year = part.claim.get("place"), part.claim.get("year", "")[:4]
    values = {
        f.base_value
        for f in store.query(indicator, region=region, year=int(year) if year else None, qualifiers=qualifiers)
    }
    return single_figure([f for f in figures if f.value in values], units)
