"""The years a document reports on, apart from the year it was issued — the text before the file name.

A repository's file name can be wrong (the 2016 黔东南 bulletin saved as ``2023年洛阳市…公报.docx``):
the title's years win, then what the text says, and the file name only fills a gap. Where the file
name names other years, they are kept beside the text's (``file_name_years``) for ``list`` to show.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from assistant.ingest.issuer import vocabulary
from assistant.language.years import DOCUMENT_YEAR

if TYPE_CHECKING:
    from assistant.ingest.manifest import DocMeta

# A full date is when a document was issued or amended, not what it reports on.
_DATE = re.compile(
    r"(?<!\d)(19[89]\d|20[0-4]\d)\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
)
_MONTH = re.compile(r"(?<!\d)(?:19|20)\d\d\s*[-/.]\s*\d{1,2}(?!\d)")  # 2026-12: a date, not a year reported on
_RANGE = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)\s*[-—–~至]\s*(19[89]\d|20[0-4]\d)(?!\d)")
_FISCAL = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)\s*年度")
_TABLE_YEARS = 30


def _years(text: str) -> list[int]:
    """Years named in ``text`` outside full dates and year-months, ranges spelled out (2012-2021)."""
    text = _MONTH.sub(" ", _DATE.sub(" ", text))
    spans = {y for a, b in _RANGE.findall(text) for y in range(int(a), int(b) + 1) if int(b) - int(a) < _TABLE_YEARS}
    return sorted(spans | {int(y) for y in DOCUMENT_YEAR.findall(text)})


def infer_years(meta: DocMeta, stem: str, head: str, chinese_title: bool) -> None:
    """Set ``years``, ``years_source``, ``issued_year`` and ``file_name_years`` of ``meta``.

    A full date (发布时间：2020-08-27, 2020年8月27日, a file name's (2021-09-30)) is the issue date.
    The title's years are the years reported on, except that a government work report of year Y
    reviews Y-1 and plans Y. A table reports on every year it names; a policy on the fiscal year it
    names (2015年度), else the year it was issued. Otherwise the years the opening text names most —
    when the title is Chinese: a file of notes titled in another language only quotes Chinese."""
    issued = _DATE.search(stem) or _DATE.search(head)
    meta.issued_year = int(issued.group(1)) if issued else None
    meta.years, meta.years_source = _reported(meta, head, chinese_title)
    named = _years(stem)
    if not meta.years and named:
        meta.years, meta.years_source = named[: _TABLE_YEARS if meta.doc_type == "table" else 3], "file name"
    elif named and not set(named) <= set(meta.years):
        meta.file_name_years = named


def _reported(meta: DocMeta, head: str, chinese_title: bool) -> tuple[list[int], str]:
    if years := _years(meta.title):
        if meta.doc_type == "report" and len(years) == 1 and _reviews_previous_year(head, years[0]):
            meta.issued_year = meta.issued_year or years[0]  # a report on Y-1 is delivered in Y
            return [years[0] - 1, years[0]], "title"
        return years[:3], "title"
    if meta.doc_type == "table":
        return _years(head)[:_TABLE_YEARS], "text"
    if meta.doc_type == "policy":
        if fiscal := Counter(int(y) for y in _FISCAL.findall(head)).most_common(1):
            return [fiscal[0][0]], "text"
        if meta.issued_year:
            return [meta.issued_year], "issue date"
    counts = Counter(int(y) for y in DOCUMENT_YEAR.findall(_MONTH.sub(" ", _DATE.sub(" ", head))))
    if counts and chinese_title:
        top = counts.most_common(1)[0][1]
        return sorted(y for y, n in counts.items() if n == top)[:3], "text"
    return [], ""


def _reviews_previous_year(head: str, year: int) -> bool:
    review = vocabulary()["review_of_previous_year"]
    return f"{year - 1}年工作回顾" in head or any(w in head for w in review) and "政府工作报告" in head[:200]
