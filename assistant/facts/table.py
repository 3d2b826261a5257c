"""Facts as flat rows: the one column order shared by ``facts --csv``, the page's table and its
CSV/XLSX export, so a user's spreadsheet has the same columns whichever way it was made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.facts.extract import Fact

FIELDS = (
    "indicator",
    "qualifier",
    "subject",
    "region",
    "level",
    "year",
    "period",
    "value",
    "unit",
    "source",
    "title",
    "chunk_id",
    "kind",
    "raw",
    "text",
    "start",
    "end",
)
HEADERS_ZH = (
    "指标",
    "口径",
    "细分",
    "地区",
    "层级",
    "年份",
    "期间",
    "数值",
    "单位",
    "来源文件",
    "文件标题",
    "片段",
    "类型",
    "原文措辞",
    "原文",
    "起",
    "止",
)


# What the 指标 tab's table shows (its export carries every column).
SHOWN = ("indicator", "qualifier", "subject", "region", "year", "period", "value", "unit", "title", "text")
SHOWN_HEADERS = tuple(HEADERS_ZH[FIELDS.index(f)] for f in SHOWN)


def as_row(fact: Fact) -> list[Any]:
    data = fact.to_json()
    return [data[k] if data[k] is not None else "" for k in FIELDS]
