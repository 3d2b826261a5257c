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
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from assistant.answer.computed import Computed
from assistant.answer.indicator_match import squeeze
from assistant.answer.joint import answer_jointly
from assistant.answer.part_compute import computation
from assistant.answer.part_result import KIND_WORDS, PartResult, compose, part_figures
from assistant.answer.parts import Decomposition, Part
from assistant.answer.refusal import UNBOUND
from assistant.answer.stages import Answer, Grounded
from assistant.answer.verify import FigureResult
from assistant.language.years import DATE_PHRASES

if TYPE_CHECKING:
    from assistant.answer.chain import Answerer
    from assistant.retrieve import Filters


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
    results += [PartResult(p, None, f"{KIND_WORDS['limit']}（{limit}）", "limit") for p in split.parts[limit:]]
    citations, figures, passages, offset_of = _gather(results)
    computed = computation(answerer, split, results, offset_of)
    stated = _stated_change(answerer, split, results, computed, filters)
    if stated is not None:  # the later year's document states the change the missing year would give
        results.append(stated)
        citations, figures, passages, offset_of = _gather(results)
        computed = None
    text = compose(results, offset_of, computed)
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
    """The answered parts' citations, figures and passages renumbered into one list (a passage cited
    by two parts once), and each part's map from its own [n] to the composed answer's."""
    offset_of: list[dict[int, int]] = []
    citations, figures, passages = [], [], []
    numbered: dict[tuple[str, str], int] = {}  # a passage two parts cite keeps one number
    for r in results:
        offset: dict[int, int] = {}
        if r.answered and r.answer is not None:
            for c in r.answer.citations:
                if (c.source, c.text) not in numbered:
                    numbered[c.source, c.text] = len(numbered) + 1
                    citations.append(replace(c, n=len(numbered)))
                offset[c.n] = numbered[c.source, c.text]
            held = {p.n for p in passages}
            passages += [
                replace(p, n=offset[p.n]) for p in r.answer.passages if p.n in offset and offset[p.n] not in held
            ]
            figures += part_figures(r.answer, offset)
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
