"""Answers from the fact table: comparisons, series over years and rankings.

Retrieval hands a model five passages; a ranking over 31 provinces or a five-year series is out
of its reach. These questions go to the fact table instead: every row used becomes a numbered
passage (the table row or the sentence it was read from), the extractive answer lists one cited
line per figure, and an LLM backend receives the same rows as its passages. Rules:

* two figures for one indicator, region and year from different documents (a preliminary and a
  revised one) are both shown with their sources, never merged;
* a ranking is over the regions the table holds, and the answer says so;
* a year or region the table lacks is refused, naming what the table does hold;
* a target (力争…达到) is no figure of its year;
* when one document's sentences give several figures for one cell (累计 and 复审 counts), the table
  cannot tell which it means: that document is left out, and with no other, retrieval answers.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from assistant.answer.grounding import region_aliases
from assistant.answer.refusal import Refusal
from assistant.answer.stages import Grounded, Turn
from assistant.answer.types import Evidence, Passage, QuestionFacts
from assistant.answer.verify import Bound
from assistant.facts.binding import asked_qualifiers
from assistant.facts.extract import Fact
from assistant.facts.fact import shown
from assistant.facts.store import FactStore
from assistant.facts.vocabulary import Vocabulary
from assistant.language.draft_terms import load_spec
from assistant.language.figures import Figure, extract_figures, figure_in
from assistant.language.text import to_simplified

_CN = "零一二三四五六七八九十"
_COUNT = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_RANK = re.compile(
    rf"排名|排行|排序|排前|前\s*{_COUNT}\s*(?:名|位|个|的)?|最高|最低|最多|最少|最大|最小|第几|倒数|后\s*{_COUNT}\s*(?:名|位)"
)
_BOTTOM = re.compile(rf"最低|最少|最小|倒数|后\s*{_COUNT}\s*(?:名|位)")
_TOP_N = re.compile(rf"(?:前|后|倒数)\s*{_COUNT}|{_COUNT}\s*个(?:省|地区|城市|直辖市)")
_ONE = re.compile(r"最高|最低|最多|最少|最大|最小|哪个省|哪个地区|哪一个")
_PLACE_KINDS = r"(?:省份?|地区|城市|地市|直辖市|自治区|区县)"
_BELOW = ("低于", "少于", "小于", "不足", "不到")
_THRESHOLD = re.compile(
    r"(超过|高于|大于|多于|低于|少于|小于|不足|不到)\s*"
    r"((?:千|百|万)?亿[元]?|\d+(?:\.\d+)?\s*(?:万亿|亿|万)?\s*(?:元|%|家|件|项|个|人))"
)
_HOW_MANY_PLACES = re.compile(
    rf"(?:多少|几)个?(?:{_PLACE_KINDS}|市|县)|{_PLACE_KINDS}(?:数量|数)?(?:有|共有|共)?(?:多少|几)个"
)
# 哪个更高 / 谁多 / 高还是低: the user wants the comparison decided, not only its figures listed
_WHICH = re.compile(r"哪个|哪一个|哪里|哪年|哪一年|谁|更高|更低|更多|更少|更大|更小|较高|较低|较多|较少|还是")
_WHERE_RANK = re.compile(r"第几|排第|排名第?几|位次")
_DURATION = re.compile(r"多长|多久|期限|几年|几个月|多少年|多少个月|多少天|几天")
_TREND = re.compile(
    r"趋势|变化|历年|逐年|走势|各年|近\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*年|变动|增长情况|序列"
)


def fmt(value: float) -> str:
    """A figure as the sources write it: 30782.9, 6.83, 13 (never 3.07829e+04)."""
    return format(Decimal(repr(value)).normalize(), "f")


def _cn_number(n: int) -> str:
    """Rank numbers in Chinese (第十二): an Arabic rank would be read as an unverified figure."""
    if n <= 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _CN[tens]}十{_CN[ones] if ones else ''}"


def _parse_count(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:  # 十 → 10, 十二 → 12, 二十 → 20
        tens, _, ones = text.partition("十")
        return (_CN.index(tens) if tens else 1) * 10 + (_CN.index(ones) if ones else 0)
    return _CN.index(text)


def _strip(region: str) -> str:
    return re.sub(r"(?:省|市|区|县|自治区)$", "", region)


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

    def grounded(self, turn: Turn, started: float, bound: Bound) -> Grounded:
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
            fact_answer=self,
            bound=bound,
        )


def passage_text(fact: Fact) -> str:
    """A fact as a passage: the sentence as written, or the table row with its cell restated in
    its column's unit (the row shows "R&D经费（亿元）769.6"; the answer says 769.6亿元)."""
    if fact.kind == "table":
        return f"{fact.text}（{fact.raw}：{shown(fact)}{fact.unit}）"
    return fact.text


class FactAnswerer:
    """Routes comparison, trend and ranking questions to the fact table."""

    def __init__(self, store: FactStore, vocab: Vocabulary) -> None:
        self.store = store
        self.vocab = vocab

    def _regions_named(self, q: str, held: list[str]) -> list[str]:
        """Held regions the question names (longest name first, so 常州市钟楼区 is not also 常州)."""
        names: list[tuple[str, str]] = []
        for region in held:
            aliases = {region, _strip(region)} | region_aliases(region)[0]
            names += [(a, region) for a in aliases if len(a) >= 2]
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, str]] = []
        for alias, region in sorted(names, key=lambda n: -len(n[0])):
            for m in re.finditer(re.escape(alias), q):
                if not any(s < m.end() and m.start() < e for s, e in taken):
                    taken.append(m.span())
                    found.append((m.start(), region))
        return list(dict.fromkeys(r for _, r in sorted(found)))

    def answer(self, question: str, asked: QuestionFacts) -> FactAnswer | None:
        """The fact-table answer, a refusal naming what the table holds, or None (not a question
        for the table: retrieval answers it)."""
        q = to_simplified(question)
        named = {name for name, _ in self.vocab.find(q)}
        if len(named) != 1 or asked.wants_date or _DURATION.search(q):  # a rule's term (多长时间内) is no table row
            return None
        if asked.doc_years:  # 2018年政府工作报告提出…: that report's words, not a table's cell for 2018
            return None
        threshold = _threshold(q)
        if threshold is None and _HOW_MANY_PLACES.search(q):  # 有几个省份超过全国平均水平: the documents say
            return None
        indicator = named.pop()
        qualifiers = asked_qualifiers(q, self.vocab.units(indicator))
        facts = self.store.query(indicator, qualifiers=qualifiers, whole_only=True)
        if not facts:
            return None
        held_regions = list(dict.fromkeys(f.region for f in facts if f.region))
        regions = self._regions_named(q, held_regions)
        if any(not any(_strip(p) in r or _strip(r) in p for r in regions) for p in asked.places):
            return None  # a place the question names has no fact of this indicator: retrieval decides
        years = list(asked.years)
        tabular = any(f.kind == "table" for f in facts)
        if threshold is not None and len(regions) <= 1:
            return self._beyond(threshold, indicator, facts, years)
        if _RANK.search(q) and len(regions) <= 1:
            return self._ranking(q, indicator, facts, regions, years)
        if len(regions) >= 2 or len(years) >= 2 or _TREND.search(q):
            kind = "comparison" if len(regions) >= 2 or not _TREND.search(q) and len(years) == 2 else "trend"
            if not regions:
                national = [r for r in held_regions if any(f.region == r and f.level == "national" for f in facts)]
                if not national:
                    return None
                regions = national[:1]
            found = self._cells(kind, indicator, facts, regions, years, tabular)
            if found is not None and kind == "comparison" and not found.refused and _WHICH.search(q):
                found.text += _verdict(found.series)
            return found
        if tabular and len(regions) == 1 and len(years) == 1:
            return self._cells("lookup", indicator, facts, regions, years, tabular)
        return None

    # -- the three shapes ------------------------------------------------------------------------
    def _cells(
        self, kind: str, indicator: str, facts: list[Fact], regions: list[str], years: list[int], tabular: bool
    ) -> FactAnswer | None:
        """Comparison / trend / lookup: one line per (region, year), every figure cited."""
        chosen: list[tuple[str, int | None, list[Fact]]] = []
        missing: list[str] = []
        for region in regions:
            mine = [f for f in facts if f.region == region and (not years or f.year in years) and _observed(f)]
            if not mine:
                missing.append(f"{region}{'、'.join(f'{y}年' for y in years)}")
                continue
            by_year: dict[int | None, list[Fact]] = defaultdict(list)
            for f in mine:
                by_year[f.year].append(f)
            for year in sorted(by_year, key=lambda y: y or 0):
                cell = _distinct(by_year[year])
                if cell is None:
                    return None  # a report's sentences give several figures for it: retrieval decides
                chosen.append((region, year, cell))
        if missing:
            if not tabular:
                return None
            return self._refuse(kind, indicator, facts, missing)
        if kind == "lookup" and all(f.kind != "table" for _, _, cell in chosen for f in cell):
            return None
        return self._compose(kind, indicator, chosen)

    def _table_year(self, facts: list[Fact], years: list[int]) -> tuple[dict[str, Fact] | None, int | None]:
        """The asked (else latest) year's cells of one table, a cell per region; ``(None, year)``
        when the table lacks that year, ``(None, None)`` when there is nothing to rank."""
        pool = _regional(facts)
        held_years = sorted({f.year for f in pool if f.year})
        if not held_years:
            return None, None
        year = years[-1] if years else held_years[-1]
        if year not in held_years:
            return None, year
        by_region: dict[str, list[Fact]] = defaultdict(list)
        for f in _one_table([f for f in pool if f.year == year], year):
            by_region[f.region].append(f)
        best = {r: fs[0] for r, fs in by_region.items() if len({f.base_value for f in fs}) == 1}
        return (best, year) if len(best) >= 2 else (None, None)

    def _ranking(
        self, q: str, indicator: str, facts: list[Fact], regions: list[str], years: list[int]
    ) -> FactAnswer | None:
        best, year = self._table_year(facts, years)
        if best is None:
            return None if year is None else self._refuse("ranking", indicator, _regional(facts), [f"{year}年"])
        bottom = bool(_BOTTOM.search(q))
        order = sorted(best.values(), key=lambda f: f.base_value, reverse=not bottom)
        count = _TOP_N.search(q)
        if regions and _WHERE_RANK.search(q):
            target = regions[0]
            if target not in best:
                return self._refuse("ranking", indicator, _regional(facts), [f"{target}{year}年"])
            place = [f.region for f in sorted(best.values(), key=lambda f: -f.base_value)].index(target) + 1
            fact = best[target]
            passage = _passage(1, fact)
            text = (
                f"{year}年{target}{indicator}为{shown(fact)}{fact.unit}[1]，"
                f"在资料所含的地区中从高到低排第{_cn_number(place)}（排名范围见说明）。"
            )
            return FactAnswer("ranking", text, False, [passage], [_point(fact)], _scope(best))
        n = _parse_count(count.group(1) or count.group(2)) if count else (1 if _ONE.search(q) else len(order))
        picked = order[:n]
        passages = [_passage(i, f) for i, f in enumerate(picked, start=1)]
        which = "从低到高" if bottom else "从高到低"
        lines = [f"{year}年{indicator}{which}排名如下，只在资料所含的地区之间排名（范围见说明）。"]
        lines += [f"第{_cn_number(i)}：{f.region} {shown(f)}{f.unit}[{i}]。" for i, f in enumerate(picked, start=1)]
        return FactAnswer("ranking", "\n".join(lines), False, passages, [_point(f) for f in picked], _scope(best))

    def _beyond(
        self, threshold: tuple[str, Figure], indicator: str, facts: list[Fact], years: list[int]
    ) -> FactAnswer | None:
        """The regions of one table whose cell is over (or under) the asked figure: 超过千亿元的省份."""
        word, bound = threshold
        best, year = self._table_year(facts, years)
        if best is None:
            return None if year is None else self._refuse("ranking", indicator, facts, [f"{year}年"])
        below = word in _BELOW
        same = [f for f in best.values() if f.base_unit == bound.unit]
        if len(same) < len(best):  # 亿元 asked of a % column: not this table's question
            return None
        picked = sorted(
            (f for f in same if (f.base_value < bound.value if below else f.base_value > bound.value)),
            key=lambda f: f.base_value,
            reverse=not below,
        )
        asked = f"{year}年{indicator}{word}{bound.text}的地区"
        if not picked:
            return FactAnswer("ranking", f"资料所含的地区中没有{asked}（范围见说明）。", False, [], [], _scope(best))
        passages = [_passage(i, f) for i, f in enumerate(picked, start=1)]
        lines = [f"{asked}如下，只在资料所含的地区之间比较（范围见说明）："]
        lines += [f"{f.region} {fmt(f.value)}{f.unit}[{i}]。" for i, f in enumerate(picked, start=1)]
        return FactAnswer("ranking", "\n".join(lines), False, passages, [_point(f) for f in picked], _scope(best))

    # -- text --------------------------------------------------------------------------------
    def _compose(self, kind: str, indicator: str, chosen: list[tuple[str, int | None, list[Fact]]]) -> FactAnswer:
        passages: list[Passage] = []
        series: list[dict[str, Any]] = []
        lines = [f"以下是资料中的{indicator}，每个数字注明出处。"]
        for region, year, cell in chosen:
            parts = []
            for f in cell:
                passages.append(_passage(len(passages) + 1, f))
                series.append(_point(f))
                period = f"（{f.period}）" if f.period else ""
                parts.append(
                    f"{shown(f)}{f.unit}{period}[{len(passages)}]" + (f"（《{f.title}》）" if len(cell) > 1 else "")
                )
            note = "。各资料的数字不同，均列出，未合并" if len(cell) > 1 else ""
            lines.append(f"{region}{f' {year}年' if year else ''}：{'；'.join(parts)}{note}。")
        trend = _direction(chosen) if kind == "trend" else ""
        if trend:
            lines.append(trend)
        return FactAnswer(kind, "\n".join(lines), False, passages, series)

    def _refuse(self, kind: str, indicator: str, facts: list[Fact], missing: list[str]) -> FactAnswer:
        years = sorted({f.year for f in facts if f.year})
        regions = list(dict.fromkeys(f.region for f in facts if f.region))
        held_regions = (
            "、".join(regions) if len(regions) <= 8 else f"{'、'.join(regions[:8])}等地区"
        )  # no count: a refusal cites no passage, a figure in it could never be verified
        text = (
            f"资料中没有{'、'.join(missing)}的{indicator}数据；"
            f"资料中有{'、'.join(f'{y}年' for y in years)}的数据，地区有{held_regions}"
        )
        return FactAnswer(kind, text, True)


def _distinct(cell: list[Fact]) -> list[Fact] | None:
    """One fact per distinct value (a table row before a sentence saying the same). Different
    values from different documents are all kept (a preliminary and a revised figure); from one
    document they make its word on the cell ambiguous, unless that document has a table row for
    it: such a document is left out (a work report whose sentences give two shares for the year),
    and when every document is, the cell is ambiguous (None)."""
    tabled = {f.source for f in cell if f.kind == "table"}
    # a document's table row is its figure for the cell; its sentences may speak of parts (高技术制造业…经费)
    cell = [f for f in cell if f.kind == "table" or f.source not in tabled]
    ordered = sorted(cell, key=lambda f: (f.kind != "table", f.source, f.start))
    by_value: dict[float, Fact] = {}
    for f in ordered:
        by_value.setdefault(f.base_value, f)
    kept = list(by_value.values())
    sources = [f.source for f in kept]
    clear = [f for f in kept if sources.count(f.source) == 1]
    return clear or None


def _observed(fact: Fact) -> bool:
    """Not a target ("到2020年…力争…达到2.5%" is no 2020 figure; target words: data/drafting.toml)."""
    return fact.kind == "table" or not load_spec().is_target(fact.text)


def _direction(chosen: list[tuple[str, int | None, list[Fact]]]) -> str:
    """Up or down from the first year to the last, in words (a computed difference would be a
    figure no passage holds)."""
    singles = [(y, cell[0].base_value) for _, y, cell in chosen if len(cell) == 1 and y]
    if len(singles) < 2 or len({r for r, _, _ in chosen}) != 1:
        return ""
    (y0, v0), (y1, v1) = singles[0], singles[-1]
    if v1 == v0:
        return f"{y0}年到{y1}年持平。"
    return f"{y0}年到{y1}年总体{'上升' if v1 > v0 else '下降'}。"


def _regional(facts: list[Fact]) -> list[Fact]:
    """The facts a ranking is over: regions' own (not the national total), a table's where one holds them."""
    ranked_pool = [f for f in facts if f.level != "national" and f.region]
    return [f for f in ranked_pool if f.kind == "table"] or ranked_pool


def _threshold(q: str) -> tuple[str, Figure] | None:
    """超过千亿元 / 低于2% in a question: the comparison word and the figure (千亿 read as 1000亿)."""
    m = _THRESHOLD.search(q)
    if m is None:
        return None
    written = re.sub(r"^(千|百|万)(?=亿)", lambda n: {"千": "1000", "百": "100", "万": "10000"}[n.group(1)], m.group(2))
    figures = extract_figures(written)
    return (m.group(1), replace(figures[0], text=m.group(2))) if figures and not figures[0].is_year else None


def _verdict(series: list[dict[str, Any]]) -> str:
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


def _passage(n: int, fact: Fact) -> Passage:
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


def _point(f: Fact) -> dict[str, Any]:
    return {
        "region": f.region,
        "year": f.year,
        "value": f.value,
        "value_text": shown(f),
        "unit": f.unit,
        "source": f.source,
        "indicator": f.indicator,
    }


def _one_table(facts: list[Fact], year: int) -> list[Fact]:
    """A ranking is over one table's rows. Two tables of a year (a bulletin's 附表 and a yearbook's)
    round some cells differently: pooled, every region where they differ fell out of the ranking
    and a lesser region came first. The table holding the most regions wins; among equals, the one
    whose title names the year (the bulletin of that year), then the document's name."""
    tables: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        tables[(f.source, f.text.split("｜")[0] if f.kind == "table" else "")].append(f)
    if not tables:
        return []
    chosen = max(tables, key=lambda k: (len({f.region for f in tables[k]}), str(year) in k[1], k[0]))
    return tables[chosen]


def _scope(best: dict[str, Fact]) -> str:
    return f"排名范围：资料中有这一年数据的{len(best)}个地区（{'、'.join(best)}），不是全国所有地区。"
