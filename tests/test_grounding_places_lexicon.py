"""Grounding's analysis and matching over the gazetteer and the lexicon (no index needed: the
passages are built here as retrieval would hand them over)."""

from __future__ import annotations

import pytest

from assistant.answer.followup import merge_followup
from assistant.answer.grounding import analyze, find_evidence
from assistant.answer.refusal import decide
from assistant.answer.types import Passage
from assistant.settings import Settings

MIN_COVERAGE = Settings().answer.min_coverage  # the default the chain decides with

SEEDS = [
    {"region": "泰兴市", "province": "江苏省"},
    {"region": "常州市钟楼区", "province": "江苏省"},
    {"region": "浙江省某区", "province": "浙江省"},
    {"region": "瑞安市", "province": "浙江省"},
    {"region": "泸州市", "province": "四川省"},
    {"region": "浙江省", "province": "浙江省"},
    {"region": "杭州市", "province": "浙江省"},
]
WITH_NATIONAL = [*SEEDS, {"region": "全国", "province": ""}]
BULLETIN_2019 = Passage(
    1,
    "c1",
    "gongbao-2019.html",
    "2019年全国科技经费投入统计公报",
    "全国",
    (2019,),
    "一、研究与试验发展（R&D）经费情况",
    "2019年，全国共投入研究与试验发展（R&D）经费22143.6亿元，比上年增加2465.7亿元，增长12.5%；"
    "研究与试验发展（R&D）经费投入强度（与国内生产总值之比）为2.23%，比上年提高0.09个百分点。"
    "分活动类型看，全国基础研究经费1335.6亿元，比上年增长22.5%。",
)


def _idf(_token: str) -> float:
    return 1.0


def _best(question: str, passages: list[Passage], documents: list[dict] = WITH_NATIONAL) -> tuple[str, float] | None:
    evidence = find_evidence(analyze(question, documents), passages, _idf)
    return (evidence[0].sentence, evidence[0].coverage) if evidence else None


@pytest.mark.parametrize(
    "question", ["2019年全国R&D经费是多少？", "我国2019年研究与试验发展经费是多少？", "2019年全国各地研发经费投入多少"]
)
def test_the_nation_is_a_region(question: str) -> None:
    facts = analyze(question, WITH_NATIONAL)
    assert facts.regions == ["全国"] and not facts.foreign
    assert "22143.6亿元" in _best(question, [BULLETIN_2019])[0]


def test_a_national_question_without_national_documents_is_about_a_place_the_corpus_lacks() -> None:
    facts = analyze("2022年全国R&D经费投入强度是多少", SEEDS)
    assert facts.regions == [] and facts.foreign == ["全国"]


def test_a_county_question_mentioning_the_nation_stays_the_county() -> None:
    assert analyze("泰兴市2020年高新技术产业产值在全国排第几？", WITH_NATIONAL).regions == ["泰兴市"]
    assert analyze("泰兴市2020年新认定国家高企多少家？", WITH_NATIONAL).regions == ["泰兴市"]  # 国家高企 is a title


@pytest.mark.parametrize(
    "question",
    ["泰兴市黄桥镇2020年高新技术企业有多少家？", "黄桥镇2020年高企多少家？", "杭州市上城区2020年专利授权量是多少？"],
)
def test_a_place_inside_a_covered_region_is_not_that_region(question: str) -> None:
    facts = analyze(question, SEEDS)
    assert facts.sub_units and set(facts.sub_units) <= set(facts.foreign), facts
    refusal = decide(facts, [], MIN_COVERAGE)
    assert refusal is not None and facts.sub_units[0] in refusal.reason  # never the county's or city's figure


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("2019年全国研究与试验发展经费占国内生产总值之比是多少？", "2.23%"),
        ("2019年全国R&D经费占GDP比重是多少？", "2.23%"),  # GDP ≡ 国内生产总值, 占GDP比重 ≡ 投入强度
        ("2019年全国研发投入强度是多少？", "2.23%"),  # 研发 ≡ R&D ≡ 研究与试验发展
        ("2019年我国基础研究经费是多少？", "1335.6亿元"),
    ],
)
def test_indicator_wordings_meet_through_the_lexicon(question: str, figure: str) -> None:
    sentence, coverage = _best(question, [BULLETIN_2019])
    assert figure in sentence and coverage >= 0.6


def test_an_indicator_that_must_never_merge_does_not_answer() -> None:
    """基础研究经费 is not 全国R&D经费; 规上工业研发费用 is not 全社会研发经费."""
    basic_only = Passage(
        1, "c1", "b.html", "公报", "全国", (2019,), "", "全国基础研究经费1335.6亿元，比上年增长22.5%。"
    )
    assert _best("2019年全国R&D经费是多少？", [basic_only]) is None
    industry = Passage(
        1, "c2", "t.txt", "泰兴市科技局2020年工作总结", "泰兴市", (2020,), "", "全市规上工业企业研发费用达到35.2亿元。"
    )
    assert _best("泰兴市2020年全社会研发经费是多少？", [industry], SEEDS) is None
    assert _best("泰兴市2020年规上工业企业研发费用是多少？", [industry], SEEDS) is not None


def test_new_is_not_cumulative() -> None:
    stock = Passage(
        1, "c3", "t.txt", "泰兴市科技局2020年工作总结", "泰兴市", (2020,), "", "全市有效期内高新技术企业达到300家。"
    )
    assert _best("泰兴市2020年新认定高新技术企业多少家？", [stock], SEEDS) is None
    both = Passage(
        1,
        "c4",
        "t.txt",
        "泰兴市科技局2020年工作总结",
        "泰兴市",
        (2020,),
        "",
        "新认定高新技术企业86家，有效期内达到300家。",
    )
    assert _best("泰兴市2020年新认定高新技术企业多少家？", [both], SEEDS) is not None


def test_followup_naming_another_indicator_with_a_shared_word_is_a_new_question() -> None:
    history = [{"role": "user", "content": "2019年全国R&D经费投入强度是多少？"}]
    assert merge_followup("那研发投入呢？", history, WITH_NATIONAL) == "全国2019年研发投入是多少？"
    history = [{"role": "user", "content": "2019年全国R&D经费是多少？"}]
    assert merge_followup("那2022年呢？", history, WITH_NATIONAL) == "2022年全国R&D经费是多少？那2022年呢？"


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        (
            "泸州2008年技术合同成交额是多少？",
            "技术合同登记46项,成交金额698.89万元。",
        ),  # 成交 after another indicator's words
        ("泸州2008年全市专利授权了多少件？", "1-11月全市专利申请170件,授权91件。"),
        ("常州钟楼区2012年1-9月发明专利授权量是多少？", "授权专利885件(其中发明144件、实用新型611件、外观设计130件)。"),
        (
            "常州钟楼区2012年高新技术产业产值占规上工业产值的比重是多少？",
            "高新技术产业产值占规模工业产值的比重为48.4%,继续在全市保持领先。",
        ),
    ],
)
def test_an_elliptic_sentence_still_answers(question: str, sentence: str) -> None:
    region = "泸州市" if "泸州" in question else "常州市钟楼区"
    passage = Passage(1, "c5", "r.txt", "科技局工作总结", region, (2008 if "泸州" in question else 2012,), "", sentence)
    assert _best(question, [passage], SEEDS) is not None
