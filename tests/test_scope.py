"""A question's place and year against a chunk's: what ranking scales down (assistant.language.scope),
read through the real national division table."""

from __future__ import annotations

from assistant.language.scope import Scope


def _row(label: str) -> dict:
    return {"kind": "table_row", "row_label": label, "region": "全国", "years": [2022]}


def test_a_province_row_is_outside_a_national_question_or_one_without_a_place() -> None:
    for question in ("2022年全国R&D经费是多少？", "2022年我国R&D经费是多少？", "2022年R&D经费是多少？"):
        scope = Scope.of(question)
        assert scope.row_outside(_row("陕西")) and not scope.row_outside(_row("全国"))
        assert not scope.row_outside(_row("医药制造业")) and not scope.row_outside(_row("合计"))


def test_a_row_is_inside_the_question_that_names_its_place() -> None:
    scope = Scope.of("2022年北京和上海的R&D经费投入强度分别是多少？")
    assert not scope.row_outside(_row("北京")) and not scope.row_outside(_row("上海"))
    assert scope.row_outside(_row("天津"))
    assert not Scope.of("2022年陕西省R&D经费是多少？").row_outside(_row("陕西"))


def test_a_document_of_another_region_or_other_years_is_outside() -> None:
    scope = Scope.of("泰兴市2020年新认定高企多少家？")
    assert scope.region_outside({"region": "常州市钟楼区"})
    assert not scope.region_outside({"region": "泰兴市"}) and not scope.region_outside({"region": "江苏省"})
    assert scope.year_outside({"years": [2012]}, "全年新认定高企15家。")
    assert not scope.year_outside({"years": [2012]}, "2020年新认定高企15家。")  # the chunk speaks of the year
    assert not scope.year_outside({"years": [2020, 2021]}, "")
    assert (
        Scope.of("2017年政府工作报告中研发投入强度是多少？").misses({"region": "全国", "years": [2016, 2017]}, "") == 0
    )
