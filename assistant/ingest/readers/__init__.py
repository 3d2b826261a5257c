"""Turn a file into a :class:`Document` — text blocks and tables in reading order — one reader per format.

Every failure becomes a :class:`DocumentError` naming the file and a reason a user can act on;
ingest reports it and goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.readers.base import Document, decode_text
from assistant.ingest.readers.html import read_html
from assistant.ingest.readers.images import read_image
from assistant.ingest.readers.office import read_docx
from assistant.ingest.readers.pdf import read_pdf
from assistant.ingest.readers.sheets import read_csv, read_workbook
from assistant.ingest.readers.text import read_markdown, read_plain
from assistant.settings import IngestSettings

__all__ = ["READERS", "Document", "decode_text", "read_blocks", "read_document"]

READERS: dict[str, Callable[..., Document]] = {  # (path) or, for sheets, (path, limits)
    ".txt": read_plain,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,  # pages without a text layer are read by OCR
    ".docx": read_docx,
    ".xlsx": read_workbook,
    ".xlsm": read_workbook,
    ".xls": read_workbook,
    ".csv": read_csv,
    ".png": read_image,
    ".jpg": read_image,
    ".jpeg": read_image,
}


def read_blocks(path: Path, limits: IngestSettings | None = None) -> Document:
    """Text and tables of ``path``; any parser crash is turned into a reportable :class:`DocumentError`.
    ``limits`` bound a workbook's or a CSV's sheets (rows and cells read)."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(
            path.name, f"unsupported file type {path.suffix or '(none)'}; supported: {', '.join(sorted(READERS))}"
        )
    try:
        document = reader(path, limits) if reader in (read_workbook, read_csv) else reader(path)
    except DocumentError:
        raise
    except Exception as exc:  # a parser crash must cost one file, not the run
        raise DocumentError(
            path.name, f"cannot parse as {path.suffix[1:].upper()}: {type(exc).__name__}: {exc}"
        ) from exc
    if not document.has_text():
        raise DocumentError(path.name, "no text or table found in the file")
    return document


def read_document(path: Path) -> str:
    """Plain text of ``path`` (tables as their record lines): for callers that need no structure."""
    return read_blocks(path).plain_text()
