"""A comparison that asks which side is higher is decided, in words, over every pair of a table.

The verdict (answer/fact_answer.py ``verdict``) was written for no table in particular; it is checked
here on every pair of provinces of 附表2 of the 2022 national R&D bulletin (bulletins-policies), written
as the CSV a user would upload: the line it adds names the side whose cited cell is larger, or says
the two are equal, and adds no figure of its own.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import table_files

from assistant.language.figures import extract_figures


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):  # type: ignore[no-untyped-def]
    from assistant.answer.chain import Answerer
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    sheet, _ = table_files.bulletin_sheet()
    folder = tmp_path_factory.mktemp("upload")
    table_files.write_csv(folder / "rd_2022_by_region.csv", table=sheet)
    settings = Settings(data_dir=data_dir, index_dir=tmp_path_factory.mktemp("index"), knowledge_dir=folder)
    assert not ingest(settings, [folder], progress=False).failed
    return sheet, Answerer(settings, backend="extractive")


@pytest.mark.parametrize(("words", "marker"), [("R&D经费投入强度", "强度"), ("R&D经费", "亿元")])
def test_every_pair_of_provinces_is_decided_by_its_cited_cells(table, words: str, marker: str) -> None:  # type: ignore[no-untyped-def]
    sheet, answerer = table
    column = next(i for i, h in enumerate(sheet.header) if marker in h)
    rows = {row[0]: float(row[column]) for row in sheet.rows if row[0] != "全国"}
    wrong = []
    for a, b in itertools.combinations(rows, 2):
        answer = answerer.ask(f"2022年{a}和{b}哪个{words}更高？")
        verdict = answer.answer.splitlines()[-1]
        if rows[a] == rows[b]:
            ok = verdict.endswith("相同。")
        else:
            high, low = (a, b) if rows[a] > rows[b] else (b, a)
            ok = verdict.startswith(high) and f"高于{low}" in verdict
        if not ok or extract_figures(verdict):
            wrong.append(answer.answer)
    assert not wrong, wrong[:3]


def test_a_listing_question_gets_no_verdict(table) -> None:  # type: ignore[no-untyped-def]
    _, answerer = table
    answer = answerer.ask("2022年湖北和陕西的R&D经费分别是多少？")
    assert "高于" not in answer.answer and "1254.7" in answer.answer and "769.6" in answer.answer


@pytest.mark.parametrize(("word", "below"), [("超过", False), ("低于", True)])
def test_every_cut_of_a_column_lists_exactly_the_rows_beyond_it(table, word: str, below: bool) -> None:  # type: ignore[no-untyped-def]
    """超过X / 低于X over the intensity column, X every value the column holds: the answer lists
    the rows strictly beyond X, each with its own cited cell, and no other."""
    sheet, answerer = table
    column = next(i for i, h in enumerate(sheet.header) if "强度" in h)
    rows = {row[0]: row[column] for row in sheet.rows if row[0] != "全国"}
    wrong = []
    for cut in sorted(set(rows.values()), key=float):
        answer = answerer.ask(f"2022年R&D经费投入强度{word}{cut}%的省份有哪些？")
        listed = [line for line in answer.answer.splitlines()[1:] if re.search(r"\[\d+\]。$", line)]
        beyond = {r for r, v in rows.items() if (float(v) < float(cut) if below else float(v) > float(cut))}
        cells = {r: extract_figures(line)[0].value for r in rows for line in listed if line.startswith(r)}
        if set(cells) != beyond or any(cells[r] != float(rows[r]) for r in beyond):
            wrong.append((cut, sorted(set(cells) ^ beyond), answer.answer[:200]))
    assert not wrong, wrong[:3]
