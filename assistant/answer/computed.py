"""A figure the user asks to be computed from two cited figures: a difference, ratio, growth or
share, or which of the two is higher.

The result is never a quoted figure: it is shown with its computation (``1408.2 − 1254.7 =
153.5亿元``) and marked as computed, and its inputs are the parts' own verified, cited figures. When
either part has no single verified figure, or their units differ, nothing is computed and the
answer says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assistant.answer.verify import FigureResult

_WRITTEN = re.compile(r"^\s*([+-]?[\d,]+(?:\.\d+)?)\s*(.*?)\s*$")
COMPUTED_MARK = "（计算所得，非资料原文）"


@dataclass(frozen=True)
class Computed:
    """The computed figure: its text with the computation, and what it was computed from."""

    op: str
    text: str  # 1408.2 − 1254.7 = 153.5亿元, or why nothing could be computed
    value: str  # the result as written (153.5亿元); "" when nothing was computed
    inputs: tuple[int, ...]  # the citations of the figures it was computed from

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "text": self.text, "value": self.value, "citations": list(self.inputs), "computed": True}


def _written(fig: FigureResult) -> tuple[Decimal, str] | None:
    """(number as written, unit as written): 1160.2亿元 → (1160.2, 亿元)."""
    m = _WRITTEN.match(fig.text.replace("，", ","))
    if m is None:
        return None
    return Decimal(m.group(1).replace(",", "")), m.group(2) or fig.unit


def _places(*numbers: Decimal) -> int:
    return max(max(0, -n.as_tuple().exponent) for n in numbers)  # type: ignore[operator]


def _round(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return format(value.quantize(quantum, rounding=ROUND_HALF_UP), "f")


def compute(op: str, a: tuple[str, FigureResult], b: tuple[str, FigureResult]) -> Computed:
    """``op`` over part a's and part b's figure (each with its part's label): a − b, a ÷ b, …"""
    (label_a, fa), (label_b, fb) = a, b
    wa, wb = _written(fa), _written(fb)
    cites = tuple(n for n in (fa.citation, fb.citation) if n is not None)
    if wa is None or wb is None or fa.unit != fb.unit:
        return Computed(op, f"两部分的数字单位不同（{fa.text}、{fb.text}），未计算。", "", cites)
    (x, unit_a), (y, unit_b) = wa, wb
    if unit_a != unit_b and fb.value:  # same base unit, other scale (万元 and 亿元): b in a's scale
        y = Decimal(repr(fb.value)) * x / Decimal(repr(fa.value)) if fa.value else y
    places = _places(x, y)
    if op == "higher":
        word = "高于" if x > y else ("低于" if x < y else "等于")
        return Computed(op, f"{label_a}（{fa.text}）{word}{label_b}（{fb.text}）。", "", cites)
    if op in ("ratio", "share", "growth") and not y:
        return Computed(op, f"{label_b}的数字为零，不能作除数，未计算。", "", cites)
    if op == "difference":
        unit = "个百分点" if unit_a == "%" else unit_a
        result = f"{_round(x - y, places)}{unit}"
        return Computed(op, f"{x} − {y} = {result}", result, cites)
    if op == "ratio":
        result = f"{_round(x / y, 2)}倍"
        return Computed(op, f"{x} ÷ {y} = {result}", result, cites)
    if op == "share":
        result = f"{_round(x / y * 100, 2)}%"
        return Computed(op, f"{x} ÷ {y} × 100% = {result}", result, cites)
    result = f"{_round((x - y) / y * 100, 2)}%"
    return Computed(op, f"({x} − {y}) ÷ {y} × 100% = {result}", result, cites)


def single_figure(figures: list[FigureResult], units: frozenset[str] | None) -> FigureResult | None:
    """The one verified figure a part states for its indicator (its unit family), or None when it
    states none or several different ones (then which to compute with is not ours to guess)."""
    mine = [f for f in figures if f.verified and (units is None or f.unit in units)]
    distinct = {(f.value, f.unit) for f in mine}
    return mine[0] if len(distinct) == 1 else None
