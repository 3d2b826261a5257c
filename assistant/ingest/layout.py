"""Lay a read document out as the text that is displayed and cited, and cut it into chunks.

Text blocks are cleaned, normalized and chunked on sentences; a table is laid out as its
overview line followed by one record line per data row, and each line is one chunk. Every chunk
is ``display[start:end]``, so the source panel finds it in the document, tables included.
Where normalization changed a text chunk (``⼭ 东`` → ``山东``) the text as written is kept in the
chunk's ``original`` metadata for display.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.ingest.chunk import Chunk, chunk_document
from assistant.ingest.clean import clean_text
from assistant.ingest.normalize import normalize_with_offsets, original_span
from assistant.ingest.readers import Document
from assistant.ingest.readers.base import OcrText
from assistant.ingest.tables import Table
from assistant.settings import ChunkSettings

_BLOCK_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Laid:
    """The document as displayed, its chunks, and per chunk the metadata its kind adds."""

    display: str
    chunks: list[Chunk]
    extra: list[dict[str, str | bool]]


def _text_chunks(block: str, settings: ChunkSettings) -> tuple[str, list[tuple[Chunk, dict[str, str | bool]]]]:
    cleaned = clean_text(block)
    text, origin = normalize_with_offsets(cleaned)
    out = []
    for chunk in chunk_document(text, settings):
        meta: dict[str, str | bool] = {"kind": "text", "ocr": isinstance(block, OcrText)}
        written = original_span(cleaned, origin, chunk.start, chunk.end)
        if written != chunk.text:
            meta["original"] = written
        out.append((chunk, meta))
    return text, out


def _table_chunks(table: Table) -> tuple[str, list[tuple[Chunk, dict[str, str | bool]]]]:
    overview = table.overview()
    lines: list[tuple[str, dict[str, str | bool]]] = [
        (overview, {"kind": "table", "table_title": table.title, "row_label": "", "columns": "[]", "ocr": table.ocr})
    ]
    for record in table.records():
        lines.append(
            (
                record.text,
                {
                    "kind": "table_row",
                    "table_title": table.title,
                    "row_label": record.row_label,
                    "columns": record.columns_json(),
                    "ocr": table.ocr,
                },
            )
        )
    text = "\n".join(line for line, _ in [*lines, *((note, {}) for note in table.notes)])
    out, pos = [], 0
    for line, meta in lines:
        out.append((Chunk(0, line, pos, pos + len(line), table.title), meta))
        pos += len(line) + 1
    return text, out


def lay_out(document: Document, settings: ChunkSettings) -> Laid:
    """Display text and chunks of ``document``; chunk offsets point into the display text."""
    parts: list[str] = []
    chunks: list[Chunk] = []
    extra: list[dict[str, str | bool]] = []
    pos = 0
    for block in document.blocks:
        text, pieces = _table_chunks(block) if isinstance(block, Table) else _text_chunks(block, settings)
        if not text.strip():
            continue
        if parts:
            pos += len(_BLOCK_SEPARATOR)
        for chunk, meta in pieces:
            chunks.append(Chunk(len(chunks), chunk.text, chunk.start + pos, chunk.end + pos, chunk.section))
            extra.append(meta)
        parts.append(text)
        pos += len(text)
    return Laid(_BLOCK_SEPARATOR.join(parts), chunks, extra)
