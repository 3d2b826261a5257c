"""What a drafting topic asks for: its regions and period, its headlines, its subject words.

泰兴市2020年科技创新成效 asks for the headline set of one county and one year; 知识产权 in a topic
narrows it to patents; 各地…对比 asks across regions. Places come from the gazetteer (through
:func:`assistant.answer.grounding.analyze`), indicators from the lexicon, and the words by which
a topic names each headline from ``assistant/data/drafting.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.grounding import analyze
from assistant.draft.clauses import norm
from assistant.language.draft_terms import DraftingSpec, Headline
from assistant.language.lexicon import Lexicon
from assistant.language.places import region_of
from assistant.language.text import to_simplified


def subject_of(topic: str, places: list[str], spec: DraftingSpec) -> str:
    """泰兴市2020年高新技术企业培育成效 → 高新技术企业培育: what the topic sentence names."""
    text = to_simplified(topic)
    for name in sorted(places, key=len, reverse=True):
        text = text.replace(name, "")
    text = re.sub(r"(?:(?:19|20)\d\d\s*年?度?\s*[、，,和及与至到—–-]?\s*)+年?度?|[（(]简体[)）]", "", text)
    text = re.sub(r"^(?:为|写一段|起草一段|起草|撰写|请)+|写一段|起草一段|关于", "", text)
    text = re.sub(r"的?(?:报告段落|总结文字|汇报材料|段落|文字|材料|总结|简报)$", "", text)
    text = re.sub(r"(?:工作|成效|情况|成果|进展|亮点|对比|比较)+$|的?主要(?:规定|内容)$", "", text)
    return re.sub(r"^[、，,和及与]+|^各地|^全市|^的|的$", "", text).strip() or "科技创新"


@dataclass
class Topic:
    regions: list[str]
    years: list[int]
    places: list[str]
    focus: list[Headline]  # headline indicators the topic names
    subject_words: list[str]  # further words a measure must carry to be on topic
    unknown: list[str] = field(default_factory=list)  # places named that no document or fact is about


def read_topic(topic: str, documents: list[dict], spec: DraftingSpec, lexicon: Lexicon, held: set[str]) -> Topic:
    """Regions, years and the headlines a topic asks for. A place no document is about is still a
    region when the fact table holds its figures (陕西省, a row of the national bulletin's table)."""
    facts = analyze(topic, documents)
    plain = norm(topic)
    asked = {name for name, _ in lexicon.find(topic)}
    focus = [h for h in spec.headline if any(w.lower() in plain for w in h.topic) or asked & set(h.indicators)]
    general = set(spec.markers.general_topic)
    named = {w for h in focus for w in h.topic} | {v for h in focus for i in h.indicators for v in lexicon.variants(i)}
    words = [t for t in facts.tokens if t not in general and not any(t in n or n in t for n in named)]
    # 浙江某区 names the district, not also the province whose policies are indexed as 浙江省
    regions = [r for r in facts.regions if not any(r != o and r in o for o in facts.regions)]
    outside = [p for p in (region_of(name) for name in facts.foreign if name not in facts.sub_units) if p]
    tabled = [p.full_name for p in outside if p.full_name in held]
    unknown = [p.full_name for p in outside if p.full_name not in held and not facts.regions]
    return Topic(regions + tabled, facts.years, facts.places, focus, words, unknown)
