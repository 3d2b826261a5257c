"""Answers from the fact table (comparison, trend, ranking, refusals naming what the table holds)
and indicator-bound verification. The fact table is real (SQLite over a real embedded Chroma
holding table-row chunks as the table reader writes them); the corpus tests use the shipped
knowledge index built by the real pipeline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from test_facts import REPORT, _write

from assistant.answer.chain import Answerer
from assistant.answer.from_facts import FactAnswerer
from assistant.answer.types import QuestionFacts
from assistant.answer.verify import UNVERIFIED_MARK, verify_answer
from assistant.facts.binding import Binder, question_claim
from assistant.facts.extract import extract_facts
from assistant.facts.store import FactStore, open_facts
from assistant.facts.vocabulary import load_vocabulary
from assistant.index.store import ChunkStore
from assistant.settings import Settings

PROVINCES = {
    "北京": (6.83, 6.73),
    "上海": (4.44, 4.34),
    "天津": (3.49, 3.58),
    "广东": (3.42, 3.54),
    "江苏": (3.12, 3.29),
    "陕西": (2.35, 2.50),
    "西藏": (0.33, 0.30),
    "全国": (2.54, 2.65),
}
REVISION = "根据2022年国内生产总值（GDP）最终核实数据，2022年研究与试验发展（R&D）经费投入强度已修订为2.56%。"
PATENTS = (
    "今年1-9月份,全区申请专利3623件(其中发明980件、实用新型1855件、外观设计788件),同比增长134.8%;"
    "授权专利885件(其中发明144件、实用新型611件、外观设计130件)。"
)


def _bulletin(store: ChunkStore, year: int, column: int, extra: list[tuple[str, dict]] = ()) -> None:
    doc = f"nbs{year}.html"
    title = f"{year}年各地区R&D经费情况"
    chunks = []
    for label, values in PROVINCES.items():
        cells = [{"header": "R&D经费投入强度", "unit": "%", "value": f"{values[column]:.2f}"}]
        chunks.append(
            (
                f"{title}｜{label}｜R&D经费投入强度（%）{values[column]:.2f}",
                {
                    "kind": "table_row",
                    "table_title": title,
                    "row_label": label,
                    "columns": json.dumps(cells, ensure_ascii=False),
                },
            )
        )
    chunks += list(extra)
    metas = [m | {"title": f"{year}年全国科技经费投入统计公报", "region": "全国", "years": [year]} for _, m in chunks]
    _write(store, doc, list(zip([t for t, _ in chunks], metas)))


@pytest.fixture
def facts(tmp_path: Path) -> FactStore:
    settings = Settings(data_dir=tmp_path / "data", index_dir=tmp_path / "index")
    store = ChunkStore(settings)
    _bulletin(store, 2022, 0)
    _bulletin(store, 2023, 1, [(REVISION, {})])
    return open_facts(settings, store)


def _ask(facts: FactStore, question: str, years: list[int] = ()) -> object:
    return FactAnswerer(facts, facts.vocab).answer(question, QuestionFacts(years=list(years)))


def test_ranking_over_the_held_regions_says_so(facts: FactStore) -> None:
    out = _ask(facts, "2023年研发经费投入强度排名前三的省份是哪些？", [2023])
    assert out.kind == "ranking" and not out.refused
    lines = out.text.splitlines()
    assert "只在资料所含的地区之间排名" in lines[0]
    assert [p.region for p in out.passages] == ["北京市", "上海市", "天津市"]
    assert "6.73%[1]" in lines[1] and "全国" not in out.text
    checked = verify_answer(out.text, {p.n: p.text for p in out.passages})
    assert checked.figures and all(f.verified for f in checked.figures)
    assert "7个地区" in out.notice and "北京市" in out.notice
    three = _ask(facts, "2023年R&D经费投入强度最低的三个地区", [2023])
    assert [p.region for p in three.passages] == ["西藏自治区", "陕西省", "江苏省"]
    low = _ask(facts, "2023年R&D经费投入强度最低的是哪个省？", [2023])
    assert [p.region for p in low.passages] == ["西藏自治区"]
    where = _ask(facts, "2022年陕西R&D经费投入强度排第几？", [2022])
    assert "排第六" in where.text and "2.35%[1]" in where.text


def test_revised_figures_are_both_shown_with_sources(facts: FactStore) -> None:
    out = _ask(facts, "2022年和2023年全国R&D经费投入强度分别是多少？", [2022, 2023])
    assert out.kind == "comparison"
    assert "2.54%" in out.text and "2.56%" in out.text and "2.65%" in out.text
    line_2022 = next(line for line in out.text.splitlines() if "2022年：" in line)
    assert "《2022年全国科技经费投入统计公报》" in line_2022 and "《2023年全国科技经费投入统计公报》" in line_2022
    checked = verify_answer(out.text, {p.n: p.text for p in out.passages})
    assert all(f.verified for f in checked.figures) and len(checked.figures) == 3


def test_trend_and_comparison_of_regions(facts: FactStore) -> None:
    trend = _ask(facts, "北京R&D经费投入强度的变化趋势")
    assert trend.kind == "trend" and [s["value"] for s in trend.series] == [6.83, 6.73]
    assert "下降" in trend.text
    both = _ask(facts, "2023年广东和江苏的研发投入强度哪个高？", [2023])
    assert both.kind == "comparison" and [s["value"] for s in both.series] == [3.54, 3.29]


def test_a_year_or_region_the_table_lacks_is_refused_naming_what_it_holds(facts: FactStore) -> None:
    out = _ask(facts, "2020年北京R&D经费投入强度是多少？", [2020])
    assert out.refused
    assert "2022年、2023年" in out.text and "2020年" in out.text
    ranking = _ask(facts, "2019年R&D经费投入强度排名前三的省份", [2019])
    assert ranking.refused and "2022年、2023年" in ranking.text


def test_ranking_over_31_regions_is_fast(facts: FactStore) -> None:
    answerer = FactAnswerer(facts, facts.vocab)
    started = time.perf_counter()
    for _ in range(10):
        answerer.answer("2023年R&D经费投入强度排名", QuestionFacts(years=[2023]))
    assert (time.perf_counter() - started) / 10 < 1.0


def test_a_figure_bound_to_another_indicator_is_marked_unverified() -> None:
    vocab = load_vocabulary()
    passage_facts = extract_facts("c", PATENTS, REPORT, vocab)
    claim = question_claim("常州钟楼区2012年1-9月发明专利授权量是多少？", vocab, ["钟楼区"], [2012])
    binder = Binder(lambda n: passage_facts, vocab, claim)
    wrong = verify_answer("常州钟楼区2012年1-9月发明专利授权量为885件[1]。", {1: PATENTS}, binder)
    assert [(f.text, f.verified, f.unbound) for f in wrong.figures] == [("885件", False, True)]
    assert f"885件{UNVERIFIED_MARK}" in wrong.text
    right = verify_answer("常州钟楼区2012年1-9月发明专利授权量为144件[1]。", {1: PATENTS}, binder)
    assert right.figures[0].verified
    copied = verify_answer(
        f"据报告：{PATENTS}[1]", {1: PATENTS}, binder
    )  # the source's own sentence binds 885 to all patents
    assert all(f.verified for f in copied.figures)
    city = Binder(
        lambda n: passage_facts, vocab, question_claim("常州市2012年专利申请量是多少？", vocab, ["常州市"], [2012])
    )
    assert not verify_answer("全区申请专利3623件[1]。", {1: PATENTS}, city).figures[0].verified


@pytest.mark.slow
def test_chain_refuses_a_district_figure_for_its_city(corpus_settings: Settings, retriever) -> None:
    answerer = Answerer(corpus_settings, retriever=retriever, backend="extractive")
    assert answerer.ask("常州市2012年专利申请量是多少？").refused
    out = answerer.ask("钟楼区2012年1-9月和瑞安市2023年的发明专利授权量分别是多少？")
    assert "144件" in out.answer and "171件" in out.answer and "885件" not in out.answer
    assert [s["value"] for s in out.series] == [144.0, 171.0]


def test_indicator_tab_table_plot_and_exports(facts: FactStore, tmp_path: Path) -> None:
    """What the 指标 tab shows and exports (the page only places these in components)."""
    import csv

    import openpyxl

    from assistant.serve import indicators

    held = facts.held()
    assert held["indicators"] == ["R&D经费投入强度"] and held["years"] == ["2023", "2022"]
    rows = indicators.select(facts, "研发强度", "北京", "")
    assert [(f.year, f.value) for f in rows] == [(2022, 6.83), (2023, 6.73)]
    assert indicators.table_rows(rows)[0][:3] == ["R&D经费投入强度", "", ""]
    points = indicators.fact_points(rows)
    assert indicators.is_series(points)
    assert indicators.plot_frame(points)[["x", "value"]].values.tolist() == [["2022", 6.83], ["2023", 6.73]]
    one_year = indicators.fact_points(indicators.select(facts, "R&D经费投入强度", "", "2023"))
    assert not indicators.is_series(one_year) and len(indicators.plot_frame(one_year)) == len(PROVINCES)
    settings = Settings(data_dir=tmp_path / "data", index_dir=tmp_path / "index")
    with open(indicators.export(settings, rows, "csv"), encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0][0] == "指标" and [r[7] for r in table[1:]] == ["6.83", "6.73"]
    sheet = openpyxl.load_workbook(indicators.export(settings, rows, "xlsx")).active
    assert [c.value for c in sheet[1]][:4] == ["指标", "口径", "细分", "地区"] and sheet.max_row == 3


@pytest.mark.slow
def test_an_llm_gets_the_fact_rows_and_must_state_them_all(corpus_settings: Settings, retriever, fake_llm) -> None:
    """The stand-in model answers from the fact rows; one that leaves a row out, or binds a
    figure to the wrong indicator, is replaced by the extractive answer with a notice."""
    question = "钟楼区2012年1-9月和瑞安市2023年的发明专利授权量分别是多少？"
    good = Answerer(corpus_settings, retriever=retriever, backend=fake_llm("钟楼区为144件[1]，瑞安市为171件[2]。")).ask(
        question
    )
    assert good.backend == "fake" and all(f.verified for f in good.figures)
    assert [c.source for c in good.citations] == ["000_ed9fd284b80e42d9.txt", "003_63333fff2a297632.txt"]
    partial = Answerer(corpus_settings, retriever=retriever, backend=fake_llm("钟楼区为144件[1]。")).ask(question)
    assert partial.backend == "extractive" and partial.notice and "171件" in partial.answer
    trap = "常州钟楼区2012年1-9月发明专利授权量是多少？"
    wrong = Answerer(corpus_settings, retriever=retriever, backend=fake_llm(f"{trap[:-5]}为885件[1]。")).ask(trap)
    assert wrong.backend == "extractive" and "144件" in wrong.answer
