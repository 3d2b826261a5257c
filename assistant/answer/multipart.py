"""A question of several parts, answered part by part and composed into one answer.

Each part (:mod:`assistant.answer.parts`) runs through the chain's own stages — retrieval, the
fact table, grounding, the refusal, the backend, verification — as a question of its own, so a
missing part declines alone, with its own reason, and never takes the others down with it. The
composed answer states every part it answers with its citations renumbered into one list, names
every part it cannot answer and why, and adds the figure asked to be computed, marked as such.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from assistant.answer.computed import COMPUTED_MARK, Computed, compute, single_figure
from assistant.answer.indicator_match import squeeze
from assistant.answer.joint import answer_jointly
from assistant.answer.parts import Decomposition, Part
from assistant.answer.refusal import CANNOT_ANSWER, UNBOUND
from assistant.answer.stages import Answer, Grounded
from assistant.answer.verify import CITATION, FigureResult
from assistant.facts.binding import asked_qualifiers
from assistant.language.years import DATE_PHRASES

if TYPE_CHECKING:
    from assistant.answer.chain import Answerer
    from assistant.retrieve import Filters

_ORDINAL = "一二三四五六七八九十"


@dataclass
class PartResult:
    """One part as answered or declined: its answer, and when declined, why (and of which kind:
    region absent, year absent for that region, indicator absent, over the limit)."""

    part: Part
    answer: Answer | None
    reason: str = ""
    reason_kind: str = ""  # region | year | indicator | limit | "" (answered)
    joint: bool = False  # written by one model call with other parts (:mod:`assistant.answer.joint`)

    @property
    def answered(self) -> bool:
        return self.answer is not None and not self.answer.refused

    def to_json(self, offset: dict[int, int]) -> dict[str, Any]:
        answer = self.answer
        return {
            "claim": self.part.label(),
            "question": self.part.question,
            "slots": self.part.claim,
            "status": "answered" if self.answered else "declined",
            "repeated": self.part.repeated,
            "figures": [f.to_json() for f in _figures(answer, offset)] if self.answered else [],
            "citations": [offset[c.n] for c in answer.citations] if self.answered and answer else [],
            "reason": self.reason,
            "reason_kind": self.reason_kind,
            "joint": self.joint,
        }


def _figures(answer: Answer | None, offset: dict[int, int]) -> list[FigureResult]:
    if answer is None:
        return []
    return [replace(f, citation=offset.get(f.citation, f.citation) if f.citation else None) for f in answer.figures]


def run_part(
    answerer: Answerer,
    part: Part,
    filters: Filters | None,
    grounded: Grounded | None = None,
    joint: Answer | None = None,
) -> PartResult:
    """The part answered through the chain's stages (or by the call it shared, ``joint``), or
    declined with a reason of its own kind."""
    answer, grounded = (
        (joint, grounded) if joint and grounded else answerer.answer_part(part.question, filters, grounded)
    )
    unknown = [w for w in part.own if not answerer.retriever.lexicon.find(w) and len(w) > 1]
    cited = squeeze(" ".join(c.text for c in answer.citations))
    missing = [w for w in unknown if squeeze(w) not in cited]
    if not answer.refused and missing:  # a phrase the lexicon does not know must be in the part's own evidence
        return PartResult(part, None, f"资料中没有“{'、'.join(missing)}”的数据", "indicator")
    if not answer.refused:
        return PartResult(part, answer)
    reason = grounded.refusal.reason if grounded.refusal is not None else UNBOUND.reason
    return PartResult(part, answer, reason, _reason_kind(answerer, part, grounded, filters))


def _reason_kind(answerer: Answerer, part: Part, grounded: Grounded, filters: Filters | None) -> str:
    """Why a part declines, by kind: its place has the indicator but not for its year (the same
    question without the year is answered); its place has no document; else the indicator is absent."""
    facts = grounded.facts
    if facts.years:  # first: a table row may cover a place no document is about (湖北 in a national table)
        yearless = DATE_PHRASES.sub("", part.question)
        if yearless != part.question and answerer.ground_part(yearless, filters).refusal is None:
            return "year"
    if facts.sub_units or (facts.foreign and not facts.regions):
        return "region"
    return "indicator"


_KIND_WORDS = {
    "year": "该地区有此指标，但没有所问年份的数据",
    "indicator": "资料中没有所问指标的数据",
    "region": "资料中没有关于该地区的文件",
    "limit": "超过一次回答的部分数上限",
}


def answer_parts(
    answerer: Answerer,
    split: Decomposition,
    filters: Filters | None,
    on_token: Callable[[str], None] | None,
    started: float,
) -> Answer:
    """Every part answered or declined, the computation made, and one answer composed of them."""
    limit = answerer.settings.answer.max_parts
    grounded = [answerer.ground_part(p.question, filters) for p in split.parts[:limit]]
    joint = answer_jointly(answerer, grounded)  # parts sharing passages: one model call
    results = [run_part(answerer, p, filters, g, joint.get(i)) for i, (p, g) in enumerate(zip(split.parts, grounded))]
    for i in joint:
        results[i].joint = True
    results += [PartResult(p, None, f"{_KIND_WORDS['limit']}（{limit}）", "limit") for p in split.parts[limit:]]
    citations, figures, passages, offset_of = _gather(results)
    computed = _computation(answerer, split, results, offset_of)
    stated = _stated_change(answerer, split, results, computed, filters)
    if stated is not None:  # the later year's document states the change the missing year would give
        results.append(stated)
        citations, figures, passages, offset_of = _gather(results)
        computed = None
    text = _compose(results, offset_of, computed)
    if on_token:
        on_token(text)
    answered = [r for r in results if r.answered]
    total = (time.perf_counter() - started) * 1000
    backends = dict.fromkeys(r.answer.backend for r in results if r.answer is not None)
    return Answer(
        question=split.question,
        answer=text,
        refused=not answered,
        backend="+".join(backends) or answerer.backend,
        citations=citations,
        figures=figures,
        timings=_timings(results, total),
        standalone_question=split.question,
        notice=" ".join(dict.fromkeys(r.answer.notice for r in answered if r.answer and r.answer.notice)),
        passages=passages,
        unreachable=next((r.answer.unreachable for r in results if r.answer and r.answer.unreachable), ""),
        parts=[r.to_json(o) for r, o in zip(results, offset_of)],
        computed=[computed.to_json()] if computed else [],
    )


def _gather(results: list[PartResult]) -> tuple[list[Any], list[FigureResult], list[Any], list[dict[int, int]]]:
    """The answered parts' citations, figures and passages renumbered into one list, and each
    part's map from its own [n] to the composed answer's."""
    offset_of: list[dict[int, int]] = []
    citations, figures, passages, n = [], [], [], 0
    for r in results:
        offset: dict[int, int] = {}
        if r.answered and r.answer is not None:
            for c in r.answer.citations:
                n += 1
                offset[c.n] = n
                citations.append(replace(c, n=n))
            passages += [replace(p, n=offset[p.n]) for p in r.answer.passages if p.n in offset]
            figures += _figures(r.answer, offset)
        offset_of.append(offset)
    return citations, figures, passages, offset_of


_STATED = {"difference": "比上年增加多少？", "growth": "比上年增长多少？"}


def _stated_change(
    answerer: Answerer,
    split: Decomposition,
    results: list[PartResult],
    computed: Computed | None,
    filters: Filters | None,
) -> PartResult | None:
    """2019年…比2018年增加了多少 with no 2018 figure indexed: the 2019 document's own 比上年增加1465.9亿元
    is the answer. Asked only when the computation failed for the earlier of two consecutive years."""
    if computed is None or computed.value or split.compute not in _STATED or len(results) != 2:
        return None
    years = [int(r.part.claim.get("year", "0")[:4] or 0) for r in results]
    later = max(range(2), key=lambda i: years[i])
    if abs(years[0] - years[1]) != 1 or not results[later].answered or results[1 - later].answered:
        return None
    asked = re.sub(r"(?:是|有|为)?多少[？?]?$", "", results[later].part.question).rstrip("的") + _STATED[split.compute]
    stated = run_part(answerer, Part(asked, {**results[later].part.claim, "qualifier": "比上年"}), filters)
    return stated if stated.answered else None


def _timings(results: list[PartResult], total: float) -> dict[str, float]:
    answers = [r.answer for r in results if r.answer is not None]
    return {
        "retrieve_ms": sum(a.timings.get("retrieve_ms", 0.0) for a in answers),
        "generate_ms": sum(a.timings.get("generate_ms", 0.0) for a in answers),
        "total_ms": total,
    }


def _computation(
    answerer: Answerer, split: Decomposition, results: list[PartResult], offset_of: list[dict[int, int]]
) -> Computed | None:
    """The asked computation over the two parts' single verified figures — A against B as asked
    (A比B), the later year first for a listed pair of years (…和…增长了多少) — or why it cannot be made."""
    if not split.compute or len(results) != 2:
        return None
    sides = [_pick(answerer, r.part, _figures(r.answer, o)) if r.answered else None for r, o in zip(results, offset_of)]
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
    figures = _figures(results[i].answer, offset_of[i])
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


def _compose(results: list[PartResult], offset_of: list[dict[int, int]], computed: Computed | None) -> str:
    """One line per part, in the question's order; a declined part says what is missing."""
    lines = [f"问题包含{_ordinal(len(results))}个部分，逐一回答："]
    for i, (r, offset) in enumerate(zip(results, offset_of), start=1):
        head = f"（{_ordinal(i)}）{r.part.label()}{'（问题中重复出现，合并回答）' if r.part.repeated > 1 else ''}："
        if r.answered and r.answer is not None:
            body = CITATION.sub(lambda m, o=offset: f"[{o.get(int(m.group(1)), int(m.group(1)))}]", r.answer.answer)
            lines.append(head + body.strip())
        else:
            lines.append(f"{head}未能回答——{r.reason or _KIND_WORDS.get(r.reason_kind, '')}。")
    if computed is not None:
        # no [n] on this line: the result is in no passage; its inputs are cited on their parts' lines
        lines.append(f"计算{COMPUTED_MARK}：{computed.text}")
    if not any(r.answered for r in results):
        lines[0] = f"{CANNOT_ANSWER}。{lines[0]}"
    return "\n".join(re.sub(r"\n+", " ", line) for line in lines)


def _ordinal(n: int) -> str:
    if n <= 10:
        return _ORDINAL[n - 1]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _ORDINAL[tens - 1]}十{_ORDINAL[ones - 1] if ones else ''}"


def parts_from_series(split: Decomposition, answer: Answer) -> list[dict[str, Any]]:
    """The parts of a question the fact table answered as one comparison or series: each part's
    rows are the series points of its place and year (the answer's [n] is the point's row)."""
    out = []
    for part in split.parts:
        year, place = part.claim.get("year", "")[:4], _bare(part.claim.get("place", ""))
        mine = [
            (n, p)
            for n, p in enumerate(answer.series, start=1)
            if (not year or str(p.get("year")) == year) and (not place or place in _bare(str(p.get("region", ""))))
        ]
        cited = [n for n, _ in mine if any(c.n == n for c in answer.citations)]
        out.append(
            {
                "claim": part.label(),
                "question": part.question,
                "slots": part.claim,
                "status": "answered" if cited else "declined",
                "repeated": part.repeated,
                "figures": [f.to_json() for f in answer.figures if f.citation in cited],
                "citations": cited,
                "reason": "" if cited else "资料中没有该部分的数据",
                "reason_kind": "" if cited else "indicator",
                "joint": False,
            }
        )
    return out


def _bare(region: str) -> str:
    return re.sub(r"(?:省|市|区|县|自治区)$", "", region)
