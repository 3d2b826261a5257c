"""Normalize text at read time: look-alike characters to the standard ones, and the blanks Chinese
never has deleted, with an offset map back to the text as written.

Printers' PDF text layers and Word-exported HTML write 山东 as "⼭ 东", 2019年 as "2019 年" and
R&D经费 as "R&D ）经费": indicator words and figures then match nothing. Normalizing maps each
look-alike character to the standard one and deletes the blanks that Chinese never has, while
an offset map keeps the text as written reachable for display. (Cleaning, which deletes a
scraped page's noise, is :mod:`assistant.ingest.clean`.)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_RADICALS_FILE = Path(__file__).resolve().parent.parent / "data" / "cjk_radicals.tsv"
# Blocks whose NFKC form is the standard character: Kangxi radicals, CJK compatibility
# ideographs, full-width digits, letters and %.
_NFKC_RANGES = (
    (0x2F00, 0x2FDF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
    (0xFF10, 0xFF19),
    (0xFF21, 0xFF3A),
    (0xFF41, 0xFF5A),
    (0xFF05, 0xFF05),
)
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201d"
_UNIT_START = rf"[{_HAN}%‰]"
# A heading marker after a blank starts a new sentence for the chunker (scraped text glues
# headings into lines), so the blank before one is kept.
_HEADING_AHEAD = (
    r"(?![一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}、|第[一二三四五六七八九十百\d]+[章节条])"
)
_ARTICLE_LABEL = re.compile(r"(?:^|\n|\s)第[一二三四五六七八九十百零〇\d]{1,6}[章节条]$")
_BLANKS = re.compile(
    rf" +{_HEADING_AHEAD}(?:"
    # 湖 北 · 北 京 · 湖北 省: letter-spacing, a single character on one side; "局工作报告 今年以来"
    # keeps its blank, which parts two phrases
    rf"(?<=[{_HAN}] )(?=[{_HAN}])(?:(?<![{_HAN}][{_HAN}] )|(?=[{_HAN}](?![{_HAN}])))"
    rf"|(?<=[{_HAN}] )(?=[A-Za-z\d])"  # 全国 R&D · 达到 2233.6
    rf"|(?<=[A-Za-z&] )(?=[{_HAN}])"  # R&D 经费
    rf"|(?<=[\w{_CJK_PUNCT}%] )(?=[{_CJK_PUNCT}])"  # R&D ）经费 · 经费 （亿元）
    rf"|(?<=[{_CJK_PUNCT}] )(?=[\w])"  # （ 亿元
    rf"|(?<=\d )(?={_UNIT_START})"  # 22143.6 亿元
    ")"
)


@lru_cache(maxsize=1)
def _standard_chars() -> dict[int, str]:
    """Look-alike code point → standard character(s), for ``str.translate``."""
    table = {code: unicodedata.normalize("NFKC", chr(code)) for lo, hi in _NFKC_RANGES for code in range(lo, hi + 1)}
    for line in _RADICALS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            radical, ideograph, *_ = line.split("\t")
            table[ord(radical)] = ideograph
    return {code: out for code, out in table.items() if out != chr(code)}


def _removable_blanks(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _BLANKS.finditer(text) if not _ARTICLE_LABEL.search(text, 0, m.start())]


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalized text and, for each of its characters, the offset of the character it came from.

    Full-width punctuation (，（：) is kept as written: NFKC would turn ``，`` into ``,`` and make
    ``2019，2020`` look like a thousands separator.
    """
    table = _standard_chars()
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        out = table.get(ord(ch), ch)
        chars.extend(out)
        origin.extend([i] * len(out))
    mapped = "".join(chars)
    pieces: list[str] = []
    kept: list[int] = []
    pos = 0
    for start, end in _removable_blanks(mapped):
        pieces.append(mapped[pos:start])
        kept.extend(origin[pos:start])
        pos = end
    pieces.append(mapped[pos:])
    kept.extend(origin[pos:])
    return "".join(pieces), kept


def normalize_text(text: str) -> str:
    """Standard characters, no blanks inside Chinese runs or between a number and its unit."""
    mapped = text.translate(_standard_chars())
    if " " not in mapped:
        return mapped
    pieces, pos = [], 0
    for start, end in _removable_blanks(mapped):
        pieces.append(mapped[pos:start])
        pos = end
    pieces.append(mapped[pos:])
    return "".join(pieces)


def original_span(original: str, origin: list[int], start: int, end: int) -> str:
    """The text as written behind ``normalized[start:end]`` (``origin`` from :func:`normalize_with_offsets`)."""
    if start >= end:
        return ""
    return original[origin[start] : origin[end - 1] + 1]
