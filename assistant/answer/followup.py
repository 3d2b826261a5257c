"""Deterministic follow-up rewriting: a chat turn such as "那2019年呢？" or "技术合同成交额呢？" made
into a question that stands on its own, from the previous user question.

The extractive backend has no model to rewrite follow-ups, and a model's rewrite can fail, so this
is the rewrite of record. It keeps what the follow-up leaves unsaid (place, years, indicator) and
replaces what it names:

* 那2019年呢？ / 那瑞安呢？ — the previous question with its years / places replaced;
* 技术合同成交额呢？ — "what about X" naming an indicator unrelated to the previous one: the previous
  place and years with the new indicator, and nothing of the old indicator (whose words would
  otherwise pull the old figure back as the answer);
* 申请量呢？ after a question on 授权量 — the previous question with the measure swapped;
* anything else (其中发明专利有多少件？ / 那2021年的目标呢？ / 特殊情况下最多能延长多久？) refines the
  previous question, so it is appended to it and both sets of indicator words count.
"""

from __future__ import annotations

import re

from assistant.answer.grounding import analyze
from assistant.answer.types import QuestionFacts
from assistant.language.lexicon import Lexicon
from assistant.language.years import YEAR_BEFORE_NIAN

# "X呢？", "那X呢", "那么X呢？": the asker wants the same thing about X.
_WHAT_ABOUT = re.compile(r"^\s*(?:那么|那|还有|另外)?\s*(?P<topic>.+?)\s*呢\s*[？?]?\s*$")
# Words that qualify the previous indicator rather than name a new one (2021年的目标呢 = its target);
# analyze() already drops the generic ones (累计, 其中, 分别, …).
_MODIFIERS = frozenset("目标 计划 预计 预期 任务 情况 增长 增幅 增速 同比 比重 占比 比例 总量 总数 合计".split())


def merge_followup(
    question: str,
    history: list[dict[str, str]],
    documents: list[dict],
    asked: QuestionFacts | None = None,
    lexicon: Lexicon | None = None,
) -> str:
    """The follow-up ``question`` as a standalone question, given the chat ``history`` and the
    indexed ``documents`` (whose regions tell place names from indicator words); ``asked`` is the
    question's analysis when the caller has it already, ``lexicon`` the indicator lexicon (by
    default the one ``asked`` was read with, else the packaged one)."""
    previous = next((t["content"] for t in reversed(history) if t.get("role") == "user"), "")
    if not previous:
        return question
    lexicon = lexicon or (asked.lexicon if asked else None)
    before, now = analyze(previous, documents, lexicon), asked or analyze(question, documents, lexicon)
    context = previous
    if now.years:
        context = YEAR_BEFORE_NIAN.sub(str(now.years[0]), context)
    if now.places:
        context = _without(context, before.places)
        context = "".join(now.places) + context
    asked = _WHAT_ABOUT.match(question)
    new_words = [t for t in now.tokens if t not in _MODIFIERS]
    if asked and new_words:
        if swapped := _swap_contrast(context, new_words, now.lexicon):
            return swapped
        if not _same_indicator(before, now, new_words):  # a different indicator about the same place and years
            places = "" if now.places else "".join(before.places)
            years = "" if now.years else "、".join(f"{y}年" for y in before.years)
            return f"{places}{years}{asked['topic']}是多少？"
    return f"{context.rstrip('？?。')}？{question}"


def _without(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return text


def _same_indicator(before: QuestionFacts, now: QuestionFacts, new_words: list[str]) -> bool:
    """Whether the follow-up asks about the previous indicator: by the lexicon when both name one
    (研发投入呢？ after 投入强度 is another indicator although both say 投入), else by shared words."""
    if before.indicators and now.indicators:
        return bool(set(before.indicators) & set(now.indicators))
    return bool(set(new_words) & set(before.tokens))


def _swap_contrast(previous: str, words: list[str], lexicon: Lexicon) -> str | None:
    """申请量呢？ after 发明专利授权量是多少？: the same question about the other measure (the lexicon's
    contrasts: 申请/授权, 新增/累计)."""
    for sides in lexicon.contrasts:
        for asked, other in (sides, sides[::-1]):
            said = next((a for a in asked if any(a in w for w in words)), None)
            before = next((o for o in other if o in previous), None)
            if said and before and not any(a in previous for a in asked):
                return previous.replace(before, said)
    return None
