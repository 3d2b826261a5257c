"""Find the figures (numbers with their units) in a text and check them against source passages.

The assistant promises that an answer never shows a number that is not in the passage it cites.
That check must compare *values*, never substrings: "86家" is a substring of "186家", "2.6%" of
"2.65%" and "2023" of the corrupted "25832023万元", while "1.5亿元", "15000万元", "1.5億元" and
"150,000,000元" are the same figure written four ways. So both sides are normalized (NFKC, t2s,
thousands separators, spacing), every figure is parsed into an exact ``Decimal`` in base units
(scale words 万/亿/百万/千万/万亿 fold into the value; the counted noun stays the unit), and two
figures match when their values (and, for ranges, both ends) are equal and their units agree.
Values are compared as exact Decimals, without tolerance: "0.235亿元" == "2350万元", "48.6%" == "48.60%".

Rules the caller must know:
- A number right after a bracketed unit takes it, as table records write it: "R&D经费（亿元）769.6" is
  769.6亿元 and "投入强度（%）2.35" is 2.35%.
- Units are compared only when both sides have one: "3200万" matches "3200万元" and "1.8亿" matches
  "1.8亿元", but "37.7%" never matches "37.7元". Approximation marks (多/余) are kept in ``text``
  and ignored in matching: "200多项" and "200项" both show the number 200. The looseness cuts one
  way: a passage number without a unit ("863计划") can vouch for an answer's "863项".
- Years and dates ("2020年", "2019年度", "2014—2017年度", "9月8日", "1-10月", a bare 19xx/20xx with no
  unit) have ``is_year`` set; they are never checked and never used as evidence. A day is a date
  only right after 月 ("9月8日"), and X年 is a year only for a four-digit X: "十日", "五年", "两年"
  are durations with units 日 and 年.
- Ordinals are not figures: "第一条", "第2", "全省第6". Neither are list markers ("1、"), a bare "一"
  before a counting word ("一个平台", "一批", "一次性") or Chinese numerals without a unit ("一是").
  批 is deliberately not a unit, so "两批16家" yields only "16家".
- A range ("3-5个", "120-125家") is one figure; it only matches the same range (both ends, scaled
  alike). "五千元以上二万元以下" is two figures, each of which can match on its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from assistant.language.text import to_simplified

_SCALES = {"万亿": 10**12, "千万": 10**7, "百万": 10**6, "万": 10**4, "亿": 10**8}
# Unit as written (Simplified) -> canonical unit. Longest spelling wins in the regex.
_UNITS = {
    "个百分点": "个百分点",
    "百分点": "个百分点",
    "人民币": "元",
    "个工作日": "工作日",
    "工作日": "工作日",
    "平方公里": "平方公里",
    "平方米": "平方米",
    "个月": "个月",
    "人次": "人次",
    "年度": "年度",
    "美元": "美元",
    "欧元": "欧元",
    "港元": "港元",
    "公斤": "公斤",
    "千克": "公斤",
    "公里": "公里",
    "小时": "小时",
    "分钟": "分钟",
    **{u: u for u in "元%‰家件项人个亩户名次篇场份期所台套头只吨倍分岁天年月日条种位座"},
}
# After a bare "一" these are the indefinite article ("一个平台", "一次性"), not a count.
_CLASSIFIERS = frozenset("个项件次名家份场所台套头只户人篇期条种位座") | {"人次"}
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}

_AR = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_CN_REST = r"[零〇一二两三四五六七八九十百千万亿]*(?:点[零〇一二三四五六七八九]+)?"
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_TAIL = rf"(?P<ap1>[多余])?(?P<scale>万亿|千万|百万|万|亿)?(?P<ap2>[多余])?[ \t]*(?P<unit>{_UNIT_RE})?"
_FIGURE_RE = re.compile(
    rf"百分之(?P<pct>[零〇一二两三四五六七八九十百千]{_CN_REST}|{_AR})"
    rf"|(?:(?<![\d.A-Za-z])(?<!\d[,:-])(?P<ar>{_AR})(?![A-Za-z\d])(?:[ \t]*[-—–~至][ \t]*(?P<ar2>{_AR}))?"
    rf"|(?P<cn>[零〇一二两三四五六七八九十]{_CN_REST}))[ \t]*{_TAIL}"
)
# A table record writes the unit in its column header: "R&D经费（亿元）769.6", "投入强度（%）2.35".
_HEADER_UNIT = re.compile(rf"\((?P<scale>万亿|千万|百万|万|亿)?(?P<unit>{_UNIT_RE})\)[-+]?$")


@dataclass(frozen=True)
class Figure:
    """One figure as found in a text; ``exact``/``upper`` carry the Decimal used for matching."""

    text: str  # exactly as in the searched string (original script, digits and spacing)
    value: float  # base units after scale: "1.5亿元" -> 150000000.0; a range's first number
    unit: str  # canonical unit without scale ("元", "%", "家", "个百分点"); "" when none
    start: int  # offsets of ``text`` in the searched string
    end: int
    is_year: bool  # years and date parts: shown freely, never checked
    exact: Decimal | None = field(default=None, repr=False)  # value without float error
    upper: Decimal | None = field(default=None, repr=False)  # second end of a range, else None

    def __post_init__(self) -> None:
        if self.exact is None:  # built by hand from a float: derive the Decimal once
            object.__setattr__(self, "exact", Decimal(repr(self.value)))


def _normalize(text: str) -> tuple[str, list[int]]:
    """NFKC + Traditional→Simplified, with a map from each normalized char to its original offset."""
    pieces, index = [], []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch)
        pieces.append(norm)
        index.extend([i] * len(norm))
    nfkc = "".join(pieces)
    simplified = to_simplified(nfkc)
    if len(simplified) != len(nfkc):  # a phrase conversion changed length: convert char by char
        simplified = "".join(s if len(s := to_simplified(c)) == 1 else c for c in nfkc)
    return simplified, index + [len(text)]


def _cn_int(s: str) -> int | None:
    """Value of a Chinese integer numeral, or None if malformed ("十三五" is a name, not 135)."""
    if len(s) > 1 and all(c in _CN_DIGITS for c in s):  # digit by digit: 二〇一三
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    total, section, digit, last_small = 0, 0, None, 10**5
    for c in s:
        if c in _CN_DIGITS:
            if digit:  # two non-zero digits in a row
                return None
            digit = _CN_DIGITS[c]
        elif c in _CN_SMALL:
            mult = _CN_SMALL[c]
            if mult >= last_small or (digit is None and (section or total)):
                return None
            section += (1 if digit is None else digit) * mult
            digit, last_small = None, mult
        else:  # 万 or 亿 closes a section
            section += digit or 0
            if c == "亿" and total + section:
                total = (total + section) * _CN_BIG[c]
            elif c == "万" and section:
                total += section * _CN_BIG[c]
            else:
                return None
            section, digit, last_small = 0, None, 10**5
    return total + section + (digit or 0)


def _number(s: str) -> Decimal | None:
    """Decimal value of an Arabic or Chinese number (without its scale word)."""
    if s[0].isdigit():
        return Decimal(s.replace(",", ""))
    whole, _, frac = s.partition("点")
    n = _cn_int(whole) if whole else None
    if n is None or not all(c in _CN_DIGITS for c in frac):
        return None
    return Decimal(f"{n}.{''.join(str(_CN_DIGITS[c]) for c in frac)}") if frac else Decimal(n)


def _is_year_number(raw: str, scale: str | None) -> bool:
    if scale:
        return False
    if raw.isdigit():
        return len(raw) == 4
    return len(raw) == 4 and all(c in _CN_DIGITS for c in raw)


def _figure(m: re.Match[str], norm: str, index: list[int], original: str) -> Figure | None:
    """Build the Figure for one regex match, or None when the match is not a figure."""
    g = m.groupdict()
    if m.start() > 0 and norm[m.start() - 1] == "第":
        return None  # ordinal: 第一条, 第2, 全省第6
    if g["pct"]:
        value, unit, raw, scale_word, upper = _number(g["pct"]), "%", g["pct"], None, None
        end = m.end("pct")
    else:
        raw = g["ar"] or g["cn"]
        value, scale_word, unit = _number(raw), g["scale"], _UNITS.get(g["unit"] or "", "")
        upper = _number(g["ar2"]) if g["ar2"] else None
        if value is None:  # malformed Chinese numeral
            return None
        if g["cn"]:
            if unit == "分":  # 十分 ("very")
                unit = ""
            if not unit and not scale_word and not re.search("[万亿]", raw):
                return None  # 一是, 一系列, 十三五: Chinese numerals count only with a unit or scale
            if raw == "一" and not scale_word and unit in _CLASSIFIERS:
                return None  # 一个平台, 一次性: the indefinite article
        elif not unit and not scale_word and (header := _HEADER_UNIT.search(norm, 0, m.start())):
            scale_word, unit = header.group("scale"), _UNITS[header.group("unit")]
        elif not unit and not scale_word and m.end() < len(norm) and norm[m.end()] in "、.)）:":
            return None  # list marker (1、 1. (1)) or clock time
        factor = Decimal(_SCALES[scale_word]) if scale_word else Decimal(1)
        value *= factor
        upper = upper * factor if upper is not None else None
        end = max(m.end(k) for k in ("ar", "ar2", "cn", "ap1", "scale", "ap2", "unit") if g[k])
    if value is None:
        return None  # malformed 百分之…
    before = norm[m.start() - 1] if m.start() > 0 else ""
    is_year = (
        unit in ("年度", "月")
        or (unit == "日" and before == "月")
        or (unit == "年" and _is_year_number(raw, scale_word))
        or (not unit and raw.isdigit() and _is_year_number(raw, scale_word) and 1900 <= value <= 2100)
    )
    if unit == "年" and is_year or unit == "年度":
        unit = "年"
    start, stop = index[m.start()], index[end - 1] + 1
    return Figure(original[start:stop], float(value), unit, start, stop, is_year, value, upper)


@lru_cache(maxsize=4096)
def _extract(text: str) -> tuple[Figure, ...]:
    norm, index = _normalize(text)
    found = (_figure(m, norm, index, text) for m in _FIGURE_RE.finditer(norm))
    return tuple(f for f in found if f is not None)


def extract_figures(text: str) -> list[Figure]:
    """Every figure of ``text`` in order, years and dates included (flagged ``is_year``)."""
    return list(_extract(text))


def _same(a: Figure, b: Figure) -> bool:
    if a.is_year or b.is_year or a.exact != b.exact or a.upper != b.upper:
        return False
    return not (a.unit and b.unit) or a.unit == b.unit


def figure_in(figure: Figure, passage: str) -> bool:
    """True iff ``passage`` states the same value (same range, compatible unit) as ``figure``."""
    return any(_same(figure, other) for other in _extract(passage))
