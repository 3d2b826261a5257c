"""The places a text can name: the national division table, and the words that decide about names.

The divisions come from the national table the ``cpca`` package ships (``cpca/resources/adcodes.csv``,
read with the stdlib: importing cpca itself would load pandas and build matchers we don't need),
plus ``assistant/data/places.toml`` for what the table lacks (全国, Taiwan/Hong Kong/Macao, and the
words that decide when a short name such as 泰兴 or 钟楼 may stand for 泰兴市 or 钟楼区), and jieba's
dictionary for which short forms are ordinary words. Finding them in a text is :mod:`assistant.places`.
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
_DATA = Path(__file__).parent / "data" / "places.toml"
# Table rows that group divisions without being one.
_GROUPING_ROWS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_SUFFIX = re.compile(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|地区|林区|省|市|区|县|盟|旗)$")
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


NATIONAL = Division("全国", "national", "", "", "")


def short_name(full: str, nations: tuple[str, ...] = ()) -> str:
    """泰兴市 → 泰兴, 延边朝鲜族自治州 → 延边, 内蒙古自治区 → 内蒙古; unchanged when too short to shorten."""
    short = _SUFFIX.sub("", full)
    for nation in nations:
        if short.endswith(nation) and len(short) - len(nation) >= 2:
            short = short[: -len(nation)]
            break
    return short if len(short) >= 2 else full


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
    """A short form may stand for its division unless it is an ordinary word (合作 for 合作市)."""
    if short in vocabulary.admit or level == "province":
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


def load() -> tuple[list[Division], Vocabulary, dict[str, str]]:
    """Every division (the table's and places.toml's extras), the vocabulary, and each division's short name."""
    raw = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    vocabulary = Vocabulary(
        national=tuple(raw["national"]), national_not_before=tuple(raw["national_not_before"]),
        admit=frozenset(raw["short_name_admit"]), reject=frozenset(raw["name_reject"]),
        town_suffixes=tuple(raw["town_suffixes"]), town_generic=frozenset(raw["town_generic"]),
        town_not_in_name=frozenset(raw["town_not_in_name"]),
    )
    table = _table_path()
    nations_file = table.parent / "56_nations.csv"
    nations = tuple(sorted((n.strip() for n in nations_file.read_text(encoding="utf-8").split() if n.strip()),
                           key=len, reverse=True))
    divisions = _divisions(table)
    extra = [Division(e["full_name"], e["level"], e["full_name"], "", e["adcode"]) for e in raw.get("extra", [])]
    short_names = {d.full_name: short_name(d.full_name, nations) for d in divisions}
    short_names |= {e["full_name"]: e["short"] for e in raw.get("extra", [])}
    return divisions + extra, vocabulary, short_names
