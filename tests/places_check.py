"""The place-recognition check over the whole national division table, and near misses.

Shared by ``tests/test_places_benchmark.py`` (a deterministic slice, asserting the bar) and
``benchmarks/places.py`` (every division; figures in benchmarks/results-places.json).

Positives: for every division at county level and above, each of its name forms (the full name
and the forms :func:`assistant.language.divisions.name_forms` derives), in sentences from templates:
- ``bare``: the name alone in a sentence (forms that are ordinary words are names only beside
  their parent, so they get no bare sentence; a name several divisions share is right when the
  division's name and level are, for nothing in the sentence says which one it is);
- ``parent``: written after its parent's full name (南京市鼓楼区), the division must be exact;
- ``document``: alone in a sentence of a document whose region is the parent, exact.
Zones: ``{city stem}高新区`` and ``{city stem}经济技术开发区`` for every prefecture (level town).
Near misses (``places_near_misses.toml``): organisations named after every province and prefecture,
people whose given name is a place's short name, short names that are ordinary words used as
words, and real organisation names and slogans. Any place found in a near miss is a false positive.
Recall per level: expected mentions found (right division); precision per level: places found at
that level that are right.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.language.divisions import Division, ethnic_groups, load, name_forms
from assistant.language.places import find_places, gazetteer

NEAR_MISSES = Path(__file__).with_name("places_near_misses.toml")
LEVELS = ("province", "city", "county", "town")
_BARE = ["{name}2023年高新技术企业达到125家。", "{name}科学技术局关于印发管理办法的通知"]
_PARENT = "{parent}{name}研发经费投入强度为2.1%。"
_DOCUMENT = "据统计，{name}的技术合同成交额为5.6亿元。"
_ZONES = ("高新区", "经济技术开发区")


@dataclass(frozen=True)
class Case:
    """A sentence, the region of its document, and the place expected in it (None: a near miss)."""

    text: str
    around: str = ""
    name: str = ""  # the form as written
    division: Division | None = None
    exact: bool = True  # the division itself, not only its name and level
    parent: str = ""  # a parent written before the name, right when found


@dataclass
class Score:
    expected: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, dict[str, float | int]]:
        return {
            level: {
                "expected": self.expected[level],
                "recall": round(self.found[level] / max(1, self.expected[level]), 4),
                "predicted": self.predicted[level],
                "precision": round(self.correct[level] / max(1, self.predicted[level]), 4),
            }
            for level in LEVELS
        }


def divisions(step: int = 1) -> list[Division]:
    """Every division at county level and above, once each (every ``step``-th for a slice)."""
    unique = {(d.full_name, d.province, d.city, d.level): d for d in load()[0]}
    return sorted(unique.values(), key=lambda d: d.adcode)[::step]


def positives(chosen: list[Division]) -> list[Case]:
    ethnic = ethnic_groups()
    index = gazetteer().index
    by_name = {d.full_name: d for d in load()[0]}
    cases: list[Case] = []
    for d in chosen:
        parent = d.city or (d.province if d.level != "province" else "")
        for name in (d.full_name, *name_forms(d.full_name, ethnic)):
            unique = len(index.names.get(name, []) + index.guarded.get(name, [])) <= 1
            if d not in index.guarded.get(name, []):  # an ordinary word alone is no name (合作 for 合作市)
                cases += [Case(t.format(name=name), "", name, d, unique) for t in _BARE]
            if parent:
                # 临夏市 and 临夏县 are both 临夏 of 临夏回族自治州: the parent does not tell them apart
                alone = (
                    sum(parent in (c.city, c.province) for c in index.names.get(name, []) + index.guarded.get(name, []))
                    <= 1
                )
                cases.append(Case(_PARENT.format(parent=parent, name=name), "", name, d, alone, parent))
                if name not in index.rejected:  # 城区 in a 大同市 document is its urban area
                    cases.append(Case(_DOCUMENT.format(name=name), parent, name, d, alone))
        if d.level == "city" and (stem := name_forms(d.full_name, ethnic)[:1]):
            unique = len(index.names.get(stem[0], [])) <= 1
            for zone in _ZONES:
                town = Division(stem[0] + zone, "town", d.province, d.full_name, "")
                cases.append(Case(_BARE[0].format(name=town.full_name), "", town.full_name, town, unique, d.full_name))
    assert all(c.parent in by_name for c in cases if c.parent)
    return cases


def near_misses(chosen: list[Division] | None = None) -> list[Case]:
    """The near-miss sentences, generated from the word lists crossed with the table."""
    data = tomllib.loads(NEAR_MISSES.read_text(encoding="utf-8"))
    ethnic = ethnic_groups()
    index = gazetteer().index
    table = chosen or divisions()
    stems = [f[0] for d in table if (f := name_forms(d.full_name, ethnic))]
    upper = [s for d, s in zip([d for d in table if name_forms(d.full_name, ethnic)], stems) if d.level != "county"]
    two = sorted({s for s in stems if len(s) == 2 and s in index.names})
    texts = [
        t.format(name=s + kind)
        for i, s in enumerate(upper)
        for j, kind in enumerate(data["organization_kinds"])
        for t in data["organization_templates"][(i + j) % len(data["organization_templates"]) :][:1]
    ]
    people = [data["surnames"][i % len(data["surnames"])] + s for i, s in enumerate(two)]
    texts += [data["person_templates"][i % len(data["person_templates"])].format(name=p) for i, p in enumerate(people)]
    ordinary = sorted(n for n in index.guarded if n not in index.names)
    texts += [t.format(name=n) for n in ordinary for t in data["ordinary_templates"]]
    texts += [t.format(name=n) for n in data["observed"] for t in data["observed_templates"]]
    return [Case(t) for t in dict.fromkeys(texts)]


def _right(place, case: Case) -> bool:  # noqa: ANN001 (a Place)
    """The expected division; for a name several share, written with nothing to tell them apart,
    any division of that name (the place is found, which one it is the text does not say)."""
    d = case.division
    if d is None or place.name != case.name:
        return False
    if not case.exact:
        index = gazetteer().index
        shared = index.names.get(case.name, []) + index.guarded.get(case.name, [])
        return d.level == "town" or any(place.full_name == c.full_name for c in shared)
    if (place.full_name, place.level) != (d.full_name, d.level):
        return False
    if d.level == "town":
        return place.city == d.city
    return (place.province, place.city) == (d.province, d.city)


def score(cases: list[Case]) -> Score:
    result = Score()
    for case in cases:
        places = [p for p in find_places(case.text, case.around) if p.level != "national"]
        if case.division is not None:
            result.expected[case.division.level] += 1
            if any(_right(p, case) for p in places):
                result.found[case.division.level] += 1
            else:
                result.misses.append(f"{case.text} [{case.around}] → {[(p.name, p.full_name, p.city) for p in places]}")
        for p in places:
            result.predicted[p.level] += 1
            if (
                _right(p, case)
                or (case.parent and p.full_name == case.parent)
                or (not case.exact and case.parent and p.span[0] == 0 and p.level != "town")
            ):
                result.correct[p.level] += 1
            else:
                result.false_positives.append(f"{case.text} [{case.around}] → {p.name} {p.full_name} {p.level}")
    return result
