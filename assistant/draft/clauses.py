"""Source sentences into draftable facts, and the rules for what must never be drafted as a result.

A fact is a clause group of one source sentence: the clause holding a figure plus the clauses
that continue it (同比增长119.3%, 列泰州第1), quoted as written so every figure can be verified
against the original passage. A fact from a 短板/不足 section, a plan or target (a later year, 力争,
目标), or work under way is kept out of the results: a writer who passes a shortcoming or a 2021
target off as a 2020 achievement is worse served than by no draft. The markers are data
(:mod:`assistant.language.draft_terms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.grounding import evidence_years
from assistant.answer.types import Passage
from assistant.language.draft_terms import DraftingSpec, Headline
from assistant.language.figures import Figure, extract_figures
from assistant.language.lexicon import Lexicon
from assistant.language.text import to_simplified

_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")
_FOOTNOTE = re.compile(r"\[\d+\]|［\d+］")
_SPACE_NEAR_CJK = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+|(?<=\d)\s+(?=[%.])|(?<=\.)\s+(?=\d)")
_BREAKDOWN = re.compile(r"[（(]其中[^）)]*[）)]")
_LIST_MARK = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+是|[（(]?[一二三四五六七八九十\d]+[)）、.．]|其中|第[一二三四五六七八九十百零]+条)\s*"
)
_NOWHERE = Passage(0, "", "", "", "", (), "", "")


def clean_clause(text: str) -> str:
    """Source text fit to quote: footnote marks ([2] would read as a citation) and the spaces of
    Word-exported HTML (30782.9 亿元) removed, list markers (二是) and breakdowns ((其中发明980件…))
    dropped: a paragraph states the total."""
    text = _SPACE_NEAR_CJK.sub("", _BREAKDOWN.sub("", _FOOTNOTE.sub("", text))).strip()
    for opening, closing in ("()", "（）"):  # a clause cut inside brackets (…1457万元(其中，…) ends before them
        if text.count(opening) > text.count(closing):
            text = text[: text.rfind(opening)]
    return _LIST_MARK.sub("", text).strip(" ，,；;：:。")


def norm(text: str) -> str:
    """Simplified, no blanks, lower case: what markers and topic words are matched against."""
    return re.sub(r"\s+", "", to_simplified(text)).lower()


def facts_of_sentence(spec: DraftingSpec, sentence: str) -> list[tuple[str, tuple[Figure, ...]]]:
    """Clause groups: a clause with a figure, plus the figure-less or continuing clauses after it."""
    continuing = spec.pattern("continuation")
    groups: list[tuple[list[str], list[Figure]]] = []
    inside = False  # within brackets a clause cut at 、，: 1457万元(其中，年产值达35.46亿元…) is not about 1457万元
    for m in _CLAUSE.finditer(sentence):
        clause = m.group(0)
        depth = clause.count("(") + clause.count("（") - clause.count(")") - clause.count("）")
        if inside:
            inside = depth >= 0
            continue
        inside = depth > 0
        found = [f for f in extract_figures(_BREAKDOWN.sub(" ", _FOOTNOTE.sub(" ", clause))) if not f.is_year]
        figures = [f for f in found if f.unit]
        body = clean_clause(clause)
        if not body or len(figures) < len(found):  # 提高0.3 cut off from its unit by a chunk border
            continue
        continues = bool(continuing.match(norm(body)))
        if continues and not groups:  # 总数达295家 at a chunk's start: whose total, the chunk does not say
            continue
        if figures and not continues:
            groups.append(([body], figures))
        elif groups and (figures or len(groups[-1][0]) < 3) and len(body) <= 40:
            groups[-1][0].append(body)
            groups[-1][1].extend(figures)
    return [("，".join(parts), tuple(figs)) for parts, figs in groups]


def years_in(text: str) -> set[int]:
    return evidence_years(_NOWHERE, text)


def excluded(spec: DraftingSpec, passage: Passage, sentence: str, text: str, period: set[int]) -> str | None:
    """Why a fact must not be drafted as a result, or None."""
    section = norm(passage.section)
    if spec.pattern("shortcoming_sections").search(section):
        return "短板与不足"
    section_years = years_in(passage.section)
    if spec.pattern("plan_sections").search(section) or (period and section_years and min(section_years) > max(period)):
        return "工作思路与计划"
    if spec.is_target(norm(text)) and (not period or not _speaks_of(sentence, period)):
        return "目标或预计"
    said = years_in(sentence)
    if period and said and min(said) > max(period):
        return "晚于所写年份"
    return None


def _speaks_of(text: str, period: set[int]) -> bool:
    """An estimate for the period itself (2013年…预计超9亿元, in the 2013 report) may be drafted
    as the estimate it is; a target for a later year may not."""
    years = years_in(text)
    return bool(years & period) and max(years) <= max(period)


def in_period(passage: Passage, sentence: str, period: set[int]) -> bool:
    """The fact is reported for the period: its sentence, section or document speaks of it (a
    2020 report's 2019年度研发经费占比 is part of the 2020 results; a 2021 target is not)."""
    if not period:
        return True
    years = evidence_years(passage, sentence) | set(passage.years)
    return bool(years & period)


@dataclass(frozen=True)
class Named:
    """What a clause names: its lexicon indicators, and the headline they belong to (if any)."""

    indicators: tuple[str, ...]
    headline: Headline | None
    importance: int  # the headline's place in the data file; len(headlines) for none

    def measured_in(self, spec: DraftingSpec, lexicon: Lexicon, figures: tuple[Figure, ...]) -> bool:
        """A figure of the clause is in a unit its indicator is measured in (高企 are counted, not paid)."""
        units = {u for name in self.indicators for u in spec.units.get(lexicon.unit_family(name), [])}
        return any(f.unit in units for f in figures)


def named_in(spec: DraftingSpec, lexicon: Lexicon, text: str) -> Named:
    names = tuple(dict.fromkeys(name for name, span in lexicon.find(text) if _stands(spec, lexicon, text, name, span)))
    for i, h in enumerate(spec.headline):
        mine = tuple(n for n in names if n in h.indicators)
        if mine:
            return Named(mine, h, i)
    return Named(names, None, len(spec.headline))


def _stands(spec: DraftingSpec, lexicon: Lexicon, text: str, name: str, span: tuple[int, int]) -> bool:
    """A wording that names only the denominator (占国内生产总值比重, 与国内生产总值之比) is the
    headline's share only when the words before it name the headline's own amount: 研发经费支出与
    国内生产总值之比 is R&D intensity, 服务业增加值占国内生产总值比重 is not."""
    if not spec.pattern("bare_share").match(text[span[0] : span[1]]):
        return True
    rank = spec.importance(name)
    return rank is not None and any(spec.importance(other) == rank for other, _ in lexicon.find(text[: span[0]]))


def role_of(spec: DraftingSpec, named: Named, text: str, off_topic: bool, units_fit: bool) -> tuple[str, int, str]:
    """The fact's role, its order within the role, and why (shown beside the draft)."""
    headline = named.headline
    indicator = "、".join(named.indicators[:2])
    compares = bool(spec.pattern("comparison").search(norm(text)))
    if off_topic and headline is not None:
        return "context", named.importance, f"同地区同期的另一头条指标「{headline.name}」，仅在段落过短时补充"
    if units_fit and headline is not None and not spec.pattern("pending").search(norm(text)):
        return (
            "headline",
            named.importance,
            f"头条指标「{headline.name}：{indicator}」（重要性第{named.importance + 1}位）"
            + ("，含同比或排名比较" if compares else ""),
        )
    if compares:
        return (
            "comparison",
            0,
            "比较或趋势："
            + ("与上年或同期相比" if re.search("同比|比上年|较上年|增长|提高|下降", text) else "位次比较"),
        )
    return "measure", 0, "支撑举措" + (f"（{indicator}）" if indicator else "")
