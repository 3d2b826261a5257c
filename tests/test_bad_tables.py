"""Bad table files cost themselves only: each is reported by name with a reason, the rest indexed.

Real files: a workbook encrypted by msoffcrypto-tool, a PDF encrypted by pypdf, a workbook cut in
half, an empty sheet, a table without a header row, and a 100,000-row CSV.
"""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import table_files
from pypdf import PdfWriter

from assistant.errors import DocumentError
from assistant.ingest.layout import lay_out
from assistant.ingest.pipeline import ingest
from assistant.ingest.readers import read_blocks
from assistant.retrieve import Retriever
from assistant.settings import ChunkSettings, Settings


def _encrypted_xlsx(tmp_path: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = table_files.write_xlsx(tmp_path / "plain.xlsx")
    path = tmp_path / "加密.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    plain.unlink()
    return path


def _encrypted_pdf(tmp_path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    path = tmp_path / "加密.pdf"
    writer.write(str(path))
    return path


def _corrupted_xlsx(tmp_path: Path) -> Path:
    path = table_files.write_xlsx(tmp_path / "损坏.xlsx")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def _empty_sheet_xlsx(tmp_path: Path) -> Path:
    import openpyxl

    path = tmp_path / "空表.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "空白"
    data = workbook.create_sheet("数据")
    data.append(table_files.HEADER)
    data.append(table_files.ROWS[5])
    workbook.save(path)
    return path


def _headerless_csv(tmp_path: Path) -> Path:
    path = tmp_path / "无表头.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table_files.ROWS)
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_encrypted_xlsx, "password-protected"),
        (_encrypted_pdf, "password-protected"),
        (_corrupted_xlsx, "cannot parse as XLSX"),
    ],
    ids=["encrypted-xlsx", "encrypted-pdf", "corrupted-xlsx"],
)
def test_unreadable_table_files_are_refused_by_name(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path)
    with pytest.raises(DocumentError) as caught:
        read_blocks(path)
    assert caught.value.path == path.name and reason in caught.value.reason


def test_empty_sheet_and_missing_header_are_warnings_not_failures(tmp_path: Path) -> None:
    document = read_blocks(_empty_sheet_xlsx(tmp_path))
    assert document.warnings == ["sheet 空白 is empty"]
    assert [r.row_label for r in document.tables[0].records()] == ["陕西"]
    headerless = read_blocks(_headerless_csv(tmp_path))
    assert headerless.tables == [] and "no header row" in headerless.warnings[0]
    assert "陕西｜769.6｜2.35" in headerless.plain_text()  # still searchable as text


def test_ingest_reports_each_bad_file_and_indexes_the_rest(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for make in (_encrypted_xlsx, _encrypted_pdf, _corrupted_xlsx, _empty_sheet_xlsx, _headerless_csv):
        make(folder)
    table_files.write_csv(folder / "附表2.csv")
    report = ingest(settings, [folder], progress=False)
    failed = dict(report.failed)
    assert set(failed) == {"加密.xlsx", "加密.pdf", "损坏.xlsx"}
    assert "password-protected" in failed["加密.xlsx"] and "password-protected" in failed["加密.pdf"]
    assert "cannot parse" in failed["损坏.xlsx"]
    assert ("空表.xlsx", "sheet 空白 is empty") in report.warnings
    assert any(name == "无表头.csv" and "no header row" in warning for name, warning in report.warnings)
    assert report.documents == 3
    hits = Retriever(settings).search("2022年陕西R&D经费投入强度", k=3)
    assert hits[0].text.endswith("｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35")
    assert hits[0].metadata["kind"] == "table_row" and hits[0].metadata["row_label"] == "陕西"


@pytest.mark.slow
def test_a_100000_row_csv_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """Reading and laying out 100,000 rows (3.3 MB) stays within 400 MB of Python allocations."""
    path = tmp_path / "企业.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "R&D经费（万元）", "研发人员（人）"])
        writer.writerows([f"企业{i:06d}", f"{i * 1.5:.1f}", str(i % 500)] for i in range(100_000))
    tracemalloc.start()
    try:
        laid = lay_out(read_blocks(path), ChunkSettings())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(laid.chunks) == 100_001  # the overview and every row
    assert laid.chunks[-1].text == "企业｜企业099999｜R&D经费（万元）149998.5｜研发人员（人）499"
    assert peak < 400 * 2**20, f"peak {peak / 2**20:.0f} MB"


class _UnitVectors:
    """Stands in for the embedder, which would take minutes on 2,500 rows of a 2-core machine: the
    test is about the progress bar and the index write, not about the vectors."""

    name = "test/unit-vectors"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.tile(np.eye(1, 384, dtype=np.float32), (len(texts), 1))

    def embed_query(self, text: str) -> np.ndarray:
        return np.eye(1, 384, dtype=np.float32)[0]


def test_a_big_sheet_shows_a_progress_bar_of_its_chunks(settings: Settings, tmp_path: Path, capsys) -> None:
    from assistant.ingest.pipeline import Ingestor
    from assistant.ingest.report import IngestReport
    from assistant.ingest.stop import GracefulStop

    rows = 2500  # many batches of settings.ingest.batch_chunks: the file's own bar shows

    path = tmp_path / "企业.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "R&D经费（万元）"])
        writer.writerows([f"企业{i:05d}", f"{i}.5"] for i in range(rows))
    report = IngestReport()
    with GracefulStop() as stop:
        Ingestor(settings, embedder=_UnitVectors()).ingest_file(path, report, stop, progress=True)
    assert report.chunks == rows + 1
    assert f"/{rows + 1}" in capsys.readouterr().err  # tqdm's n/total
