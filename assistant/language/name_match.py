"""The table's names found in a text, before any of them is resolved to one division.

A name counts where it is whole words of the text (新和 is no place in 创新和发展) and is not part of
another name: an organisation's (北京银行, 中山大学, 江苏省人民医院) or a person's (记者王泰兴报道). A
short name that is also an ordinary word (合作 for 合作市, 常熟, 公安) counts only beside its parent:
written right after it (甘肃合作, 苏州常熟) or in a text whose region is that parent. The words that
decide are data (``assistant/data/places.toml``); :mod:`assistant.language.places` resolves what is found here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.divisions import NATIONAL, Division, Vocabulary, admitted

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Match:
    """A name as written, its span in the text, and the divisions it may be."""

    name: str
    span: tuple[int, int]
    candidates: list[Division]


def alternatives(words: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """One pattern for any of ``words``, longest first."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


class NameIndex:
    """Name → divisions: full names, and the other forms (:func:`assistant.language.divisions.name_forms`)
    either on their own or, for ordinary words, only beside their parent (``guarded``)."""

    def __init__(self, divisions: list[Division], vocabulary: Vocabulary, forms: dict[str, tuple[str, ...]]) -> None:
        self.vocabulary = vocabulary
        self.names: dict[str, list[Division]] = {}
        self.guarded: dict[str, list[Division]] = {}
        self.rejected = vocabulary.reject  # ordinary words in any text: names only right after their parent
        self.full = {d.full_name for d in divisions}
        for d in divisions:
            self.names.setdefault(d.full_name, []).append(d)
        for d in divisions:
            short, *plain = forms.get(d.full_name, ()) or ("",)
            # the stem may be an ordinary word (合作); the stem with its kind (黔东南州, 大厂县) never is
            alone = short and admitted(short, d.level, vocabulary) and short not in self.rejected
            for form, table in [
                *([(short, self.names if alone else self.guarded)] if short else []),
                *((p, self.names) for p in plain),
            ]:
                if form != d.full_name and d not in table.get(form, []):
                    table.setdefault(form, []).append(d)
        for word in self.rejected:
            for d in self.names.pop(word, []):
                self.guarded.setdefault(word, []).append(d)
        lengths: dict[str, set[int]] = {}  # first character → name lengths
        for name in [*self.names, *self.guarded, *vocabulary.national]:
            lengths.setdefault(name[0], set()).add(len(name))
        self._lengths = {c: sorted(n, reverse=True) for c, n in lengths.items()}
        self._heads = {
            name[:2] for name in [*self.names, *self.guarded, *vocabulary.national]
        }  # every name has two or more
        fillers = alternatives(vocabulary.organization_fillers).pattern
        self._organization = re.compile(
            f"(?:{fillers}){{0,2}}(?:{alternatives(vocabulary.organization_words).pattern})+"
        )

    def may_name(self, text: str) -> bool:
        """Some name of the table or of the nation is a substring of ``text`` (else there is no
        need to segment it: most sentences of a report name no place)."""
        heads = self._heads
        return any(text[i : i + 2] in heads for i in range(len(text) - 1))

    def match(self, text: str, words: list[tuple[int, int]], around: Division | None = None) -> list[Match]:
        """Longest names first, left to right (江苏省泰兴市 is two places, not 苏州)."""
        starts, ends = {a for a, _ in words}, {b for _, b in words}
        found: list[Match] = []
        i = 0
        while i < len(text):
            if text[i] not in self._lengths:  # no name starts with this character (most do not)
                i += 1
                continue
            size, match = self._at(text, i, starts, ends, found[-1] if found else None, around)
            if not size:
                i += 1
                continue
            if match is not None:
                found.append(match)
            i += size
        return found

    def _at(
        self, text: str, i: int, starts: set[int], ends: set[int], before: Match | None, around: Division | None
    ) -> tuple[int, Match | None]:
        """The name starting at ``i``: (its length, the match or None when it is part of another
        name); (0, None) when none starts there."""
        v = self.vocabulary
        chained = before is not None and before.span[1] == i  # 济南市|长清: jieba reads 市长
        for size in self._lengths.get(text[i], ()):
            if i + size > len(text):  # a slice past the end is shorter than size: another name's span
                continue
            word, end = text[i : i + size], i + size
            if word in v.national and not text.startswith(v.national_not_before, end):
                inside = word in v.national_in_names and self.organization_at(text, end, ends)
                return size, None if inside else Match(word, (i, end), [NATIONAL])
            if not (i in starts or chained):
                continue
            candidates = self.names.get(word, []) + self._beside_parent(word, i, before, around)
            if not candidates:
                continue
            if self.organization_at(text, end, ends):  # 唐山城投集团, though jieba reads 山城
                return size, None
            if not (end in ends or (word in self.full and self._name_at(text, end))):
                continue
            if word not in self.full and self._person_at(text, i, end, before):
                return size, None
            return size, Match(word, (i, end), candidates)
        return 0, None

    def _name_at(self, text: str, i: int) -> bool:
        """A name of the table starts at ``i`` (吉林省|延边朝鲜族自治州, one word to jieba)."""
        return i < len(text) and any(
            text[i : i + n] in self.names or text[i : i + n] in self.guarded for n in self._lengths.get(text[i], ())
        )

    def _beside_parent(self, word: str, i: int, before: Match | None, around: Division | None) -> list[Division]:
        """The divisions a guarded short form is here: those whose province or city was written
        right before it, or is the region of the text."""
        parents = {c.full_name for c in before.candidates} if before is not None and before.span[1] == i else set()
        if word in self.rejected:
            around = None  # 城区 in a 大同市 document is any city's urban area; 大同市城区 is the district
        if around is not None:
            parents.add(around.full_name)
        return [
            d
            for d in self.guarded.get(word, ())
            if parents & {d.province, d.city} - {""} or (around is not None and around.city and around.city == d.city)
        ]

    def organization_at(self, text: str, end: int, ends: set[int]) -> bool:
        """The name just before ``end`` begins an organisation's name (北京银行, 江苏省人民医院)."""
        m = self._organization.match(text, end)
        return m is not None and m.end() in ends

    def _person_at(self, text: str, i: int, end: int, before: Match | None) -> bool:
        """A short name after a surname, where a person is spoken of (记者王泰兴报道, 刘延安说)."""
        v = self.vocabulary
        if i == 0 or text[i - 1] not in v.surnames or not _CJK.match(text[i - 1]):
            return False
        if before is not None and before.span[1] == i:
            return False  # the character before belongs to a place (江苏泰兴)
        return text.startswith(v.person_after, end) or text[: i - 1].endswith(v.person_before)
