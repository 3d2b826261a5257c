"""The cell round trip: every numeric cell the reference read finds (tests/table_reference.py)
is asked as a user would ask it, through the real extractive answer path, over an index that
holds the cell's file alone; the answer must state the displayed value, cited to that row.

Verdicts: ``exact`` (the value stated and cited to a table row with the cell's row label),
``miscited`` (the value stated, cited elsewhere), ``wrong`` (an answer without the value: a
wrong figure), ``refused``. The fact table is checked against the same cells: a fact with the
cell's row (its place or its breakdown), column, value, unit and year.

Shared by ``benchmarks/tables.py`` (every table of every corpus) and
``tests/test_table_roundtrip.py`` (a small generated sample, asserting no wrong value).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from table_reference import RefCell, compact, reference_cells

from assistant.answer.chain import Answerer
from assistant.facts.fact import Fact, display
from assistant.facts.store import open_facts
from assistant.facts.vocabulary import load_vocabulary
from assistant.ingest.pipeline import ingest
from assistant.language.figures import extract_figures
from assistant.settings import Settings

VERDICTS = ("exact", "miscited", "wrong", "refused")


@dataclass
class FileReport:
    file: str
    fmt: str
    cells: int = 0  # numeric cells the reference read found
    asked: int = 0  # of them, asked (at most --max-cells a file)
    verdicts: Counter = field(default_factory=Counter)
    facts_expected: int = 0  # asked cells whose column or table names an indicator the vocabulary knows, in its units
    facts_agree: int = 0  # of them, those the fact table holds with row, column, value, unit and year
    seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdicts"] = {v: self.verdicts.get(v, 0) for v in VERDICTS}
        return data


def sample(cells: list[RefCell], limit: int | None) -> list[RefCell]:
    """Distinct cells, evenly spread over the file (every table and column represented), at most ``limit``."""
    unique = list(dict.fromkeys(cells))
    if limit is None or len(unique) <= limit:
        return unique
    step = len(unique) / limit
    return [unique[int(i * step)] for i in range(limit)]


def _number(value: str) -> float:
    return float(value.replace(",", "").rstrip("%").replace("−", "-"))


def _states(text: str, cell: RefCell, answer: str) -> bool:
    """``text`` (a figure as the answer states it) is the cell's displayed value in the cell's unit;
    a negative value (-91.6) only where the answer writes its sign."""
    want = _number(cell.value)
    if want < 0 and not re.search(r"[-−－]\s*" + re.escape(cell.value.lstrip("-−").rstrip("%")), answer):
        return False
    for fig in extract_figures(text):
        if fig.is_year:
            continue
        value, unit = display(fig)
        if abs(abs(value) - abs(want)) < 1e-9 * max(1.0, abs(want)) and (
            not cell.unit or not unit or unit == cell.unit
        ):
            return True
    return False


def _rounds_to(text: str, cell: RefCell) -> bool:
    """``text`` is the cell's quantity stated more coarsely (122.35万吨 for 1223474吨): the same
    figure, as the document's prose rounds it."""
    wanted = [f for f in extract_figures(cell.value.lstrip("-−") + cell.unit) if not f.is_year]
    for fig in (f for f in extract_figures(text) if not f.is_year):
        if not wanted or not fig.unit or fig.unit != wanted[0].unit or not fig.value:
            continue
        digits = re.sub(r"[^\d.]", "", fig.text) or "1"
        places = len(digits.split(".")[1]) if "." in digits else 0
        step = abs(float(fig.value) / (float(digits) or 1)) * 10**-places
        if abs(abs(float(fig.value)) - abs(float(wanted[0].value))) <= step / 2 + 1e-9:
            return True
    return False


def judge(answer: dict[str, Any], cell: RefCell) -> str:
    if answer["refused"]:
        return "refused"
    citations = {c["n"]: c for c in answer["citations"]}
    stated = [f for f in answer["figures"] if _states(f["text"], cell, answer["answer"])]
    for figure in stated:
        cited = citations.get(figure.get("citation"))
        row = compact(cited.get("row_label", "")) if cited and cited.get("kind") == "table_row" else ""
        if row and row.endswith(compact(cell.label)) and compact(cell.parent) in row:
            return "exact"
    if stated or any(_rounds_to(f["text"], cell) for f in answer["figures"]):
        return "miscited"  # the right figure, cited to another passage (or as its prose rounds it)
    return "wrong"


def fact_agrees(facts: list[Fact], cell: RefCell) -> bool:
    """A fact of the table holds this cell: its row (place or breakdown), column, value, unit, year."""
    label, header = compact(cell.label), compact(cell.header)
    want = _number(cell.value)
    for fact in facts:
        row = fact.subject or fact.region
        # a row that names the fact's indicator (城镇常住居民人均可支配收入, 居民消费价格) is that figure itself
        named = not fact.subject and compact(fact.indicator)[:4] in label
        if not (label and (named or label in compact(row) or compact(row).startswith(label[:2]))):
            continue
        column = compact(fact.raw)
        if column and column not in header and header not in column:
            continue
        if abs(fact.value - want) < 1e-9 * max(1.0, abs(want)) and fact.year == cell.year and fact.unit == cell.unit:
            return True
    return False


def run_file(path: Path, settings: Settings, max_cells: int | None = None) -> FileReport:
    """Index ``path`` alone into ``settings``' index and ask for its sampled cells."""
    report = FileReport(path.name, path.suffix.lower().lstrip("."))
    t0 = time.perf_counter()
    cells = reference_cells(path)
    report.cells = len(dict.fromkeys(cells))
    chosen = sample(cells, max_cells)
    report.asked = len(chosen)
    if not chosen:
        return report
    ingested = ingest(settings, [path], progress=False)
    if ingested.failed:
        report.error = "; ".join(f"{name}: {reason}" for name, reason in ingested.failed)
        report.verdicts["refused"] += len(chosen)
        return report
    answerer = Answerer(settings, backend="extractive")
    vocab = load_vocabulary(settings.knowledge_dir)
    store = open_facts(settings)
    facts = store.query()
    store.close()
    for cell in chosen:
        answer = answerer.ask(cell.question).to_json()
        verdict = judge(answer, cell)
        report.verdicts[verdict] += 1
        indicator = vocab.search(cell.header) or vocab.search(cell.table)
        # a unit-less cell (an index, 上年=100) is no figure of an indicator measured in units (涨幅 %)
        if indicator and (cell.unit or vocab.units(indicator) is None):
            report.facts_expected += 1
            report.facts_agree += fact_agrees(facts, cell)
        if verdict != "exact":
            report.failures.append(
                {
                    "question": cell.question,
                    "value": cell.value,
                    "unit": cell.unit,
                    "row": f"{cell.parent} {cell.label}".strip(),
                    "column": cell.header,
                    "verdict": verdict,
                    "answer": answer["answer"][:300],
                }
            )
    report.seconds = round(time.perf_counter() - t0, 1)
    return report
