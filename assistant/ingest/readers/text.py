"""Plain text and Markdown, with the tables they carry: pipe tables and columns aligned by blanks."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.ingest.readers.base import Document, decode_text
from assistant.ingest.tables import is_numeric

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_GAP = re.compile(r"\t+| {2,}|\u3000+")
_MIN_ALIGNED_LINES = 3


def _pipe_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _pipe_table(lines: list[str], i: int) -> tuple[list[list[str]], int, int] | None:
    """A Markdown table starting at line ``i``: (grid, end, header rows) from header line(s), a
    ---|--- rule and the body; or None."""
    j = i
    while j < len(lines) and _PIPE_ROW.match(lines[j]) and not _PIPE_RULE.match(lines[j]):
        j += 1
    if j == i or j >= len(lines) or not _PIPE_RULE.match(lines[j]):
        return None
    end = j + 1
    while end < len(lines) and _PIPE_ROW.match(lines[end]):
        end += 1
    return [_pipe_cells(line) for line in [*lines[i:j], *lines[j + 1 : end]]], end, j - i


def _aligned_table(lines: list[str], i: int) -> tuple[list[list[str]], int, int | None] | None:
    """Columns set apart by tabs or runs of blanks: ≥3 lines with the same number (≥2) of fields,
    a first line of words and a figure in every line below it."""
    fields = _GAP.split(lines[i].strip())
    if len(fields) < 2 or any(is_numeric(f) for f in fields[1:]):
        return None
    end = i + 1
    while end < len(lines):
        row = _GAP.split(lines[end].strip())
        if len(row) != len(fields) or not any(is_numeric(f) for f in row[1:]):
            break
        end += 1
    if end - i < _MIN_ALIGNED_LINES:
        return None
    return [_GAP.split(line.strip()) for line in lines[i:end]], end, None


def text_document(text: str, markdown: bool) -> Document:
    """Split ``text`` into text blocks and the tables found in it; text without tables stays one block."""
    document = Document()
    lines = text.split("\n")
    start = i = 0
    while i < len(lines):
        found = (_pipe_table(lines, i) if markdown else None) or _aligned_table(lines, i)
        if found is None:
            i += 1
            continue
        if start < i:
            document.add_text("\n".join(lines[start:i]) + "\n")
        grid, i, header_rows = found
        document.add_table(grid, f"table {len(document.tables) + 1}", header_rows=header_rows)
        start = i
    if start < len(lines):
        document.add_text("\n".join(lines[start:]))
    return document


def read_plain(path: Path) -> Document:
    return text_document(decode_text(path.read_bytes(), path.name), markdown=False)


def read_markdown(path: Path) -> Document:
    return text_document(decode_text(path.read_bytes(), path.name), markdown=True)
