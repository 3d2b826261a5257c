"""What every reader returns — text blocks and tables in reading order — and text decoding.

Every failure becomes a :class:`DocumentError` naming the file and a reason a user can act on;
ingest reports it and goes on with the other files. Problems that cost part of a file only (an
empty sheet, a table without a header row) are ``warnings``: the rest of the file is indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from assistant.errors import DocumentError
from assistant.ingest.continued import carried
from assistant.ingest.tables import Table, unit_of

# Chinese government files in the wild: UTF-8, GB18030/GBK (mainland), Big5 (Taiwan/HK).
_PREFERRED_ENCODINGS = ("utf_8", "gb18030", "big5")
# A line that can title the table below it: short, and not the end of a sentence.
_TITLE_LINE = re.compile(r"^[^。；;！!？?]{2,60}$")
_UNIT_LINE = re.compile(r"^[(（]?\s*单位\s*[:：]")
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]|\s")


class OcrText(str):
    """Text read by OCR from a scan or an image: its chunks are marked ``ocr`` and the page says so."""


@dataclass
class Document:
    """A file's content: ``blocks`` are paragraphs of text (str) and tables, in reading order."""

    blocks: list[str | Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add_text(self, text: str) -> None:
        """Append text, joined to the text before it when both were read the same way (OCR or not)."""
        last = self.blocks[-1] if self.blocks else None
        if isinstance(last, str) and type(last) is type(text):
            self.blocks[-1] = type(text)(last + text)
        else:
            self.blocks.append(text)

    def add_table(
        self,
        grid: list[list[str]],
        where: str,
        title: str = "",
        caption: str = "",
        ocr: bool = False,
        header_rows: int | None = None,
    ) -> None:
        """Keep a grid as a table when it has a header row, or carry it under the header of the table it
        continues on a new page; otherwise keep its rows as text and say so."""
        if not title:
            title, caption = title_before(self.text_before())
        table = Table(title, grid, caption=caption, ocr=ocr, marked_header_rows=header_rows)
        if not table.grid:
            return
        if table.has_header and table.width >= 2:
            self.blocks.append(table)
            return
        if table.width >= 2 and (continuation := carried(self.blocks, table)):
            self.blocks.append(continuation)  # the rest of a table broken by a page
            return
        if table.width >= 2:
            self.warnings.append(f"{where} has no header row; its rows are indexed as text without column names")
        rows = "\n" + "\n".join(table.plain_rows()) + "\n"
        self.add_text(OcrText(rows) if ocr else rows)

    def text_before(self) -> str:
        return self.blocks[-1] if self.blocks and isinstance(self.blocks[-1], str) else ""

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def plain_text(self) -> str:
        """The whole file as text, each table as its overview line and record lines."""
        parts = []
        for block in self.blocks:
            if isinstance(block, Table):
                parts.append("\n".join([block.overview(), *(r.text for r in block.records())]))
            else:
                parts.append(block)
        return "\n".join(parts)

    def has_text(self) -> bool:
        return any(isinstance(b, Table) or b.strip() for b in self.blocks)


def title_before(text: str) -> tuple[str, str]:
    """(title, caption) for a table from the lines just above it: the nearest short line that is not a
    sentence, and any 单位：… line between it and the table."""
    lines = [line.strip() for line in text.rstrip().split("\n")[-4:] if line.strip()]
    caption = ""
    for line in reversed(lines):
        if _UNIT_LINE.match(line) or (
            unit_of(line) and len(_BRACKETED.sub("", line)) < 2
        ):  # （亿元）, not 专利授权量（件）
            caption = line
            continue
        if _TITLE_LINE.match(line):
            return line, caption
        break
    return "", caption


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
