"""Text normalization shared by ingest (documents) and retrieval (questions).

Both sides must go through the same functions, or a Simplified question would never meet a
Traditional report: every searchable string is first converted to Simplified (OpenCC ``t2s``),
then segmented by jieba in search mode (:mod:`assistant.language.tokens`, which first teaches jieba the
lexicon's words: this module sits below the lexicon, which normalizes with :func:`to_simplified`).
"""

from __future__ import annotations

import re
import unicodedata

import opencc

_t2s = opencc.OpenCC("t2s")
# A sentence of a passage, its end mark included (or up to a line break): the unit grounding checks,
# facts are bound in and drafts plan from, so all three cut a passage the same way.
SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def to_simplified(text: str) -> str:
    """Traditional → Simplified, plus NFKC so full-width digits and letters match ASCII ones."""
    return _t2s.convert(unicodedata.normalize("NFKC", text))


def searchable(text: str, meta: dict[str, object]) -> str:
    """What both retrievers index for a chunk: a context header, then the Simplified text.

    Report passages rarely repeat their region or year ("今年全区…"), so the header carries them:
    a question naming 钟楼区 or 2012 can then match a passage that only says 全区.
    """
    years = meta.get("years") or []
    header = " ".join(
        str(part)
        for part in (
            meta.get("title", ""),
            meta.get("region", ""),
            " ".join(f"{y}年" for y in years),
            meta.get("section", ""),
        )
        if part
    )
    return to_simplified(f"{header}\n{text}")
