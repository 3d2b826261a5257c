"""A table cell asked for is answered from its row, at its column, as the table displays it.

The rules were written for the 2016 黔东南 bulletin (DOCX: a 其中 row outranked by a prose sentence,
the row 纱 never retrieved) and the yearbook table 8-33 (years across, an indicator the lexicon did
not know). They are tested here on documents built at test time that they were not written for:
a 2023 city bulletin's 财政 and 工业产品 tables as a DOCX, a yearbook table of 科技馆 visits
(regions down, years across, an indicator no lexicon holds) and a 0.00%-formatted workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.answer.chain import Answerer
from assistant.ingest.pipeline import ingest
from assistant.language.named_rows import RowLabels, row_key
from assistant.settings import Settings


def _ask(settings: Settings, files: list[Path], question: str) -> dict[str, Any]:
    report = ingest(settings, files, progress=False)
    assert not report.failed, report.failed
    return Answerer(settings, backend="extractive").ask(question).to_json()


def _cited_rows(answer: dict[str, Any]) -> list[str]:
    return [c.get("row_label", "") for c in answer["citations"] if c.get("kind") == "table_row"]


def _city_bulletin(path: Path) -> Path:
    """A city bulletin as a DOCX: prose on the whole budget, and tables with a 其中 row, an implicit
    breakdown row (教育), a #-marked one, a one-character product (布) and negative growth."""
    import docx

    document = docx.Document()
    document.add_paragraph("2023年某市国民经济和社会发展统计公报")
    document.add_paragraph("全年一般公共预算支出500.12亿元，比上年增长3.1%。全年布产量有所下降。")
    for title, header, rows in (
        (
            "表5 2023年财政收支情况",
            ["指标", "绝对数（亿元）", "比上年增长（%）"],
            [["一般公共预算支出", "500.12", "3.1"], ["其中：一般公共服务", "40.56", "6.2"], ["教育", "88.30", "4.4"]],
        ),
        (
            "表6 2023年规模以上工业主要产品产量",
            ["产品名称", "产量（吨）", "比上年增长（%）"],
            [["纸制品", "35200", "2.2"], ["布", "3300", "-1.5"], ["#色织布", "1200", "-4.7"]],
        ),
    ):
        document.add_paragraph(title)
        grid = document.add_table(rows=1 + len(rows), cols=len(header))
        for i, row in enumerate([header, *rows]):
            for j, value in enumerate(row):
                grid.cell(i, j).text = value
    document.save(str(path))
    return path


@pytest.mark.parametrize(
    ("question", "value", "row"),
    [
        ("2023年一般公共服务一般公共预算支出是多少？", "40.56", "一般公共服务"),  # not the prose's 500.12
        ("2023年布比上年增长是多少？", "-1.5", "布"),  # a one-character row, its sign verified
        ("2023年色织布产量是多少？", "1200", "色织布"),  # a # row, not its parent 布
    ],
)
def test_a_cell_question_is_answered_from_the_row_it_names(
    settings: Settings, tmp_path: Path, question: str, value: str, row: str
) -> None:
    answer = _ask(settings, [_city_bulletin(tmp_path / "某市2023年统计公报.docx")], question)
    assert not answer["refused"] and value in answer["answer"], answer["answer"]
    assert any(label.endswith(row) for label in _cited_rows(answer)), answer["citations"]
    stated = [f for f in answer["figures"] if f["text"].lstrip("-") == value.lstrip("-")]
    assert stated and all(f["verified"] for f in stated), answer["figures"]
    assert "500.12" not in answer["answer"]


def _visits_yearbook(path: Path) -> Path:
    """A yearbook table of an indicator no lexicon holds: regions down, 2020–2023 across."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["5-12 各地区科技馆参观人次"])
    sheet.append(["单位：万人次"])
    sheet.append(["地区", 2020, 2021, 2022, 2023])
    for row in (["浙江", 410.5, 522.25, 603.75, 688.0], ["江西", 120.25, 131.5, 150.75, 171.0]):
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=4, min_col=2):
        for cell in cells:
            cell.number_format = "0.00"
    workbook.save(path)
    return path


def test_a_years_across_row_is_quoted_at_the_asked_year(settings: Settings, tmp_path: Path) -> None:
    answer = _ask(settings, [_visits_yearbook(tmp_path / "科技馆.xlsx")], "2022年浙江科技馆参观人次是多少？")
    text = answer["answer"]
    assert "603.75" in text and "2022年" in text, text
    assert not any(other in text for other in ("410.50", "522.25", "688.00")), text  # not the whole row
    assert _cited_rows(answer) == ["浙江"]


def test_fact_answers_quote_the_cell_as_displayed(settings: Settings, tmp_path: Path) -> None:
    """A cell formatted 0.00% holding 0.04 reads 4.00%: the answer says so, not 4%."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["表3 2022年各地区研究与试验发展（R&D）经费投入强度"])
    sheet.append(["地区", "R&D经费投入强度"])
    for region, share in (("宁波", 0.04), ("温州", 0.0265)):
        sheet.append([region, share])
    for (cell,) in sheet.iter_rows(min_row=3, min_col=2):
        cell.number_format = "0.00%"
    workbook.save(tmp_path / "强度.xlsx")
    answer = _ask(settings, [tmp_path / "强度.xlsx"], "2022年宁波R&D经费投入强度是多少？")
    assert "4.00%" in answer["answer"], answer["answer"]


def test_row_labels_are_found_as_a_question_writes_them() -> None:
    """Generated: every label form a table writes (其中, #, numbering, blanks) is found by its own
    words, and a label inside a longer one the question also holds is not."""
    labels = {
        "粮食 其中：夏粮": "夏粮",
        "#住宅": "住宅",
        "1.食品烟酒": "食品烟酒",
        "北　京": "北京",
        "纱": "纱",
        "技术输出合同金额": "技术输出合同金额",
        "合同金额": "合同金额",
    }
    assert {label: row_key(label) for label in labels} == labels
    rows = RowLabels([{"kind": "table_row", "row_label": label} for label in labels] + [{"kind": "text"}])
    for label, key in labels.items():
        named = rows.named(f"2023年{key}是多少？")
        assert named[0] == key, (label, named)
    assert rows.named("2023年北京技术输出合同金额是多少？") == ["技术输出合同金额", "北京"]
    assert rows.positions("2023年纱产量") == [4]
