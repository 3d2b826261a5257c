"""The per-format table check: one bulletin table in every format, each in an index of its own,
asked the same table questions through the real extractive answer path.

Shared by ``tests/test_table_formats.py`` (every question right in every format) and
``benchmarks/formats.py`` (the per-format report). The table is 附表2 of the 2022 national R&D
bulletin, read from ../shared/corpora: CSV, XLSX and XLS hold its cells as a user's export would,
the DOCX a Word table, the HTML the bulletin's own Word-exported markup, the PDF that markup
printed by Chromium, and the scan that PDF's pages as pictures only (read by OCR).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import table_files
from scans import image_only_pdf, print_pages

from assistant.answer.chain import Answerer
from assistant.ingest.pipeline import ingest
from assistant.language.figures import Figure, extract_figures, figure_in
from assistant.settings import Settings

FORMATS = ("csv", "xlsx", "xls", "docx", "html", "pdf", "scan")
MONEY, INTENSITY = "R&D经费（亿元）", "R&D经费投入强度（%）"


@dataclass(frozen=True)
class Question:
    text: str
    # (figure as the answer states it, the row it is in, the column it is under)
    cells: tuple[tuple[str, str, str], ...]


QUESTIONS = (
    Question("2022年陕西R&D经费是多少？", (("769.6亿元", "陕西", MONEY),)),
    Question("2022年湖北的研发经费投入强度是多少？", (("2.33%", "湖北", INTENSITY),)),
    Question("2022年广东研究与试验发展经费是多少？", (("4411.9亿元", "广东", MONEY),)),
    Question("2022年黑龙江R&D经费投入强度是多少？", (("1.37%", "黑龙江", INTENSITY),)),
    Question(
        "2022年北京和上海的R&D经费投入强度分别是多少？", (("6.83%", "北京", INTENSITY), ("4.44%", "上海", INTENSITY))
    ),
)


@dataclass
class Outcome:
    """One question in one format: each expected cell is stated, verified, and cited to its row and column."""

    question: str
    answer: str
    refused: bool
    cells: list[dict[str, Any]] = field(default_factory=list)

    @property
    def right(self) -> bool:
        return not self.refused and all(all(c.values()) for c in self.cells)


def body(html: str) -> str:
    """A paragraph of the bulletin's prose, then the table with its caption."""
    return f"<p>{table_files.PROSE.replace('&', '&amp;')}</p>{html}"


def page(html: str) -> str:
    return f'<html><head><meta charset="utf-8"></head><body>{body(html)}</body></html>'


def write(fmt: str, folder: Path, work: Path) -> Path | None:
    """The bulletin table as a file of format ``fmt`` in ``folder``; None where Chromium is missing."""
    sheet, html = table_files.bulletin_sheet()
    path = folder / f"2022年各地区R&D经费.{'pdf' if fmt == 'scan' else fmt}"
    if fmt == "csv":
        return table_files.write_csv(path, table=sheet)
    if fmt == "xlsx":
        return table_files.write_xlsx(path, table=sheet)
    if fmt == "xls":
        return table_files.write_xls(path, table=sheet)
    if fmt == "docx":
        return table_files.write_docx(path, table=sheet)
    if fmt == "html":
        path.write_text(page(html), encoding="utf-8")
        return path
    if fmt == "pdf":
        return table_files.write_pdf(path, work, page(html))
    return image_only_pdf(print_pages(body(html), work, "scan"), path)


def check(answer: dict[str, Any], question: Question) -> Outcome:
    """Each expected figure: in the answer, verified, and its citation a table row with that row
    label whose record carries the figure under that column header."""
    outcome = Outcome(question.text, answer["answer"], answer["refused"])
    citations = {c["n"]: c for c in answer["citations"]}
    for text, row, column in question.cells:
        wanted = extract_figures(text)[0]
        stated = [f for f in answer["figures"] if figure_in(wanted, f["text"])]
        cited = [citations[f["citation"]] for f in stated if f["citation"] in citations]
        rows = [c for c in cited if c["kind"] == "table_row" and c.get("row_label") == row]
        outcome.cells.append(
            {
                "figure": bool(stated),
                "verified": any(f["verified"] for f in stated),
                "row": bool(rows),
                "column": any(_under(c, column, wanted) for c in rows),
            }
        )
    return outcome


def _under(citation: dict[str, Any], column: str, wanted: Figure) -> bool:
    """The cited row holds ``wanted`` in the cell under ``column`` (header with its unit)."""
    for cell in citation.get("columns", []):
        label = f"{cell['header']}（{cell['unit']}）" if cell["unit"] else cell["header"]
        if label == column and figure_in(wanted, label + cell["value"]):
            return True
    return False


def run_format(fmt: str, settings: Settings, work: Path) -> tuple[float, list[Outcome]] | None:
    """Ingest the format's file alone into ``settings``' index and ask every question; the ingest
    seconds and the outcomes, or None where the file cannot be made here (no Chromium)."""
    folder = work / fmt
    folder.mkdir()
    if write(fmt, folder, work) is None:
        return None
    t0 = time.perf_counter()
    report = ingest(settings, [folder], progress=False)
    seconds = time.perf_counter() - t0
    assert not report.failed and report.documents == 1, (fmt, report.failed)
    answerer = Answerer(settings, backend="extractive")
    return seconds, [check(answerer.ask(q.text).to_json(), q) for q in QUESTIONS]
