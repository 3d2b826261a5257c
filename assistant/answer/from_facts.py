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

How the chosen rows read (passages, chart points, the words around them) is ``fact_answer``;
which rows a cell or a ranking may use is ``fact_cells``; this module reads the question and
picks the shape.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Any

from assistant.answer.fact_answer import (
    CN_DIGITS,
    FactAnswer,
    chart_point,
    cn_number,
    direction,
    fact_passage,
    fmt,
    scope_note,
    verdict,
)
from assistant.answer.fact_cells import distinct, observed, one_table, regional
from assistant.answer.grounding import region_aliases
from assistant.answer.types import Passage, QuestionFacts
from assistant.facts.binding import asked_qualifiers
from assistant.facts.extract import Fact
from assistant.facts.fact import shown
from assistant.facts.store import FactStore
from assistant.facts.vocabulary import Vocabulary
from assistant.language.figures import Figure, extract_figures
from assistant.language.text import to_simplified

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


def _parse_count(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:  # 十 → 10, 十二 → 12, 二十 → 20
        tens, _, ones = text.partition("十")
        return (CN_DIGITS.index(tens) if tens else 1) * 10 + (CN_DIGITS.index(ones) if ones else 0)
    return CN_DIGITS.index(text)


def _strip(region: str) -> str:
    return re.sub(r"(?:省|市|区|县|自治区)$", "", region)


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
                found.text += verdict(found.series)
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
            mine = [f for f in facts if f.region == region and (not years or f.year in years) and observed(f)]
            if not mine:
                missing.append(f"{region}{'、'.join(f'{y}年' for y in years)}")
                continue
            by_year: dict[int | None, list[Fact]] = defaultdict(list)
            for f in mine:
                by_year[f.year].append(f)
            for year in sorted(by_year, key=lambda y: y or 0):
                cell = distinct(by_year[year])
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
        pool = regional(facts)
        held_years = sorted({f.year for f in pool if f.year})
        if not held_years:
            return None, None
        year = years[-1] if years else held_years[-1]
        if year not in held_years:
            return None, year
        by_region: dict[str, list[Fact]] = defaultdict(list)
        for f in one_table([f for f in pool if f.year == year], year):
            by_region[f.region].append(f)
        best = {r: fs[0] for r, fs in by_region.items() if len({f.base_value for f in fs}) == 1}
        return (best, year) if len(best) >= 2 else (None, None)

    def _ranking(
        self, q: str, indicator: str, facts: list[Fact], regions: list[str], years: list[int]
    ) -> FactAnswer | None:
        best, year = self._table_year(facts, years)
        if best is None:
            return None if year is None else self._refuse("ranking", indicator, regional(facts), [f"{year}年"])
        bottom = bool(_BOTTOM.search(q))
        order = sorted(best.values(), key=lambda f: f.base_value, reverse=not bottom)
        count = _TOP_N.search(q)
        if regions and _WHERE_RANK.search(q):
            target = regions[0]
            if target not in best:
                return self._refuse("ranking", indicator, regional(facts), [f"{target}{year}年"])
            place = [f.region for f in sorted(best.values(), key=lambda f: -f.base_value)].index(target) + 1
            fact = best[target]
            passage = fact_passage(1, fact)
            text = (
                f"{year}年{target}{indicator}为{shown(fact)}{fact.unit}[1]，"
                f"在资料所含的地区中从高到低排第{cn_number(place)}（排名范围见说明）。"
            )
            return FactAnswer("ranking", text, False, [passage], [chart_point(fact)], scope_note(best))
        n = _parse_count(count.group(1) or count.group(2)) if count else (1 if _ONE.search(q) else len(order))
        picked = order[:n]
        passages = [fact_passage(i, f) for i, f in enumerate(picked, start=1)]
        which = "从低到高" if bottom else "从高到低"
        lines = [f"{year}年{indicator}{which}排名如下，只在资料所含的地区之间排名（范围见说明）。"]
        lines += [f"第{cn_number(i)}：{f.region} {shown(f)}{f.unit}[{i}]。" for i, f in enumerate(picked, start=1)]
        return FactAnswer(
            "ranking", "\n".join(lines), False, passages, [chart_point(f) for f in picked], scope_note(best)
        )

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
            return FactAnswer(
                "ranking", f"资料所含的地区中没有{asked}（范围见说明）。", False, [], [], scope_note(best)
            )
        passages = [fact_passage(i, f) for i, f in enumerate(picked, start=1)]
        lines = [f"{asked}如下，只在资料所含的地区之间比较（范围见说明）："]
        lines += [f"{f.region} {fmt(f.value)}{f.unit}[{i}]。" for i, f in enumerate(picked, start=1)]
        return FactAnswer(
            "ranking", "\n".join(lines), False, passages, [chart_point(f) for f in picked], scope_note(best)
        )

    # -- text --------------------------------------------------------------------------------
    def _compose(self, kind: str, indicator: str, chosen: list[tuple[str, int | None, list[Fact]]]) -> FactAnswer:
        passages: list[Passage] = []
        series: list[dict[str, Any]] = []
        lines = [f"以下是资料中的{indicator}，每个数字注明出处。"]
        for region, year, cell in chosen:
            parts = []
            for f in cell:
                passages.append(fact_passage(len(passages) + 1, f))
                series.append(chart_point(f))
                period = f"（{f.period}）" if f.period else ""
                parts.append(
                    f"{shown(f)}{f.unit}{period}[{len(passages)}]" + (f"（《{f.title}》）" if len(cell) > 1 else "")
                )
            note = "。各资料的数字不同，均列出，未合并" if len(cell) > 1 else ""
            lines.append(f"{region}{f' {year}年' if year else ''}：{'；'.join(parts)}{note}。")
        trend = direction(chosen) if kind == "trend" else ""
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


def _threshold(q: str) -> tuple[str, Figure] | None:
    """超过千亿元 / 低于2% in a question: the comparison word and the figure (千亿 read as 1000亿)."""
    m = _THRESHOLD.search(q)
    if m is None:
        return None
    written = re.sub(r"^(千|百|万)(?=亿)", lambda n: {"千": "1000", "百": "100", "万": "10000"}[n.group(1)], m.group(2))
    figures = extract_figures(written)
    return (m.group(1), replace(figures[0], text=m.group(2))) if figures and not figures[0].is_year else None
