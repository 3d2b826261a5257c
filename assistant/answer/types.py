"""The types the answer layer passes between its stages: a numbered passage, the evidence a
sentence gives, and what a question asks (its places, years, indicators and scope).

They sit apart from :mod:`assistant.answer.grounding`, which fills them, because a dozen modules
(refusal, verification, the backends, the fact-table answers, drafting) read them without needing
the grounding rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.language.figures import Figure
from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.scope import Scope


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as numbered in the prompt: [n] and where it comes from."""

    n: int
    chunk_id: str
    source: str
    title: str
    region: str
    years: tuple[int, ...]
    section: str
    text: str
    province: str = ""
    kind: str = "text"  # "text" | "table_row" | "table" (see assistant.ingest.layout)
    row_label: str = ""
    columns: str = ""  # a table row's cells: JSON list of {"header", "unit", "value"}
    original: str = ""  # the text as written, where read-time normalization changed it
    ocr: bool = False  # the chunk was read from a scan or an image by OCR

    @classmethod
    def of(cls, n: int, result: Any) -> Passage:
        """Passage [n] from a search result (:class:`assistant.retrieve.SearchResult`) and its chunk metadata."""
        m = result.metadata
        return cls(
            n,
            result.chunk_id,
            result.source,
            m.get("title", result.source),
            m.get("region", ""),
            tuple(m.get("years") or ()),
            result.section,
            result.text,
            m.get("province", ""),
            m.get("kind", "text"),
            m.get("row_label", ""),
            m.get("columns", ""),
            m.get("original", ""),
            bool(m.get("ocr", False)),
        )

    def header(self) -> str:
        years = "、".join(f"{y}年" for y in self.years) or "年份不详"
        section = self.section and " · " + self.section
        return f"[{self.n}] 《{self.title}》（{self.region or '地区不详'}，{years}）{section}"


@dataclass(frozen=True)
class Evidence:
    passage: Passage
    sentence: str
    coverage: float
    figures: tuple[Figure, ...]


@dataclass
class QuestionFacts:
    regions: list[str] = field(default_factory=list)  # document regions the question names
    foreign: list[str] = field(default_factory=list)  # places it names that no document covers
    # towns, streets, zones (黄桥镇, 常州高新区) it names that no document is about: never answered
    # with the county's or city's figure, even when the question also names that parent
    sub_units: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # the regions the documents are about (for refusals)
    places: list[str] = field(
        default_factory=list
    )  # the place names as written, in order (泰兴市, not 泰兴市 and 泰兴)
    years: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # indicator words: no places, no years
    wants_figure: bool = True
    unit: str | None = None  # the unit the asked figure must have, when the question names one
    wants_rank: bool = False  # 排第几: the answer is an ordinal (全省第6), not a figure
    wants_date: bool = False  # 哪天/什么时候: the answer is a date, which figures treat as a year
    # years that name a document (2017年政府工作报告), not the year a figure is of: that report's
    # 2.08% is of 2016, the year it reviews
    doc_years: list[int] = field(default_factory=list)
    doc_words: list[str] = field(default_factory=list)  # the kinds those years name (政府工作报告)
    multi: bool = False  # asks for several figures (A、B和C / 分别 / 各 / 情况)
    question: str = ""  # the question, Simplified
    indicators: list[str] = field(default_factory=list)  # the lexicon's indicators it names (canonical names)
    # what counts as each indicator word in a sentence: its synonyms (GDP → 国内生产总值) and, for a
    # word of a named indicator, every wording of that indicator (占GDP比重 → 投入强度, 与国内生产总值之比)
    equivalents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    indicator_words: list[str] = field(default_factory=list)  # the words of those wordings (R&D经费 → r&d, 经费)
    lexicon: Lexicon = field(default_factory=load_lexicon, repr=False, compare=False)
    # the places and years that rank and filter passages: retrieval and grounding read the same scope
    scope: Scope = field(default_factory=lambda: Scope((), frozenset()))
