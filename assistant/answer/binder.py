"""The binder verification checks an answer's or a draft's figures with: over numbered passages.

Its own module because the answer chain and drafting both need it and drafting sits above the chain.
"""

from __future__ import annotations

from assistant.answer.types import Passage
from assistant.facts.binding import Binder, Claim, Source
from assistant.facts.store import FactStore


def passage_binder(store: FactStore, claim: Claim, passages: list[Passage]) -> Binder:
    """A :class:`Binder` over numbered passages: their facts, and for a figure no fact binds, the
    passage's own text, region and years (answers and drafts alike)."""
    by_n = {p.n: p for p in passages}
    return Binder(
        lambda n: store.by_chunk(by_n[n].chunk_id),
        store.vocab,
        claim,
        lambda n: Source(by_n[n].text, by_n[n].region, tuple(by_n[n].years)) if n in by_n else None,
    )
