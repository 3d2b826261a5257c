"""A spreadsheet cell's value as Excel and WPS display it, from the cell's number format.

Why: a workbook stores 北京 2015 as 5.585445435871359 and shows ``5.59`` (format ``0.00``); a
reader of the file sees, cites and asks about 5.59, so 5.59 is the value indexed. Percent
formats multiply by 100 (``0.00%``: 0.0254 → ``2.54%``), ``#,##0`` groups thousands, date formats
turn a serial day number into a date, and General shows at most 10 significant digits (never a
float's full repr). Formats this module does not understand fall back to General.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

# Excel's built-in number formats by id (the ones a table of figures uses).
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    14: "yyyy-m-d",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    22: "yyyy-m-d h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;(#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;(#,##0.00)",
    49: "@",
    # the Chinese-locale date ids Excel and WPS write into .xls files
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}
_QUOTED = re.compile(r'"([^"]*)"|\\(.)')
_BRACKET = re.compile(r"\[[^\]]*\]")
_PAD = re.compile(r"[_*].")
_DATE_TOKENS = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|s|am/pm", re.I)
_NUMBER_PART = re.compile(r"[#0?][#0?,]*(?:\.[#0?]*)?(?:[eE][+-][0-9]+)?|\.[#0?]+")
_EPOCH = dt.datetime(1899, 12, 30)


def format_value(value: object, number_format: str | None) -> str:
    """``value`` (str, int, float, bool, date or None) as a cell with ``number_format`` shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (dt.datetime, dt.date)):
        return _date_text(value, number_format or "yyyy-m-d")
    if not isinstance(value, (int, float)):
        return str(value).strip()
    section, number = _section_for(_split_sections((number_format or "General").strip()), float(value))
    kind = _kind(section)
    if kind == "general":
        return _general(float(value))
    if kind == "date":
        try:
            return _date_text(_EPOCH + dt.timedelta(days=float(value)), section)
        except (OverflowError, ValueError):
            return _general(float(value))
    return _number_text(number, section)


@lru_cache(maxsize=512)
def _kind(section: str) -> str:
    if not section or section.lower() == "general" or section == "@":
        return "general"
    return "date" if _is_date(section) else "number"


@lru_cache(maxsize=512)
def _split_sections(code: str) -> tuple[str, ...]:
    """pos;neg;zero;text — split on semicolons outside quotes."""
    out, current, quoted = [], [], False
    for ch in code:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return tuple(out)


def _section_for(sections: tuple[str, ...], value: float) -> tuple[str, float]:
    """The section a value is shown by; a negative section shows the magnitude (its sign is literal)."""
    if value < 0 and len(sections) > 1 and sections[1].strip():
        return sections[1], -value
    if value == 0 and len(sections) > 2 and sections[2].strip():
        return sections[2], value
    return sections[0], value


def _general(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}"
    return text if "e" not in text else f"{value:.4E}"


def _is_date(section: str) -> bool:
    bare = _BRACKET.sub("", _QUOTED.sub("", section)).lower()
    return bool(re.search(r"[ymdhs]", bare)) and not re.search(r"[#0?]", bare.replace("0s", ""))


def _date_text(when: dt.date, section: str) -> str:
    """A date by its format's tokens (yyyy"年"m"月" → 2021年3月); m after h is minutes."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day)
    pieces = re.split(r'("[^"]*"|\\.|\[[^\]]*\])', section)
    out: list[str] = []
    after_hour = False
    for piece in pieces:
        if piece.startswith('"'):
            out.append(piece[1:-1])
        elif piece.startswith("\\"):
            out.append(piece[1:])
        elif not piece.startswith("["):
            out.append(_DATE_TOKENS.sub(lambda m, hour=after_hour: _token(m.group(0).lower(), when, hour), piece))
            after_hour = after_hour or bool(re.search(r"h", piece, re.I))
    return "".join(out).strip()


def _token(token: str, when: dt.datetime, after_hour: bool) -> str:
    table = {
        "yyyy": f"{when.year}",
        "yy": f"{when.year % 100:02d}",
        "mmmm": when.strftime("%B"),
        "mmm": when.strftime("%b"),
        "dd": f"{when.day:02d}",
        "d": f"{when.day}",
        "hh": f"{when.hour:02d}",
        "h": f"{when.hour}",
        "ss": f"{when.second:02d}",
        "s": f"{when.second}",
        "am/pm": when.strftime("%p"),
    }
    if token in ("mm", "m"):
        number = when.minute if after_hour else when.month
        return f"{number:02d}" if token == "mm" else f"{number}"
    return table[token]


@lru_cache(maxsize=512)
def _plan(section: str) -> tuple[str, str, float, int, int, bool, bool] | None:
    """A number section compiled once: (text before, text after, scale, places, optional places,
    grouped, scientific); None when the section holds no digit placeholder."""
    literal = _PAD.sub("", _BRACKET.sub("", section))
    literal = _QUOTED.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), literal)
    m = _NUMBER_PART.search(literal)
    if m is None:
        return None
    pattern = m.group(0)
    scale = 100.0 if "%" in literal else 1.0
    integer, _, fraction = pattern.partition(".")
    while integer.endswith(","):  # a trailing comma scales by 1000
        scale /= 1000
        integer = integer[:-1]
    places = sum(ch in "0?#" for ch in fraction.split("E")[0].split("e")[0])
    return (
        literal[: m.start()],
        literal[m.end() :],
        scale,
        places,
        fraction.count("#"),
        "," in integer,
        "e" in pattern.lower(),
    )


def _number_text(value: float, section: str) -> str:
    """Literal text around one number placeholder: decimals, thousands separator, percent, E+."""
    plan = _plan(section)
    if plan is None:
        literal = _QUOTED.sub(lambda m: m.group(1) or m.group(2) or "", _PAD.sub("", _BRACKET.sub("", section)))
        return literal.strip() or _general(value)
    before, after, scale, places, optional, grouped, scientific = plan
    number = f"{value * scale:.{places}E}" if scientific else _fixed(value, scale, places, optional, grouped)
    return (before + number + after).strip()


def _fixed(value: float, scale: float, places: int, optional: int, grouped: bool) -> str:
    """Half away from zero on the value's shortest decimal form (as Excel rounds what it shows),
    scaled exactly (0.02345 at 0.00% is 2.35%, not float 2.3449999…)."""
    try:
        exact = (Decimal(repr(value)) * Decimal(repr(scale))).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
        )
    except InvalidOperation:
        return _general(value)
    text = f"{exact:,f}" if grouped else f"{exact:f}"
    if optional and "." in text:  # '#' places drop trailing zeros
        keep = len(text) - optional
        head, tail = text[:keep], text[keep:].rstrip("0")
        text = (head + tail).rstrip(".")
    return text
