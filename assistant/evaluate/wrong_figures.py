"""Wrong figures an answer shows as checked: the two metrics that catch verification's blind spot.

Verification matches a figure against the passage its sentence cites; a figure copied right from
the wrong passage passes it. These checks use the gold item instead: ``wrong_but_verified`` counts
cited, unmarked figures that are wrong (any on an unanswerable item; on a one-figure item, one its
own sentence binds to the asked indicator, qualifier, region and year with none of the gold
values), and ``wrongly_bound`` finds a trap's listed wrong figure presented as the asked indicator.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.answer.stages import Answer
from assistant.answer.verify import CITATION, UNVERIFIED_MARK, answer_figures, mask_citations, statements
from assistant.facts.binding import Binder, Claim, question_claim
from assistant.facts.vocabulary import Vocabulary
from assistant.language.figures import Figure, extract_figures, figure_in
from assistant.language.places import named_places
from assistant.language.years import years_in


def wrongly_bound(question: str, answer_text: str, wrong: list[str], vocab: Vocabulary) -> list[str]:
    """The ``wrong`` figures the answer states, without the unverified mark, as the question's
    indicator (by its own sentence's words, else by the question's)."""
    asked = vocab.search(question)
    binder = Binder(lambda n: [], vocab, Claim(asked))
    found = []
    for statement in statements(answer_text):
        body = mask_citations(statement)
        for fig in (f for f in extract_figures(body) if not f.is_year):
            if body[fig.end :].startswith(UNVERIFIED_MARK):
                continue
            hit = next((w for w in wrong if figure_in(fig, w)), None)
            if hit and asked and binder.claim_in(body, fig).indicator == asked:
                found.append(hit)
    return found


def _shown_verified(answer_text: str) -> list[tuple[str, Figure]]:
    """(statement, figure) for every figure the answer shows as checked: cited, not marked."""
    shown = []
    for statement in statements(answer_text):
        body = mask_citations(statement)
        if not CITATION.search(statement):
            continue
        shown += [(body, f) for f in answer_figures(body)[0] if not body[f.end :].startswith(UNVERIFIED_MARK)]
    return shown


# A figure hedged as a target (城镇新增就业1200万人以上, 5.5%左右) states no result, so no wrong one.
_HEDGED = re.compile(r"\s*(?:以上|左右|以内|以下)")


def _other_row(body: str) -> bool:
    """A table record (title｜row｜cells) whose row is no place (合计, 其中：科学技术支出, an industry):
    its figures are that row's, not the asked region's."""
    cells = body.split("｜")
    return len(cells) > 2 and not named_places(cells[1])


def wrong_but_verified(item: dict[str, Any], answer: Answer, vocab: Vocabulary) -> list[str]:
    """Figures the answer shows as checked that are wrong: on an unanswerable item, any; on a
    one-figure item, one its own sentence (else the question) binds to the asked indicator,
    qualifier, region and year whose value none of the gold figures has; and a listed ``wrong``
    figure presented as the asked indicator (:func:`wrongly_bound`)."""
    if answer.refused or item["kind"] not in ("figure", "trap", "followup", "unanswerable"):
        return []
    shown = _shown_verified(answer.answer)
    if item["kind"] == "unanswerable":
        return [f.text for _, f in shown]
    question = item["question"]
    claim = question_claim(question, vocab, [p.name for p in named_places(question)], years_in(question))
    binder = Binder(lambda n: [], vocab, claim)
    # also_right: what another document gives for the same thing (a bulletin's 15.2% beside a work report's 15.5%)
    right = [*item.get("figures", []), *item.get("also_right", [])]
    gold = [g for text in right for g in extract_figures(text) if not g.is_year]
    wrong = []
    for body, fig in shown:
        if any(figure_in(g, body) for g in gold):
            continue  # the statement states the gold figure: its other figures are context (申报200多项, 立项132项)
        if _HEDGED.match(body[fig.end :]) or _other_row(body):
            continue
        said = binder.claim_in(body, fig)
        if (
            claim.indicator
            and said.indicator == claim.indicator
            and not (said.subject or "").strip()
            and gold
            and not any(g.exact == fig.exact and g.unit in ("", fig.unit) for g in gold)
            and (claim.qualifiers is None or said.qualifiers is None or claim.qualifiers & said.qualifiers)
            and (not claim.year or not said.year or claim.year == said.year)
            and (not claim.region or not said.region or claim.region in said.region or said.region in claim.region)
        ):
            wrong.append(fig.text)
    return wrong + wrongly_bound(question, answer.answer, item.get("wrong", []), vocab)
