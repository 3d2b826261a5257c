"""Write a drafted paragraph from its plan, on any backend, and check it like an answer.

The extractive backend fills templates from the plan (deterministic): a topic sentence, the
facts with their region and period, a closing sentence — each sentence cited. An LLM backend
receives the plan's facts as numbered passages; its paragraph must cite, keep every figure
verified and stay within length, else the extractive draft replaces it with a notice.

A Simplified request gets Simplified text even from a Traditional source (OpenCC, no NFKC so
the punctuation stays full-width); the figures are verified against the original passage, and
the reference shows that original.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import opencc
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answer.stages import Answer, Citation
from assistant.answer.draft_plan import Plan, PlanItem, build_plan
from assistant.answer.prompts import CANNOT_ANSWER, load_prompt
from assistant.answer.verify import CITATION, cite_uncited, mask_citations, statements, verify_answer
from assistant.figures import extract_figures, figure_in
from assistant.errors import AssistantError
from assistant.retrieve import Filters
from assistant.text import to_simplified, tokenize

if TYPE_CHECKING:
    from assistant.answer.chain import Answerer

STYLES = ("总结", "对比", "简报")
DEFAULT_CHARS = 300  # the default paragraph is 150–300 characters (citation marks not counted)
MIN_SHARE = 0.5  # --chars N asks for N/2 … N characters
MIN_BOUND_SHARE = 0.5  # share of a figure's clause words its source sentence must hold
MIN_MODEL_FIGURES = 3  # a model draft must carry at least this many verified figures (or all the plan has)
_T2S = opencc.OpenCC("t2s")
_STYLE_RULES = {
    "总结": "写成一段总结：主题句开头，随后写各项成效数字（注明地区和年份），最后一句收尾。",
    "对比": "写成一段对比：把不同地区或不同年份的同一指标放在一起比较，注明各自的地区和年份。",
    "简报": "写成简报：第一行一句主题句，随后每行以“- ”开头写一项数字，每行都标注 [n]。",
}


class DraftError(AssistantError):
    """A drafting option the user gave is not one we offer."""


@dataclass
class Draft(Answer):
    """An :class:`Answer` plus the plan it was written from (``draft --json`` prints both)."""

    plan: Plan | None = None
    style: str = "总结"
    chars: int = DEFAULT_CHARS

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out |= {"style": self.style, "chars": self.chars, "length": draft_length(self.answer),
                "plan": self.plan.to_json() if self.plan else [],
                "dropped": [i.key for i in self.plan.dropped] if self.plan else []}
        return out


def draft_length(text: str) -> int:
    """Characters a reader counts: no citation marks, no bullet marks or line breaks."""
    return len(re.sub(r"^- ", "", CITATION.sub("", text), flags=re.M).replace("\n", ""))


def length_bounds(chars: int) -> tuple[int, int]:
    return int(chars * MIN_SHARE), chars


def _script(text: str, simplified: bool) -> str:
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
    body = "，".join(_script(i.text, simplified) for i in items)
    return f"{first.region}{_period(first, plan)}{'，' if _period(first, plan) else ''}{body}[{plan.number(first)}]。"


MAX_FACTS_PER_SENTENCE = 3  # more facts in one sentence read as a list, not a paragraph


def _groups(items: list[PlanItem]) -> list[list[PlanItem]]:
    """Consecutive facts of one passage, indicator and role share a sentence."""
    groups: list[list[PlanItem]] = []
    for item in items:
        last = groups[-1][0] if groups else None
        if last and len(groups[-1]) < MAX_FACTS_PER_SENTENCE and (
                (last.passage.chunk_id, last.indicator, last.role) == (item.passage.chunk_id, item.indicator, item.role)):
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
    cites = "".join(f"[{n}]" for n in dict.fromkeys(plan.number(i) for i in used))
    lead = f"[{plan.number(used[0])}]"
    subject = _script(plan.subject, simplified)
    if style == "对比":
        topic = f"{when}{'，' if when else ''}{where}{subject}情况对比如下{lead}。"
        closing = f"以上为各地{'、'.join(indicators[:3]) or subject}的对比情况{cites}。"
    elif style == "简报":
        topic = f"{when}{where}{subject}主要数据如下{lead}。"  # 。 not ：, so the verifier reads it as a sentence
        closing = ""
    else:
        topic = f"{when}{'，' if when else ''}{where}{subject}工作取得积极进展{lead}。"
        covered = "、".join(indicators[:4])
        closing = f"综上，{where}在{covered}等方面取得成效{cites}。" if covered else f"综上，{where}{subject}工作稳步推进{cites}。"
    return topic, closing


def _assemble(plan: Plan, used: list[PlanItem], style: str, simplified: bool) -> str:
    topic, closing = _frame(plan, used, style, simplified)
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


def compose(plan: Plan, style: str = "总结", chars: int = DEFAULT_CHARS, simplified: bool = True) -> str:
    """The extractive draft: plan items in order while the paragraph stays within ``chars``; an
    item that would overflow is skipped and a later, shorter one may still fit."""
    least, most = length_bounds(chars)
    order = _ordered(plan, style)
    used: list[PlanItem] = []
    for item in order:
        if item.role == "context" and used and draft_length(_assemble(plan, used, style, simplified)) >= least:
            continue
        trial = sorted([*used, item], key=order.index)
        if draft_length(_assemble(plan, trial, style, simplified)) <= most:
            used = trial
    if not used:  # even the first fact overflows a tiny --chars: write it anyway, alone
        used = _ordered(plan, style)[:1]
    return _assemble(plan, used, style, simplified)


def plan_passages(plan: Plan, simplified: bool) -> str:
    """The plan as numbered passages for a model: each passage's header and its chosen facts."""
    blocks = []
    for p in plan.passages:
        facts = [i for i in plan.items if plan.number(i) == p.n]
        lines = "\n".join(f"- {_script(i.text, simplified)}（{i.region}，{'、'.join(map(str, i.years))}年）" for i in facts)
        blocks.append(f"{p.header()}\n{lines}")
    return "\n\n".join(blocks)


_CLAUSE_CUT = re.compile(r"[，,；;：:。！？\n]")
_SOURCE_SENTENCE = re.compile(r"[^。！？!?\n]+")


def unbound_figures(text: str, passages: dict[int, str], regions: list[str]) -> list[str]:
    """Figures whose clause does not say what the source says of them.

    A figure is bound to its indicator when a sentence of a passage its statement cites holds the
    figure and at least half of the words of the figure's clause (its region, year and the figure
    itself aside): 高企86家 is bound to 新认定国家高企86家, a model's 发明专利86家 is not. Value
    checks alone (verification) cannot see a true figure moved onto another indicator.
    """
    ignore = {t for r in regions for t in tokenize(r)}
    loose: list[str] = []
    for statement in statements(text):
        cites = [int(n) for n in CITATION.findall(statement) if int(n) in passages]
        for clause in _CLAUSE_CUT.split(mask_citations(statement)):
            for fig in (f for f in extract_figures(clause) if not f.is_year):
                words = {t for t in tokenize(clause.replace(fig.text, " ")) if not any(c.isdigit() for c in t)} - ignore
                sources = [sent for n in cites for sent in _SOURCE_SENTENCE.findall(passages[n]) if figure_in(fig, sent)]
                held = max((len(words & set(tokenize(sent))) for sent in sources), default=0)
                if not sources or held < MIN_BOUND_SHARE * len(words):
                    loose.append(fig.text)
    return loose


def check_model_draft(text: str, plan: Plan, chars: int) -> None:
    """Reject what the verifier cannot stand behind; the caller then drafts extractively."""
    if CANNOT_ANSWER in text:
        raise AssistantError("the model declined although the plan holds facts")
    if not CITATION.search(text):
        raise AssistantError("the model's draft cites no passage")
    figures = verify_answer(text, {p.n: p.text for p in plan.passages}).figures
    if any(not f.verified for f in figures):
        raise AssistantError("a figure of the model's draft is not in the passage it cites")
    loose = unbound_figures(text, {p.n: p.text for p in plan.passages}, plan.regions)
    if loose:
        raise AssistantError(f"the model's draft moves figures off their indicator: {'、'.join(loose[:3])}")
    planned = len({f.text for i in plan.items for f in i.figures})
    if sum(f.verified for f in figures) < min(MIN_MODEL_FIGURES, planned):
        raise AssistantError("the model's draft carries too few of the plan's figures")
    least, most = length_bounds(chars)
    if not least <= draft_length(text) <= most:
        raise AssistantError(f"the model's draft has {draft_length(text)} characters, not {least}–{most}")


def style_of(topic: str) -> str:
    """The style a topic asks for when none is given: 各地…对比 compares, …简报 lists."""
    return "对比" if re.search("对比|比较", topic) else "简报" if "简报" in topic else "总结"


def write_draft(answerer: "Answerer", topic: str, filters: Filters | None = None,
                on_token: Callable[[str], None] | None = None, style: str | None = None, chars: int | None = None,
                drop: frozenset[str] = frozenset()) -> Draft:
    """Plan, then write on the answerer's backend; the public entry behind ``Answerer.draft``."""
    style = style or style_of(topic)
    if style not in STYLES:
        raise DraftError(f"unknown style {style!r} (choose {'、'.join(STYLES)})")
    chars = chars or DEFAULT_CHARS
    if chars < 40:
        raise DraftError(f"--chars {chars} is too short for a paragraph (at least 40)")
    t0 = time.perf_counter()
    plan = build_plan(topic, answerer.retriever, filters, drop, facts=answerer.fact_answers().store)
    retrieve_ms = (time.perf_counter() - t0) * 1000
    simplified = to_simplified(topic) == topic or "简体" in topic
    backend, notice, unreachable = answerer.backend, "", ""
    t1 = time.perf_counter()
    if plan.refusal:
        text = f"{CANNOT_ANSWER}（{plan.refusal}）。"
    elif answerer.generator.chat_model is None:
        text = compose(plan, style, chars, simplified)
    else:
        try:
            text = _model_draft(answerer, plan, topic, style, chars, simplified, on_token)
        except Exception as exc:  # any model failure: the extractive draft, and say so
            from assistant.answer.backends import unreachable_endpoint

            backend, unreachable = "extractive", unreachable_endpoint(exc)
            notice = f"{answerer.backend} 后端的段落未通过核验或后端不可用（{str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}），已改用按计划摘录的段落。"
            text = compose(plan, style, chars, simplified)
    if on_token and backend == "extractive":
        on_token(text)
    return _finish(topic, plan, text, backend, notice, style, chars,
                   {"retrieve_ms": retrieve_ms, "generate_ms": (time.perf_counter() - t1) * 1000,
                    "total_ms": (time.perf_counter() - t0) * 1000}, unreachable)


def _model_draft(answerer: "Answerer", plan: Plan, topic: str, style: str, chars: int, simplified: bool,
                 on_token: Callable[[str], None] | None) -> str:
    from assistant.answer.chain import _TokenForwarder

    least, most = length_bounds(chars)
    system, user = load_prompt("draft").render(passages=plan_passages(plan, simplified), topic=topic,
                                               style=_STYLE_RULES[style], chars=f"{least}至{most}")
    config: dict[str, Any] = {"callbacks": [_TokenForwarder(on_token)]} if on_token else {}
    llm = answerer.generator.chat_model.bind(max_tokens=answerer.settings.answer.draft_max_tokens)
    text = str(llm.invoke([SystemMessage(system), HumanMessage(user)], config=config).content).strip()
    text = _fit(cite_uncited(text, {p.n: p.text for p in plan.passages}), chars)
    check_model_draft(text, plan, chars)
    return text


def _fit(text: str, chars: int) -> str:
    """A model paragraph over the limit loses whole sentences from its end (a small model writes
    on past any length it is told); each kept sentence is still checked as written."""
    kept = statements(text)
    while len(kept) > 1 and draft_length("".join(kept)) > chars:
        kept.pop()
    return "".join(kept).strip()


def _finish(topic: str, plan: Plan, text: str, backend: str, notice: str, style: str, chars: int,
            timings: dict[str, float], unreachable: str = "") -> Draft:
    passages = {p.n: p for p in plan.passages}
    checked = verify_answer(text, {n: p.text for n, p in passages.items()})
    citations = [Citation.of(passages[n]) for n in checked.cited]
    return Draft(question=topic, answer=checked.text, refused=bool(plan.refusal), backend=backend, citations=citations,
                 figures=checked.figures, timings=timings, standalone_question=topic, notice=notice,
                 passages=list(passages.values()), unreachable=unreachable, plan=plan, style=style, chars=chars)
