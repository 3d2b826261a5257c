"""Where a year is written in running text — the year patterns, in one place.

A four-digit number is a year only where nothing says otherwise: "2000萬元" is money, and a year
inside 25832023万元 is not a year. The patterns differ by what their caller must not get wrong,
so each says which mistake it avoids.
"""

from __future__ import annotations

import re

# A year a question or a sentence speaks of: followed by 年, a range dash, 至, 、 or a closing
# parenthesis (so "2000萬元" is no year); 1950–2049.
YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?=\s*(?:年|—|–|-|~|至|、|）|\)|$))")
# 2006—2008年, 2006至2008, 2019年到2023年: every year between.
YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年?\s*[—–\-~至到]\s*((?:19|20)\d\d)(?!\d)")
# Only "NNNN年" itself: what a follow-up (那2019年呢？) replaces in the previous question.
YEAR_BEFORE_NIAN = re.compile(r"(?<!\d)(?:19|20)\d\d(?=年)")
# A year in a document's file name, title or opening (no unit follows a year there); 1980–2049.
DOCUMENT_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?=\s*年|\D|$)")
# Date phrases of a question — years, month spans, quarters — which carry no indicator words.
DATE_PHRASES = re.compile(
    r"(?<!\d)(?:19|20)\d\d\s*(?:年度|年)?|\d{1,2}\s*[-—–~至]\s*\d{1,2}\s*月份?|前[一二三四五六七八九十\d]+(?:个月|季度)"
    r"|[一二三四]季度|\d{1,2}月份?"
)


def years_in(text: str) -> list[int]:
    """The years ``text`` names, ranges spelled out, in order of first mention."""
    years: list[int] = []
    for start, end in YEAR_RANGE.findall(text):
        years.extend(range(int(start), int(end) + 1))
    return years + [y for y in dict.fromkeys(int(y) for y in YEAR.findall(text)) if y not in years]


# A year written in Chinese numerals (二〇二〇年, 二零二零年, 一九九八年): a question pasted from a
# document says so as often as 2020年; read as Arabic digits before anything looks for years.
_CN_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")
CN_YEAR = re.compile(r"(?<![〇零○Ｏ一二三四五六七八九十百千万])([〇零○Ｏ一二三四五六七八九]{4})(?=\s*年)")


def arabic_years(text: str) -> str:
    """``text`` with every four-numeral Chinese year (二〇二〇年) in Arabic digits (2020年)."""
    return CN_YEAR.sub(lambda m: m.group(1).translate(_CN_DIGITS), text)
