"""Search tokens: jieba's search-mode cut of normalized text, after teaching jieba the lexicon's words.

Ingest (the BM25 view) and retrieval (questions) both tokenize here, so an indicator word the lexicon
knows (高企, 研究与试验发展, a user's own term) is one token on both sides. This module sits above
:mod:`assistant.language.lexicon` and :mod:`assistant.language.text`; neither imports it.
"""

from __future__ import annotations

import logging
import re

import jieba

from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.text import to_simplified

jieba.setLogLevel(logging.WARNING)

# Words that carry no evidence in a question ("how many", "what", particles, punctuation).
_STOPWORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 为 对 把 被 从 到 于 以 之 其 这 那 有 也 都 就 并 等 个 中 上 下
    多少 几 几个 哪些 哪个 什么 怎么 怎样 如何 是否 吗 呢 吧 啊 请问 请 问 一下 分别 共 共计 一共
    达到 达 约 大约 情况 相关 方面 有关 给出 告诉 列出 查询 说说
    """.split()
)

_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$", re.UNICODE)
_taught: set[int] = set()


def teach(lexicon: Lexicon) -> None:
    """Add ``lexicon``'s term words to jieba's dictionary (once per lexicon): a knowledge folder's own
    ``indicators.toml`` reaches segmentation through the lexicon retrieval opens with."""
    if id(lexicon) in _taught:
        return
    for word in lexicon.term_words():
        jieba.add_word(word)
    _taught.add(id(lexicon))


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of normalized text, lower-cased, without stopwords and punctuation."""
    teach(load_lexicon())
    tokens = []
    for tok in jieba.cut_for_search(to_simplified(text)):
        tok = tok.strip().lower()
        if tok and tok not in _STOPWORDS and not _PUNCT_OR_SPACE.match(tok):
            tokens.append(tok)
    return tokens


def tokenize_query(question: str, lexicon: Lexicon | None = None) -> list[str]:
    """Question tokens plus the tokens of every other wording the lexicon knows for what it names
    (the packaged lexicon unless a knowledge folder's extended one is given)."""
    lexicon = lexicon or load_lexicon()
    teach(lexicon)
    normalized = to_simplified(question)
    expanded = [normalized, *lexicon.expansions(normalized)]
    return list(dict.fromkeys(tokenize(" ".join(expanded))))  # a repeated token must not weigh double
