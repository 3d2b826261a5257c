"""Questions of several parts: decomposition (generated over every connector and kind of item),
the computed figure, and a slice of benchmarks/multipart.py through the real chain.

The decomposition rules were written from the national bulletins' questions; the generated checks
run them over the places, years and indicators of other documents (泰兴市, 钟楼区, 瑞安市 of
knowledge/, and provinces of the yearbook tables), and the chain slice answers over knowledge/'s
county reports and a by-region table built here, which no rule was written for.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from assistant.answer.computed import compute
from assistant.answer.part_items import joins
from assistant.answer.parts import decompose
from assistant.answer.verify import FigureResult
from assistant.language.lexicon import load_lexicon
from assistant.settings import PROJECT_ROOT

LEXICON = load_lexicon()
PLACES = ["泰兴市", "钟楼区", "瑞安市", "湖北省", "四川", "全国"]
YEARS = ["2012年", "2020年", "2023年"]
INDICATORS = ["R&D经费", "高新技术企业", "技术合同成交额", "发明专利授权量"]
LIST_CONNECTORS = [c for c in joins().connectors if c not in ("，", ",")]


@pytest.mark.parametrize("connector", LIST_CONNECTORS)
def test_every_connector_lists_places_years_and_indicators(connector: str) -> None:
    """Each list of two items of one kind, joined by each connector, is two parts differing by that item."""
    for a, b in itertools.permutations(PLACES[:4], 2):
        split = decompose(f"2023年{a}{connector}{b}的R&D经费分别是多少？", LEXICON)
        assert [p.claim.get("place") for p in split.parts] == [a, b], split
    for a, b in itertools.permutations(YEARS, 2):
        split = decompose(f"泰兴市{a}{connector}{b}的高新技术企业各有多少家？", LEXICON)
        assert [p.claim.get("year") for p in split.parts] == [a, b], split
    for a, b in itertools.permutations(INDICATORS, 2):
        split = decompose(f"2020年瑞安市{a}{connector}{b}分别是多少？", LEXICON)
        assert [p.claim.get("indicator") for p in split.parts] == [a, b], split
        assert all("分别" not in p.question and p.claim.get("place") == "瑞安市" for p in split.parts)


def test_lists_of_two_kinds_are_every_combination_in_order() -> None:
    split = decompose("2022年和2023年湖北、湖南的R&D经费分别是多少？", LEXICON)
    assert [(p.claim["year"], p.claim["place"]) for p in split.parts] == [
        ("2022年", "湖北"),
        ("2022年", "湖南"),
        ("2023年", "湖北"),
        ("2023年", "湖南"),
    ]


def test_clauses_are_parts_and_a_bare_clause_takes_the_first_ones_place_year_and_indicator() -> None:
    split = decompose("泰兴市2020年R&D经费投入强度是多少？初步数是多少？", LEXICON)
    assert [p.question for p in split.parts] == [
        "泰兴市2020年R&D经费投入强度是多少?",
        "泰兴市2020年R&D经费投入强度初步数是多少?",
    ]
    own = decompose("泰兴2020年产学研对接活动开了多少场，签了多少份科技合作协议？", LEXICON)
    assert own.parts[1].question == "泰兴2020年签了多少份科技合作协议?"  # its own words: no indicator borrowed


@pytest.mark.parametrize(
    ("question", "op", "sides"),
    [
        ("2023年钟楼区高新技术企业比2020年增加了多少？", "difference", ["2023年", "2020年"]),
        ("瑞安市与泰兴市相比，2020年R&D经费哪个更高？", "higher", ["瑞安市", "泰兴市"]),
        ("2023年四川R&D经费是湖北的几倍？", "ratio", ["四川", "湖北"]),
        ("2023年湖北省R&D经费占全国的比重是多少？", "share", ["湖北省", "全国"]),
        ("2022年和2023年全国技术合同成交额分别是多少，增长了多少？", "difference", ["2022年", "2023年"]),
    ],
)
def test_a_computation_is_asked_over_its_two_sides(question: str, op: str, sides: list[str]) -> None:
    split = decompose(question, LEXICON)
    assert split.compute == op
    assert [
        p.claim.get("year") if s.endswith("年") else p.claim.get("place") for p, s in zip(split.parts, sides)
    ] == sides
    assert all(p.question.endswith("是多少？") for p in split.parts), split.parts


def test_a_quoted_growth_asked_of_each_item_is_no_computation() -> None:
    assert decompose("2022年和2023年全国R&D经费增长率分别是多少？", LEXICON).compute == ""
    assert decompose("瑞安市2023年发明专利申请量是多少，同比增长多少？", LEXICON).compute == ""


def test_single_questions_of_the_gold_sets_are_not_cut() -> None:
    """Every single-figure, policy and unanswerable gold question stays one question (its path is unchanged)."""
    for name in ("gold.jsonl", "gold_corpora.jsonl"):
        for line in (PROJECT_ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item["kind"] in ("figure", "policy", "unanswerable", "trap"):
                assert not decompose(item["question"], LEXICON).parts, item["question"]


def test_a_repeated_part_is_one_part_that_says_so_and_ten_parts_are_ten() -> None:
    split = decompose("泰兴市2020年R&D经费是多少，泰兴市2020年R&D经费是多少？", LEXICON)
    assert len(split.parts) == 1 and split.parts[0].repeated == 2
    ten = "、".join(f"{y}年" for y in range(2014, 2024))
    assert len(decompose(f"全国{ten}的R&D经费分别是多少？", LEXICON).parts) == 10


def _figure(text: str, value: float, unit: str, n: int) -> FigureResult:
    return FigureResult(text, value, unit, n, True)


def test_computed_figures_show_their_computation() -> None:
    a = ("湖北 2023年", _figure("1408.2亿元", 1408.2e8, "元", 1))
    b = ("湖北 2022年", _figure("1254.7亿元", 1254.7e8, "元", 2))
    assert compute("difference", a, b).text == "1408.2 − 1254.7 = 153.5亿元"
    assert compute("growth", a, b).value == "12.23%"
    assert compute("higher", a, b).text.startswith("湖北 2023年（1408.2亿元）高于")
    pct = compute("difference", ("a", _figure("2.65%", 2.65, "%", 1)), ("b", _figure("2.56%", 2.56, "%", 2)))
    assert pct.value == "0.09个百分点"
    wan = compute("share", ("a", _figure("5000万元", 5e7, "元", 1)), ("b", _figure("1亿元", 1e8, "元", 2)))
    assert wan.value == "50.00%"
    assert compute("difference", a, ("c", _figure("3家", 3, "家", 3))).value == ""  # units differ: nothing computed


# -- a slice of benchmarks/multipart.py through the real chain (extractive) over knowledge/ ----------


@pytest.fixture(scope="module")
def answerer(corpus_settings, retriever):  # type: ignore[no-untyped-def]
    from assistant.answer.chain import Answerer

    return Answerer(corpus_settings, retriever=retriever, backend="extractive")


def _part(answer, i: int) -> dict:  # type: ignore[no-untyped-def]
    return answer.parts[i]


def test_two_clauses_over_one_county_report_are_both_answered_and_cited(answerer) -> None:  # type: ignore[no-untyped-def]
    """钟楼区's 2012 report (000_ed9fd284b80e42d9.txt): two gold questions asked as one."""
    answer = answerer.ask("2012年常州钟楼区新认定了几家高企，钟楼区2012年期满高新技术企业复审了多少家？")
    assert [p["status"] for p in answer.parts] == ["answered", "answered"]
    assert "15家" in answer.answer and "19家" in answer.answer and not answer.refused
    assert all(p["citations"] and all(c["n"] in {x.n for x in answer.citations} for c in []) for p in answer.parts)
    assert {n for p in answer.parts for n in p["citations"]} <= {c.n for c in answer.citations}
    assert answer.to_json()["parts"][0]["claim"]


def test_an_absent_place_in_a_list_is_declined_alone_with_its_own_reason(answerer) -> None:  # type: ignore[no-untyped-def]
    """泰兴市's 2020 report answers its part; 拉萨市, of which no document speaks, declines as a region."""
    answer = answerer.ask("泰兴市和拉萨市2020年新认定国家高新技术企业分别有多少家？")
    first, second = answer.parts
    assert first["status"] == "answered" and "86家" in answer.answer
    assert second["status"] == "declined" and second["reason_kind"] == "region"
    assert "拉萨市" in answer.answer and "未能回答" in answer.answer and not answer.refused


def test_a_computed_difference_is_marked_and_shows_its_inputs(answerer) -> None:  # type: ignore[no-untyped-def]
    """瑞安市's 2023 report against 钟楼区's 2012 one (written for no rule here): A比B is A − B, the
    figure of each picked by the fact table where a sentence states several (144件 of 885件's)."""
    answer = answerer.ask("瑞安市2023年发明专利授权量比钟楼区2012年多多少件？")
    assert [p["status"] for p in answer.parts] == ["answered", "answered"], answer.answer
    assert answer.computed == [
        {
            "op": "difference",
            "text": "171 − 144 = 27件",
            "value": "27件",
            "citations": answer.computed[0]["citations"],
            "computed": True,
        }
    ]
    assert "计算所得" in answer.answer and "171 − 144 = 27件" in answer.answer


# -- a by-region table as users upload it (附表2 rows, built here as CSV, XLSX and DOCX) ----------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx"])
def test_a_table_row_answers_both_indicators_asked_together(settings, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """The 2022 by-region table written at test time: 湖北's row holds both figures asked at once,
    and a difference between two rows is computed from the cited cells."""
    import table_files

    from assistant.answer.chain import Answerer
    from assistant.ingest.pipeline import ingest

    folder = tmp_path / "upload"
    folder.mkdir()
    getattr(table_files, f"write_{fmt}")(folder / f"rd_2022_by_region.{fmt}")
    assert not ingest(settings, [folder], progress=False).failed
    answerer = Answerer(settings, backend="extractive")
    # 湖北, not 湖北省: that a table row covers a province no document is about is the region-coverage
    # check's (answer/refusal.py, grounding.py), not decomposition's
    both = answerer.ask("湖北R&D经费和投入强度分别是多少？")
    assert [p["status"] for p in both.parts] == ["answered", "answered"], both.answer
    lines = both.answer.splitlines()  # each part's own line holds its cell (the row as written: 1254.7 under 亿元)
    assert "1254.7" in lines[1] and "2.33" in lines[2], both.answer
    diff = answerer.ask("2022年湖北R&D经费比陕西高多少？")
    assert diff.computed and diff.computed[0]["text"] == "1254.7 − 769.6 = 485.1亿元", diff.answer


@pytest.mark.parametrize("form", ["{p}{y}年", "{p}（{y}）", "{p}({y}年)"])
@pytest.mark.parametrize("connector", ["、", "和", "与"])
def test_places_each_with_its_own_year_are_a_list_of_parts(form: str, connector: str) -> None:
    """钟楼区（2012）、泸州市（2008）、瑞安市（2023）: written for the seed gold's three county reports,
    generated here over every pair of the places and years above, in three ways of writing the year."""
    years = ["2012", "2020", "2023"]
    for (p1, y1), (p2, y2) in itertools.combinations(list(zip(PLACES, itertools.cycle(years))), 2):
        for indicator in INDICATORS:
            q = f"{form.format(p=p1, y=y1)}{connector}{form.format(p=p2, y=y2)}的{indicator}分别是多少？"
            parts = decompose(q, LEXICON).parts
            assert [(p.claim.get("place"), p.claim.get("year"), p.claim.get("indicator")) for p in parts] == [
                (p1, f"{y1}年", indicator),
                (p2, f"{y2}年", indicator),
            ], q


POLICIES = sorted(p.stem.split("(")[0] for p in (PROJECT_ROOT / "knowledge").glob("*.md"))


@pytest.mark.parametrize("bracketed", [False, True])
@pytest.mark.parametrize("connector", ["、", "和", "与", "及"])
def test_policies_named_in_a_list_are_a_part_each(bracketed: bool, connector: str) -> None:
    """浙江省促进科技成果转化条例、浙江省专利条例和河南省…条例 (a seed gold question): every pair of the
    five regulations of knowledge/, bare or in 《》, asked one matter: one part per policy."""
    for a, b in itertools.combinations(POLICIES, 2):
        name_a, name_b = (f"《{a}》", f"《{b}》") if bracketed else (a, b)
        q = f"{name_a}{connector}{name_b}对技术转让净收入用于奖励的比例分别怎么规定？"
        parts = decompose(q, LEXICON).parts
        assert [p.claim.get("policy") for p in parts] == [name_a, name_b], q
        assert all(p.question.startswith(n) for p, n in zip(parts, (name_a, name_b))), q


def test_a_side_given_twice_is_computed_on_the_other_sides_basis(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Written for the national bulletins (2022's 2.54% revised to 2.56% by the 2023 bulletin, whose
    0.09个百分点 is 2.65 − 2.56); checked on two bulletins of a county written here."""
    from assistant.answer.chain import Answerer
    from assistant.ingest.pipeline import ingest

    folder = tmp_path / "bulletins"
    folder.mkdir()
    (folder / "泰兴市2022年科技统计公报.txt").write_text(
        "泰兴市2022年科技统计公报\n2022年，泰兴市研究与试验发展（R&D）经费投入强度为3.10%。\n", encoding="utf-8"
    )
    (folder / "泰兴市2023年科技统计公报.txt").write_text(
        "泰兴市2023年科技统计公报\n2023年，泰兴市研究与试验发展（R&D）经费投入强度为3.31%。\n"
        "经最终核实，2022年泰兴市研究与试验发展（R&D）经费投入强度修订为3.16%。\n",
        encoding="utf-8",
    )
    assert not ingest(settings, [folder], progress=False).failed
    answer = Answerer(settings, backend="extractive").ask("泰兴市2023年R&D经费投入强度比2022年提高了多少？")
    assert answer.computed and answer.computed[0]["text"] == "3.31 − 3.16 = 0.15个百分点", answer.answer


def test_a_change_from_a_missing_year_is_the_later_documents_own_statement(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """2019年…比2018年增加了多少 with no 2018 figure indexed (the national 2019 bulletin states
    比上年增加2465.7亿元): checked on a county bulletin written here, one year only."""
    from assistant.answer.chain import Answerer
    from assistant.ingest.pipeline import ingest

    folder = tmp_path / "bulletins"
    folder.mkdir()
    (folder / "泰兴市2023年科技统计公报.txt").write_text(
        "泰兴市2023年科技统计公报\n2023年，泰兴市共投入研究与试验发展（R&D）经费48.6亿元，比上年增加5.2亿元，增长12.0%。\n",
        encoding="utf-8",
    )
    assert not ingest(settings, [folder], progress=False).failed
    answer = Answerer(settings, backend="extractive").ask("泰兴市2023年R&D经费比2022年增加了多少？")
    assert [p["status"] for p in answer.parts] == ["answered", "declined", "answered"], answer.answer
    assert "比上年增加5.2亿元" in answer.answer and not answer.computed, answer.answer
