"""What a question names, item by item, and how its asks are joined.

An item is anything a part of a question may differ by: a place (the division table), a year, an
indicator the lexicon knows (or an unknown phrase listed beside one), a qualifier, an article, a
policy's title. Runs of items of one kind joined by connector words (湖北省和湖南省) are what a
question lists; its clauses that ask something are where one ask ends. The joining words are data
(``assistant/data/multipart.toml``); cutting a question into parts is :mod:`assistant.answer.parts`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.language.lexicon import Lexicon
from assistant.language.places import named_places
from assistant.language.years import YEAR_RANGE

_DATA = Path(__file__).resolve().parent.parent / "data" / "multipart.toml"
_YEAR = re.compile(r"(?<!\d)(?:19[5-9]\d|20[0-4]\d)\s*年度?")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")
_SUFFIX = "(?:省|市|区|县|自治区|的)?"
# a policy named by its title (《…》, or words ending in 条例/办法/细则): 浙江省专利条例和河南省…条例 lists two
_TITLE_CHAR = r"(?:(?![和与及或])[\u4e00-\u9fff])"
_POLICY = re.compile(
    rf"《([^》]{{2,40}})》|({_TITLE_CHAR}{{2,24}}?(?:条例|办法|细则|实施意见))(?!{_TITLE_CHAR}*(?:条例|办法|细则))"
)


@dataclass(frozen=True)
class Item:
    """One thing a question names: its kind (place, year, indicator, qualifier, article) and where."""

    axis: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Joins:
    connectors: tuple[str, ...]
    distributive: re.Pattern[str]
    qualifiers: tuple[str, ...]
    asking: re.Pattern[str]
    tail: str
    compute: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]


@lru_cache(maxsize=1)
def joins() -> Joins:
    """The connector words, read once from ``assistant/data/multipart.toml``."""
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))

    def alt(words: list[str]) -> str:
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))

    compute = tuple((c["op"], re.compile("|".join(c["words"])), tuple(c["between"])) for c in data["compute"])
    return Joins(
        tuple(data["connectors"]),
        re.compile(rf"(?:{alt(data['distributive'])})(?=是|为|有|达|多少|几|约|规定|要求|指|怎|如何|占)"),
        tuple(data["qualifiers"]),
        re.compile(alt(data["asking"])),
        data["part_tail"],
        compute,
    )


def items(question: str, lexicon: Lexicon) -> list[Item]:
    """Everything a part may differ by, left to right, no two overlapping (the longer wins)."""
    q = question
    ranged = [m.span() for m in YEAR_RANGE.finditer(q)]  # 2019年到2023年 is a trend, not a list of years
    found = [
        Item("year", m.start(), m.end(), m.group(0))
        for m in _YEAR.finditer(q)
        if not any(a <= m.start() < b for a, b in ranged)
    ]
    found += [Item("place", *p.span, p.name) for p in named_places(q)]
    found += [Item("indicator", a, b, q[a:b]) for _, (a, b) in lexicon.find(q)]
    found += [Item("article", m.start(), m.end(), m.group(0)) for m in _ARTICLE.finditer(q)]
    for m in _POLICY.finditer(q):  # 《…》 kept with its brackets: 《A》和《B》 is a list
        g = 0 if m.group(1) else 2
        found.append(Item("policy", m.start(g), m.end(g), m.group(g)))
    for word in joins().qualifiers:
        found += [Item("qualifier", m.start(), m.end(), word) for m in re.finditer(re.escape(word), q)]
    found += _unknown_indicators(q, [i for i in found if i.axis == "indicator"])
    kept: list[Item] = []
    for item in sorted(found, key=lambda i: (-(i.end - i.start), i.start)):
        if not any(k.start < item.end and item.start < k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda i: i.start)


def _unknown_indicators(q: str, known: list[Item]) -> list[Item]:
    """A phrase the lexicon does not know, listed right after one it does (R&D经费和独角兽企业数量
    分别是多少): an indicator of its own, so that its part is asked, and declined, not dropped."""
    joining = [c for c in joins().connectors if c not in "，,"]  # after a comma comes a clause, not an item
    words = "|".join(map(re.escape, sorted(joining, key=len, reverse=True)))
    out = []
    for item in known:
        m = re.match(
            rf"(?:{words})([\u4e00-\u9fffA-Za-z&]{{2,12}}?)(?=分别|各|是|为|有|达|共|合计|一共|多少|几|[？?，,]|$)",
            q[item.end :],
        )
        if m:
            out.append(Item("indicator", item.end + m.start(1), item.end + m.end(1), m.group(1)))
    return out


def _joined(gap: str, words: tuple[str, ...]) -> bool:
    """Whether the text between two items only joins them (和, 、, 省和, 年与 …)."""
    return re.fullmatch(rf"\s*{_SUFFIX}\s*(?:{'|'.join(map(re.escape, words))})\s*", gap) is not None


def lists(question: str, found: list[Item], words: tuple[str, ...]) -> list[list[Item]]:
    """Runs of two or more items of one kind joined by connector words: 湖北省和湖南省."""
    runs: list[list[Item]] = []
    for item in found:
        last = runs[-1][-1] if runs else None
        if last and last.axis == item.axis and _joined(question[last.end : item.start], words):
            runs[-1].append(item)
        else:
            runs.append([item])
    return [r for r in runs if len(r) > 1]


def clauses(question: str) -> list[str]:
    """The question's clauses that each ask something (…是多少，…有几家？); a clause that asks
    nothing (湖北省与湖南省相比，) belongs to the next."""
    pieces = [p for p in re.split(r"(?<=[？?；;。，,])", question) if p.strip()]
    out: list[str] = []
    pending = ""
    for piece in pieces:
        pending += piece
        if joins().asking.search(piece):
            out.append(pending)
            pending = ""
    if pending:
        out = [*out[:-1], out[-1] + pending] if out else [pending]
    return out
