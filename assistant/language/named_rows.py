"""A table's own labels are its vocabulary: the rows a question names by their label.

Why: a cell question names its row as the table writes it (2016年纱产量, 2023年北京技术输出合同金额),
and a row label the lexicon does not know is found by retrieval only as far as the word cut and the
embedding happen to find it (``2016年纱`` is cut ``年纱``: the row 纱 never came back). Every table
row's label (the part after 其中：/#, its footnote marks aside) is therefore looked up in the
question's text itself; a row whose label the question holds is a passage of the answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from assistant.language.lexicon import FOOTNOTE_MARK
from assistant.language.text import to_simplified

_SUB_ROW = re.compile(r"^.*(?:其中\s*[:：]?|#)\s*")
_NOT_LABEL = re.compile(r"[\s\d.、（）()%％：:·\-—]+")


def row_key(label: str) -> str:
    """A row label as a question writes it: the breakdown a 其中 row names (粮食 其中：夏粮 → 夏粮),
    without blanks, numbering, brackets or footnote marks (1.食品烟酒 → 食品烟酒)."""
    own = _SUB_ROW.sub("", to_simplified(label))
    return _NOT_LABEL.sub("", FOOTNOTE_MARK.sub("", own)).lower()


class RowLabels:
    """The table rows of one index view, by label."""

    def __init__(self, metadatas: Sequence[dict[str, Any]]) -> None:
        rows: dict[str, list[int]] = defaultdict(list)
        for i, meta in enumerate(metadatas):
            if meta.get("kind") == "table_row" and (key := row_key(str(meta.get("row_label", "")))):
                rows[key].append(i)
        self.rows = dict(rows)
        self._first = defaultdict(list)  # first character → keys: a question is scanned once, not per label
        for key in self.rows:
            self._first[key[0]].append(key)

    def named(self, question: str) -> list[str]:
        """The labels the question holds, longest first, none inside a longer one it also holds
        (技术输出合同金额 names 北京's row, not also a row called 合同金额)."""
        text = _NOT_LABEL.sub("", to_simplified(question)).lower()
        found = {key for i, ch in enumerate(text) for key in self._first.get(ch, ()) if text.startswith(key, i)}
        keep = sorted(found, key=len, reverse=True)
        return [k for n, k in enumerate(keep) if not any(k in longer for longer in keep[:n])]

    def positions(self, question: str) -> list[int]:
        """Index positions of every row the question names."""
        return [i for key in self.named(question) for i in self.rows[key]]
