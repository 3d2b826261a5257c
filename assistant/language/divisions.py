"""The places a text can name: the national division table, and the words that decide about names.

The divisions come from the national table the ``cpca`` package ships (``cpca/resources/adcodes.csv``,
read with the stdlib: importing cpca itself would load pandas and build matchers we don't need),
plus ``assistant/data/places.toml`` for what the table lacks (全国, Taiwan/Hong Kong/Macao, and the
words that decide when a short name such as 泰兴 or 钟楼 may stand for 泰兴市 or 钟楼区), and jieba's
dictionary for which short forms are ordinary words. Finding them in a text is :mod:`assistant.language.places`.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba

LEVELS = ("national", "province", "city", "county", "town")
_DATA = Path(__file__).resolve().parent.parent / "data" / "places.toml"
_ETHNIC = Path(__file__).resolve().parent.parent / "data" / "ethnic_groups.txt"
# Table rows that group divisions without being one.
_GROUPING_ROWS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
# A division's kind, written last in its full name; the stem before it is the short name.
_KIND = re.compile(r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|林区|新区|省|市|区|县|盟|旗)$")
# An autonomous division is also called by its stem and the plain word for its kind (黔东南州, 大厂县).
_PLAIN_KIND = {"自治州": "州", "自治县": "县", "自治旗": "旗"}
# Jieba parts of speech that mean "a place or a name": a short form tagged otherwise is an ordinary word.
_NAME_TAGS = frozenset({"ns", "nr", "nrt", "nrfg"})
_MAX_COMMON_FREQ = 500  # a name-tagged short form this frequent is mostly the ordinary word (和平, 共和)


@dataclass(frozen=True)
class Division:
    """One division of the table: its full name, level, province and city (full names) and code."""

    full_name: str
    level: str
    province: str
    city: str
    adcode: str


@dataclass(frozen=True)
class Vocabulary:
    """places.toml: the words for the nation, and those that admit, reject or make up a place's name."""

    national: tuple[str, ...]
    national_not_before: tuple[str, ...]
    admit: frozenset[str]
    reject: frozenset[str]
    town_suffixes: tuple[str, ...]
    town_generic: frozenset[str]
    town_not_in_name: frozenset[str]
    organization_words: tuple[str, ...] = ()
    organization_fillers: tuple[str, ...] = ()
    national_in_names: frozenset[str] = frozenset()
    surnames: str = ""
    person_before: tuple[str, ...] = ()
    person_after: tuple[str, ...] = ()


NATIONAL = Division("全国", "national", "", "", "")


def name_forms(full: str, ethnic: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The other names of a division, by rule: its stem without the kind (泰兴市 → 泰兴, 锡林郭勒盟 →
    锡林郭勒, 神农架林区 → 神农架) and, for an autonomous one, without its ethnic groups too, alone and
    with the plain word for its kind (黔东南苗族侗族自治州 → 黔东南, 黔东南州; 鄂温克族自治旗 → 鄂温克,
    鄂温克旗). ``ethnic`` are the group names, longest first. Empty when the stem is too short."""
    kind = _KIND.search(full)
    if kind is None:
        return ()
    stem = full[: kind.start()]
    if "自治" in kind.group(0):
        stem = _strip_ethnic(stem, ethnic)
    if len(stem) < 2:
        return ()
    plain = _PLAIN_KIND.get(kind.group(0))
    return (stem, stem + plain) if plain else (stem,)


def _strip_ethnic(stem: str, ethnic: tuple[str, ...]) -> str:
    """黔东南苗族侗族 → 黔东南, 伊犁哈萨克 → 伊犁; a stem that is only a group keeps its name (鄂温克族 → 鄂温克)."""
    stripped = True
    while stripped:
        stripped = False
        for group in ethnic:
            for written in (group, group.removesuffix("族")):
                if written and stem.endswith(written) and len(stem) - len(written) >= 2:
                    stem, stripped = stem[: -len(written)], True
                    break
            if stripped:
                break
    return stem[:-1] if stem.endswith("族") and len(stem) >= 3 else stem


def ethnic_groups() -> tuple[str, ...]:
    """China's ethnic group names (``data/ethnic_groups.txt``), longest first."""
    lines = (line.strip() for line in _ETHNIC.read_text(encoding="utf-8").splitlines())
    return tuple(sorted((n for n in lines if n and not n.startswith("#")), key=len, reverse=True))


@lru_cache(maxsize=1)
def jieba_words() -> dict[str, tuple[int, str]]:
    """jieba's dictionary: word → (frequency, part of speech)."""
    path = Path(jieba.__file__).parent / "dict.txt"
    words: dict[str, tuple[int, str]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                words[parts[0]] = (int(parts[1]), parts[2])
    return words


def ordinary(word: str) -> bool:
    """jieba's dictionary knows ``word`` as something other than a name (合作 vn, 推动 v, 和平 nz ×7998)."""
    known = jieba_words().get(word)
    return known is not None and known[1] != "ns" and (known[1] not in _NAME_TAGS or known[0] >= _MAX_COMMON_FREQ)


def admitted(short: str, level: str, vocabulary: Vocabulary) -> bool:
    """A short form stands for its division on its own unless it is an ordinary word (合作 for 合作市);
    a province's or a prefecture's always does (周口, 合肥: jieba tags many as common nouns or verbs),
    unless places.toml rejects it. One that does not is still a place beside its parent (甘肃合作)."""
    if short in vocabulary.admit or level in ("province", "city"):
        return True
    return not ordinary(short)


def _table_path() -> Path:
    """cpca's division table, found without importing cpca (whose import loads pandas)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (national division table) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def _divisions(table: Path) -> list[Division]:
    """Rows of the table as divisions with their province and city; levels from the code's shape
    (PP0000… a province, PPCC00… a city, PPCCXX… a county). Counties directly under a province
    (仙桃市) have no city; districts of 北京 have 北京市 as their city."""
    rows: dict[str, str] = {}
    with table.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["adcode"][:6]] = row["name"]
    divisions = []
    for code, name in rows.items():
        if name in _GROUPING_ROWS:
            continue
        province = rows.get(code[:2] + "0000", "")
        if code.endswith("0000"):
            divisions.append(Division(name, "province", name, "", code.ljust(12, "0")))
            continue
        city_name = rows.get(code[:4] + "00", "")
        municipality = city_name in _GROUPING_ROWS and code[:2] in {"11", "12", "31", "50"}
        city = province if municipality else ("" if city_name in _GROUPING_ROWS else city_name)
        level = "city" if code.endswith("00") else "county"
        divisions.append(Division(name, level, province, city if level == "county" else "", code.ljust(12, "0")))
    return divisions


def load() -> tuple[list[Division], Vocabulary, dict[str, tuple[str, ...]]]:
    """Every division (the table's and places.toml's extras), the vocabulary, and each division's
    other name forms (:func:`name_forms`; an extra's are given in places.toml)."""
    raw = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    vocabulary = Vocabulary(
        national=tuple(raw["national"]),
        national_not_before=tuple(raw["national_not_before"]),
        admit=frozenset(raw["short_name_admit"]),
        reject=frozenset(raw["name_reject"]),
        town_suffixes=tuple(raw["town_suffixes"]),
        town_generic=frozenset(raw["town_generic"]),
        town_not_in_name=frozenset(raw["town_not_in_name"]),
        organization_words=tuple(raw["organization_words"]),
        organization_fillers=tuple(raw["organization_fillers"]),
        national_in_names=frozenset(raw["national_in_names"]),
        surnames=raw["surnames"],
        person_before=tuple(raw["person_before"]),
        person_after=tuple(raw["person_after"]),
    )
    ethnic = ethnic_groups()
    divisions = _divisions(_table_path())
    extra = [Division(e["full_name"], e["level"], e["full_name"], "", e["adcode"]) for e in raw.get("extra", [])]
    forms = {d.full_name: name_forms(d.full_name, ethnic) for d in divisions}
    forms |= {e["full_name"]: (e["short"],) for e in raw.get("extra", [])}
    return divisions + extra, vocabulary, forms
