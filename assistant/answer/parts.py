"""A question as its parts: users join several asks into one question, and each is its own claim.

``湖北省R&D经费和投入强度分别是多少？`` asks two figures; ``2023年湖北R&D经费比2022年增长了多少？``
asks two figures and a difference computed from them. Answering such a question as one search
keeps whichever clause ranks best and drops the rest, or refuses all of it for one missing part.
Here the question is cut into parts, each a question standing on its own (one indicator × region
× year × qualifier, or one article), which the chain then answers, or declines with its own
reason, one by one (:mod:`assistant.answer.multipart`).

How the asks are joined — connectors, distributive words, compute phrases — is data
(``assistant/data/multipart.toml``, read in :mod:`assistant.answer.part_items`); the items joined
are what the rest of the product already recognises: places (the division table), years, the
lexicon's indicators, qualifiers, articles.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from assistant.answer.part_items import Item, clauses, items, joins, lists
from assistant.language.lexicon import Lexicon
from assistant.language.text import to_simplified

_PAREN_YEAR = re.compile(r"\s*[（(]\s*((?:19[5-9]\d|20[0-4]\d))\s*年?度?\s*[)）]")


@dataclass(frozen=True)
class Part:
    """One ask of a question: the question that asks only it, and what it claims, by kind."""

    question: str
    claim: dict[str, str]
    repeated: int = 1  # how often the question asked it (a repeated part is answered once, and says so)
    own: tuple[str, ...] = ()  # the listed indicators this part was cut to (its evidence must hold an unknown one)

    def label(self) -> str:
        """The claim as the answer names it: 湖北省 2023年 R&D经费."""
        keys = ("place", "year", "policy", "indicator", "qualifier", "article")
        return " ".join(self.claim[k] for k in keys if self.claim.get(k)) or self.question.rstrip("？?")


@dataclass
class Decomposition:
    """The parts of a question, and the figure it asks to be computed from two of them (or "")."""

    question: str  # as asked
    parts: list[Part] = field(default_factory=list)
    compute: str = ""  # difference | ratio | growth | share | higher
    explicit: bool = False  # A比B: the computation is A's against B's, in the question's order


def decompose(question: str, lexicon: Lexicon) -> Decomposition:
    """The question's parts (none when it asks one thing: the chain answers it as it always has).
    The computation is kept only when the parts are the two sides of one list or comparison."""
    q = to_simplified(question).strip()
    out = Decomposition(question.strip())
    op = next((o for o, words, _ in joins().compute if words.search(q)), "")
    seeds, asked_apart = _seeds(q, lexicon)
    parts: list[Part] = []
    sided, applied = "", ""
    for seed in seeds:
        # 增长率分别是多少 asks each item's own growth; 比…增长了多少 asks one computed from both
        own_op = _words(op).search(seed) and not joins().distributive.search(seed)
        applied = op if asked_apart or own_op else ""
        texts, sided = _expand(seed, lexicon, applied)
        parts += [Part(text, _claim(text, lexicon), 1, own) for text, own in texts]
    merged: dict[str, Part] = {}
    for part in parts:  # a part asked twice is answered once, and the answer says it was asked twice
        key = re.sub(r"\W", "", part.question)
        seen = merged.get(key)
        merged[key] = Part(part.question, part.claim, seen.repeated + 1, part.own) if seen else part
    out.parts = list(merged.values()) if len(parts) > 1 else []
    out.compute = applied if sided and len(seeds) == 1 and len(out.parts) == 2 else ""
    out.explicit = sided == "compared"
    return out


def _words(op: str) -> re.Pattern[str]:
    return next((w for o, w, _ in joins().compute if o == op), re.compile(r"(?!)"))


def _seeds(q: str, lexicon: Lexicon) -> tuple[list[str], bool]:
    """The clauses that ask, each standing on its own, and whether a clause only asks for the
    computation (…分别是多少，增长了多少？: no part of its own). A later clause that names no year
    or place takes the first clause's opening (常州钟楼区2012年1-9月), and one that names no
    indicator takes its indicator (…投入强度是多少？初步数呢？)."""
    found = clauses(q)
    if len(found) < 2:
        return found, False
    context = items(found[0], lexicon)
    indicators = [i for i in context if i.axis == "indicator"]
    opening = [i.end for i in context if i.axis in ("year", "place")]
    head_end = indicators[0].start if indicators else max(opening, default=0)
    head = found[0][:head_end] if any(i.axis in ("year", "place") for i in context if i.start < head_end) else ""
    seeds, apart = [found[0]], False
    for clause in found[1:]:
        own = {i.axis for i in items(clause, lexicon)}
        if not own and _only_compute(clause):
            apart = True
            continue
        prefix = head if not own & {"year", "place"} else ""
        if "indicator" not in own and indicators and _elliptic(clause, lexicon):
            prefix += found[0][indicators[0].start : indicators[-1].end]
        seeds.append(prefix + re.sub(r"^\W+", "", clause))
    return seeds, apart


def _elliptic(clause: str, lexicon: Lexicon) -> bool:
    """A clause that names nothing to ask of but a qualifier (初步数是多少？): it asks of the first
    clause's indicator. One with words of its own (签了多少份科技合作协议) asks of those."""
    rest = clause
    for item in sorted(items(clause, lexicon), key=lambda i: -i.start):
        rest = rest[: item.start] + rest[item.end :]
    return len(re.sub(rf"\W|{joins().asking.pattern}|是|为|有|的|了|那么|那", "", rest)) <= 2


def _only_compute(clause: str) -> bool:
    rest = clause
    for _, words, _between in joins().compute:
        rest = words.sub("", rest)
    return rest != clause and not re.sub(rf"\W|{joins().asking.pattern}|那么|那|则|一共|共|又", "", rest)


def _expand(seed: str, lexicon: Lexicon, op: str) -> tuple[list[tuple[str, tuple[str, ...]]], str]:
    """One question per combination of the listed items (2 places × 2 indicators: four parts), or
    the two sides of a comparison (A比B高多少: A's and B's figure); and whether it had two sides
    ("list", "compared" or "")."""
    found = items(seed, lexicon)
    runs = lists(seed, found, joins().connectors)
    if not runs:  # 钟楼区（2012）、泸州市（2008）…: places listed each with its own year
        runs = [r for r in lists(seed, _place_years(seed, found), joins().connectors) if r[0].axis == "place+year"]
    if not runs:
        pair = _compared(seed, found, op)
        return ([(_tidy(text, op), ()) for text in pair], "compared") if pair else ([(_tidy(seed, ""), ())], "")
    texts = []
    for chosen in itertools.product(*runs):
        text = seed
        for run, item in sorted(zip(runs, chosen), key=lambda rc: -rc[0][0].start):
            text = text[: run[0].start] + item.text + text[run[-1].end :]
        texts.append((_tidy(text, op), tuple(i.text for i in chosen if i.axis == "indicator")))
    return texts, "list" if len(runs) == 1 and len(runs[0]) == 2 else ""


def _place_years(q: str, found: list[Item]) -> list[Item]:
    """Each place with the year written right after it (钟楼区2012年, 钟楼区（2012）) as one item."""
    out: list[Item] = []
    i = 0
    while i < len(found):
        item, after = found[i], found[i + 1] if i + 1 < len(found) else None
        paren = _PAREN_YEAR.match(q, item.end) if item.axis == "place" else None
        if paren:
            out.append(Item("place+year", item.start, paren.end(), f"{item.text}{paren.group(1)}年"))
            while i + 1 < len(found) and found[i + 1].start < paren.end():  # the year inside the brackets
                i += 1
        elif item.axis == "place" and after is not None and after.axis == "year" and after.start == item.end:
            out.append(Item("place+year", item.start, after.end, item.text + after.text))
            i += 1
        else:
            out.append(item)
        i += 1
    return out


def _compared(seed: str, found: list[Item], op: str) -> list[str]:
    """A比B / A占B / A较B: the question once for A and once for B. B is the run of items right after
    the comparing word (湖南的R&D经费, 钟楼区2012年); those of a kind A names too are B's side (湖南
    for 湖北), the rest are shared (R&D经费). The compute phrase after them is asked as 是多少."""
    between = next((b for o, _, b in joins().compute if o == op), ())
    word = re.compile("|".join(map(re.escape, sorted(between, key=len, reverse=True))))
    for m in word.finditer(seed) if between else ():
        before = [i for i in found if i.end <= m.start()]
        window: list[Item] = []
        for item in (i for i in found if i.start >= m.end()):
            last = window[-1].end if window else m.end()
            if not re.fullmatch(r"\s*的?\s*", seed[last : item.start]):
                break
            window.append(item)
        theirs = [i for i in window if any(b.axis == i.axis for b in before)]
        if not theirs:
            continue
        shared = "".join(seed[i.start : i.end] for i in window if i not in theirs)
        mine = seed[: m.start()].rstrip("，, ") + (f"的{shared}" if shared else "")
        other = seed[: m.start()].rstrip("，, ")
        for item in sorted(theirs, key=lambda i: -max(b.start for b in before if b.axis == i.axis)):
            own = max((b for b in before if b.axis == item.axis), key=lambda b: b.start)
            other = other[: own.start] + item.text + other[own.end :]
        other += f"的{shared}" if shared else ""
        return [mine + joins().tail, other + joins().tail]
    return []


def _tidy(text: str, op: str) -> str:
    """The part as a plain question: no 分别/各, no 相比, the compute phrase asked as 是多少."""
    text = joins().distributive.sub("", text)
    if op:
        words = _words(op).search(text)
        if words:
            text = text[: words.start()].rstrip("，,的") + joins().tail
    text = re.sub(r"相比[，,]?|与之相比", "", text)
    text = re.sub(r"呢\s*[？?]?\s*$", joins().tail, text).strip().rstrip("，,；;。 ")
    return text if text.endswith(("？", "?")) else text + "？"


def _claim(text: str, lexicon: Lexicon) -> dict[str, str]:
    """What the part asks, by kind: its place, year, indicator, qualifier, article (as written)."""
    claim: dict[str, str] = {}
    for item in items(text, lexicon):
        claim.setdefault(item.axis, item.text)
    return claim
