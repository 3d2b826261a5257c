"""Keeping each single ranking's best passages near the top of the fused list (see
:func:`keep_single_winners`)."""

from __future__ import annotations

_RESERVED = 2  # each single ranking's top-2 …
_WITHIN = 5  # … is guaranteed a place in the fused top-5


def keep_single_winners(ranked: list[str], lex_top: list[int], dense: dict[str, float], ids: list[str]) -> list[str]:
    """Guarantee each ranking's best few a place near the top of the fused list.

    A score mix can bury a passage that one ranking alone puts first or second (a policy article
    whose wording shares no word with the question, found only by dense similarity); then the
    fused list would be worse than that single ranking. Such a passage is moved up to the last
    place of the top five instead.
    """
    dense_top = sorted(dense, key=lambda c: -dense[c])[:_RESERVED]
    winners = [ids[i] for i in lex_top[:_RESERVED]] + dense_top
    out = list(ranked)
    for cid in winners:
        if cid in out and out.index(cid) >= _WITHIN:
            out.remove(cid)
            out.insert(_WITHIN - 1, cid)
    return out
