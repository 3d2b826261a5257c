"""The 指标 tab and the chart under a chat answer: fact rows filtered by indicator, region and
year, as a table with sources, a plot, and CSV/XLSX files.

Everything here returns plain data (lists, pandas frames, file paths); ``app.py`` only puts it
into Gradio components. The column order is :mod:`assistant.facts.table`'s, shared with
``python -m assistant facts --csv``.
"""

from __future__ import annotations

import csv
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from assistant.facts.extract import Fact
from assistant.facts.store import FactStore
from assistant.facts.table import HEADERS_ZH, SHOWN, as_row
from assistant.serve.exports import exports_dir
from assistant.settings import Settings

PLOT_COLUMNS = ("x", "value", "series")
_MAX_ROWS = 2000


def select(store: FactStore, indicator: str | None, region: str | None, year: str | None) -> list[Fact]:
    """Facts for the filters ("" or None means any), whole-region figures before breakdowns."""
    facts = store.query(indicator or None, region or None, int(year) if year else None, limit=_MAX_ROWS)
    return sorted(facts, key=lambda f: (f.subject != "", f.indicator, f.qualifier, f.region, f.year or 0))


def table_rows(facts: list[Fact]) -> list[list[Any]]:
    data = [f.to_json() for f in facts]
    return [[d[k] if d[k] is not None else "" for k in SHOWN] for d in data]


def is_series(points: list[dict[str, Any]]) -> bool:
    """Points over several years (a line), rather than regions within one year (bars)."""
    return len({p.get("year") for p in points}) > 1


def plot_frame(points: list[dict[str, Any]]) -> pd.DataFrame:
    """Chart data: a series over years (one line per region) or, within one year, a bar per region.
    A cell with two figures (a preliminary and a revised one) is two points, labelled by source."""
    if not points:
        return pd.DataFrame(columns=list(PLOT_COLUMNS))
    regions = {p.get("region") for p in points}
    rows = []
    for p in points:
        if is_series(points):  # a series: x is the year, one line per region (or per source when one region)
            series = p["region"] if len(regions) > 1 else p.get("source", p["region"])
            rows.append({"x": str(p["year"]), "value": p["value"], "series": series})
        else:
            rows.append({"x": p["region"], "value": p["value"], "series": p.get("source", "")})
    return pd.DataFrame(rows, columns=list(PLOT_COLUMNS))


def fact_points(facts: list[Fact]) -> list[dict[str, Any]]:
    """Plot points of the whole-region main figures of one indicator (the first one listed)."""
    main = [f for f in facts if not f.subject and f.qualifier in ("", "累计")]
    if not main:
        return []
    first = main[0].indicator
    return [
        {"region": f.region, "year": f.year, "value": f.value, "source": f.source}
        for f in main
        if f.indicator == first and f.year and f.unit == main[0].unit
    ]


def export(settings: Settings, facts: list[Fact], fmt: str) -> Path:
    """The facts as ``facts-….csv`` or ``.xlsx`` (every column, Chinese headers) in the export folder."""
    folder = exports_dir(settings)
    path = folder / f"facts-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.{fmt}"
    rows = [as_row(f) for f in facts]
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel opens it as UTF-8
            writer = csv.writer(fh)
            writer.writerow(HEADERS_ZH)
            writer.writerows(rows)
    else:
        pd.DataFrame(rows, columns=list(HEADERS_ZH)).to_excel(path, index=False, sheet_name="指标")
    return path
