"""Facts from sentences: each figure bound to the nearest indicator phrase before it, the place
just before it (else the document's region), the nearest year and period before it (else the
section's, else the document's), and a qualifier from the words between (新增, 累计, 同比增长, 占比).

"授权专利885件(其中发明144件…)" gives 专利授权量 885件 and 发明专利授权量 144件 — two facts, never
one, which is what lets verification tell them apart. A clause that names a thing of its own
(其他主体经费) or lists figures with 分别 is not bound to an earlier indicator: no fact is better
than a wrong one.
"""

from __future__ import annotations

import re

from assistant.facts.fact import (
    NEW,
    SHARE,
    YEAR,
    Context,
    Fact,
    as_share,
    display,
    qualifier_from,
    unit_fits,
    year_from,
)
from assistant.facts.regions import Place, places_in
from assistant.facts.vocabulary import Vocabulary, normalize
from assistant.language.figures import Figure, extract_figures
from assistant.language.text import SENTENCE

_CLAUSE_BREAK = re.compile(r"[，,；;、：:]")
_PERIOD = re.compile(
    r"(?<!\d)(\d{1,2})\s*[-—–~至到]\s*(\d{1,2})\s*月|截至\s*(\d{1,2})\s*月底|(前[一二三]季度|上半年|前\d{1,2}个月)"
)
_SKIP_UNITS = {"年", "月", "日", "天", "个月", "小时", "分钟", "岁", "工作日"}


def _period(m: re.Match[str]) -> str:
    if m.group(1):
        return f"{int(m.group(1))}-{int(m.group(2))}月"
    if m.group(3):
        return f"1-{int(m.group(3))}月"
    return m.group(4)


def _sub_indicator(vocab: Vocabulary, norm: str, ind: tuple[str, tuple[int, int]], fig_start: int) -> tuple[str, str]:
    """Inside "其中…" after an indicator: "(其中发明144件" is 发明专利授权量, not 专利授权量.
    Returns (indicator, subject): the composed indicator when the vocabulary knows it, else the
    parent indicator with the sub-label as its subject (省级, 市级)."""
    canonical, (s, e) = ind
    where = norm.rfind("其中", e, fig_start)
    if where < 0 or re.search(r"[)）]", norm[where:fig_start]):  # not inside the 其中 list
        return canonical, ""
    seg_start = max([where + 2, *(m.end() for m in _CLAUSE_BREAK.finditer(norm, where, fig_start))])
    label = re.sub(r"[\s(（)）]", "", norm[seg_start:fig_start]).strip("为达有是")
    if not label:
        return canonical, ""
    raw_parent = norm[s:e]
    for candidate in (label + raw_parent, label + canonical, label + canonical.removesuffix("量")):
        composed = vocab.canonical(candidate)
        if composed:
            return composed, ""
    return canonical, label


_LISTED = re.compile(r"分别|依次")
_QIZHONG = re.compile(r"其中[\s:：]*$")
# Words a clause may hold before a figure that still speaks of the previous clause's indicator.
_CARRY_OVER = re.compile(
    r"同比|比上年|上年|增长|增幅|增速|提高|提升|下降|减少|增加|新增|累计|总数|总量|总计|总额|共计|合计|"
    r"其中|分别|依次|全年|当年|今年|全区|全市|全县|全省|全国|已|达到|达|为|是|约|共|有|超|以上|授权|申请|"
    r"占.{0,12}比重|比重|占比|比例|万|亿|元|"
    # a rank (第一：北京市6.73%, 排名第三) says where the figure stands, not what it measures
    r"排名|排第|位列|第[一二三四五六七八九十百零〇两\d]+(?:名|位)?|"
    r"\d|[^\u4e00-\u9fff]"
)


def own_words(norm: str, clause_start: int, fig_start: int, places: list[Place], gap: str = "") -> str:
    """The words a clause holds before a figure besides places, digits and carry-over words
    (全市, 增长, 达, 为…): what the clause names of its own (其他主体经费, 有效专利拥有量); ``gap``
    stands where a word was taken out (a blank keeps the remaining words apart)."""
    text = list(norm[clause_start:fig_start])
    for p in places:
        for i in range(max(p.start, clause_start), min(p.end, fig_start)):
            text[i - clause_start] = " "
    return _CARRY_OVER.sub(gap, "".join(text))


def names_other(norm: str, clause_start: int, fig_start: int, places: list[Place]) -> bool:
    """Whether the figure's own clause names a thing of its own before it (其他主体经费) — then the
    indicator of an earlier clause is not what it measures. Places and carry-over words don't count."""
    return len(own_words(norm, clause_start, fig_start, places)) >= 2


def _place_for(places: list[Place], fig_start: int, clause_start: int, ind_clause: int, ind_start: int) -> Place | None:
    """The place in the figure's own clause (北京（6.83%）), else one in the indicator's clause
    before the indicator (全国共投入R&D经费…); places elsewhere in the sentence (赴四川大学) are not
    what the figure measures."""
    own = [p for p in places if clause_start <= p.start and p.end <= fig_start]
    if own:
        return own[-1]
    lead = [p for p in places if ind_clause <= p.start and p.end <= ind_start]
    return lead[-1] if lead else None


def _rebind(vocab: Vocabulary, indicator: str, raw: str, between: str, qualifier: str) -> str:
    """The indicator the words before the figure turn this one into, by the lexicon's contrasts:
    "专利申请170件,授权91件" — 授权 after 申请 makes 专利授权量; "新增高企28家,总数达132家" — 总数
    after 新增 makes the stock 高新技术企业. "研发投入占GDP比重2.7%" is the R&D intensity."""
    for side_a, side_b in vocab.lexicon.contrasts:
        for ours, theirs in ((side_a, side_b), (side_b, side_a)):
            word = next((w for w in ours if w in indicator), None)
            if word is None or any(w in between for w in ours):
                continue
            said = [w for w in theirs if w in between]
            if not said and not (qualifier == "累计" and "累计" in theirs):
                continue
            for candidate in (*(indicator.replace(word, w) for w in said), indicator.replace(word, "")):
                if (found := vocab.canonical(candidate)) is not None:
                    return found
    share = SHARE.search(between)
    if qualifier == "占比" and share:
        return vocab.canonical(raw + share.group(0).replace("的", "")) or indicator
    return indicator


def prose_facts(ctx: Context, text: str, vocab: Vocabulary) -> list[Fact]:
    """Facts of the sentences of one text chunk."""
    facts = []
    section_year = year_from(ctx.section)
    default_year = section_year or (ctx.years[0] if ctx.years else None)
    for sm in SENTENCE.finditer(text):
        facts += _sentence_facts(ctx, vocab, sm.group(0), sm.start(), default_year)
    return facts


def _sentence_facts(
    ctx: Context, vocab: Vocabulary, sentence: str, offset: int, default_year: int | None
) -> list[Fact]:
    """Facts of one sentence (``offset``: where it starts in the chunk): each figure bound to the
    indicator, place, year and period written before it."""
    figures = _measured(sentence)
    indicators = vocab.find(sentence) if figures else []
    if not indicators:
        return []
    norm = normalize(sentence)
    years = [(m.start(), int(m.group(1))) for m in YEAR.finditer(norm)]
    periods = [(m.start(), _period(m)) for m in _PERIOD.finditer(norm)]
    places = _places(sentence, ctx.region, [span for _, span in indicators])
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(norm)]
    facts = []
    for fig in figures:
        before = [i for i in indicators if i[1][1] <= fig.start]
        if not before or _part_of_whole(norm, before[-1], indicators):
            continue
        ind = before[-1]
        clause_start = max((b + 1 for b in breaks if b < fig.start), default=0)
        bound = _bind(vocab, norm, ind, fig, clause_start, places)
        if bound is None:
            continue
        indicator, subject, qualifier = bound
        ind_clause = max((b + 1 for b in breaks if b < ind[1][0]), default=0)
        place = _place_for(places, fig.start, clause_start, ind_clause, ind[1][0])
        if _LISTED.search(norm, ind[1][1], fig.start) and (place is None or place.start < clause_start):
            continue  # "A、B、C经费所占比重分别为77.7%、11.6%和8.3%": which is whose is not written next to it
        region, level = (place.name, place.level) if place else (ctx.region, ctx.level)
        year = next((y for at, y in reversed(years) if at < fig.start), default_year)
        period = next((p for at, p in reversed(periods) if at < fig.start), "")
        value, unit = display(fig)
        facts.append(
            Fact(
                indicator,
                sentence[ind[1][0] : ind[1][1]],
                subject,
                region,
                level,
                year,
                period,
                value,
                unit,
                float(fig.exact),
                fig.unit,
                qualifier,
                ctx.source,
                ctx.title,
                ctx.chunk_id,
                "text",
                sentence.strip(),
                offset + fig.start,
                offset + fig.end,
            )
        )
    return facts


def _part_of_whole(norm: str, ind: tuple[str, tuple[int, int]], indicators: list[tuple[str, tuple[int, int]]]) -> bool:
    """Whether the indicator comes right after 其中 and the sentence named the same indicator before:
    "技术合同交易金额达31.28亿元，…，其中技术交易额20.83亿元" — the figure is a part of the whole,
    no figure of that indicator (其中发明… after 专利授权量 names another indicator and stays)."""
    start = ind[1][0]
    lead = _QIZHONG.search(norm, max(0, start - 6), start)
    return lead is not None and any(o[0] == ind[0] and o[1][1] <= lead.start() for o in indicators)


def _places(sentence: str, region: str, spans: list[tuple[int, int]]) -> list[Place]:
    """The places a sentence's figures may belong to: not a place word inside an indicator's name
    (国家高企), nor 国家 right before one (认定国家科技型中小企业714家 is 周口市's count of national-level
    firms, not the nation's)."""
    return [
        p
        for p in places_in(sentence, region)
        if not any(s < p.end and p.start < e for s, e in spans)
        and not (sentence[p.start : p.end] == "国家" and any(s == p.end for s, _ in spans))
    ]


def _measured(sentence: str) -> list[Figure]:
    """The figures of a sentence that may be facts: with a unit, not a year, a duration or an age,
    and not a range (a range is a target)."""
    return [
        f
        for f in extract_figures(sentence)
        if not f.is_year and f.unit and f.unit not in _SKIP_UNITS and f.upper is None
    ]


def _bind(
    vocab: Vocabulary,
    norm: str,
    ind: tuple[str, tuple[int, int]],
    fig: Figure,
    clause_start: int,
    places: list[Place],
) -> tuple[str, str, str] | None:
    """The indicator, subject and qualifier a figure is bound to, from the indicator ``ind`` before
    it and the words between them; None when the figure is not that indicator's."""
    indicator, subject = _sub_indicator(vocab, norm, ind, fig.start)
    if (
        ind[1][1] <= clause_start
        and not subject
        and indicator == ind[0]
        and names_other(norm, clause_start, fig.start, places)
    ):
        return None  # "…高等学校经费2753.3亿元；其他主体经费825.3亿元": not the indicator before
    between = norm[max(ind[1][1], clause_start) : fig.start]
    ahead = norm[max(clause_start if clause_start <= ind[1][0] else ind[1][0], ind[1][0] - 6) : ind[1][0]]
    qualifier = qualifier_from(between, ahead)
    indicator = _rebind(vocab, indicator, norm[ind[1][0] : ind[1][1]], between, qualifier)
    if indicator != ind[0] and vocab.units(indicator) == {"%"} and qualifier == "占比":
        qualifier = ""  # the share was the indicator itself
    ok, qualifier = unit_fits(qualifier, fig.unit, vocab.units(indicator))
    if not ok:
        return None
    indicator, qualifier = as_share(vocab, indicator, qualifier)
    if not qualifier and NEW.search(indicator):
        qualifier = "新增"  # 新认定高新技术企业: the flow is in the indicator's own name
    return indicator, subject, qualifier
