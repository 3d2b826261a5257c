"""Whole national R&D bulletins as a user gets them on paper: printed to PDF, and scanned (pages as
pictures only), with table questions written from the bulletin's own HTML tables.

Shared by ``tests/test_pdf_tables.py`` and ``benchmarks/pdf_tables.py``. Unlike
``format_check.py`` (one table cut out, on one page) the whole bulletin is printed, so its long
附表 break over pages the way a printed bulletin does, under the prose around them. The questions
come from a reference read that does not use the product's table parser (BeautifulSoup over the
HTML ``<tr>``/``<td>``): a row label, a column header with its unit, and the value, asked in the
words a user types (``2023年江西的研究与试验发展（R&D）经费是多少？``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from format_check import Outcome, Question, check
from scans import CORPORA, image_only_pdf, print_pages

from assistant.answer.chain import Answerer
from assistant.ingest.pipeline import ingest
from assistant.settings import Settings

FORMATS = ("html", "pdf", "scan")  # the HTML the bulletin was published as: what the others should match
_UNIT = re.compile(r"（([^（）]+)）$")


def bulletin(year: int) -> Path:
    return CORPORA / f"huhuaping-techme__nbs_{year}_quanguo_keji_jingfei_touru_tongji_gongbao.html"


def questions(year: int, per_table: int) -> list[Question]:
    """``per_table`` cells of each long table (ten data rows or more), rows spread evenly over the
    table and the value columns taken in turn."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(bulletin(year).read_text(encoding="utf-8"), "lxml")
    out: list[Question] = []
    for table in soup.find_all("table"):
        rows = [[re.sub(r"\s", "", td.get_text()) for td in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]
        header, *body = [r for r in rows if any(r)]
        if len(body) < 10 or not all(_UNIT.search(h) for h in header[1:]):
            continue
        for k in range(per_table):
            row = body[(k * len(body)) // per_table + len(body) // (2 * per_table)]
            column = 1 + k % (len(header) - 1)
            label = header[column]
            unit = _UNIT.search(label).group(1)  # type: ignore[union-attr]
            asked = label[: -len(unit) - 2]
            out.append(Question(f"{year}年{row[0]}的{asked}是多少？", ((row[column] + unit, row[0], label),)))
    return out


def write(fmt: str, year: int, folder: Path) -> Path:
    """The bulletin of ``year`` as published (``html``), printed by Chromium (``pdf``) or as an
    image-only scan of that print (``scan``)."""
    from bs4 import BeautifulSoup

    if fmt == "html":
        path = folder / f"{year}年全国科技经费投入统计公报.html"
        path.write_bytes(bulletin(year).read_bytes())
        return path

    soup = BeautifulSoup(bulletin(year).read_text(encoding="utf-8"), "lxml")
    body = "".join(str(c) for c in soup.body.contents)
    images = print_pages(body, folder, f"bulletin-{year}")
    printed = folder / f"bulletin-{year}.printed.pdf"
    if fmt == "pdf":
        return printed.rename(folder / f"{year}年全国科技经费投入统计公报.pdf")
    return image_only_pdf(images, folder / f"{year}年全国科技经费投入统计公报（扫描件）.pdf")


def row_cited(answer: dict[str, Any], question: Question) -> bool:
    """The reading check, apart from how the answer composes its figures: every asked value is in
    the answer's text and the answer cites a table row with that row label."""
    rows = {c.get("row_label") for c in answer["citations"] if c["kind"] == "table_row"}
    return all(value.rstrip("亿元%") in answer["answer"] and row in rows for value, row, _ in question.cells)


def run(fmt: str, year: int, settings: Settings, work: Path, per_table: int) -> list[tuple[Outcome, bool]]:
    """Ingest the bulletin of ``year`` in ``fmt`` alone into ``settings``' index and ask its table
    questions: per question the strict outcome (``format_check.check``) and :func:`row_cited`."""
    folder = work / f"{fmt}-{year}"
    folder.mkdir(parents=True)
    source = folder / "source"
    source.mkdir()
    made = write(fmt, year, source)
    made.rename(folder / made.name)
    for leftover in source.iterdir():
        leftover.unlink()
    source.rmdir()
    report = ingest(settings, [folder], progress=False)
    assert not report.failed and report.documents == 1, (fmt, year, report.failed)
    answerer = Answerer(settings, backend="extractive")
    out = []
    for question in questions(year, per_table):
        answer = answerer.ask(question.text).to_json()
        out.append((check(answer, question), row_cited(answer, question)))
    return out
