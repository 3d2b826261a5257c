"""Decide, without an LLM, whether the retrieved passages answer a question, and where.

Every backend asks this module first. A question names a region, a year and an indicator;
the passages answer it only if one of their sentences comes from a document of that region,
speaks of that year, and carries the indicator's words (weighted by how rare they are in the
corpus) with a figure. Otherwise the answer is a refusal — never another region's, year's or
indicator's figure in its place (发明专利授权量 is not 专利授权量; 上海 is not 泰兴).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.figures import Figure, extract_figures
from assistant.text import to_simplified, tokenize, tokenize_query

# Places a user may ask about; one the corpus has no document for makes the question unanswerable.
_PLACES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 "
    "云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 深圳 广州 南京 苏州 无锡 常州 南通 泰州 扬州 镇江 "
    "徐州 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 台州 成都 绵阳 泸州 武汉 长沙 郑州 西安 济南 青岛 合肥 厦门 福州 大连 沈阳 "
    "哈尔滨 长春 昆明 贵阳 南宁 兰州 太原 石家庄 东莞 佛山 珠海 昆山 江阴 张家港 义乌 慈溪 余姚 泰兴 瑞安 钟楼 "
    "靖江 兴化 乐清"
).split()
_SUFFIX = re.compile(r"(省|市|区|县|自治区)$")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[—–\-~至到]\s*((?:19|20)\d\d)(?!\d)")
_SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_ASKS_FIGURE = re.compile(r"多少|几|比重|比例|占比|金额|数量|规模|总数|总量|额|率|多长|多久|期限|哪天|何时|日期|罚款|增长|目标|计划")

MIN_COVERAGE = 0.6  # share (by IDF) of the question's indicator words a supporting sentence must hold
MIN_DRAFT_COVERAGE = 0.3  # a drafting topic is broad; any sentence on its subject can serve


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

    def header(self) -> str:
        years = "、".join(f"{y}年" for y in self.years) or "年份不详"
        return f"[{self.n}] 《{self.title}》（{self.region or '地区不详'}，{years}）{self.section and ' · ' + self.section}"


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
    years: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # indicator words: no places, no years
    wants_figure: bool = True


def region_aliases(region: str, province: str = "") -> set[str]:
    """泰兴市 → {泰兴市, 泰兴}; 常州市钟楼区 → {…, 常州, 钟楼}; 浙江省某区 → {…, 浙江, 某区}."""
    names = {region, province} - {""}
    for name in list(names):
        for part in re.findall(r"[^省市区县]+(?:省|市|区|县)?", name):
            names |= {part, _SUFFIX.sub("", part)}
        names.add(_SUFFIX.sub("", name))
    return {n for n in names if len(n) >= 2}


def analyze(question: str, documents: list[dict]) -> QuestionFacts:
    """Region, years and indicator words of a (Simplified or Traditional) question."""
    q = to_simplified(question)
    facts = QuestionFacts(wants_figure=bool(_ASKS_FIGURE.search(q)))
    place_words: set[str] = set()
    for doc in documents:
        aliases = region_aliases(doc.get("region", ""), doc.get("province", ""))
        hit = [a for a in aliases if a in q and a not in ("某区",)]
        if hit and doc.get("region") not in facts.regions:
            facts.regions.append(doc["region"])
        place_words |= set(hit)
    known = {a for doc in documents for a in region_aliases(doc.get("region", ""), doc.get("province", ""))}
    facts.foreign = [p for p in _PLACES if p in q and p not in known and not any(p in k for k in place_words)]
    for start, end in _YEAR_RANGE.findall(q):
        facts.years.extend(range(int(start), int(end) + 1))
    facts.years += [int(y) for y in _YEAR.findall(q) if int(y) not in facts.years]
    skip = {t for w in place_words | set(facts.foreign) for t in tokenize(w)} | {str(y) for y in facts.years}
    skip |= {"年", "年度", "某区", "那个", "该区", "全市", "全区", "市", "区"}
    facts.tokens = [t for t in tokenize_query(q) if t not in skip]
    return facts


def _sentence_years(sentence: str) -> set[int]:
    years = {int(y) for y in _YEAR.findall(sentence)}
    for start, end in _YEAR_RANGE.findall(sentence):
        years |= set(range(int(start), int(end) + 1))
    return years


def evidence_years(passage: Passage, sentence: str) -> set[int]:
    """The years a sentence speaks of: its own, else its section heading's (一、2020年工作情况),
    else its document's. A report covering 2020 and a 2021 plan must not answer for both."""
    return _sentence_years(to_simplified(sentence)) or _sentence_years(to_simplified(passage.section)) or set(passage.years)


def _matches_year(facts: QuestionFacts, passage: Passage, sentence: str) -> bool:
    if not facts.years:
        return True
    years = evidence_years(passage, sentence)
    return not years or bool(years & set(facts.years))


def find_evidence(facts: QuestionFacts, passages: list[Passage], idf: Callable[[str], float]) -> list[Evidence]:
    """Sentences of the passages that could answer, best first (coverage, then retrieval rank)."""
    weights = {t: idf(t) for t in dict.fromkeys(facts.tokens)}
    total = sum(weights.values()) or 1.0
    found: list[Evidence] = []
    for passage in passages:
        if facts.regions and passage.region not in facts.regions:
            continue
        for m in _SENTENCE.finditer(passage.text):
            sentence = m.group(0).strip()
            figures = tuple(f for f in extract_figures(sentence) if not f.is_year)
            if (facts.wants_figure and not figures) or not _matches_year(facts, passage, sentence):
                continue
            words = set(tokenize_query(sentence + " " + passage.section))
            coverage = sum(w for t, w in weights.items() if t in words) / total
            found.append(Evidence(passage, sentence, coverage, figures))
    return sorted(found, key=lambda e: (-e.coverage, e.passage.n))


def refusal_reason(facts: QuestionFacts, evidence: list[Evidence], draft: bool = False) -> str | None:
    """Why the passages don't answer the question (or can't support the draft), or None."""
    if facts.foreign and not facts.regions:
        return f"资料中没有关于{'、'.join(facts.foreign)}的文件"
    if not evidence:
        return "资料中没有相应地区和年份的相关内容"
    if evidence[0].coverage < (MIN_DRAFT_COVERAGE if draft else MIN_COVERAGE):
        return "资料中没有所问指标的数据"
    return None
