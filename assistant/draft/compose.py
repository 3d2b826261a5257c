"""The extractive draft: the plan's facts in templates, deterministic, within length.

A topic sentence, the facts with their region and period (the source's own clauses, so every
figure stays verifiable against the original passage), and a closing sentence; each sentence
cites its passage. A Simplified request gets Simplified text even from a Traditional source
(OpenCC, no NFKC, so the punctuation stays full-width); the reference shows the original.
"""

from __future__ import annotations

import re

import opencc

from assistant.answer.verify import CITATION
from assistant.draft.candidates import PlanItem
from assistant.draft.plan import Plan

DEFAULT_CHARS = 300  # the default paragraph is 150–300 characters (citation marks not counted)
MIN_SHARE = 0.5  # --chars N asks for N/2 … N characters
MAX_FACTS_PER_SENTENCE = 3  # more facts in one sentence read as a list, not a paragraph
_T2S = opencc.OpenCC("t2s")


def draft_length(text: str) -> int:
    """Characters a reader counts: no citation marks, no bullet marks or line breaks."""
    return len(re.sub(r"^- ", "", CITATION.sub("", text), flags=re.M).replace("\n", ""))


def length_bounds(chars: int) -> tuple[int, int]:
    return int(chars * MIN_SHARE), chars


def script(text: str, simplified: bool) -> str:
    return _T2S.convert(text) if simplified else text


def _period(item: PlanItem, plan: Plan) -> str:
    """The year(s) a fact is for, unless its clause already says (2019年度研发经费…)."""
    if re.search(r"(?:19|20)\d\d\s*年", item.text):
        return ""
    years = [y for y in item.years if not plan.years or y in plan.years] or list(item.years)
    return f"{years[0]}年" if years else ""


def _fact_sentence(items: list[PlanItem], plan: Plan, simplified: bool) -> str:
    """One sentence for consecutive facts of one passage: 泰兴市2020年全年新认定国家高企86家，…[1]。"""
    first = items[0]
    body = "，".join(script(i.text, simplified) for i in items)
    if first.role == "provision":  # a policy's clause speaks for itself: no region or year in front
        return f"{body}[{plan.number(first)}]。"
    return f"{first.region}{_period(first, plan)}{'，' if _period(first, plan) else ''}{body}[{plan.number(first)}]。"


def _groups(items: list[PlanItem]) -> list[list[PlanItem]]:
    """Consecutive facts of one passage, indicator and role share a sentence; a provision is a
    sentence of its own."""
    groups: list[list[PlanItem]] = []
    for item in items:
        last = groups[-1][0] if groups else None
        if (
            last
            and item.role != "provision"
            and len(groups[-1]) < MAX_FACTS_PER_SENTENCE
            and (
                (last.passage.chunk_id, last.indicator, last.role) == (item.passage.chunk_id, item.indicator, item.role)
            )
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _frame(plan: Plan, used: list[PlanItem], style: str, simplified: bool) -> tuple[str, str]:
    """Topic and closing sentences. They state no figure; each cites the passages it sums up."""
    regions = list(dict.fromkeys(i.region for i in used))
    where = "、".join(regions[:3]) + ("等地" if len(regions) > 3 else "")
    years = sorted({y for i in used for y in i.years if not plan.years or y in plan.years})
    when = f"{years[0]}年" if len(years) == 1 else ""  # regions of different years: each sentence says its own
    indicators = list(dict.fromkeys(i.indicator for i in used if i.indicator))
    lead, cites = citations_of(plan, used)
    subject = script(plan.subject, simplified)
    if used[0].role == "provision":
        return _policy_frame(script(used[0].passage.title, simplified), subject, style, lead, cites)
    if style == "对比":
        topic = f"{when}{'，' if when else ''}{where}{subject}情况对比如下{lead}。"
        closing = f"以上为各地{'、'.join(indicators[:3]) or subject}的对比情况{cites}。"
    elif style == "简报":
        topic = f"{when}{where}{subject}主要数据如下{lead}。"  # 。 not ：, so the verifier reads it as a sentence
        closing = ""
    else:
        topic = f"{when}{'，' if when else ''}{where}{subject}工作取得积极进展{lead}。"
        covered = "、".join(indicators[:4])
        closing = (
            f"综上，{where}在{covered}等方面取得成效{cites}。"
            if covered
            else f"综上，{where}{subject}工作稳步推进{cites}。"
        )
    return topic, closing


def _policy_frame(title: str, subject: str, style: str, lead: str, cites: str) -> tuple[str, str]:
    """A policy paragraph names the policy and closes on what its provisions are (a subject the
    title already says, 浙江省专利条例, is not said twice)."""
    what = "" if subject in title else subject
    if style == "简报":
        return f"《{title}》规定的{what or '主要内容'}如下{lead}。", ""
    opening = f"《{title}》对{what}作出了明确规定{lead}。" if what else f"《{title}》作出了以下规定{lead}。"
    return opening, f"以上为《{title}》{'中' + what + '的' if what else '的'}主要规定{cites}。"


def _assemble(
    plan: Plan, used: list[PlanItem], style: str, simplified: bool, frame: tuple[str, str] | None = None
) -> str:
    topic, closing = frame or _frame(plan, used, style, simplified)
    if style == "简报":
        lines = [topic] + [f"- {_fact_sentence(g, plan, simplified)}" for g in _groups(used)]
        return "\n".join(lines)
    return topic + "".join(_fact_sentence(g, plan, simplified) for g in _groups(used)) + closing


def _ordered(plan: Plan, style: str) -> list[PlanItem]:
    """对比 leads with what compares (growth, rank, other regions); the others keep the plan's order."""
    if style != "对比":
        return list(plan.items)
    compares = [i for i in plan.items if i.role == "comparison" or "比较" in i.why]
    return compares + [i for i in plan.items if i not in compares]


def chosen(
    plan: Plan,
    style: str = "总结",
    chars: int = DEFAULT_CHARS,
    simplified: bool = True,
    frame: tuple[str, str] | None = None,
) -> list[PlanItem]:
    """The facts a paragraph of ``chars`` holds: plan items in order while the paragraph stays
    within length; an item that would overflow is skipped and a later, shorter one may still fit.
    ``frame``: opening and closing sentences other than the templates' (a model's)."""
    least, most = length_bounds(chars)
    order = _ordered(plan, style)
    used: list[PlanItem] = []
    for item in order:
        if item.role == "context" and used and draft_length(_assemble(plan, used, style, simplified, frame)) >= least:
            continue
        trial = sorted([*used, item], key=order.index)
        if draft_length(_assemble(plan, trial, style, simplified, frame)) <= most:
            used = trial
    return used or order[:1]  # even the first fact overflows a tiny --chars: write it anyway, alone


def compose(
    plan: Plan,
    style: str = "总结",
    chars: int = DEFAULT_CHARS,
    simplified: bool = True,
    frame: tuple[str, str] | None = None,
) -> str:
    """The extractive draft: the templates filled with the facts that fit (deterministic); a
    model's opening and closing sentences (``frame``, cited already) replace the templates' own."""
    return _assemble(plan, chosen(plan, style, chars, simplified, frame), style, simplified, frame)


def citations_of(plan: Plan, used: list[PlanItem]) -> tuple[str, str]:
    """The marks an opening sentence ([first]) and a closing sentence (every passage used) carry."""
    return f"[{plan.number(used[0])}]", "".join(f"[{n}]" for n in dict.fromkeys(plan.number(i) for i in used))
