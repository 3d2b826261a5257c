"""One part of a several-part question as answered or declined, and the composed answer's text:
one line per part in the question's order, a declined part saying what is missing.

Apart from :mod:`assistant.answer.multipart`, which runs the parts, so that the computation over
parts (:mod:`assistant.answer.part_compute`) and the composition read the same result type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from assistant.answer.computed import COMPUTED_MARK, Computed
from assistant.answer.parts import Part
from assistant.answer.refusal import CANNOT_ANSWER
from assistant.answer.stages import Answer
from assistant.answer.verify import CITATION, FigureResult

ORDINAL = "一二三四五六七八九十"


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
            "figures": [f.to_json() for f in part_figures(answer, offset)] if self.answered else [],
            "citations": [offset[c.n] for c in answer.citations] if self.answered and answer else [],
            "reason": self.reason,
            "reason_kind": self.reason_kind,
            "joint": self.joint,
        }


def part_figures(answer: Answer | None, offset: dict[int, int]) -> list[FigureResult]:
    if answer is None:
        return []
    return [replace(f, citation=offset.get(f.citation, f.citation) if f.citation else None) for f in answer.figures]


KIND_WORDS = {
    "year": "该地区有此指标，但没有所问年份的数据",
    "indicator": "资料中没有所问指标的数据",
    "region": "资料中没有关于该地区的文件",
    "limit": "超过一次回答的部分数上限",
}


def compose(results: list[PartResult], offset_of: list[dict[int, int]], computed: Computed | None) -> str:
    """One line per part, in the question's order; a declined part says what is missing."""
    lines = [f"问题包含{ordinal(len(results))}个部分，逐一回答："]
    stated: dict[str, int] = {}
    for i, (r, offset) in enumerate(zip(results, offset_of), start=1):
        head = f"（{ordinal(i)}）{r.part.label()}{'（问题中重复出现，合并回答）' if r.part.repeated > 1 else ''}："
        if r.answered and r.answer is not None:
            body = CITATION.sub(lambda m, o=offset: f"[{o.get(int(m.group(1)), int(m.group(1)))}]", r.answer.answer)
            # a clause naming no indicator of its own (…，比上年增长多少) that the same passage answers
            # as the part before it is pointed there, not quoted again; a part with its own indicator
            # keeps its line, whose figure is its own
            said = i if r.part.claim.get("indicator") else stated.get(body.strip(), i)
            stated.setdefault(body.strip(), i)
            lines.append(head + (body.strip() if said == i else f"见（{ordinal(said)}）。"))
        else:
            lines.append(f"{head}未能回答——{r.reason or KIND_WORDS.get(r.reason_kind, '')}。")
    if computed is not None:
        # no [n] on this line: the result is in no passage; its inputs are cited on their parts' lines
        lines.append(f"计算{COMPUTED_MARK}：{computed.text}")
    if not any(r.answered for r in results):
        lines[0] = f"{CANNOT_ANSWER}。{lines[0]}"
    return "\n".join(re.sub(r"\n+", " ", line) for line in lines)


def ordinal(n: int) -> str:
    if n <= 10:
        return ORDINAL[n - 1]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else ORDINAL[tens - 1]}十{ORDINAL[ones - 1] if ones else ''}"
