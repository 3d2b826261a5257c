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

from assistant.answer.grounding import CONTRASTS, QuestionFacts, analyze
from assistant.years import YEAR_BEFORE_NIAN
# "X呢？", "那X呢", "那么X呢？": the asker wants the same thing about X.
_WHAT_ABOUT = re.compile(r"^\s*(?:那么|那|还有|另外)?\s*(?P<topic>.+?)\s*呢\s*[？?]?\s*$")
# Words that qualify the previous indicator rather than name a new one (2021年的目标呢 = its target);
# analyze() already drops the generic ones (累计, 其中, 分别, …).
_MODIFIERS = frozenset("目标 计划 预计 预期 任务 情况 增长 增幅 增速 同比 比重 占比 比例 总量 总数 合计".split())


def merge_followup(question: str, history: list[dict[str, str]], documents: list[dict],
                   asked: QuestionFacts | None = None) -> str:
    """The follow-up ``question`` as a standalone question, given the chat ``history`` and the
    indexed ``documents`` (whose regions tell place names from indicator words); ``asked`` is the
    question's analysis when the caller has it already."""
    previous = next((t["content"] for t in reversed(history) if t.get("role") == "user"), "")
    if not previous:
        return question
    before, now = analyze(previous, documents), asked or analyze(question, documents)
    context = previous
    if now.years:
        context = YEAR_BEFORE_NIAN.sub(str(now.years[0]), context)
    if now.places:
        context = _without(context, before.places)
        context = "".join(now.places) + context
    asked = _WHAT_ABOUT.match(question)
    new_words = [t for t in now.tokens if t not in _MODIFIERS]
    if asked and new_words:
        if swapped := _swap_contrast(context, new_words):
            return swapped
        if not set(new_words) & set(before.tokens):  # a different indicator about the same place and years
            places = "" if now.places else "".join(before.places)
            years = "" if now.years else "、".join(f"{y}年" for y in before.years)
            return f"{places}{years}{asked['topic']}是多少？"
    return f"{context.rstrip('？?。')}？{question}"


def _without(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return text


def _swap_contrast(previous: str, words: list[str]) -> str | None:
    """申请量呢？ after 发明专利授权量是多少？: the same question about the other measure."""
    for a, b in CONTRASTS:
        for asked, other in ((a, b), (b, a)):
            if any(asked in w for w in words) and other in previous and asked not in previous:
                return previous.replace(other, asked)
    return None

