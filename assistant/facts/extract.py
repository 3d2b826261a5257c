"""Facts from chunks: (indicator, region, year, period, qualifier) → value, with where it was read.

Two sources, two levels of certainty:

* a table row (chunk ``kind == "table_row"``) is exact: row label × column header × the column's
  unit × the table's year. A cell that is not one number (``--``, ``…``, ``—``) is no fact; a
  footnote mark (``2.54[1]``) is dropped, never read into the number; a sign is kept (``-0.05``).
* a sentence binds each figure to the indicator, place, year and period written before it
  (:mod:`assistant.facts.prose`).

Values come from :mod:`assistant.language.figures` (exact Decimals, scale words folded), never substrings.
A figure whose unit cannot be the indicator's (a % bound to a money indicator without 占比 or
增长 to explain it) is dropped rather than guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.facts.fact import Context, Fact, as_share, context, display, qualifier_from, unit_fits, year_from
from assistant.facts.prose import prose_facts
from assistant.facts.regions import place_of
from assistant.facts.vocabulary import Vocabulary, normalize
from assistant.language.figures import Figure, extract_figures

_FOOTNOTE = re.compile(r"\[\d{1,2}\]|［\d{1,2}］|\(\d{1,2}\)$|[*※]+$")
_NOT_A_NUMBER = re.compile(r"^[-—–…·.\s]*$")
# a row label's 其中 / 其中： / # (a bulletin's mark for 其中) and its footnote marks (全国①, 北京*)
# are no part of its name
_ROW_MARKS = re.compile(r"^(?:其中\s*[:：]?|#)|[①-⑩*※#]+$|\[\d{1,2}\]$|［\d{1,2}］$")
_SUB_ROW = re.compile(r"其中\s*[:：]?|#(?=[^\s#])")
_YEAR_HEADER = re.compile(r"^((?:19|20)\d\d)\s*年?$")
FORMAT = 4  # bump when extraction changes, so stores rebuild


def column_year(header: str) -> int | None:
    """The year a column stands for: a header that is a year (``2021``, ``2021年``: years across) or
    names one (``2021年R&D经费``); None leaves the table's year."""
    m = _YEAR_HEADER.match(header.strip())
    return int(m.group(1)) if m else year_from(header)


def _cell_value(cell: str, unit: str) -> Figure | None:
    """The one number a cell holds, in the column's unit, or None (--, …, 2.5/3, text)."""
    text = _FOOTNOTE.sub("", str(cell)).strip()
    if _NOT_A_NUMBER.match(text):
        return None
    negative = text[0] in "-−－"
    body = text[1:].strip() if negative else text
    figures = [f for f in extract_figures(body + (unit or "")) if not f.is_year]
    if len(figures) != 1 or figures[0].start != 0 or figures[0].end < len(body) or figures[0].upper is not None:
        return None
    fig = figures[0]
    if negative:
        return Figure(f"-{fig.text}", -fig.value, fig.unit, fig.start, fig.end, False, -fig.exact)
    return fig


def table_facts(ctx: Context, text: str, meta: dict[str, Any], vocab: Vocabulary) -> list[Fact]:
    """Facts of one table-row chunk: one per numeric cell whose column names an indicator."""
    title = str(meta.get("table_title", ""))
    label = str(meta.get("row_label", ""))
    try:
        columns = json.loads(meta.get("columns") or "[]")
    except ValueError:
        return []
    table_year = year_from(title) or (ctx.years[0] if ctx.years else None)
    region, level, subject, row_indicator = _row(ctx, label, vocab)
    facts = []
    for col in columns:
        header = str(col.get("header", ""))
        unit = str(col.get("unit", "") or "")
        fig = _cell_value(col.get("value", ""), unit)
        if fig is None:
            continue
        year = column_year(header) or table_year
        own = vocab.search(header)
        indicator = own or row_indicator or vocab.search(title)
        if indicator is None:
            continue
        ok, qualifier = unit_fits(qualifier_from(normalize(header), ""), fig.unit, vocab.units(indicator))
        if not ok:
            continue
        indicator, qualifier = as_share(vocab, indicator, qualifier)
        value, shown_unit = display(fig)
        cell = str(col.get("value", ""))
        at = text.find(cell, max(0, text.find(header)))
        span = (at, at + len(cell)) if at >= 0 else (0, 0)
        facts.append(
            Fact(
                indicator,
                header,
                "" if indicator == row_indicator else subject,
                region,
                level,
                year,
                "",
                value,
                shown_unit,
                float(fig.exact),
                fig.unit,
                qualifier,
                ctx.source,
                ctx.title,
                ctx.chunk_id,
                "table",
                text,
                *span,
            )
        )
    return facts


def _row(ctx: Context, label: str, vocab: Vocabulary) -> tuple[str, str, str, str | None]:
    """What a row label names: its region and level (else the document's, with the label as the
    subject) and the indicator the row itself is, if any."""
    label = _ROW_MARKS.sub("", label).strip()
    # 全国 其中：北京 is 北京's row; an ambiguous name (鼓楼区) is read in the document's region
    place = place_of(_ROW_MARKS.sub("", _SUB_ROW.split(label)[-1]).strip(), ctx.region)
    compact = re.sub(r"\s+", "", label)
    region, level, subject = (place.name, place.level, "") if place else (ctx.region, ctx.level, compact)
    # a row that is its indicator has no subject; a 其中 row is read by its own part: 专利授权量 其中：
    # 发明专利授权量 is that indicator, 城镇常住居民人均可支配收入 #工资性收入 a part of the parent's, never
    # the parent's whole figure
    return region, level, subject, vocab.search(_SUB_ROW.split(label)[-1])


def extract_facts(chunk_id: str, text: str, meta: dict[str, Any], vocab: Vocabulary) -> list[Fact]:
    """Every fact of one stored chunk (a table overview chunk repeats its rows: none from it)."""
    ctx = context(chunk_id, meta)
    kind = meta.get("kind", "text")
    if kind == "table_row":
        return table_facts(ctx, text, meta, vocab)
    if kind == "table":
        return []
    return prose_facts(ctx, text, vocab)
