"""A question that names a document by year and kind (2017年政府工作报告中…) is answered from that
document: a yearbook table covering the year matched the words better and answered instead.

Written for the 2017 report's 2.08%; checked on the 2022 and 2023 reports (reports-laws), indexed
with the yearbook table 1-8 (fresh-2026-12), for which it was not written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"
FILES = [
    CORPORA / "reports-laws" / "chinese-political-corpora__government_work_report_2022.txt",
    CORPORA / "reports-laws" / "chinese-political-corpora__government_work_report_2023.txt",
    CORPORA / "fresh-2026-12" / "huhuaping-techme__kjnj_1-8_rd_qiangdu_2012-2021.xlsx",
]
pytestmark = pytest.mark.skipif(
    not all(f.exists() for f in FILES), reason="../shared/corpora is not beside the project"
)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):  # type: ignore[no-untyped-def]
    from assistant.answer.chain import Answerer
    from assistant.ingest.pipeline import ingest
    from assistant.settings import Settings

    folder = tmp_path_factory.mktemp("named")
    for f in FILES:
        shutil.copy(f, folder / f.name)
    settings = Settings(data_dir=data_dir, index_dir=tmp_path_factory.mktemp("index"), knowledge_dir=folder)
    assert not ingest(settings, [folder], progress=False).failed
    return Answerer(settings, backend="extractive")


@pytest.mark.parametrize(
    ("question", "figure", "report"),
    [
        ("2023年政府工作报告中研发经费投入强度提高到多少？", "2.5%", "2023"),
        ("2022年政府工作报告中企业研发经费增长多少？", "15.5%", "2022"),
    ],
)
def test_the_named_report_answers_not_the_table(answerer, question: str, figure: str, report: str) -> None:  # type: ignore[no-untyped-def]
    answer = answerer.ask(question)
    assert figure in answer.answer and not answer.refused, answer.answer
    sources = {c.source for c in answer.citations}
    assert sources == {f"chinese-political-corpora__government_work_report_{report}.txt"}, answer.answer
