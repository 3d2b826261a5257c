"""Turn a file into plain text, one reader per format, with encodings detected.

Every failure becomes a :class:`DocumentError` naming the file and a reason a user can act on;
ingest reports it and goes on with the other files.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from charset_normalizer import from_bytes

from assistant.errors import DocumentError

# Chinese government files in the wild: UTF-8, GB18030/GBK (mainland), Big5 (Taiwan/HK).
_PREFERRED_ENCODINGS = ("utf_8", "gb18030", "big5")


def decode_text(data: bytes, path: str) -> str:
    """Decode bytes whose encoding is unknown; refuse empty or binary data rather than index garbage."""
    text = _decode(data, path)
    if not text.strip():
        raise DocumentError(path, "the file is empty")
    return text


def _decode(data: bytes, path: str) -> str:
    if not data.strip():
        raise DocumentError(path, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise DocumentError(path, "binary data, not text (NUL bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in _PREFERRED_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf_8" or _looks_like_chinese(text):
            return text
    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(path, "cannot detect the text encoding (not UTF-8, GB18030 or Big5)")
    return str(best)


def _looks_like_chinese(text: str) -> bool:
    """GB18030 decodes almost any byte soup; accept it only when most letters are common CJK."""
    letters = [c for c in text if not c.isspace() and not c.isascii()]
    if not letters:
        return True
    cjk = sum(1 for c in letters if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return cjk / len(letters) > 0.9


def _read_plain(path: Path) -> str:
    return decode_text(path.read_bytes(), path.name)


def _read_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(path.read_bytes(), path.name), "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    return soup.get_text("\n")


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    if reader.is_encrypted:
        raise DocumentError(path.name, "the PDF is encrypted")
    text = "\n".join((page.extract_text() or "") for page in reader.pages)
    if not text.strip():
        raise DocumentError(path.name, "the PDF has no text layer (a scan?); OCR is not supported")
    return text


def _read_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


READERS: dict[str, Callable[[Path], str]] = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".markdown": _read_plain,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


def read_document(path: Path) -> str:
    """Plain text of ``path``; any parser crash is turned into a reportable :class:`DocumentError`."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(path.name, f"unsupported file type {path.suffix or '(none)'}; supported: {', '.join(sorted(READERS))}")
    try:
        return reader(path)
    except DocumentError:
        raise
    except Exception as exc:  # a parser crash must cost one file, not the run
        raise DocumentError(path.name, f"cannot parse as {path.suffix[1:].upper()}: {type(exc).__name__}: {exc}") from exc
