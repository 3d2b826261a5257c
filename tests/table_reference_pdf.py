"""The reference read of a text-layer PDF's tables, from word positions alone.

Why: the round trip (tests/table_roundtrip.py) must judge the product's PDF tables against a read
that shares none of its table code (``assistant/ingest/readers/pdf.py``, ``ocr_layout.py``,
``continued.py``). Here pdfplumber's ``extract_words`` gives each word's box and nothing else is
used: words on one baseline are a line; words closer than half a glyph are one cell's text; the
columns of a table are the blank vertical strips that no cell of its figure rows crosses; the
lines above its first figure row are its header (down to a ``表N`` caption, its title); a run of
figure rows at the top of a page with the columns of the table that ended the page before is that
table continued. The grid then goes through the same cell rules as every other format
(:func:`table_reference.cells_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from table_reference import RefCell, cells_of

from assistant.ingest.normalize import normalize_text

_FIGURE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_CAPTION = re.compile(r"^(?:附表|表)\s*[\d一二三四五六七八九十]")
_JOIN = 0.3  # words closer than this many glyph heights are one cell's text (a letter-spaced 林　业 is
# joined by its column, below)
_LINE_GAP = 6.0  # a header line further above the first figure row than this many line heights is not its header
_MAX_HEADER_LINES = 5  # a header cell wrapped over lines (研究与试验发展（R&D）经 / 费（亿元）)


@dataclass
class _Line:
    top: float
    height: float
    cells: list[tuple[float, float, str]]  # x0, x1, text

    @property
    def figures(self) -> int:
        return sum(bool(_FIGURE.match(text)) for _, _, text in self.cells[1:])

    @property
    def text(self) -> str:
        return " ".join(text for _, _, text in self.cells)


@dataclass
class _Table:
    title: str
    header: list[_Line]
    rows: list[_Line] = field(default_factory=list)
    columns: list[tuple[float, float]] = field(default_factory=list)


def _lines(page) -> list[_Line]:
    """Words grouped by baseline, then, left to right, into cells by the gaps between them."""
    rows: list[list[dict]] = []
    for w in sorted(page.extract_words(), key=lambda w: w["top"]):
        height = w["bottom"] - w["top"]
        last = rows[-1][0] if rows else None
        if last is not None and abs(last["top"] - w["top"]) <= 0.4 * max(height, last["bottom"] - last["top"]):
            rows[-1].append(w)
        else:
            rows.append([w])
    lines = []
    for words in rows:
        height = max(w["bottom"] - w["top"] for w in words)
        cells: list[tuple[float, float, str]] = []
        for w in sorted(words, key=lambda w: w["x0"]):
            text = normalize_text(w["text"])  # Chromium prints 支 as the Kangxi radical ⽀, 车 as ⻋
            if cells and w["x0"] - cells[-1][1] < _JOIN * height:
                cells[-1] = (cells[-1][0], w["x1"], cells[-1][2] + text)
            else:
                cells.append((w["x0"], w["x1"], text))
        lines.append(_Line(words[0]["top"], height, cells))
    return lines


def _columns(rows: list[_Line]) -> list[tuple[float, float]]:
    """The x spans the figure rows' cells cover, merged where they overlap: between them lie the
    gaps. Left of the first figure, spans less than two glyphs apart are one label (a letter-spaced
    北　京 in every row); a 单位 column further right stays a column."""
    spans = sorted((x0, x1, bool(_FIGURE.match(t))) for row in rows for x0, x1, t in row.cells)
    first = min((x0 for x0, _, figure in spans if figure), default=float("inf"))
    glyph = max(row.height for row in rows)
    merged: list[tuple[float, float]] = []
    for x0, x1, _ in spans:
        if merged and (x0 <= merged[-1][1] + 1 or (x1 < first and x0 - merged[-1][1] < 2 * glyph)):
            merged[-1] = (merged[-1][0], max(merged[-1][1], x1))
        else:
            merged.append((x0, x1))
    return merged


def _grid_row(line: _Line, columns: list[tuple[float, float]]) -> list[str]:
    row = [""] * len(columns)
    for x0, x1, text in line.cells:
        centre = (x0 + x1) / 2
        j = min(
            range(len(columns)),
            key=lambda k: (
                0
                if columns[k][0] <= centre <= columns[k][1]
                else min(abs(centre - columns[k][0]), abs(centre - columns[k][1]))
            ),
        )
        row[j] += text
    return row


def _tables(lines: list[_Line], carried: _Table | None) -> list[_Table]:
    """Runs of figure rows, each with the header lines and caption above it."""
    out: list[_Table] = []
    i = 0
    while i < len(lines):
        if len(lines[i].cells) < 2 or not lines[i].figures:
            i += 1
            continue
        start, size = i, lines[i].height
        while (
            i < len(lines)
            and len(lines[i].cells) >= 2
            and abs(lines[i].height - size) <= 0.15 * size  # a paragraph's line set larger is no row
            and not _CAPTION.match(lines[i].text)
        ):
            i += 1
        header, title, k = [], "", start - 1
        while k >= 0 and len(header) < _MAX_HEADER_LINES:
            above = lines[k]
            near = (lines[k + 1].top - above.top) <= _LINE_GAP * max(above.height, 1)
            if _CAPTION.match(above.text) and near:
                title = " ".join(t for _, _, t in above.cells)
                break
            if not near or above.figures or (len(above.cells) < 2 and header and len(above.text) > 8):
                break
            header.insert(0, above)
            k -= 1
        table = _Table(title, header, lines[start:i])
        table.columns = _columns(table.rows)
        if not header and not title and carried is not None and len(carried.columns) == len(table.columns):
            table.title, table.header = carried.title, carried.header  # continued from the page before
        out.append(table)
        carried = None
    return out


def pdf_cells(path: Path) -> list[RefCell]:
    """Every numeric cell of the text-layer tables of ``path`` (pages without text give none)."""
    import pdfplumber

    out: list[RefCell] = []
    carried: _Table | None = None
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            tables = _tables(_lines(page), carried)
            for table in tables:
                grid = [[table.title]] if table.title else []
                grid += [_grid_row(line, table.columns) for line in [*table.header, *table.rows]]
                out += cells_of(grid)
            carried = tables[-1] if tables else carried
    return out
