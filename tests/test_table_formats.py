"""Every format answers the table questions: 附表2 of the 2022 national R&D bulletin (read from
../shared/corpora) saved as CSV, XLSX, XLS, DOCX, HTML, a PDF printed by Chromium and a scanned
(image-only) PDF, each indexed alone (real Chroma, real embedder, real OCR) and asked the same
questions through the extractive backend (``format_check.py``). Every expected figure must be
stated, verified, and cited to a table row with its row label and the column it stands under.
``benchmarks/formats.py`` prints the same check as a per-format table."""

from __future__ import annotations

from pathlib import Path

import pytest
from format_check import FORMATS, QUESTIONS, run_format

from assistant.settings import Settings


@pytest.mark.parametrize("fmt", FORMATS)
def test_table_questions_are_answered_from_every_format(settings: Settings, tmp_path: Path, fmt: str) -> None:
    ran = run_format(fmt, settings, tmp_path)
    if ran is None:
        pytest.skip("printing a PDF needs /usr/bin/chromium")
    _, outcomes = ran
    assert len(outcomes) == len(QUESTIONS) >= 4
    wrong = [(o.question, o.answer, o.cells) for o in outcomes if not o.right]
    assert not wrong, (fmt, wrong)
