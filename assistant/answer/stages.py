"""The typed values the answer chain passes from stage to stage:

    Request → Turn → Grounded → Generated → Answer

Each stage adds what it found and carries the rest, so no stage re-derives an earlier one's work:
the question is analysed once per turn (:class:`Turn`), the refusal is decided once before any
model runs (:class:`Grounded`), and :class:`Answer` reads ``refused`` from that decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.answer.refusal import Refusal
from assistant.answer.types import Evidence, Passage, QuestionFacts
from assistant.answer.verify import Bound, FigureResult

if TYPE_CHECKING:
    from assistant.answer.fact_answer import FactAnswer
    from assistant.retrieve import Filters


@dataclass(frozen=True)
class Request:
    """What the caller asked: a question with the chat so far (drafts are planned apart,
    :mod:`assistant.draft.writer`)."""

    text: str
    history: list[dict[str, str]]
    filters: Filters | None
    started: float  # perf_counter() when asked: total_ms counts from here
    on_token: Callable[[str], None] | None = None


@dataclass(frozen=True)
class Turn:
    """The request understood: the question standing on its own, the query searched for it, and
    their analysis (region, years, indicator), computed once and used by every later stage."""

    request: Request
    standalone: str
    query: str
    facts: QuestionFacts


@dataclass(frozen=True)
class Grounded:
    """The turn with its numbered passages, the sentences that could answer, and the decision
    whether to refuse (made here, before any model runs)."""

    turn: Turn
    passages: list[Passage]
    evidence: list[Evidence]
    refusal: Refusal | None
    retrieve_ms: float
    min_coverage: float  # the settings' answer.min_coverage: what the evidence had to reach
    fact_answer: FactAnswer | None = None  # a comparison, trend or ranking the fact table answers
    bound: Bound | None = None  # indicator-bound verification of a figure found in passage n

    @property
    def facts(self) -> QuestionFacts:
        return self.turn.facts

    def passage_texts(self) -> dict[int, str]:
        """``{n: text}``: what a figure cited as ``[n]`` is verified against."""
        return {p.n: p.text for p in self.passages}


@dataclass(frozen=True)
class Generated:
    """The text a backend wrote for the grounded turn (or the refusal's wording), who wrote it,
    and the notice a fallback leaves for the user."""

    grounded: Grounded
    text: str
    backend: str
    notice: str
    generate_ms: float
    unreachable: str = ""  # "the LLM endpoint … is unreachable" when the fallback was forced by a lost endpoint
    declined: bool = False  # the model declined and the passages hold nothing bound to the asked indicator


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    section: str
    text: str
    title: str = ""
    region: str = ""
    years: tuple[int, ...] = ()
    kind: str = "text"
    row_label: str = ""
    columns: str = ""
    original: str = ""
    ocr: bool = False  # read by OCR from a scan or an image: the page says so next to the passage

    @classmethod
    def of(cls, passage: Passage) -> Citation:
        return cls(
            passage.n,
            passage.source,
            passage.section,
            passage.text,
            passage.title,
            passage.region,
            passage.years,
            passage.kind,
            passage.row_label,
            passage.columns,
            passage.original,
            passage.ocr,
        )

    def to_json(self) -> dict[str, Any]:
        out = {
            "n": self.n,
            "source": self.source,
            "section": self.section,
            "text": self.text,
            "title": self.title,
            "region": self.region,
            "years": list(self.years),
            "kind": self.kind,
            "ocr": self.ocr,
        }
        if self.kind == "table_row":  # the page shows a cited row as a small table
            out |= {"row_label": self.row_label, "columns": json.loads(self.columns or "[]")}
        if self.original:
            out["original"] = self.original
        return out


@dataclass
class Answer:
    """What ``ask --json`` prints and the page renders; ``[n]`` in ``answer`` is ``citations[].n``."""

    question: str
    answer: str
    refused: bool
    backend: str
    citations: list[Citation]
    figures: list[FigureResult]
    timings: dict[str, float]
    standalone_question: str = ""
    notice: str = ""
    passages: list[Passage] = field(default_factory=list, repr=False)
    # set when the LLM endpoint could not be reached (the answer is then extractive): the CLI prints
    # it as one line and exits with LLMUnavailable's code, so a script does not mistake it for success
    unreachable: str = field(default="", repr=False)
    series: list[dict[str, Any]] = field(default_factory=list)  # chart points of a fact-table answer
    # a question of several parts (:mod:`assistant.answer.multipart`): each part's claim, status,
    # figures, citations and reason; and a figure computed from two parts' figures, marked computed
    parts: list[dict[str, Any]] = field(default_factory=list)
    computed: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "backend": self.backend,
            "citations": [c.to_json() for c in self.citations],
            "figures": [f.to_json() for f in self.figures],
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "standalone_question": self.standalone_question,
            "notice": self.notice,
            "parts": self.parts,
            "computed": self.computed,
        }


@dataclass(frozen=True)
class Rejection:
    """A model's answer that verification cannot stand behind (it refused, cites nothing, or
    states no figure its passages hold): a value the chain answers extractively, not an error."""

    reason: str
    declined: bool = False  # the model said the passages do not answer (kept when nothing bound contradicts it)
