"""The refusal, in one place: when the passages do not answer, what the answer then says, and the
phrase that marks it.

The decision is made before any model runs (from :mod:`grounding`'s analysis and evidence) and
travels with the turn as a value, so ``Answer.refused`` is read from the decision, never from the
answer's text. The phrase :data:`CANNOT_ANSWER` is what the prompts tell a model to say (rule 5 of
``prompts/answer.md``), what a refusal begins with, and what betrays a model that refused although
the passages hold the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer.coverage import Coverage, asked_parts
from assistant.answer.types import Evidence, Passage, QuestionFacts

# The one phrase that means "the corpus does not answer this": shared by prompts, refusals, tests, eval.
CANNOT_ANSWER = "现有资料中没有找到所问的数据"


@dataclass(frozen=True)
class Refusal:
    """The passages do not answer: ``reason`` says why, in the user's language."""

    reason: str


# Decided after verification: every figure the passages hold is, there, another indicator's,
# region's or year's (the district's 3623件 asked as its city's).
UNBOUND = Refusal("资料中的相关数字属于其他指标、地区或年份")
# A model declined, and no passage holds a figure bound to the asked indicator: the decline stands.
DECLINED = "资料中没有与所问指标对应的数字"


def decide(
    facts: QuestionFacts,
    evidence: list[Evidence],
    min_coverage: float,
    coverage: Callable[[], Coverage] | None = None,
) -> Refusal | None:
    """Why the passages don't answer the question, or None.

    A place no document is about is refused at every level, and the reason names what the corpus
    holds; a town asked together with its county (泰兴市黄桥镇) is still the town's question. With
    ``coverage`` (what the documents and the fact table cover, read only when refusing), the reason
    is the true one for each part: the region is absent, present but not for that year, or without
    that indicator in that year."""
    held = f"；现有资料涉及{'、'.join(facts.held[:12])}{'等' if len(facts.held) > 12 else ''}" if facts.held else ""
    if facts.sub_units:
        parents = f"，{'、'.join(facts.regions)}的数字是全域的，不能代替它" if facts.regions else ""
        return Refusal(f"资料中没有关于{'、'.join(facts.sub_units)}的文件{parents}{held}")
    if facts.foreign and not facts.regions and not evidence:  # else a sentence names the place (a table row)
        reasons = gaps(facts, coverage, only=facts.foreign)
        return Refusal(f"{'；'.join(reasons) or '资料中没有关于' + '、'.join(facts.foreign) + '的文件'}{held}")
    if not evidence:
        return Refusal("；".join(gaps(facts, coverage)) or "资料中没有相应地区和年份的相关内容")
    if evidence[0].coverage < min_coverage:
        return Refusal("；".join(gaps(facts, coverage, kinds=("indicator",))) or "资料中没有所问指标的数据")
    return None


def gaps(
    facts: QuestionFacts,
    coverage: Callable[[], Coverage] | None,
    only: list[str] | None = None,
    kinds: tuple[str, ...] = ("region", "year", "indicator"),
) -> list[str]:
    """The reason for each part of the question the corpus does not cover (a part: a place it
    names, for each year it names); ``only`` the places written so."""
    if coverage is None:
        return []
    parts = [
        a for a in asked_parts(facts.scope.places, facts.years, facts.indicators) if only is None or a.written in only
    ]
    if not parts:
        return []
    held = coverage()
    found = (held.gap(a) for a in parts)
    return list(dict.fromkeys(g.reason() for g in found if g is not None and g.kind in kinds))


def wording(refusal: Refusal, facts: QuestionFacts, passages: list[Passage]) -> str:
    """The refusal as the user reads it: the phrase, the reason and region, and which documents of
    that region were found (so the user knows where the figure is not)."""
    regions = "、".join(facts.regions)
    held = "；".join(
        dict.fromkeys(f"《{p.title}》" for p in passages if not facts.regions or p.region in facts.regions)
    )
    nearby = f"相关资料有{held}，但其中没有所问的数字。" if held and facts.regions else ""
    return f"{CANNOT_ANSWER}（{refusal.reason}{'，地区：' + regions if regions else ''}）。{nearby}"


def model_refused(text: str) -> bool:
    """A model's answer that says the passages hold nothing (after grounding found that they do)."""
    return CANNOT_ANSWER in text
