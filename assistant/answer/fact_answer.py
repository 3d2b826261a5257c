"""A fact-table answer and how its rows read: each row a numbered passage and a chart point, and
the words around them (ranks in Chinese, up or down over the years, which side is higher).

Every figure an answer from the table states is one of its rows, cited; the words added around
them hold no figure of their own, so verification never meets a number no passage holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.answer.refusal import Refusal
from assistant.answer.stages import Grounded, Turn
from assistant.answer.types import Evidence, Passage
from assistant.answer.verify import Bound
from assistant.facts.extract import Fact
from assistant.facts.fact import shown
from assistant.language.figures import extract_figures, figure_in

CN_DIGITS = "零一二三四五六七八九十"


def fmt(value: float) -> str:
    """A figure as the sources write it: 30782.9, 6.83, 13 (never 3.07829e+04)."""
    return format(Decimal(repr(value)).normalize(), "f")


def cn_number(n: int) -> str:
    """Rank numbers in Chinese (第十二): an Arabic rank would be read as an unverified figure."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"


@dataclass
class FactAnswer:
    """What the chain needs from a fact-table answer."""

    kind: str  # comparison | trend | ranking | lookup
    text: str  # the extractive answer, or (refused) the reason: what the table lacks and what it holds
    refused: bool
    passages: list[Passage] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)  # chart points: region, year, value, unit, source
    notice: str = ""

    def complete(self, text: str) -> bool:
        """Whether ``text`` (an LLM's answer) states every figure of the rows it was given."""
        wanted = (extract_figures(f"{p['value_text']}{p['unit']}") for p in self.series)
        return all(figs and figure_in(figs[0], text) for figs in wanted)

    def grounded(self, turn: Turn, started: float, min_coverage: float, bound: Bound) -> Grounded:
        """The chain's grounded turn for this answer: the fact rows are its numbered passages, each
        its own evidence; a refusal carries what the table does hold as its reason."""
        evidence = [Evidence(p, p.text, 1.0, ()) for p in self.passages]
        refusal = Refusal(self.text) if self.refused else None
        return Grounded(
            turn,
            self.passages,
            evidence,
            refusal,
            (time.perf_counter() - started) * 1000,
            min_coverage,
            fact_answer=self,
            bound=bound,
        )


def passage_text(fact: Fact) -> str:
    """A fact as a passage: the sentence as written, or the table row with its cell restated in
    its column's unit (the row shows "R&D经费（亿元）769.6"; the answer says 769.6亿元)."""
    if fact.kind == "table":
        return f"{fact.text}（{fact.raw}：{shown(fact)}{fact.unit}）"
    return fact.text


def direction(chosen: list[tuple[str, int | None, list[Fact]]]) -> str:
    """Up or down from the first year to the last, in words (a computed difference would be a
    figure no passage holds)."""
    singles = [(y, cell[0].base_value) for _, y, cell in chosen if len(cell) == 1 and y]
    if len(singles) < 2 or len({r for r, _, _ in chosen}) != 1:
        return ""
    (y0, v0), (y1, v1) = singles[0], singles[-1]
    if v1 == v0:
        return f"{y0}年到{y1}年持平。"
    return f"{y0}年到{y1}年总体{'上升' if v1 > v0 else '下降'}。"


def verdict(series: list[dict[str, Any]]) -> str:
    """Which side is higher, in words: the figures stand cited on the lines above, and restating
    them here would add figures no citation follows. Decided only over one figure per side in one
    unit (two documents' figures for a side, or 亿元 against %, decide nothing)."""
    by_region = len({p["region"] for p in series}) > 1
    labels = [p["region"] if by_region else f"{p['year']}年" for p in series]
    if len(set(labels)) != len(labels) or len({p["unit"] for p in series}) != 1 or len(series) < 2:
        return ""
    order = sorted(zip(labels, (p["value"] for p in series)), key=lambda lv: -lv[1])
    (top, high), (bottom, low) = order[0], order[-1]
    if high == low:
        return f"\n{'、'.join(labels)}相同。"
    if len(order) == 2:
        return f"\n{top}高于{bottom}。"
    return f"\n{top}最高，{bottom}最低。"


def fact_passage(n: int, fact: Fact) -> Passage:
    return Passage(
        n,
        fact.chunk_id,
        fact.source,
        fact.title,
        fact.region,
        (fact.year,) if fact.year else (),
        fact.raw if fact.kind == "table" else "",
        passage_text(fact),
    )


def chart_point(f: Fact) -> dict[str, Any]:
    return {
        "region": f.region,
        "year": f.year,
        "value": f.value,
        "value_text": shown(f),
        "unit": f.unit,
        "source": f.source,
        "indicator": f.indicator,
    }


def scope_note(best: dict[str, Fact]) -> str:
    return f"排名范围：资料中有这一年数据的{len(best)}个地区（{'、'.join(best)}），不是全国所有地区。"
