"""Remove the noise that scraped bureau reports carry, keeping every sentence of the report itself.

Each rule is named so that a test can pin it to a real excerpt of the seeds. Rules only delete
or join; they never rewrite a figure (a figure changed here would be cited wrongly later).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_CJK = r"\u3400-\u9fff\uf900-\ufaff"

# "現(xiàn)" → "現": a pinyin syllable (lower case, tone marks) in brackets right after a character.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ"
_SYLLABLE = rf"(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])?[aeiouv{_TONED}]{{1,4}}(?:ng|n|r)?"
_PINYIN = re.compile(rf"(?<=[{_CJK}])[(（]{_SYLLABLE}[)）]")

# Whole lines that are site furniture, not report text.
_BOILERPLATE_LINES = [
    re.compile(p)
    for p in (
        r"由会员分享.*(在线阅读|搜索)",
        r"^温馨提示[:：]?\s*$",
        r"^\d+[.、]\s*(部分包含数学公式|本文档由用户上传|下载前请仔细阅读|下载文档时可能)",
        r"^(网站|在线)?客服[:：]",
        r"^时间[:：].{0,40}来源[:：]",
        r"^下面是小编为大家整理的",
        r"^【(概述|正文|摘要)】\s*$",
        r"的会员.{0,20}为你整理了",
        r"^推荐访问[:：]",
        r"^前言[:：].{0,20}本站为你",
        r"^收藏《.*》\)?\s*$",
        r"^第\s*\d+\s*页\s*共\s*\d+\s*页\s*$",
    )
]

# Spans inside a line: teaser cut-offs and generated summaries.
_BOILERPLATE_SPANS = [
    re.compile(p)
    for p in (
        r"……\s*[(（][^)）]*(省略|正式会员)[^)）]*[)）]\s*……",
        r"……\s*[(（]未完[,，]全文共.*$",
        r"内容总结\s*[(（]1[)）].*$",
        r"第\s*\d+\s*页\s*共\s*\d+\s*页",
    )
]

# A table of contents pasted above the text: from 目录/提纲 to the first line ending in "……".
_TOC_START = re.compile(r"^目[录錄][/／]?(提[纲綱])?[:：]?")

_PAGE_MARKER = re.compile(r"^(\d{1,3})、")


def strip_pinyin(text: str) -> str:
    """Delete pinyin glued after characters by a converter (``現(xiàn)`` → ``現``)."""
    return _PINYIN.sub("", text)


def join_page_markers(text: str) -> str:
    """Join pages of a scraped PDF whose lines start with the page number (``3、发和管理能力``).

    Such sites prefix each page with ``N、`` and cut mid-word (``研`` / ``3、发``) or mid-figure
    (``1`` / ``6、.8亿``). Only a run of 1、2、3… on long consecutive lines is taken for page
    numbers, so that a real list (short lines, or numbering that doesn't run in order) is kept.
    """
    lines = text.split("\n")
    numbered = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := _PAGE_MARKER.match(line))]
    run = [i for n, (i, num) in enumerate(numbered) if num == n + 1]
    if len(run) < 3 or len(run) != len(numbered) or sum(len(lines[i]) for i in run) / len(run) < 80:
        return text
    # A page break cuts mid-sentence; a real list's items end theirs. Most breaks must look cut.
    cut = sum(not lines[i - 1].rstrip().endswith(("。", "！", "？", "；", "”")) for i in run[1:] if i > 0)
    if cut * 2 < len(run) - 1:
        return text
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in run:
            body = _PAGE_MARKER.sub("", line, count=1)
            if i == run[0] or not out:
                out.append(body)
            else:
                out[-1] += body
        else:
            out.append(line)
    return "\n".join(out)


def _drop_toc(lines: list[str]) -> list[str]:
    """Delete a pasted table of contents: from a 目录/提纲 line to the next line ending in "……".

    Without such an end within 80 lines it is not a teaser TOC, and nothing is deleted.
    """
    for start, line in enumerate(lines):
        if _TOC_START.match(line.strip()):
            for end in range(start + 1, min(start + 80, len(lines))):
                if lines[end].strip().endswith("……"):
                    return lines[:start] + lines[end + 1 :]
    return lines


def drop_boilerplate(text: str) -> str:
    """Delete site furniture lines, teaser spans, a pasted table of contents and repeated titles."""
    out: list[str] = []
    seen_short: set[str] = set()
    for line in _drop_toc(text.split("\n")):
        stripped = line.strip()
        if any(p.search(stripped) for p in _BOILERPLATE_LINES):
            continue
        for span in _BOILERPLATE_SPANS:
            stripped = span.sub("", stripped).strip()
        if 8 <= len(stripped) <= 60:
            if stripped in seen_short:  # a title repeated by the site's template
                continue
            seen_short.add(stripped)
        out.append(stripped)
    return "\n".join(out)


_OPEN_END = re.compile(rf"[{_CJK}\w]$")
_CLOSED_END = re.compile(r"[。！？!?：]$")  # a full-width line ending so ends its sentence; any other is wrapped
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十百\d]+[章节条]|\d{1,2}[、.．](?!\d)|#)"
)


def join_broken_lines(text: str) -> str:
    """Rejoin a sentence that a scrape broke across lines (``獲得市級以上`` / ``財政科技資金…``).

    Only a long line (a paragraph, not a heading) that ends inside a word is joined, and never to
    a line that starts a new heading. Long is 40 characters, or, in hard-wrapped text (a PDF's
    text layer: most lines one width), a line of that width: a bulletin set 26 characters wide
    broke 生产总 / 值1329.65亿元 apart, and neither half was a sentence that could answer.
    """
    lines = text.split("\n")
    widths = [_cells(line) for line in lines]
    width = _wrap_width(widths)
    out: list[str] = []
    for i, line in enumerate(lines):
        prev = out[-1] if out else ""
        # the line above as printed, not the paragraph joined so far: a short last line ends its paragraph
        wrapped = bool(width) and i > 0 and widths[i - 1] >= width - WRAP_SLACK and not _CLOSED_END.search(prev)
        if (
            (wrapped or (len(prev) >= 40 and _OPEN_END.search(prev)))
            and line
            and not _HEADING_START.match(line)
            and re.match(rf"[{_CJK}\w（“《(‘]", line)
        ):
            out[-1] = prev + line
        else:
            out.append(line)
    return "\n".join(out)


WRAP_SLACK = 4  # a wrapped line may be this many half-widths short of the width (a wide glyph, a space)
WRAP_SHARE = 0.5  # text is hard-wrapped when this share of its longer lines is one width


def _cells(line: str) -> int:
    """A line's printed width in half-widths: 值[2]1329.65亿元 is as wide as eleven Chinese
    characters, not fifteen, so a wrapped line full of figures counts as full."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _wrap_width(line_widths: list[int]) -> int:
    """The width (half-widths) text was hard-wrapped at, or 0: the commonest width of its lines of
    24 half-widths or more, when at least half of them are within WRAP_SLACK of it."""
    widths = [w for w in line_widths if w >= 24]
    if len(widths) < 8:
        return 0
    width = max(set(widths), key=lambda n: sum(abs(m - n) <= WRAP_SLACK for m in widths))
    near = sum(abs(m - width) <= WRAP_SLACK for m in widths)
    return width if near >= WRAP_SHARE * len(widths) and width < 80 else 0


def tidy_whitespace(text: str) -> str:
    """Collapse blanks; glue a number to its unit (``15 家`` → ``15家``) so figures stay whole."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u200b-\u200f\ufeff]", "", text)
    # Private-use code points are a converter's lost glyphs (杭州条例 has "1\ue01020元"): show a
    # visible placeholder so "1□20元" is never read as the figure 120元.
    text = re.sub(r"[\ue000-\uf8ff]", "□", text)
    text = re.sub(r"[\t\u00a0\u3000 ]+", " ", text)
    text = re.sub(rf"(\d) (?=[{_CJK}%‰])", r"\1", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


CLEANING_RULES: tuple[Callable[[str], str], ...] = (
    tidy_whitespace,
    strip_pinyin,
    join_page_markers,
    drop_boilerplate,
    tidy_whitespace,
    join_broken_lines,
)


def clean_text(text: str) -> str:
    """Apply every rule in order; the result is the document as displayed and cited."""
    for rule in CLEANING_RULES:
        text = rule(text)
    return text
