"""A figure after 其中 that names the same indicator as the sentence's whole is a part of it, never
the whole: 黔东南州's 2023 bulletin writes "技术合同交易金额达31.28亿元，…，其中技术交易额20.83亿元",
and 20.83亿元 was taken as the prefecture's 技术合同成交额 (a comparison or ranking would state it,
checked). Generated over every pair of wordings of every indicator of the lexicon, so the rule is
held on sentences it was not written for.
"""

from __future__ import annotations

import itertools

import pytest

from assistant.facts.extract import extract_facts
from assistant.facts.vocabulary import load_vocabulary

VOCAB = load_vocabulary()
META = {
    "source": "b.txt",
    "title": "2023年某市国民经济和社会发展统计公报",
    "region": "洛阳市",
    "level": "地级市",
    "years": [2023],
}
UNITS = ("亿元", "万元", "件", "家", "项", "个", "人")
WHOLE, PART = "31.28", "20.83"


def _cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for name in sorted(VOCAB.lexicon.indicators):
        wordings = VOCAB.lexicon.variants(name)
        units = VOCAB.units(name)
        unit = next((u for u in UNITS if units is None or u in units), None)
        if unit is None:
            continue
        for whole, part in itertools.permutations(wordings[:4], 2):
            cases.append((name, whole, part, unit))
    return cases


def _bound(sentence: str, name: str) -> set[float]:
    return {f.value for f in extract_facts("c", sentence, META, VOCAB) if f.indicator == name and not f.qualifier}


@pytest.mark.parametrize(("name", "whole", "part", "unit"), _cases())
def test_a_part_after_qizhong_is_not_the_whole(name: str, whole: str, part: str, unit: str) -> None:
    alone = _bound(f"全年{whole}达{WHOLE}{unit}。", name)
    sentence = f"全年{whole}达{WHOLE}{unit}，比上年增长16.1%，其中{part}{PART}{unit}。"
    bound = _bound(sentence, name)
    assert float(PART) not in bound, sentence
    if float(WHOLE) in alone:
        assert float(WHOLE) in bound, sentence
