"""Grounding and the refusal on hand-made passages: what a question asks, which sentences can
answer it, and when the answer must be a refusal. No index: the documents and passages are built
here, so each rule is seen on the smallest case that shows it."""

from __future__ import annotations

import pytest

from assistant.answer.grounding import analyze, evidence_years, find_evidence
from assistant.answer.refusal import CANNOT_ANSWER, Refusal, decide, wording
from assistant.answer.types import Passage
from assistant.settings import Settings

MIN_COVERAGE = Settings().answer.min_coverage  # the default the chain decides with

DOCUMENTS = [
    {"region": "泰兴市", "province": "江苏省"},
    {"region": "浙江省某区", "province": "浙江省"},
    {"region": "泸州市", "province": "四川省"},
]


def flat_idf(token: str) -> float:
    return 1.0


def passage(n: int, text: str, region: str = "泰兴市", years: tuple[int, ...] = (2020,), section: str = "") -> Passage:
    return Passage(n, f"c{n}", f"doc{n}.txt", f"{region}科技局工作总结", region, years, section, text)


def test_analysis_finds_region_years_and_indicator_words() -> None:
    facts = analyze("泰兴市2020年新认定国家高企多少家？", DOCUMENTS)
    assert facts.regions == ["泰兴市"] and facts.years == [2020] and facts.places == ["泰兴市"]
    assert facts.unit == "家" and facts.wants_figure and not facts.multi
    assert "高企" in facts.tokens and not {"泰兴", "泰兴市", "2020", "多少", "家"} & set(facts.tokens)


def test_analysis_of_ranges_redacted_regions_and_foreign_places() -> None:
    assert analyze("泸州市2006—2008年专利申请量", DOCUMENTS).years == [2006, 2007, 2008]
    assert analyze("浙江那个区2013年研发投入是多少？", DOCUMENTS).regions == ["浙江省某区"]
    shanghai = analyze("上海市2020年新认定高新技术企业多少家？", DOCUMENTS)
    assert shanghai.regions == [] and shanghai.foreign == ["上海市"]  # as written, from the gazetteer
    assert analyze("泰兴2020年2000萬元以上项目有几个", DOCUMENTS).years == [2020]  # 2000萬元 is no year


@pytest.mark.parametrize(
    ("question", "flag"),
    [
        ("泰兴市2020年综合科技创新水平全省排第几？", "wants_rank"),
        ("专利条例什么时候施行？", "wants_date"),
        ("高新技术企业应在每年几月底前填报年度报表？", "wants_date"),
        ("泰兴市2020年高企和科技型中小企业分别有多少家？", "multi"),
    ],
)
def test_analysis_flags_what_kind_of_answer_is_wanted(question: str, flag: str) -> None:
    assert getattr(analyze(question, DOCUMENTS), flag)


def test_a_year_before_a_document_type_names_the_document_not_the_figure() -> None:
    """The 2017 work report's 2.08% is of 2016, the year it reviews (一、2016年工作回顾)."""
    facts = analyze("2017年政府工作报告中，全社会研发经费支出与国内生产总值之比达到多少？", [{"region": "全国"}])
    assert facts.years == [] and facts.doc_years == [2017]
    text = "全社会研发经费支出与国内生产总值之比达到2.08%。"
    report = Passage(1, "c1", "gwr2017.txt", "2017年政府工作报告", "全国", (2016, 2017), "一、2016年工作回顾", text)
    other = Passage(
        2, "c2", "gwr2018.txt", "2018年政府工作报告", "全国", (2017, 2018), "", text.replace("2.08", "2.12")
    )
    assert [e.passage.n for e in find_evidence(facts, [report, other], flat_idf)] == [1]
    assert analyze("2019年到2023年全国R&D经费投入强度的变化", [{"region": "全国"}]).years == [
        2019,
        2020,
        2021,
        2022,
        2023,
    ]


def test_a_province_row_of_a_national_table_does_not_answer_for_the_nation() -> None:
    def row(n: int, label: str, value: str) -> Passage:
        cells = f'[{{"header": "R&D经费", "unit": "亿元", "value": "{value}"}}]'
        return Passage(
            n,
            f"r{n}",
            "b.html",
            "2022年全国科技经费投入统计公报",
            "全国",
            (2022,),
            "附表2",
            f"附表2 2022年各地区R&D经费情况｜{label}｜R&D经费（亿元）{value}",
            kind="table_row",
            row_label=label,
            columns=cells,
        )

    rows = [row(1, "陕西", "769.6"), row(2, "全国", "30782.9")]
    national = find_evidence(analyze("2022年全国R&D经费是多少亿元？", [{"region": "全国"}]), rows, flat_idf)
    assert [e.passage.n for e in national] == [2]
    shaanxi = find_evidence(analyze("2022年陕西R&D经费是多少亿元？", [{"region": "全国"}]), rows, flat_idf)
    assert [e.passage.n for e in shaanxi] == [1]


def test_a_unit_of_several_characters_is_the_asked_unit() -> None:
    facts = analyze("高新技术企业认定名单要公示几个工作日？", [{"region": "全国"}])
    assert facts.unit == "个工作日"
    text = "近三个会计年度的财务报告。认定企业公示10个工作日，无异议的，予以备案。"
    found = find_evidence(
        facts, [Passage(1, "c1", "p.html", "高新技术企业认定管理办法", "全国", (2016,), "", text)], flat_idf
    )
    assert [f.text for e in found for f in e.figures] == ["10个工作日"]


def test_evidence_keeps_the_asked_region_year_and_indicator() -> None:
    facts = analyze("泰兴市2020年新认定国家高企多少家？", DOCUMENTS)
    passages = [
        passage(1, "2019年新认定国家高企52家。全年新认定国家高企86家。全年兑现科技创新券628.34万元。"),
        passage(2, "全年新认定国家高企31家。", region="泸州市"),
    ]
    evidence = find_evidence(facts, passages, flat_idf)
    assert [e.sentence for e in evidence][:1] == ["全年新认定国家高企86家。"]
    assert all(e.passage.region == "泰兴市" for e in evidence)  # 泸州's 31家 is never a candidate
    assert "2019年新认定国家高企52家。" not in [e.sentence for e in evidence]  # another year
    assert evidence[0].coverage == 1.0 and [f.text for f in evidence[0].figures] == ["86家"]
    assert decide(facts, evidence, MIN_COVERAGE) is None


def test_the_opposite_measure_or_a_missing_qualifier_does_not_answer() -> None:
    facts = analyze("泸州市2008年发明专利授权多少件？", DOCUMENTS)
    passages = [passage(1, "全年专利授权91件。申请发明专利40件。", region="泸州市", years=(2008,))]
    assert find_evidence(facts, passages, flat_idf) == []
    refusal = decide(facts, [], MIN_COVERAGE)
    assert refusal == Refusal("资料中没有相应地区和年份的相关内容")


def test_years_come_from_the_sentence_then_the_section_then_the_document() -> None:
    p = passage(1, "新认定国家高企86家。", years=(2020, 2021), section="二、2021年工作计划")
    assert evidence_years(p, "2019年新认定国家高企52家。") == {2019}
    assert evidence_years(p, "新认定国家高企86家。") == {2021}
    assert evidence_years(passage(2, "x", years=(2020,)), "新认定国家高企86家。") == {2020}


def test_refusals_say_why_and_name_the_region() -> None:
    foreign = analyze("上海市2020年新认定高新技术企业多少家？", DOCUMENTS)
    assert decide(foreign, [], MIN_COVERAGE).reason.startswith("资料中没有关于上海市的文件")
    facts = analyze("泰兴市2020年技术合同成交额是多少？", DOCUMENTS)
    weak = find_evidence(facts, [passage(1, "全年新认定国家高企86家。")], flat_idf)
    refusal = decide(facts, weak, MIN_COVERAGE)
    assert refusal == Refusal("资料中没有所问指标的数据")
    text = wording(refusal, facts, [passage(1, "全年新认定国家高企86家。")])
    assert text.startswith(CANNOT_ANSWER) and "地区：泰兴市" in text and "《泰兴市科技局工作总结》" in text


def test_a_target_is_no_disagreement_with_the_result_but_two_results_are() -> None:
    """Two documents, one indicator, one year: a target (预期目标) beside the result it aimed at is
    not a conflict; two results that differ are."""
    from assistant.answer.conflicts import find_disagreement
    from assistant.language.lexicon import load_lexicon

    question = "泰兴市2020年新认定国家高企多少家？"
    facts = analyze(question, DOCUMENTS)
    report = passage(1, "全年新认定国家高企86家。")
    plan = Passage(
        2, "c2", "plan.txt", "泰兴市2020年工作计划", "泰兴市", (2020,), "", "预期目标：全年新认定国家高企90家。"
    )
    rival = Passage(3, "c3", "rival.txt", "泰兴市2020年统计", "泰兴市", (2020,), "", "全年新认定国家高企90家。")
    lexicon = load_lexicon(None)
    with_target = find_evidence(facts, [report, plan], flat_idf)
    assert len({e.passage.source for e in with_target}) == 2  # the target's sentence is evidence…
    assert find_disagreement(question, facts, with_target, lexicon, 0.5) is None  # …but no disagreement
    found = find_disagreement(question, facts, find_evidence(facts, [report, rival], flat_idf), lexicon, 0.5)
    assert found is not None and {s.figure for s in found.sides} == {"86家", "90家"}


def test_a_document_whose_region_is_not_stated_names_no_region() -> None:
    """A table file with no stated region (its province inferred, its region not) is no place a
    question can name: the question is analysed, not crashed on, and names no document region."""
    facts = analyze("陕西2022年R&D经费是多少？", [{"province": "陕西省"}, *DOCUMENTS])
    assert facts.regions == [] and facts.years == [2022]
