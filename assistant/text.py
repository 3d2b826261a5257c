"""Text normalization shared by ingest (documents) and retrieval (questions).

Both sides must go through the same functions, or a Simplified question would never meet a
Traditional report: every searchable string is first converted to Simplified (OpenCC ``t2s``),
then segmented by jieba in search mode.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

import jieba
import opencc

if TYPE_CHECKING:
    from assistant.lexicon import Lexicon

jieba.setLogLevel(logging.WARNING)

# Words that carry no evidence in a question ("how many", "what", particles, punctuation).
_STOPWORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 为 对 把 被 从 到 于 以 之 其 这 那 有 也 都 就 并 等 个 中 上 下
    多少 几 几个 哪些 哪个 什么 怎么 怎样 如何 是否 吗 呢 吧 啊 请问 请 问 一下 分别 共 共计 一共
    达到 达 约 大约 情况 相关 方面 有关 给出 告诉 列出 查询 说说
    """.split()
)

_t2s = opencc.OpenCC("t2s")
_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$", re.UNICODE)
# A sentence of a passage, its end mark included (or up to a line break): the unit grounding checks,
# facts are bound in and drafts plan from, so all three cut a passage the same way.
SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def to_simplified(text: str) -> str:
    """Traditional → Simplified, plus NFKC so full-width digits and letters match ASCII ones."""
    return _t2s.convert(unicodedata.normalize("NFKC", text))


@lru_cache(maxsize=1)
def _register_vocabulary() -> None:
    """Teach jieba the lexicon's term words (高企, 研究与试验发展, 技术合同 …) before its first cut, so
    an indicator word is one token on both sides. The import is here because the lexicon itself
    normalizes with :func:`to_simplified`."""
    from assistant.lexicon import load_lexicon

    for word in load_lexicon().term_words():
        jieba.add_word(word)


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of normalized text, lower-cased, without stopwords and punctuation."""
    _register_vocabulary()
    tokens = []
    for tok in jieba.cut_for_search(to_simplified(text)):
        tok = tok.strip().lower()
        if tok and tok not in _STOPWORDS and not _PUNCT_OR_SPACE.match(tok):
            tokens.append(tok)
    return tokens


def tokenize_query(question: str, lexicon: Lexicon | None = None) -> list[str]:
    """Question tokens plus the tokens of every other wording the lexicon knows for what it names
    (the packaged lexicon unless a knowledge folder's extended one is given)."""
    from assistant.lexicon import load_lexicon

    normalized = to_simplified(question)
    expanded = [normalized, *(lexicon or load_lexicon()).expansions(normalized)]
    return list(dict.fromkeys(tokenize(" ".join(expanded))))  # a repeated token must not weigh double


def searchable(text: str, meta: dict[str, object]) -> str:
    """What both retrievers index for a chunk: a context header, then the Simplified text.

    Report passages rarely repeat their region or year ("今年全区…"), so the header carries them:
    a question naming 钟楼区 or 2012 can then match a passage that only says 全区.
    """
    years = meta.get("years") or []
    header = " ".join(
        str(part)
        for part in (meta.get("title", ""), meta.get("region", ""), " ".join(f"{y}年" for y in years), meta.get("section", ""))
        if part
    )
    return to_simplified(f"{header}\n{text}")
