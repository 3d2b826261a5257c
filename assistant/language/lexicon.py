"""The indicator lexicon: every wording of every indicator, read from data, never from code.

``assistant/data/indicators.toml`` (and a knowledge folder's own ``indicators.toml``, which extends it)
lists each indicator's canonical name, synonyms and abbreviations, its unit family, and the
distinctions that must never merge (发明专利 ≠ 专利, 申请 ≠ 授权, 新增 ≠ 累计, 规上工业研发费用 ≠
全社会研发经费). Grounding asks it whether a sentence carries the asked indicator, retrieval expands a
question with every wording of the indicators it names, and follow-up rewriting asks whether a
follow-up names a new indicator. A bad entry is reported by file, position and name at load.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import AssistantError
from assistant.language.text import to_simplified

LEXICON_NAME = "indicators.toml"
_PACKAGED = Path(__file__).resolve().parent.parent / "data" / LEXICON_NAME
# A footnote mark inside a wording (与国内生产总值[2]之比, as the bulletins write it) is no part of it.
FOOTNOTE_MARK = re.compile(r"\[\d{1,2}\]")
UnitFamily = Literal["money", "percent", "count", "people", "quantity", "ratio", "duration", "none"]


class LexiconError(AssistantError):
    """An indicators.toml that cannot be used; the message names the file and the entry."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)
    abbreviations: list[str] = Field(default_factory=list)
    note: str = ""

    @field_validator("synonyms", "abbreviations")
    @classmethod
    def _no_empty_wording(cls, words: list[str]) -> list[str]:
        if any(not w.strip() for w in words):
            raise ValueError("an empty wording")
        return words


class Term(_Entry):
    """Words that mean the same inside any indicator name (研发 = R&D = 研究与试验发展)."""


class Indicator(_Entry):
    unit: UnitFamily = "none"
    distinct_from: list[str] = Field(default_factory=list)


class Contrast(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sides: tuple[list[str], list[str]]
    note: str = ""


class Qualifier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[str] = Field(min_length=1)
    note: str = ""


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: list[Term] = Field(default_factory=list)
    indicator: list[Indicator] = Field(default_factory=list)
    contrast: list[Contrast] = Field(default_factory=list)
    qualifier: list[Qualifier] = Field(default_factory=list)


def _key(text: str) -> str:
    """How wordings are compared: Simplified, NFKC (（→(), lower case, no spaces, no 的
    (占GDP的比重 is 占GDP比重), no footnote marks."""
    return "".join(c for c in FOOTNOTE_MARK.sub("", to_simplified(text).lower()) if not _skipped(c))


def _skipped(c: str) -> bool:
    return c.isspace() or c == "的"


class Lexicon:
    """Indicators with their wordings; the lookups every stage shares. Immutable once built."""

    def __init__(
        self, indicators: list[Indicator], terms: list[Term], contrasts: list[Contrast], qualifiers: list[Qualifier]
    ) -> None:
        self.indicators = {i.name: i for i in indicators}
        self._terms = tuple(terms)
        self.contrasts = tuple((tuple(c.sides[0]), tuple(c.sides[1])) for c in contrasts)
        self.qualifiers = tuple(tuple(q.words) for q in qualifiers)
        # written wordings first, so a generated one (a term swapped in) never takes another's
        self._owner: dict[str, str] = {_key(w): i.name for i in indicators for w in _written(i)}
        self._variants: dict[str, list[str]] = {i.name: list(dict.fromkeys(_written(i))) for i in indicators}
        for ind in indicators:
            for wording in _expand(_written(ind), terms):
                if (
                    self._owner.setdefault(_key(wording), ind.name) == ind.name
                    and wording not in self._variants[ind.name]
                ):
                    self._variants[ind.name].append(wording)
        self._lengths: dict[str, list[int]] = {}  # first character → wording lengths, longest first
        for key in self._owner:
            self._lengths.setdefault(key[0], []).append(len(key))
        self._lengths = {c: sorted(set(n), reverse=True) for c, n in self._lengths.items()}
        self._words: dict[str, tuple[str, ...]] = {}
        for entry in (*terms, *indicators):
            group = tuple(dict.fromkeys(_written(entry)))
            for w in group:
                self._words.setdefault(_key(w), group)

    def canonical(self, phrase: str) -> str | None:
        """The indicator a wording names (研发投入 → R&D经费), or None."""
        return self._owner.get(_key(phrase))

    def variants(self, canonical: str) -> tuple[str, ...]:
        """Every wording of an indicator, its name first (with terms swapped: 研发经费 → 研究与试验发展经费)."""
        return tuple(self._variants.get(canonical, ()))

    def find(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Indicators named in ``text``: (canonical, (start, end)), longest wording first, left to right,
        so 发明专利授权 is one indicator and not 专利授权 inside it."""
        norm, where = _normalized(text)
        found: list[tuple[str, tuple[int, int]]] = []
        i = 0
        while i < len(norm):
            for size in (n for n in self._lengths.get(norm[i], ()) if i + n <= len(norm)):
                if (name := self._owner.get(norm[i : i + size])) is not None:
                    found.append((name, (where[i], where[i + size - 1] + 1)))
                    i += size
                    break
            else:
                i += 1
        return found

    def unit_family(self, canonical: str) -> str:
        return self.indicators[canonical].unit

    def distinct(self, a: str, b: str) -> bool:
        """True when two indicators must never be taken for one another (either entry says so)."""
        return b in self.indicators[a].distinct_from or a in self.indicators[b].distinct_from

    def equivalents(self, word: str) -> tuple[str, ...]:
        """A word and what means the same (a term's or an indicator's written wordings); (word,) when none."""
        return self._words.get(_key(word), (word,))

    def expansions(self, text: str) -> list[str]:
        """Other wordings of what ``text`` names, for search: the canonical names of its indicators
        (与国内生产总值之比 → R&D经费投入强度) and the equivalents of its terms (GDP → 国内生产总值,
        地区生产总值). Not every synonym of an indicator: their other words (有效期内, 认定) would pull
        in passages on neighbouring indicators."""
        key = _key(text)
        out = [name for name, _ in self.find(text)]
        out += [w for t in self._terms for w in _written(t) if any(_key(m) in key for m in _written(t))]
        return list(dict.fromkeys(w for w in out if _key(w) not in key))

    def term_words(self) -> tuple[str, ...]:
        """The terms' words (高企, 研究与试验发展, 技术合同 …): the vocabulary a tokenizer should know.
        Indicator wordings are phrases of these; as tokens of their own they would only be rarer words
        that a differently worded sentence never credits."""
        return tuple(dict.fromkeys(w for t in self._terms for w in _written(t)))

    def with_terms(self, word: str) -> list[str]:
        """A word and its spellings with each term swapped (科技人员 → 科学技术人员)."""
        return _expand([word], self._terms)


def _written(entry: _Entry) -> list[str]:
    return [entry.name, *entry.synonyms, *entry.abbreviations]


def _expand(wordings: list[str], terms: tuple[Term, ...]) -> list[str]:
    """The wordings plus each with a term replaced by its equivalents (研发经费 → R&D经费, 研究与试验发展经费)."""
    out = list(dict.fromkeys(wordings))
    for term in terms:
        group = sorted({term.name, *term.synonyms, *term.abbreviations}, key=len, reverse=True)
        for wording in list(out):
            if member := next((m for m in group if m in wording), None):
                out.extend(wording.replace(member, other, 1) for other in group if other != member)
        out = list(dict.fromkeys(out))
    return out


def _normalized(text: str) -> tuple[str, list[int]]:
    """``_key(text)`` and, for each of its characters, the offset of the character it came from."""
    simplified = to_simplified(text).lower()
    if len(simplified) != len(text):  # NFKC changed a length (rare: ligatures, circled numbers)
        simplified = "".join(to_simplified(c).lower()[:1] or " " for c in text)
    marks = {i for m in FOOTNOTE_MARK.finditer(simplified) for i in range(*m.span())}
    kept = [(c, i) for i, c in enumerate(simplified) if not _skipped(c) and i not in marks]
    return "".join(c for c, _ in kept), [i for _, i in kept]


def _parse(path: Path) -> _File:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LexiconError(f"{path}: not a readable indicators file ({exc})") from exc
    try:
        return _File(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        entry = ""
        if len(loc) >= 2 and isinstance(loc[1], int):
            item = raw.get(str(loc[0]), [])[loc[1]]
            name = item.get("name") if isinstance(item, dict) else None
            entry = f"{loc[0]} #{loc[1] + 1}" + (f" ({name})" if name else "") + ": "
            loc = loc[2:]
        raise LexiconError(f"{path}: {entry}{'.'.join(map(str, loc))} {err['msg']}".replace(" :", ":")) from exc


def _merge(base: _File, extra: _File, source: Path) -> _File:
    """A user's file adds indicators and terms; one with an existing name adds wordings to it."""
    out = base.model_copy(deep=True)
    for kind in ("term", "indicator"):
        entries = {e.name: e for e in getattr(out, kind)}
        for entry in getattr(extra, kind):
            if entry.name in entries:
                have = entries[entry.name]
                have.synonyms = list(dict.fromkeys([*have.synonyms, *entry.synonyms]))
                have.abbreviations = list(dict.fromkeys([*have.abbreviations, *entry.abbreviations]))
                if isinstance(have, Indicator) and isinstance(entry, Indicator):
                    have.distinct_from = list(dict.fromkeys([*have.distinct_from, *entry.distinct_from]))
                    have.unit = entry.unit if entry.unit != "none" else have.unit
            else:
                getattr(out, kind).append(entry)
                entries[entry.name] = entry
    out.contrast += extra.contrast
    out.qualifier += extra.qualifier
    return out


def _check(data: _File, source: str) -> None:
    """Cross-entry rules: a distinct_from names a known indicator; a written wording belongs to one indicator."""
    names = {i.name for i in data.indicator}
    owners: dict[str, str] = {}
    for ind in data.indicator:
        for other in ind.distinct_from:
            if other not in names:
                raise LexiconError(f"{source}: indicator {ind.name}: distinct_from names no indicator: {other}")
        for wording in _written(ind):
            owner = owners.setdefault(_key(wording), ind.name)
            if owner != ind.name:
                raise LexiconError(f"{source}: indicator {ind.name}: wording {wording} already belongs to {owner}")


@lru_cache(maxsize=8)
def _load(user_file: Path | None, mtime: float) -> Lexicon:
    data = _parse(_PACKAGED)
    source = str(_PACKAGED)
    if user_file is not None:
        data = _merge(data, _parse(user_file), user_file)
        source = f"{_PACKAGED} + {user_file}"
    _check(data, source)
    return Lexicon(data.indicator, data.term, data.contrast, data.qualifier)


def load_lexicon(knowledge_dir: Path | None = None) -> Lexicon:
    """The packaged lexicon, extended by ``knowledge_dir/indicators.toml`` when there is one
    (re-read when that file changes)."""
    user = knowledge_dir / LEXICON_NAME if knowledge_dir is not None else None
    if user is not None and user.is_file():
        return _load(user, user.stat().st_mtime)
    return _load(None, 0.0)
