"""The indicator lexicon: wordings from data, term swaps, never-merge distinctions, a user's extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.language.lexicon import LexiconError, load_lexicon


@pytest.fixture(scope="module")
def lexicon():  # noqa: ANN201 - the packaged lexicon
    return load_lexicon()


@pytest.mark.parametrize(
    ("phrase", "canonical"),
    [
        ("研究与试验发展经费", "R&D经费"),
        ("研发经费", "R&D经费"),
        ("研发投入", "R&D经费"),
        ("R&D经费", "R&D经费"),
        ("投入强度", "R&D经费投入强度"),
        ("占GDP比重", "R&D经费投入强度"),
        ("与国内生产总值之比", "R&D经费投入强度"),
        ("GDP", "国内生产总值"),
        ("地区生产总值", "国内生产总值"),
        ("高企", "高新技术企业"),
        ("技术合同成交额", "技术合同成交额"),
        ("技术交易额", "技术合同成交额"),
        ("规上工业研发费用", "规上工业企业研发费用"),
        ("授权创造专利", "发明专利授权量"),
        ("研究与试验发展（R&D）经费", "R&D经费"),  # full-width brackets as the bulletins write them
        ("保护多少年", "保护期限"),
        ("专利权的期限", "保护期限"),  # how a user asks a term; how the 专利法 writes it
    ],
)
def test_every_wording_names_its_indicator(lexicon, phrase: str, canonical: str) -> None:
    assert lexicon.canonical(phrase) == canonical


def test_a_footnote_mark_inside_a_wording_does_not_break_it(lexicon) -> None:
    text = "研究与试验发展（R&D）经费投入强度（与国内生产总值[2]之比）为2.54%"
    assert [name for name, _ in lexicon.find(text)] == ["R&D经费投入强度", "R&D经费投入强度"]
    name, (start, end) = lexicon.find(text)[1]
    assert text[start:end] == "与国内生产总值[2]之比"


def test_terms_are_swapped_into_every_wording(lexicon) -> None:
    variants = lexicon.variants("R&D经费")
    assert variants[0] == "R&D经费"
    assert {"研究与试验发展经费", "研发经费", "研发投入", "研究开发经费"} <= set(variants)
    assert "与GDP之比" in lexicon.variants("R&D经费投入强度")


def test_find_takes_the_longest_wording_with_its_span(lexicon) -> None:
    text = "专利授权91件，其中发明专利授权12件"
    assert [(c, text[a:b]) for c, (a, b) in lexicon.find(text)] == [
        ("专利授权量", "专利授权"),
        ("发明专利授权量", "发明专利授权"),
    ]
    spaced = "研究与试验发展（R&D）经费投入强度（与国内生产总值 之比）为2.54%"
    assert [c for c, _ in lexicon.find(spaced)] == ["R&D经费投入强度", "R&D经费投入强度"]


def test_never_merge_distinctions(lexicon) -> None:
    assert lexicon.distinct("R&D经费", "规上工业企业研发费用")
    assert lexicon.distinct("规上工业企业研发费用", "R&D经费")  # either entry's word is enough
    assert lexicon.distinct("发明专利授权量", "专利授权量")
    assert lexicon.distinct("专利申请量", "专利授权量")
    assert not lexicon.distinct("R&D经费", "技术合同成交额")
    assert (("申请",), ("授权",)) in lexicon.contrasts
    assert any("新增" in a and "累计" in b for a, b in lexicon.contrasts)
    assert ("发明", "创造") in lexicon.qualifiers


def test_unit_families(lexicon) -> None:
    assert lexicon.unit_family("R&D经费") == "money"
    assert lexicon.unit_family("R&D经费投入强度") == "percent"
    assert lexicon.unit_family("高新技术企业") == "count"


def test_equivalents_are_case_and_width_blind(lexicon) -> None:
    assert "国内生产总值" in lexicon.equivalents("gdp")
    assert "研究与试验发展" in lexicon.equivalents("研发")
    assert lexicon.equivalents("产值") == ("产值",)


def test_a_knowledge_folder_extends_the_lexicon(tmp_path: Path) -> None:
    (tmp_path / "indicators.toml").write_text(
        '[[indicator]]\nname = "独角兽企业"\nsynonyms = ["独角兽"]\nunit = "count"\n\n'
        '[[indicator]]\nname = "R&D经费"\nsynonyms = ["研发总投入"]\n',
        encoding="utf-8",
    )
    lexicon = load_lexicon(tmp_path)
    assert lexicon.canonical("独角兽") == "独角兽企业"
    assert lexicon.canonical("研发总投入") == "R&D经费"
    assert lexicon.unit_family("R&D经费") == "money"  # the packaged unit stays
    assert load_lexicon(tmp_path / "nothing-here").canonical("独角兽") is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[indicator]]\nname = "甲"\nunit = "yuan"\n', "indicator #1 (甲): unit"),
        ('[[indicator]]\nname = "乙"\nsynonym = ["丙"]\n', "indicator #1 (乙): synonym"),
        (
            '[[indicator]]\nname = "丁"\ndistinct_from = ["无此指标"]\n',
            "丁: distinct_from names no indicator: 无此指标",
        ),
        ('[[indicator]]\nname = "戊"\nsynonyms = ["研发投入"]\n', "wording 研发投入 already belongs to"),
        ("[[indicator]\n", "not a readable indicators file"),
    ],
)
def test_a_bad_entry_is_named(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "indicators.toml").write_text(body, encoding="utf-8")
    with pytest.raises(LexiconError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_lexicon(tmp_path)
