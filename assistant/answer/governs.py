"""Whether a policy's articles govern the matter a question asks about.

A question on a policy (专利代理费能按专利收费减缴办法减缴吗？) is answered by the article that
speaks of the asked matter. Word overlap alone would answer it with any article that shares the
policy's own words (专利, 收费, 减缴) — here 第十一条, which mentions 专利代理机构 for another
reason. The matter is the question's specific words that are not the policy's name: when none of
the passages holds one of them, no article governs the matter; the answer declines and names the
closest articles as related, never as the answer. A figure question (专利代理费减缴多少？) is held to
the same test when it names the policy it asks about: the policy's percentages are figures of other
matters, and quoting them would state another matter's figure as the answer.
"""

from __future__ import annotations

import re

from assistant.answer.grounding import analyze
from assistant.answer.indicator_match import credit, squeeze
from assistant.answer.refusal import Refusal
from assistant.answer.types import Evidence, Passage, QuestionFacts
from assistant.language.text import to_simplified

MIN_MATTER_CHARS = 3  # a word this long is specific (代理费, 实质审查费); shorter ones are the policy's vocabulary
# words that ask rather than name (最多能, 哪天起, 多长时间): never the matter a policy must speak of
_ASKING = re.compile(r"哪|几|何|多少|多久|多长|什么|怎|最多|最少|最长|最短|是否")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")


def ungoverned(facts: QuestionFacts, evidence: list[Evidence], passages: list[Passage]) -> Refusal | None:
    """A refusal naming the related articles when the asked matter is in no passage.

    Figure questions qualify only when they name a passage's document by its title: a statistical
    question's words (粮食总产量) may be worded otherwise in its bulletin, a named policy's may not.
    """
    if not evidence:
        return None
    names = [squeeze(to_simplified(t)) for t in dict.fromkeys(p.title for p in passages) if t]
    asked = squeeze(facts.question)
    named = [n for n in names if n and n in asked]
    if (facts.wants_figure and not named) or _asks_indicator(facts, asked, named):
        return None
    titles = " ".join(names)
    matter = [
        t for t in facts.tokens if len(t) >= MIN_MATTER_CHARS and not _ASKING.search(t) and not credit(facts, t, titles)
    ]
    if not matter:
        return None
    held = squeeze(to_simplified(" ".join(f"{p.section} {p.text}" for p in passages)))
    absent = [t for t in matter if not any(credit(facts, w, held) for w in facts.lexicon.with_terms(t))]
    if not absent:
        return None
    related = list(dict.fromkeys(f"《{e.passage.title}》{_article(e)}" for e in evidence[:3]))
    return Refusal(f"资料中没有关于“{'、'.join(absent)}”的规定；相关条款（不是对所问事项的规定）：{'；'.join(related)}")


def _asks_indicator(facts: QuestionFacts, asked: str, named: list[str]) -> bool:
    """Whether the question names an indicator outside the titles it names: 高新技术企业 in
    《高新技术企业认定管理办法》 names the policy, not a figure the question asks for."""
    if not named:
        return bool(facts.indicators)
    for name in named:
        asked = asked.replace(name, "，")
    return bool(analyze(asked, [], facts.lexicon).indicators)


def _article(e: Evidence) -> str:
    """The article a sentence belongs to: the last 第…条 before it in its passage, else its section."""
    text = e.passage.text
    at = text.find(e.sentence)
    found = _ARTICLE.findall(text[: at + len(e.sentence)] if at >= 0 else e.sentence)
    return found[-1] if found else (_ARTICLE.findall(e.passage.section) or [e.passage.section])[-1]
