"""The ``extractive`` backend: no model, the answer composed from the evidence sentences
themselves (:mod:`assistant.answer.extractive`). Deterministic and fast: the evaluation's default
and what every model backend falls back to."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from assistant.answer.stages import Grounded
    from assistant.settings import Settings


class Extractive:
    chat_model = None  # follow-ups are rewritten by the rules alone
    completion_cache = None  # nothing generated, nothing to keep

    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, grounded: Grounded, config: RunnableConfig) -> str:
        return compose_text(grounded)


def compose_text(grounded: Grounded) -> str:
    """A cited answer from the grounded turn's best evidence (or the fact rows')."""
    from assistant.answer import extractive
    from assistant.answer.conflicts import find_disagreement

    if grounded.fact_answer is not None:  # composed from the fact rows already
        return grounded.fact_answer.text
    text = extractive.compose(grounded.facts, grounded.evidence)
    # two documents giving the asked figure differently: show both and say so, never pick one
    disagreement = find_disagreement(
        grounded.turn.standalone, grounded.facts, grounded.evidence, grounded.facts.lexicon, grounded.min_coverage
    )
    return f"{text}{disagreement.sentence()}" if disagreement else text


def build(name: str, settings: Settings, cache: bool) -> Extractive:
    return Extractive(name)
