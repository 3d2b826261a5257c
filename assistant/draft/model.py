"""A model's draft: the plan's chosen facts as numbered passages, a bounded generation, and the
checks an answer gets — else the caller falls back to the extractive draft.

The model sees only the facts the extractive draft would carry at this length (their clauses,
region and year, under their passage's number and title), never whole passages: on a 2-core CPU
every prompt token costs the local model time, and a fact that does not fit the length is not
to be written anyway. Its generation is bounded by the length asked for (:func:`draft_tokens`).
What it returns must cite, keep every figure verified and bound to its indicator (the clause
says what its source sentence says of the figure), carry at least three figures and be within
length.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answer.backends import REGISTRY
from assistant.answer.binder import passage_binder
from assistant.answer.prompts import CANNOT_ANSWER, load_prompt
from assistant.answer.stages import Rejection
from assistant.answer.streaming import streaming
from assistant.answer.verify import CITATION, Bound, cite_uncited, mask_citations, statements, verify_answer
from assistant.draft.candidates import PlanItem
from assistant.draft.compose import chosen, citations_of, compose, draft_length, length_bounds, script
from assistant.draft.plan import Plan
from assistant.facts.binding import Claim
from assistant.language.draft_terms import load_spec
from assistant.language.figures import extract_figures, figure_in
from assistant.language.tokens import tokenize

if TYPE_CHECKING:
    from assistant.answer.context import Context
    from assistant.facts.store import FactStore

MIN_BOUND_SHARE = 0.5  # share of a figure's clause words its source sentence must hold
MIN_MODEL_FIGURES = 3  # a model draft must carry at least this many verified figures (or all the plan has)
# Qwen2.5's tokenizer: about 1.4 Chinese characters a token, but one token a digit; a paragraph of
# figures comes to about one token a character, plus the citation marks
TOKENS_PER_CHAR = 1.0
TOKEN_SLACK = 48
FRAME_TOKENS = 96  # two sentences of at most 40 characters
FRAME_CHARS = 60  # a longer "sentence" is the model writing the paragraph after all
STYLE_RULES = {
    "总结": "写成一段总结：主题句开头，随后写各项成效数字（注明地区和年份），最后一句收尾。",
    "对比": "写成一段对比：把不同地区或不同年份的同一指标放在一起比较，注明各自的地区和年份。",
    "简报": "写成简报：第一行一句主题句，随后每行以“- ”开头写一项数字，每行都标注 [n]。",
}
_CLAUSE_CUT = re.compile(r"[，；;：:。！？\n]|(?<!\d),|,(?!\d)")  # 5,000万元 is one figure
_SOURCE_SENTENCE = re.compile(r"[^。！？!?\n]+")
_FRAME_SENTENCE = re.compile(r"[^。！？!?\n]+")
_LABEL = re.compile(r"^\s*(?:第[一二]行|开头|结尾|主题句|总结句|[-*•]|\d+[.、．])\s*[：:]?\s*")
_ENDED = re.compile(r"[。！？!?]\s*(?:\[\d+\]\s*)*$|\]\s*$")


def plan_passages(plan: Plan, items: list[PlanItem], simplified: bool) -> str:
    """The facts a model is to write up, as numbered passages: the plan's numbers (so [n] means
    the same in the draft, the plan and the references), each passage's title and its facts.
    Only these facts, not the passages' whole text and not the facts that would not fit the
    length: on a 2-core CPU every prompt token costs the local model time."""
    blocks = []
    for p in plan.passages:
        facts = [i for i in items if plan.number(i) == p.n]
        if facts:
            lines = "\n".join(
                f"- {script(i.text, simplified)}（{i.region}，{'、'.join(map(str, i.years))}年）" for i in facts
            )
            blocks.append(f"[{p.n}] 《{script(p.title, simplified)}》\n{lines}")
    return "\n\n".join(blocks)


def draft_tokens(chars: int, cap: int) -> int:
    """Tokens a model may generate for a ``chars``-character paragraph: its length plus room for
    the [n] marks, never more than the configured cap. A small model writes on past any length it
    is told; what it writes past the limit is cut off anyway (:func:`_fit`), so it is not waited for."""
    return min(cap, int(chars * TOKENS_PER_CHAR) + TOKEN_SLACK)


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
                sources = [
                    sent for n in cites for sent in _SOURCE_SENTENCE.findall(passages[n]) if figure_in(fig, sent)
                ]
                held = max((len(words & set(tokenize(sent))) for sent in sources), default=0)
                if not sources or held < MIN_BOUND_SHARE * len(words):
                    loose.append(fig.text)
    return loose


def draft_binder(store: FactStore, plan: Plan) -> Bound:
    """Bound verification for a draft: each figure is what the fact its passage holds says,
    for the region and year its sentence names (else the plan's one region and year)."""
    claim = Claim(
        None, plan.regions[0] if len(plan.regions) == 1 else None, plan.years[0] if len(plan.years) == 1 else None
    )
    return passage_binder(store, claim, plan.passages)


def check_model_draft(text: str, plan: Plan, chars: int, bound: Bound | None = None) -> Rejection | None:
    """What the verifier cannot stand behind, as a value (the caller then drafts extractively); None passes."""
    if CANNOT_ANSWER in text:
        return Rejection("the model declined although the plan holds facts")
    if not CITATION.search(text):
        return Rejection("the model's draft cites no passage")
    figures = verify_answer(text, {p.n: p.text for p in plan.passages}, bound).figures
    if any(f.unbound for f in figures):
        return Rejection("a figure of the model's draft measures another indicator, region or year in its passage")
    if any(not f.verified for f in figures):
        return Rejection("a figure of the model's draft is not in the passage it cites")
    # bound verification reads what each sentence says of its figure; without it, word overlap
    loose = [] if bound is not None else unbound_figures(text, {p.n: p.text for p in plan.passages}, plan.regions)
    if loose:
        return Rejection(f"the model's draft moves figures off their indicator: {'、'.join(loose[:3])}")
    planned = len({f.text for i in plan.items for f in i.figures})
    if sum(f.verified for f in figures) < min(MIN_MODEL_FIGURES, planned):
        return Rejection("the model's draft carries too few of the plan's figures")
    least, most = length_bounds(chars)
    if not least <= draft_length(text) <= most:
        return Rejection(f"the model's draft has {draft_length(text)} characters, not {least}–{most}")
    return None


@dataclass(frozen=True)
class Brief:
    """What a draft is asked to be: the writers pass it on whole instead of four loose arguments."""

    topic: str
    style: str
    chars: int
    simplified: bool


def model_draft(context: Context, plan: Plan, brief: Brief, on_token: Callable[[str], None] | None) -> str | Rejection:
    """The model's draft, checked: its text, or a :class:`Rejection` saying which check it failed
    (it raises only when the model cannot be reached). The settings' ``draft_writer``
    says whether the model writes the whole paragraph or its frame (``auto``: the local model
    writes the frame, the budget of its two CPU cores)."""
    writer = context.settings.answer.draft_writer
    spec = REGISTRY.get(context.backend)  # a stand-in model of the tests is in no registry
    if writer == "frame" or (writer == "auto" and spec is not None and spec.frames_drafts):
        text = _model_frame(context, plan, brief)
        if on_token and isinstance(text, str):
            on_token(text)
        return text
    return _model_paragraph(context, plan, brief, on_token)


def _model_frame(context: Context, plan: Plan, brief: Brief) -> str | Rejection:
    """The extractive draft's cited fact sentences between the model's opening and closing
    sentences, which state no figure but a year (each then cites what it sums up)."""
    topic, style, chars, simplified = brief.topic, brief.style, brief.chars, brief.simplified
    used = chosen(plan, style, chars, simplified)
    body = compose(plan, style, chars, simplified, frame=("", ""))
    gist = _gist(plan, used, simplified)
    system, user = load_prompt("draft_frame").render(passages=gist, topic=topic)
    reply = context.generator.chat_model.bind(max_tokens=FRAME_TOKENS).invoke(
        [SystemMessage(system), HumanMessage(user)]
    )
    # a small model puts both sentences on one line as often as on two
    lines = [
        _LABEL.sub("", CITATION.sub("", m.group(0))).strip().rstrip("。.！!；;，,")
        for m in _FRAME_SENTENCE.finditer(str(reply.content))
    ]
    lines = [line for line in lines if line]
    if len(lines) < 2 or any(len(line) > FRAME_CHARS for line in lines[:2]):
        return Rejection("the model did not write an opening and a closing sentence")
    if any(not f.is_year for line in lines[:2] for f in extract_figures(line)):
        return Rejection("the model's opening or closing sentence states a figure")
    unsaid = _unsupported(lines[:2], body + topic + gist)
    if unsaid:
        return Rejection(f"the model's frame says what the facts do not: {'、'.join(unsaid[:3])}")
    closing = "" if style == "简报" else lines[1]
    # the facts are fitted again around the model's sentences, which are rarely the templates' length
    lead, cites = citations_of(
        plan, chosen(plan, style, chars, simplified, (f"{lines[0]}。", closing and f"{closing}。"))
    )
    text = compose(plan, style, chars, simplified, frame=(f"{lines[0]}{lead}。", closing and f"{closing}{cites}。"))
    return check_model_draft(text, plan, chars, draft_binder(context.facts(), plan)) or text


def _gist(plan: Plan, used: list[PlanItem], simplified: bool) -> str:
    """What the frame sums up, without a figure a small model could copy into it: the regions,
    years, subject and indicators of the facts the paragraph carries."""
    regions = "、".join(dict.fromkeys(i.region for i in used if i.region))
    years = "、".join(f"{y}年" for y in sorted({y for i in used for y in i.years if not plan.years or y in plan.years}))
    indicators = "、".join(dict.fromkeys(i.indicator for i in used if i.indicator)) or script(plan.subject, simplified)
    return f"地区：{regions}；年份：{years}；主题：{script(plan.subject, simplified)}；写到的指标：{indicators}"


def _unsupported(sentences: list[str], source: str) -> list[str]:
    """Words of the frame that neither the fact sentences nor the topic hold, nor the drafting
    vocabulary's frame words (工作, 成效显著, 高质量发展…): 创历史新高 is a claim no source made."""
    frame = load_spec().markers.frame_words

    def said(word: str) -> bool:
        rest = word
        for w in frame:
            rest = rest.replace(w, "")
        return word in source or not rest or any(word in w for w in frame)

    return [
        t
        for line in sentences
        for t in tokenize(line)
        if len(t) > 1 and not any(c.isdigit() for c in t) and not said(t)
    ]


def _model_paragraph(
    context: Context, plan: Plan, brief: Brief, on_token: Callable[[str], None] | None
) -> str | Rejection:
    """The model's whole paragraph on the facts the length holds."""
    topic, style, chars, simplified = brief.topic, brief.style, brief.chars, brief.simplified
    least, most = length_bounds(chars)
    facts = plan_passages(plan, chosen(plan, style, chars, simplified), simplified)
    system, user = load_prompt("draft").render(
        passages=facts, topic=topic, style=STYLE_RULES[style], chars=f"{least}至{most}"
    )
    llm = context.generator.chat_model.bind(max_tokens=draft_tokens(chars, context.settings.answer.draft_max_tokens))
    text = str(llm.invoke([SystemMessage(system), HumanMessage(user)], config=streaming(on_token)).content).strip()
    text = _fit(cite_uncited(text, {p.n: p.text for p in plan.passages}), chars)
    return check_model_draft(text, plan, chars, draft_binder(context.facts(), plan)) or text


def _fit(text: str, chars: int) -> str:
    """A model paragraph over the limit loses whole sentences from its end (a small model writes
    on past any length it is told), and a sentence cut off by the token limit goes too; each kept
    sentence is still checked as written."""
    kept = statements(text)
    if len(kept) > 1 and not _ENDED.search(kept[-1]):
        kept.pop()
    while len(kept) > 1 and draft_length("".join(kept)) > chars:
        kept.pop()
    return "".join(kept).strip()
