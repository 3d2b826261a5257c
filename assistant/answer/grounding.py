"""Decide, without an LLM, whether the retrieved passages answer a question, and where.

Every backend asks this module first, and :mod:`refusal` decides from what it finds. A question
names a region, a year and an indicator; the passages answer it only if one of their sentences
comes from a document of that region,
speaks of that year, and carries the indicator's words (weighted by how rare they are in the
corpus) with a figure. Otherwise the answer is a refusal — never another region's, year's or
indicator's figure in its place (发明专利授权量 is not 专利授权量; 上海 is not 泰兴).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from assistant.answer.coverage import names_any, same_division, written_forms
from assistant.answer.indicator_match import contradicts, credit, row_lacks_indicator, row_named, squeeze
from assistant.answer.types import Evidence, Passage, QuestionFacts
from assistant.language.figures import extract_figures
from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.places import Place, named_places, region_of
from assistant.language.scope import Scope
from assistant.language.text import SENTENCE, to_simplified
from assistant.language.tokens import tokenize
from assistant.language.years import DATE_PHRASES, years_in

_METADATA = Path(__file__).resolve().parent.parent / "data" / "metadata.toml"

_SUFFIX = re.compile(r"(省|市|区|县|自治区)$")
# Words that say "how much", units and fillers: they carry no indicator.
_GENERIC = frozenset(
    """家 件 项 个 人 户 名 元 万元 亿元 量 数 新 总 多 全 年 月 底 今年 去年 当年 全年 目前 累计 其中 分别 各
    各有 各是 分别是 大概 大约 一共 总共 共有 排 第几 排第几 什么 怎么 怎样 如何 规定 按 依照 根据 要 里 说 由 是从
    时候 之前 多长 时间 长时间 多长时间 多久 至少 最多 几家 几项 几个 几件 几 钱 比较 以及 哪个 哪些 达到 有 是 会 能
    被 对 的 了 数量 数目""".split()
)
# "多少家" / "几项": the unit the answer's figure must carry (counting units that mean the same go together).
_ASKS_SEVERAL = re.compile(r"、|和|及|以及|分别|各|哪些|情况|多少.+多少|[？?].+[？?]")
_ASKS_RANK = re.compile(r"第几|排名|位次|排第")
_ASKS_DATE = re.compile(r"哪天|哪一天|何时|什么时候|日期|哪年|哪一年|几月|哪个月|哪一个月|哪月")
_RANK = re.compile(r"第\s*[\d一二三四五六七八九十]+(?:位|名)?")
_ASKED_UNIT = re.compile(r"(?:多少|几)(个工作日|工作日|个月|家|户|个|件|项|人|名|次|元|万元|亿元|亩|篇|场|份|所|天|日)")
_SAME_UNIT = {
    "家": {"家", "户", "个"},
    "户": {"家", "户", "个"},
    "个": {"个", "家", "户", "项"},
    "项": {"项", "个"},
    "名": {"名", "人"},
    "人": {"人", "名"},
    "万元": {"元"},
    "亿元": {"元"},
    "天": {"天", "日", "工作日"},
    "日": {"天", "日", "工作日"},
    "个工作日": {"工作日"},
    "个月": {"个月", "月"},
}
_ASKS_FIGURE = re.compile(
    r"多少|几|比重|比例|占比|金额|数量|规模|总数|总量|额|率|多长|多久|期限|哪天|何时|日期|罚款|增长|目标|计划"
)


def region_aliases(region: str, province: str = "") -> tuple[set[str], set[str]]:
    """(specific, broad) names: 常州市钟楼区 → ({常州市钟楼区, 钟楼区, 钟楼, 常州市, 常州, …}, {江苏省, 江苏}).

    A redacted region (浙江省某区) is also called 浙江某区 / 浙江那个区 / 该区 by users.
    """
    specific: set[str] = set()
    for part in [region, *re.findall(r"[^省市区县]+(?:省|市|区|县)", region)]:
        if part and part != province:
            specific |= {part, _SUFFIX.sub("", part)}
    if "某" in region:
        base = region.replace("省", "")
        specific |= {base, base.replace("某", "那个"), base.replace("某", "那"), base.replace("某", "该")}
    broad = {province, _SUFFIX.sub("", province)} if province else set()
    if region == province:
        specific, broad = broad | {region}, set()
    specific |= written_forms(region)  # 黔东南州, 黔东南 for 黔东南苗族侗族自治州
    return {n for n in specific if len(n) >= 2 and n != "某区"}, {n for n in broad if len(n) >= 2}


def _redacted_hit(doc: dict, q: str) -> list[str]:
    """浙江省某区 is what users call 浙江某区, 那个浙江的区, 浙江的那个区: province + (某|那个|该|的)区."""
    region, province = doc.get("region", ""), doc.get("province", "")
    if "某" not in region or not province:
        return []
    short = _SUFFIX.sub("", province)
    m = re.search(rf"(?:某|那个|该|这个|的){region[-1]}", q)
    return [short, m.group(0)] if short in q and m else []


def analyze(question: str, documents: list[dict], lexicon: Lexicon | None = None) -> QuestionFacts:
    """Region, years and indicator of a (Simplified or Traditional) question.

    Places come from the national division table (:mod:`assistant.language.places`): a place the corpus has no
    document for is ``foreign``; when it lies inside a document's region (a town of 泰兴市, a district
    of 杭州市) the question is about it and not about that region, so no region is kept and the
    question is refused rather than answered with the parent's figure. 全国/我国 name the national
    documents, but only when the question names no other place (全国第一 in a county's question)."""
    q = to_simplified(question)
    lexicon = lexicon or load_lexicon()
    asked_unit = _ASKED_UNIT.search(q)
    facts = QuestionFacts(
        wants_figure=bool(_ASKS_FIGURE.search(q)),
        unit=asked_unit.group(1) if asked_unit else None,
        wants_rank=bool(_ASKS_RANK.search(q)),
        wants_date=bool(_ASKS_DATE.search(q)),
        multi=bool(_ASKS_SEVERAL.search(q)),
        question=q,
        lexicon=lexicon,
    )
    places = named_places(q)
    facts.scope = Scope.of(q, places)
    facts.regions, named = _regions_named(q, documents, places)
    # a town or zone is not named by its parent's short name inside it (常州高新区 is not 常州)
    foreign = [p for p in places if not any(p.name in n or (n in p.name and p.level != "town") for n in named)]
    facts.foreign = list(dict.fromkeys(p.name for p in foreign))
    regions = {doc.get("region", "") for doc in documents} - {""}
    facts.held = sorted(regions)
    # towns and zones no document is about (常州高新区 is not 常州), and any place inside a covered
    # region (泰兴市黄桥镇, 杭州市上城区): the question is theirs, never the parent's
    facts.sub_units = [
        p.name
        for p in foreign
        if (p.level == "town" or _inside(p, facts.regions)) and not any(p.name in r for r in regions)
    ]
    named_documents = _document_year().findall(q)
    facts.doc_years = [int(y) for y, _ in named_documents]
    facts.doc_words = [w for _, w in named_documents]
    facts.years = [y for y in years_in(q) if y not in facts.doc_years]
    names = named | set(facts.foreign)
    facts.places = sorted((p for p in names if not any(p != o and p in o for o in names)), key=q.find)
    rest = DATE_PHRASES.sub(" ", q)
    for name in sorted(names, key=len, reverse=True):  # 湖北省: the suffix is part of the place, no indicator word
        rest = re.sub(rf"{re.escape(name)}(?:自治区|省|市|区|县)?", " ", rest)
    facts.tokens = [t for t in dict.fromkeys(tokenize(rest)) if t not in _GENERIC and not t.isdigit()]
    _read_indicators(facts, rest, lexicon)
    return facts


def _regions_named(q: str, documents: list[dict], places: list[Place]) -> tuple[list[str], set[str]]:
    """The documents' regions the question names, and the names it used for them: its own or a
    part's (常州市钟楼区, 钟楼区) first, else its province's (江苏), else the nation's (全国)."""
    specific_hits: list[str] = []
    broad_hits: list[str] = []
    national_hits: list[str] = []
    named: set[str] = set()
    for doc in documents:
        if not doc.get("region"):
            continue  # a document whose region is not stated is no place a question can name
        if region_of(doc["region"]) is not None and region_of(doc["region"]).level == "national":
            if hit := [p.name for p in places if p.level == "national"]:
                national_hits.append(doc["region"])
                named |= set(hit)
            continue
        specific, broad = region_aliases(doc.get("region", ""), doc.get("province", ""))
        if hit := [a for a in specific if a in q] or _redacted_hit(doc, q) or same_division(doc["region"], places):
            specific_hits.append(doc["region"])
            named |= set(hit)
        elif hit := [a for a in broad if a in q]:
            broad_hits.append(doc["region"])
            named |= set(hit)
    return list(dict.fromkeys(specific_hits or broad_hits or national_hits)), named


def names_document(facts: QuestionFacts, title: str, years: Iterable[int]) -> bool:
    """A document is the one the question names by year and kind (2017年政府工作报告): its title has
    the kind's word and the year (its own years, for a title without one). Retrieval keeps to such
    documents; grounding, which also sees documents whose title was inferred badly, asks only the year."""
    return any(w in title for w in facts.doc_words) and bool(set(years_in(title) or years) & set(facts.doc_years))


@lru_cache(maxsize=1)
def _document_year() -> re.Pattern[str]:
    """A year written right before a document type's word (2017年政府工作报告, 2023年统计公报), the
    words being those metadata inference reads (``assistant/data/metadata.toml``)."""
    kinds = tomllib.loads(_METADATA.read_text(encoding="utf-8"))["doc_type"]
    words = sorted({w for kind in kinds for w in kind["words"]}, key=len, reverse=True)
    return re.compile(rf"(?<!\d)((?:19|20)\d\d)\s*年度?的?({'|'.join(map(re.escape, words))})")


def _inside(place: Place, regions: list[str]) -> bool:
    """The place lies strictly inside one of the document regions (a town of a covered county)."""
    for region in regions:
        covered = region_of(region)
        if (
            covered is not None
            and covered.level != "national"
            and place.within(covered)
            and place.level != covered.level
        ):
            return True
    return False


def _read_indicators(facts: QuestionFacts, rest: str, lexicon: Lexicon) -> None:
    """The lexicon's indicators in the question, and what counts as each of its words in a sentence."""
    found = lexicon.find(rest)
    facts.indicators = list(dict.fromkeys(name for name, _ in found))
    facts.indicator_words = [
        t
        for t in dict.fromkeys(tokenize(" ".join(rest[a:b] for _, (a, b) in found)))
        if len(t) > 1 and t not in _GENERIC
    ]
    for token in facts.tokens:
        facts.equivalents[token] = lexicon.equivalents(token)
    for name, (start, end) in found:
        for token in tokenize(rest[start:end]):
            if token in facts.equivalents:
                facts.equivalents[token] = tuple(dict.fromkeys([*facts.equivalents[token], *lexicon.variants(name)]))


def evidence_years(passage: Passage, sentence: str) -> set[int]:
    """The years a sentence speaks of: its own, else its section heading's (一、2020年工作情况),
    else its document's. A report covering 2020 and a 2021 plan must not answer for both."""
    return set(years_in(to_simplified(sentence)) or years_in(to_simplified(passage.section)) or passage.years)


def _matches_year(facts: QuestionFacts, passage: Passage, sentence: str) -> bool:
    if not facts.years:
        return True
    years = evidence_years(passage, sentence)
    return not years or bool(years & set(facts.years))


def find_evidence(facts: QuestionFacts, passages: list[Passage], idf: Callable[[str], float]) -> list[Evidence]:
    """Sentences of the passages that could answer, best first (coverage, then a table row the
    question names by its label, then retrieval rank).

    Coverage is the IDF-weighted share of the question's indicator words found (as words or
    synonyms) in the sentence, its section heading or its document title.
    """
    weights = {t: idf(t) for t in facts.tokens}
    total = sum(weights.values()) or 1.0
    found: list[Evidence] = []
    # A place no document is about is answered only by a sentence that names it: a national
    # bulletin's table row 陕西｜R&D经费（亿元）769.6 answers for 陕西, its national total does not.
    named_only = facts.foreign if not facts.regions else []
    for passage in passages:
        if facts.regions and passage.region not in facts.regions:
            continue
        if facts.doc_years and not set(years_in(passage.title) or passage.years) & set(facts.doc_years):
            continue  # 2017年政府工作报告 is the report titled 2017, not the 2018 one that also reviews 2017
        # a province's row of a national table answers for that province only (not 全国, not no place)
        if facts.scope.row_outside({"kind": passage.kind, "row_label": passage.row_label}):
            continue
        if row_lacks_indicator(facts, passage):
            continue
        context = to_simplified(f"{passage.title} {passage.section}").lower()
        named = row_named(facts, passage)  # its cells answer unit-less too (指数（以上年为100）99.9)
        for m in SENTENCE.finditer(passage.text):
            sentence = m.group(0).strip()
            figures = tuple(
                f for f in extract_figures(sentence) if (f.unit or named) and (facts.wants_date or not f.is_year)
            )
            if facts.unit:
                figures = tuple(f for f in figures if f.unit in _SAME_UNIT.get(facts.unit, {facts.unit}))
            answers = bool(_RANK.search(sentence)) if facts.wants_rank else bool(figures) or not facts.wants_figure
            if (
                not answers
                or not _matches_year(facts, passage, sentence)
                or contradicts(facts, to_simplified(sentence))
            ):
                continue
            if named_only and not names_any(to_simplified(sentence), named_only, facts.scope.places):
                continue
            text = squeeze(to_simplified(sentence)) + " " + squeeze(context)
            coverage = sum(w for t, w in weights.items() if credit(facts, t, text)) / total
            found.append(Evidence(passage, sentence, coverage, figures))
    return sorted(found, key=lambda e: (-e.coverage, not row_named(facts, e.passage), e.passage.n))
