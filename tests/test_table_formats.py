"""Every format answers the table questions: one bulletin table saved as CSV, XLSX, DOCX, HTML and
a PDF printed by Chromium, each indexed alone (real Chroma, real embedder) and asked through the
extractive backend. The answer must state the row's figure and cite the row."""

from __future__ import annotations

from pathlib import Path

import pytest
import table_files

from assistant.answer.chain import Answerer
from assistant.evaluate.answers import has_figure
from assistant.ingest.pipeline import ingest
from assistant.settings import Settings

QUESTIONS = [
    ("2022年陕西R&D经费是多少？", ["769.6亿元"], ["陕西"]),
    ("2022年湖北的研发经费投入强度是多少？", ["2.33%"], ["湖北"]),
    ("2022年北京和上海的R&D经费投入强度分别是多少？", ["6.83%", "4.44%"], ["北京", "上海"]),
]


def _write(fmt: str, folder: Path) -> Path | None:
    name = folder / f"附表2.{fmt}"
    if fmt == "csv":
        return table_files.write_csv(name)
    if fmt == "xlsx":
        return table_files.write_xlsx(name)
    if fmt == "docx":
        return table_files.write_docx(name)
    if fmt == "html":
        name.write_text(table_files.html_table(), encoding="utf-8")
        return name
    return table_files.write_pdf(name, folder.parent)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx", "html", "pdf"])
def test_table_questions_are_answered_from_every_format(settings: Settings, tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    path = _write(fmt, folder)
    if path is None:
        pytest.skip("printing a PDF needs /usr/bin/chromium")
    report = ingest(settings, [folder], progress=False)
    assert not report.failed and report.documents == 1
    answerer = Answerer(settings, backend="extractive")
    for question, figures, rows in QUESTIONS:
        answer = answerer.ask(question).to_json()
        assert not answer["refused"], (fmt, question, answer["answer"])
        assert all(has_figure(answer["answer"], f) for f in figures), (fmt, question, answer["answer"])
        cited_rows = {c.get("row_label") for c in answer["citations"] if c["kind"] == "table_row"}
        assert set(rows) <= cited_rows, (fmt, question, cited_rows)
