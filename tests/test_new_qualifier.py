"""A question asks a new count with the very words that make a sentence's figure one: 认定, 新建,
新获… (facts.fact.NEW). The question side knew only 新增/新认定/新培育/新引进, so
`2023年周口认定国家科技型中小企业多少家？` asked a stock, the bulletin's 714家 (a 新增 fact) was not the
asked figure, and the local model's decline was kept (黔东南州's 认定高新技术企业52家 alike). Generated
over every word of the one vocabulary, on a sentence written for neither bulletin."""

from __future__ import annotations

import pytest

from assistant.facts.binding import asked_qualifiers
from assistant.facts.extract import extract_facts
from assistant.facts.fact import NEW
from assistant.facts.vocabulary import load_vocabulary

VOCAB = load_vocabulary()
META = {"source": "b.txt", "title": "公报", "region": "泸州市", "level": "地级市", "years": [2021]}


@pytest.mark.parametrize("word", NEW.pattern.split("|"))
def test_the_question_asks_what_the_sentence_states(word: str) -> None:
    facts = extract_facts("c", f"全年{word}高新技术企业37家。", META, VOCAB)
    asked = asked_qualifiers(f"泸州市2021年{word}高新技术企业多少家？", VOCAB.units("高新技术企业"))
    assert [f.qualifier for f in facts if f.value == 37.0] == ["新增"]
    assert asked == {"新增"}


def test_a_cumulative_question_asks_the_stock() -> None:
    assert asked_qualifiers("泸州市累计认定高新技术企业多少家？", None) == {"", "累计"}
