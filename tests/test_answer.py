"""The answer chain on the real corpus index with the extractive backend (no LLM), plus the
parts every backend shares: citation parsing, figure verification, refusal, follow-ups, prompts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from assistant.answer.chain import Answerer
from assistant.answer.followup import merge_followup
from assistant.answer.prompts import CANNOT_ANSWER, load_prompt
from assistant.answer.verify import UNVERIFIED_MARK, verify_answer
from assistant.draft.writer import write_draft
from assistant.errors import AssistantError
from assistant.localmodel.model_file import ModelIntegrityError, verify_model
from assistant.settings import Settings

TAIXING = "001_bbaa06e7afcfcd41.txt"


@pytest.fixture(scope="module")
def answerer(corpus_settings: Settings, retriever) -> Answerer:
    return Answerer(corpus_settings, retriever=retriever, backend="extractive")


def test_answer_json_contract(answerer: Answerer) -> None:
    out = answerer.ask("泰兴市2020年新认定国家高企多少家？").to_json()
    assert {"question", "answer", "refused", "backend", "citations", "figures", "timings"} <= set(out)
    assert out["refused"] is False and out["backend"] == "extractive"
    assert "86家" in out["answer"]
    cited = {c["n"]: c for c in out["citations"]}
    assert all(f"[{n}]" in out["answer"] for n in cited)
    assert cited[next(iter(cited))]["source"] == TAIXING
    fig = next(f for f in out["figures"] if f["text"] == "86家")
    assert fig == {
        "text": "86家",
        "value": 86.0,
        "unit": "家",
        "citation": fig["citation"],
        "verified": True,
        "unbound": False,
    }
    assert "86家" in cited[fig["citation"]]["text"]
    assert set(out["timings"]) >= {"retrieve_ms", "generate_ms", "total_ms"}


@pytest.mark.parametrize(
    "question",
    [
        "上海市2020年新认定高新技术企业多少家？",  # a city the corpus has no document for
        "泰兴市2019年新认定国家高企多少家？",  # a year the report does not give
        "泸州市2008年发明专利授权多少件？",  # 专利授权91件 is not 发明专利授权
        "泰兴2020年发明专利授权量是多少？",  # an indicator the report lacks
    ],
)
def test_refuses_instead_of_substituting(answerer: Answerer, question: str) -> None:
    answer = answerer.ask(question)
    assert answer.refused and CANNOT_ANSWER in answer.answer
    assert not answer.figures  # no other region's, year's or indicator's figure in its place


def test_simplified_question_about_traditional_report(answerer: Answerer) -> None:
    answer = answerer.ask("浙江某区2013年技术市场交易额是多少？")
    assert not answer.refused and "1317.7萬元" in answer.answer
    assert all(f.verified for f in answer.figures)


TAIXING_2020 = [
    {"role": "user", "content": "泰兴市2020年新认定了多少家国家高企？"},
    {"role": "assistant", "content": "86家"},
]


@pytest.mark.parametrize(
    ("followup", "history", "standalone"),
    [
        # the same indicator: years or places replaced
        ("那2019年呢？", TAIXING_2020, "泰兴市2019年新认定了多少家国家高企？那2019年呢？"),
        ("那瑞安呢？", TAIXING_2020, "瑞安2020年新认定了多少家国家高企？那瑞安呢？"),
        ("那2021年的目标呢？", TAIXING_2020, "泰兴市2021年新认定了多少家国家高企？那2021年的目标呢？"),
        # another measure of the same indicator
        (
            "申请量呢？",
            [{"role": "user", "content": "瑞安2023年发明专利授权量是多少？"}],
            "瑞安2023年发明专利申请量是多少？",
        ),
        # a different indicator: the old one's words must not come along
        ("技术合同成交额呢？", TAIXING_2020, "泰兴市2020年技术合同成交额是多少？"),
        ("那高新技术产业产值呢？", TAIXING_2020, "泰兴市2020年高新技术产业产值是多少？"),
        (
            "专利申请量呢？",
            [{"role": "user", "content": "浙江某区2013年研发投入占GDP比重预计达到多少？"}],
            "浙江某区2013年专利申请量是多少？",
        ),
        # refinements keep the previous question
        (
            "其中发明专利有多少件？",
            [{"role": "user", "content": "常州钟楼区2012年1-9月申请了多少件专利？"}],
            "常州钟楼区2012年1-9月申请了多少件专利？其中发明专利有多少件？",
        ),
        (
            "发明专利呢？",
            [{"role": "user", "content": "泸州市2008年全市专利申请了多少件？"}],
            "泸州市2008年全市专利申请了多少件？发明专利呢？",
        ),
        ("泸州市2008年技术合同成交金额是多少？", [], "泸州市2008年技术合同成交金额是多少？"),
    ],
)
def test_followups_are_rewritten_to_stand_alone(
    answerer: Answerer, followup: str, history: list[dict[str, str]], standalone: str
) -> None:
    assert merge_followup(followup, history, answerer.retriever.documents()) == standalone


@pytest.mark.parametrize(
    ("followup", "history", "figure"),
    [
        (
            "申请量呢？",
            [
                {"role": "user", "content": "瑞安2023年发明专利授权量是多少？"},
                {"role": "assistant", "content": "171件"},
            ],
            "1125件",
        ),
        ("那高新技术产业产值呢？", TAIXING_2020, None),
    ],
)
def test_followup_answers_the_new_question(
    answerer: Answerer, followup: str, history: list[dict[str, str]], figure: str | None
) -> None:
    answer = answerer.ask(followup, history=history)
    if figure:
        assert figure in answer.answer
    assert "86家" not in answer.answer  # never the previous question's figure


@pytest.mark.parametrize(
    ("rewrite", "used"),
    [
        ("浙江某区2013年研发投入金额是多少？", True),  # same place and year, better worded: the model's
        ("浙江哪个区2013年研发投入金额是多少？", False),  # the district lost: the rules' question
        ("浙江某区2014年研发投入金额是多少？", False),  # another year
    ],
)
def test_a_model_rewrite_must_keep_place_and_year(
    corpus_settings: Settings, retriever, fake_llm, rewrite: str, used: bool
) -> None:
    """The stand-in model returns the rewrite; the chain keeps it only if it names the places and
    years the rules do."""
    answerer = Answerer(corpus_settings, retriever=retriever, backend=fake_llm(rewrite))
    history = [
        {"role": "user", "content": "浙江那个区2013年研发投入占GDP比重预计多少？"},
        {"role": "assistant", "content": "2.7%以上"},
    ]
    answer = answerer.ask("投入金额大概是多少？", history=history)
    rules = merge_followup("投入金额大概是多少？", history, retriever.documents())
    assert answer.standalone_question == (rewrite if used else rules)


def test_draft_cites_every_figure(answerer: Answerer) -> None:
    draft = write_draft(answerer, "泰兴市2020年高新技术企业培育成效")
    assert not draft.refused and draft.figures
    assert all(f.verified and f.citation for f in draft.figures)
    assert 100 <= len(draft.answer) <= 400


def test_streaming_callback_receives_the_answer(answerer: Answerer) -> None:
    tokens: list[str] = []
    answer = answerer.ask("泸州市2008年技术合同成交金额是多少？", on_token=tokens.append)
    assert "".join(tokens) and "698.89万元" in "".join(tokens) and "698.89万元" in answer.answer


def test_verifier_marks_unverified_and_drops_unsupporting_citations() -> None:
    passages = {1: "全年新认定国家高企86家,有效期内国家高企达227家。", 2: "兑现科技创新券628.34万元。"}
    checked = verify_answer("泰兴新认定国家高企86家[1][2]。有效期内高企达8.6家[1]。", passages)
    assert checked.text.startswith("泰兴新认定国家高企86家[1]。")  # [2] supports nothing in that sentence
    assert f"8.6家{UNVERIFIED_MARK}" in checked.text
    assert [(f.text, f.verified, f.citation) for f in checked.figures] == [("86家", True, 1), ("8.6家", False, None)]
    assert checked.cited == [1]


def test_figure_in_an_uncited_passage_is_not_verified() -> None:
    checked = verify_answer("科技创新券628.34万元[1]。", {1: "高企86家。", 2: "兑现科技创新券628.34万元。"})
    assert not checked.figures[0].verified and UNVERIFIED_MARK in checked.text


def test_prompts_load_and_missing_variables_are_named(tmp_path: Path) -> None:
    for name in ("answer", "draft", "rewrite"):
        load_prompt(name)
    (tmp_path / "answer.md").write_text("## system\n只依据资料回答。\n\n## user\n$question\n", encoding="utf-8")
    with pytest.raises(AssistantError, match=r"\$cannot_answer, \$passages"):
        load_prompt("answer", tmp_path)


def test_model_hash_check_refuses_a_corrupted_file(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    good = hashlib.sha256(model.read_bytes()).hexdigest()
    verify_model(model, good, model.stat().st_size)  # passes and leaves a marker
    data = bytearray(model.read_bytes())
    data[100] ^= 0xFF
    model.write_bytes(bytes(data))  # same size, one byte changed
    with pytest.raises(ModelIntegrityError, match="refusing to load"):
        verify_model(model, good, model.stat().st_size)


def test_uncited_sentence_gets_the_passage_holding_its_figures() -> None:
    from assistant.answer.verify import cite_uncited

    passages = {1: "高企86家。", 2: "兑现科技创新券628.34万元。"}
    assert cite_uncited("兑现创新券628.34万元。高企达99家。", passages) == "兑现创新券628.34万元[2]。高企达99家。"
