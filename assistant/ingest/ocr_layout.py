"""Lay out OCR'd lines as a page is read: paragraphs top to bottom, and aligned lines as table rows.

Why geometry and not the recognizer: OCR returns boxes of text with no idea that ``陕　西``,
``769.6`` and ``2.35`` sit on one table row under the headers ``R&D经费（亿元）`` and
``R&D经费投入强度（%）``. Kept as loose lines, the figure is found without what it measures —
the same failure as a flattened HTML table. Lines are grouped by their vertical centre into rows
and a run of rows with two or more cells becomes a grid whose columns come from where the body
rows' cells sit (numbers are right-aligned and headers centred, so a header is placed by its
centre between column boundaries, not by overlap). Leading rows with no figure are header rows;
a multi-line header (``R&D经费`` over ``（亿元）``) becomes one header row. The grid goes to the
table model (``assistant.ingest.tables``) that decides units and records for every format.

Pure functions over :class:`Line` boxes: no image, no model, so they are tested on their own.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from assistant.ingest.continued import is_table_caption

# A figure cell: 769.6, 1,234, -3.2, 12.6%, or a dash for "no data".
_FIGURE = re.compile(r"^[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[%‰]?$|^[—–\-…]+$")
# A line that ends a sentence: the paragraph may break after it.
_SENTENCE_END = re.compile(r"[。！？；：!?;:]$")
_TITLE_MAX = 60
_ROW_TOLERANCE = 0.5  # of the smaller line height: two centres closer than this share a row
_CELL_GAP = 0.6  # of the line height: fragments closer than this are one cell (``全　国``)
_OVERLAP = 0.3  # of the line height: fragments overlapping more than this may repeat a character
_PARAGRAPH_GAP = 1.2  # of the line height: a larger blank between rows starts a new paragraph
_RESIZE = 0.25  # of the line height: a row this much taller or shorter is set in another size (a caption)


@dataclass(frozen=True)
class Line:
    """One recognized line: its text, its box in page pixels and the recognizer's confidence."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(frozen=True)
class OcrTable:
    """A grid laid out from OCR'd lines, header row first, with the title line found above it."""

    title: str
    grid: tuple[tuple[str, ...], ...]


Block = str | OcrTable


def is_figure(text: str) -> bool:
    return bool(_FIGURE.match(text.strip()))


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def join_text(left: str, right: str) -> str:
    """Two pieces of one line or paragraph: no space between Chinese characters, one between words."""
    if not left or not right:
        return left + right
    return left + right if _is_cjk(left[-1]) or _is_cjk(right[0]) else f"{left} {right}"


def _merge(a: Line, b: Line) -> Line:
    """One line of two fragments. Detector boxes are padded, so two fragments of one line can
    overlap and both read the character under the overlap (``附表22`` + ``2022年``): it is kept once."""
    left = a.text
    if b.x0 < a.x1 - _OVERLAP * min(a.height, b.height):
        repeated = next((k for k in range(min(3, len(left), len(b.text)), 0, -1) if left.endswith(b.text[:k])), 0)
        left = left[: len(left) - repeated]  # the right fragment holds the character whole
    return Line(
        join_text(left, b.text),
        min(a.x0, b.x0),
        min(a.y0, b.y0),
        max(a.x1, b.x1),
        max(a.y1, b.y1),
        min(a.confidence, b.confidence),
    )


def group_rows(lines: list[Line]) -> list[list[Line]]:
    """Lines with (nearly) the same vertical centre form a row; rows top to bottom, cells left to right.

    Fragments of one cell that the detector split (letter-spaced names like ``全　国``) are merged.
    """
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.cy, ln.x0)):
        if rows:
            row = rows[-1]
            centre = statistics.fmean(ln.cy for ln in row)
            height = statistics.median(ln.height for ln in row)
            if abs(line.cy - centre) <= _ROW_TOLERANCE * min(height, line.height):
                row.append(line)
                continue
        rows.append([line])
    out = []
    for row in rows:
        cells: list[Line] = []
        for line in sorted(row, key=lambda ln: ln.x0):
            if cells and line.x0 - cells[-1].x1 < _CELL_GAP * min(line.height, cells[-1].height):
                cells[-1] = _merge(cells[-1], line)
            else:
                cells.append(line)
        out.append(cells)
    return out


def _table_runs(rows: list[list[Line]]) -> list[tuple[int, int]]:
    """[start, end) of each run of rows that is a table: two or more rows of two or more cells, two
    of them with a figure (a paragraph whose lines the detector cut in two has none); a one-cell
    row between two such rows (a label whose values are blank) stays inside the run. A table's
    caption (表5 | 2023年…, set in columns above the header) is no row: it ends a run."""
    caption = [is_table_caption(" ".join(c.text for c in r[:2])) for r in rows]
    multi = [len(r) >= 2 and not c for r, c in zip(rows, caption)]
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(rows):
        if not multi[i]:
            i += 1
            continue
        j = i + 1
        while j < len(rows) and not caption[j] and (multi[j] or (j + 1 < len(rows) and multi[j + 1] and multi[j - 1])):
            j += 1
        if sum(multi[i:j]) >= 2 and sum(any(is_figure(c.text) for c in r) for r in rows[i:j]) >= 2:
            runs.append((i, j))
        i = j
    return runs


def _column_bounds(rows: list[list[Line]]) -> list[float]:
    """x positions between columns, from the rows with the most common number of cells (the body)."""
    counts = [len(r) for r in rows if len(r) >= 2]
    width = max(statistics.multimode(counts))
    body = [r for r in rows if len(r) == width]
    spans = [(min(r[j].x0 for r in body), max(r[j].x1 for r in body)) for j in range(width)]
    bounds = []
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        bounds.append((a1 + b0) / 2 if a1 <= b0 else ((a0 + a1) / 2 + (b0 + b1) / 2) / 2)
    return bounds


def _grid(rows: list[list[Line]]) -> list[list[str]]:
    """Each row's cells placed in the column whose boundaries hold the cell's centre."""
    bounds = _column_bounds(rows)
    grid = []
    for row in rows:
        cells = [""] * (len(bounds) + 1)
        for line in row:
            j = sum(1 for b in bounds if line.cx > b)
            cells[j] = join_text(cells[j], line.text)
        grid.append(cells)
    return grid


def merge_header_rows(grid: list[list[str]]) -> list[list[str]]:
    """Leading rows without a figure are the header; a header written over several lines becomes
    one row, each column's parts joined top to bottom (``R&D经费`` + ``（亿元）``)."""
    count = 0
    while count < len(grid) - 1 and not any(is_figure(c) for c in grid[count] if c):
        count += 1
    if count <= 1:
        return grid
    header = ["".join(row[j] for row in grid[:count]) for j in range(len(grid[0]))]
    return [header, *grid[count:]]


def _title_above(text_rows: list[str]) -> str:
    """The table's title: the nearest short line above it that is not the end of a sentence."""
    for line in reversed(text_rows[-2:]):
        if len(line) <= _TITLE_MAX and not _SENTENCE_END.search(line):
            return line
    return ""


def _paragraphs(rows: list[list[Line]]) -> list[str]:
    """Text rows joined into paragraphs. A row continues the one above (a line broken inside a
    sentence, joined without a break) unless a wide blank or an indent separates them, the row
    above stopped short of the paragraph's right edge (a title, the last line of a paragraph), or
    the two are set in different sizes (a table's caption under a paragraph)."""
    paragraphs: list[str] = []
    previous: Line | None = None
    right = 0.0
    for row in rows:
        line = row[0]
        for other in row[1:]:
            line = _merge(line, other)
        if previous is not None:
            gap = line.y0 - previous.y1
            indented = line.x0 - previous.x0 > line.height
            short = previous.x1 < right - 2 * line.height
            resized = abs(line.height - previous.height) > _RESIZE * min(line.height, previous.height)
            if gap < _PARAGRAPH_GAP * line.height and not indented and not short and not resized:
                paragraphs[-1] = join_text(paragraphs[-1], line.text)
                previous, right = line, max(right, line.x1)
                continue
        paragraphs.append(line.text)
        previous, right = line, line.x1
    return paragraphs


def lay_out(lines: list[Line]) -> list[Block]:
    """The page in reading order: paragraphs as text, aligned rows as :class:`OcrTable`."""
    rows = group_rows(lines)
    blocks: list[Block] = []
    pos = 0
    for start, end in _table_runs(rows):
        text_rows = _paragraphs(rows[pos:start])
        blocks.extend(text_rows)
        grid = merge_header_rows(_grid(rows[start:end]))
        blocks.append(OcrTable(_title_above(text_rows), tuple(tuple(r) for r in grid)))
        pos = end
    blocks.extend(_paragraphs(rows[pos:]))
    return blocks
