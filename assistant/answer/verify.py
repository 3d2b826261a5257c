"""Parse [n] citations and check every figure of an answer against the passages it cites.

Deterministic and strict: a figure counts as verified only when a passage cited by its own
sentence holds the same value with the same unit (see :mod:`assistant.language.figures`). An unverified
figure stays in the text but is visibly marked; a citation that supports none of its sentence's
figures is dropped. This is what lets a user paste an answer into a report.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.language.figures import Figure, extract_figures, figure_in

UNVERIFIED_MARK = "（未核实）"
_DATA = Path(__file__).resolve().parent.parent / "data" / "verification.toml"
CITATION = re.compile(r"\[(\d{1,2})\]")

# A sentence: text up to a terminal mark, then any citations glued after it.
# a line that ends without 。 (a list's lead-in 如下：) is a sentence too: it was silently dropped
_SENTENCE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]|$|(?=\n))(?:\s*\[\d{1,2}\])*|\n+")


def statements(answer: str) -> list[str]:
    """The answer's sentences, each with the citations glued after it (blank lines dropped).

    The one splitter that verification and the evaluation share: when they split differently,
    the evaluation scores statements the verifier never checked.
    """
    return [m.group(0) for m in _SENTENCE.finditer(answer) if m.group(0).strip()]


def mask_citations(sentence: str) -> str:
    """The sentence with each [n] blanked to spaces, so figure offsets stay valid and the
    citation numbers are not read as figures."""
    return CITATION.sub(lambda c: " " * len(c.group(0)), sentence)


@lru_cache(maxsize=1)
def _not_figures() -> re.Pattern[str]:
    """Titles, the attribution line, document and article numbers, labels (data/verification.toml)."""
    table = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    return re.compile("|".join(f"(?:{p})" for p in table["not_figures"]))


def answer_figures(sentence: str, given: str = "") -> tuple[list[Figure], list[Figure]]:
    """(figures to check, figures the question gave) of a citation-masked sentence: years,
    titles, document and article numbers and labels are neither; a figure equal to one of the
    question's ("比2019年的86家增加了多少") is the question's, not the passages'."""
    spans = [m.span() for m in _not_figures().finditer(sentence)]
    found = [
        f for f in extract_figures(sentence) if not f.is_year and not any(s <= f.start and f.end <= e for s, e in spans)
    ]
    asked = [f for f in extract_figures(given) if not f.is_year] if given else []
    mine = [f for f in found if not any(figure_in(f, a.text) and a.unit == f.unit for a in asked)]
    return mine, [f for f in found if f not in mine]


@dataclass(frozen=True)
class FigureResult:
    text: str
    value: float
    unit: str
    citation: int | None
    verified: bool
    unbound: bool = False  # in a cited passage, but there it measures another indicator, region or year
    given: bool = False  # the question's own figure, restated: neither checked nor marked

    def to_json(self) -> dict:
        out = {
            "text": self.text,
            "value": self.value,
            "unit": self.unit,
            "citation": self.citation,
            "verified": self.verified,
            "unbound": self.unbound,
        }
        return out | {"given": True} if self.given else out


# Whether the figure, found by value in passage n, is there what its sentence says it is.
Bound = Callable[[str, Figure, int], bool]


@dataclass(frozen=True)
class Verified:
    text: str  # the answer with unsupported citations dropped and unverified figures marked
    figures: list[FigureResult]
    cited: list[int]  # passage numbers still cited, in order of first use


def verify_answer(answer: str, passages: dict[int, str], bound: Bound | None = None, given: str = "") -> Verified:
    """Check each sentence's figures against the passages its own [n] citations name; with
    ``bound``, a figure a passage holds as another indicator's is marked like an unverified one.

    The one entry point for every caller (answers, per-part answers, drafts): the answer's text,
    its numbered passages, and the question's scope — ``bound`` (what the question asks, through
    :class:`assistant.facts.binding.Binder`) and ``given`` (the question's text, whose own figures
    an answer may restate)."""
    out: list[str] = []
    figures: list[FigureResult] = []
    cited: list[int] = []
    for m in _SENTENCE.finditer(answer):
        sentence = m.group(0)
        cites = [n for n in dict.fromkeys(int(c) for c in CITATION.findall(sentence)) if n in passages]
        masked = mask_citations(sentence)
        found, restated = answer_figures(masked, given)
        figures += [FigureResult(f.text, f.value, f.unit, None, False, given=True) for f in restated]
        supporting: set[int] = set()
        marks: list[tuple[int, int]] = []
        for fig in found:
            holding = [n for n in cites if figure_in(fig, passages[n])]
            source = next((n for n in holding if bound is None or bound(masked, fig, n)), None)
            figures.append(
                FigureResult(
                    fig.text, fig.value, fig.unit, source, source is not None, unbound=source is None and bool(holding)
                )
            )
            if source is None:
                marks.append((fig.start, fig.end))
            else:
                supporting.add(source)
        keep = [n for n in cites if n in supporting] if found else cites  # restated figures need no source
        text = sentence
        for _start, end in sorted(marks, reverse=True):
            text = text[:end] + UNVERIFIED_MARK + text[end:]
        text = CITATION.sub(lambda c, keep=keep: c.group(0) if int(c.group(1)) in keep else "", text)
        cited.extend(n for n in keep if n not in cited)
        out.append(text)
    return Verified("".join(out), figures, cited)


def cite_uncited(answer: str, passages: dict[int, str]) -> str:
    """Give a sentence whose figures its own citations don't hold the one passage holding them all.

    Small models often drop the [n] or cite a neighbour; when exactly the stated figures are found
    in one passage, that citation is a fact, not a guess. A sentence whose figures no passage
    holds is left alone, and verification then marks those figures.
    """
    out = []
    for m in _SENTENCE.finditer(answer):
        sentence = m.group(0)
        masked = mask_citations(sentence)
        figures = answer_figures(masked)[0]
        cites = [int(c) for c in CITATION.findall(sentence) if int(c) in passages]
        supported = any(figure_in(f, passages[n]) for f in figures for n in cites)
        if figures and not supported:
            source = next((n for n, text in passages.items() if all(figure_in(f, text) for f in figures)), None)
            if source is not None:
                body = CITATION.sub("", sentence).rstrip("。！？；!?;\n ")
                sentence = f"{body}[{source}]{CITATION.sub('', sentence)[len(body) :]}"
        out.append(sentence)
    return "".join(out)
