"""A fact stored under a division's full name is found by every name form of it that names that
division alone: 黔东南州 and 黔东南 find 黔东南苗族侗族自治州's facts. The LIKE on the short form
(黔东南州 → %黔东南州%) found none, so a comparison of 黔东南州 with 洛阳市 had no figure for one side.
Generated over every division of the national table whose short forms are not inside its full name
(autonomous prefectures, counties and banners, leagues, 地区): the rule is written for none of them.
"""

from __future__ import annotations

from pathlib import Path

from assistant.facts.extract import Fact
from assistant.facts.store import FactStore
from assistant.facts.vocabulary import load_vocabulary
from assistant.language import divisions
from assistant.language.places import region_of


def _fact(region: str, n: int) -> Fact:
    return Fact(
        "技术合同成交额", "技术合同成交额", "", region, "city", 2023, "", float(n), "亿元", n * 1e8, "元", "",
        f"{n}.txt", "公报", f"c{n}", "text", f"技术合同成交额{n}亿元。", 0, 1,
    )  # fmt: skip


def test_every_name_form_finds_the_full_names_facts(tmp_path: Path) -> None:
    table, _, forms = divisions.load()
    cases = [
        (d.full_name, form)
        for d in table
        for form in forms.get(d.full_name, ())
        if form.rstrip("州盟旗县区市") not in d.full_name or form not in d.full_name
    ]
    store = FactStore(tmp_path / "facts.sqlite", load_vocabulary())
    store._insert([_fact(full, n) for n, full in enumerate(sorted({f for f, _ in cases}))])
    missed, alone = [], 0
    for full, form in cases:
        place = region_of(form)
        if place is None or place.full_name != full or place.span != (0, len(form)):
            continue  # a form two divisions share (or one the word cut splits) names neither alone
        alone += 1
        if not any(f.region == full for f in store.query("技术合同成交额", region=form, year=2023)):
            missed.append((form, full))
    assert alone > 100  # the walk reached the table's autonomous divisions
    assert missed == []


def test_guojia_before_an_indicator_is_its_level_not_the_nation() -> None:
    """认定国家科技型中小企业714家 in 周口市's bulletin is the city's count of national-level firms; it
    was stored as 全国's. Generated over every wording of every indicator the lexicon counts."""
    from assistant.facts.extract import extract_facts

    vocab = load_vocabulary()
    meta = {"source": "b.txt", "title": "公报", "region": "周口市", "level": "地级市", "years": [2023]}
    national, checked = [], 0
    for name in sorted(vocab.lexicon.indicators):
        if vocab.lexicon.unit_family(name) != "count":
            continue
        for wording in vocab.lexicon.variants(name):
            sentence = f"全年认定国家{wording}714家。"
            facts = [f for f in extract_facts("c", sentence, meta, vocab) if f.value == 714.0]
            checked += bool(facts)
            national += [(sentence, f.region) for f in facts if f.region != "周口市"]
    assert checked > 50
    assert national == []
