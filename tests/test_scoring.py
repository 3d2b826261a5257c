"""The evaluation's scoring on hand-made answers and passages: figure accuracy, grounding,
citation recall/precision, refusals and drafts, decided without an index or a model."""

from __future__ import annotations

from assistant.answer.stages import Answer
from assistant.answer.types import Passage
from assistant.answer.verify import verify_answer
from assistant.draft.compose import DEFAULT_CHARS, length_bounds
from assistant.evaluate.answers import aggregate, has_figure, score_item

PASSAGES = [
    Passage(
        1,
        "c1",
        "a.txt",
        "泰兴市科技局2020年工作总结",
        "泰兴市",
        (2020,),
        "",
        "全年新认定国家高企86家，有效期内国家高企达227家。",
    ),
    Passage(2, "c2", "a.txt", "泰兴市科技局2020年工作总结", "泰兴市", (2020,), "", "兑现科技创新券628.34万元。"),
]


def answer(text: str, refused: bool = False) -> Answer:
    """An Answer as the chain makes it: the text verified against PASSAGES."""
    checked = verify_answer(text, {p.n: p.text for p in PASSAGES})
    return Answer("q", checked.text, refused, "extractive", [], checked.figures, {"total_ms": 1.0}, passages=PASSAGES)


def item(kind: str = "figure", figures: tuple[str, ...] = ("86家",)) -> dict:
    return {"id": "x", "kind": kind, "question": "q", "figures": list(figures)}


def test_figures_compare_by_value_and_unit() -> None:
    assert has_figure("新认定86家。", "86家") and not has_figure("新认定8.6家。", "86家")
    assert has_figure("投入1.5亿元。", "15000万元") and not has_figure("占比2.6%。", "2.65%")
    assert has_figure("全省第6位。", "第6位")  # an ordinal: compared as text


def test_a_correct_cited_answer_scores_everywhere() -> None:
    result = score_item(item(), answer("泰兴新认定国家高企86家[1]。"))
    assert result.ok and not result.missing
    assert (result.figures_shown, result.figures_grounded, result.unmarked_unverified) == (1, 1, 0)
    assert (result.statements, result.statements_supported, result.citations, result.citations_relevant) == (1, 1, 1, 1)


def test_a_wrong_citation_costs_grounding_recall_and_precision() -> None:
    result = score_item(item(), answer("泰兴新认定国家高企86家[2]。"))
    assert result.ok  # the figure is there …
    assert result.figures_grounded == 0 and result.statements_supported == 0  # … but not where it is cited
    metrics = aggregate([result])
    assert metrics["numeric_grounding"] == 0.0 and metrics["citation_recall"] == 0.0


def test_refusals_count_for_unanswerable_and_against_answerable_items() -> None:
    refused = answer("现有资料中没有找到所问的数据（资料中没有关于上海的文件）。", refused=True)
    good = score_item(item("unanswerable", ()), refused)
    bad = score_item(item(), refused)
    assert good.ok and not bad.ok and bad.missing == ["86家"]
    metrics = aggregate([good, bad])
    assert metrics["negative_rejection"] == 1.0 and metrics["false_refusal"] == 1.0


def test_a_draft_must_be_cited_verified_and_of_report_length() -> None:
    sentence = "泰兴新认定国家高企86家[1]，兑现科技创新券628.34万元[2]。"
    short = score_item(item("draft"), answer(sentence))
    assert not short.ok  # far under the length a report paragraph needs
    filler = "全市持续优化创新生态，推动企业加大研发投入，科技服务体系不断完善。"
    body = sentence + filler * (length_bounds(DEFAULT_CHARS)[0] // len(filler) + 1)
    assert score_item(item("draft"), answer(body)).ok
    unverified = body.replace("86家", "96家")
    assert not score_item(item("draft", ("96家",)), answer(unverified)).ok
