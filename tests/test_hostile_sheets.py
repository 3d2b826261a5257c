"""Sheet limits for every sheet format (a 200-column CSV and a 1,000,000-row
XLSX): the same settings bound .xlsx, .xlsm, .xls and .csv alike. A file whose sheets span more
cells than ``max_sheet_cells`` is refused before it is opened, in one line naming the file, the
limit and its variable; a sheet longer than ``max_sheet_rows`` is read up to the limit and one
warning names the rows skipped; the rest of the folder is indexed either way.

Every file is generated here with the real writers (openpyxl, xlwt, csv), small, with the limits
made small through settings; the rule is also tried on a workbook it was not written for, the
write-protected S&T yearbook table in ../shared/corpora/fresh-2026-12."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import KNOWLEDGE
from table_files import Sheet, write_csv, write_xls, write_xlsx

from assistant.errors import DocumentError
from assistant.ingest.limits import check_limits
from assistant.ingest.readers import read_blocks
from assistant.ingest.worker import cap_line
from assistant.settings import PROJECT_ROOT, IngestSettings, Settings

TAIXING = "001_bbaa06e7afcfcd41.txt"
SHARED = next((p for p in (PROJECT_ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()), Path("/work/shared"))
YEARBOOK_XLS = SHARED / "corpora/fresh-2026-12/huhuaping-techme__kjnj_1-8_rd_qiangdu_2012-2022.xls"
WRITERS: dict[str, Callable[..., Path]] = {
    ".xlsx": write_xlsx,
    ".xlsm": write_xlsx,
    ".xls": write_xls,
    ".csv": write_csv,
}
LIMITS = IngestSettings(max_sheet_rows=20, max_sheet_cells=5_000)


def _table(rows: int, columns: int) -> Sheet:
    """A title line, a header and ``rows`` rows of figures (the first column names the row)."""
    header = ["地区", *(f"指标{c}（亿元）" for c in range(1, columns))]
    return Sheet("生成的统计表", header, [[f"地区{r}", *(f"{r}.{c}" for c in range(1, columns))] for r in range(rows)])


def _write(folder: Path, stem: str, suffix: str, table: Sheet) -> Path:
    return WRITERS[suffix](folder / f"{stem}{suffix}", table=table)


def test_every_sheet_format_has_the_same_row_and_cell_limits(settings: Settings, tmp_path: Path) -> None:
    """One folder: a long and a wide file of each format beside an honest report; the wide ones
    (100 × 60 = 6,000 cells) are refused, the long ones (48 rows) read up to 20 rows."""
    from assistant.ingest.pipeline import ingest

    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / TAIXING).write_bytes((KNOWLEDGE / TAIXING).read_bytes())
    for suffix in WRITERS:
        _write(folder, "wide", suffix, _table(100, 60))
        _write(folder, "long", suffix, _table(46, 3))  # + title and header: 48 rows
    report = ingest(settings.model_copy(update={"ingest": LIMITS}), [folder], progress=False)
    failed = dict(report.failed)
    assert set(failed) == {f"wide{suffix}" for suffix in WRITERS}, report.failed
    for name, line in failed.items():
        assert "over the limit of 5,000 cells" in line and "ASSISTANT_INGEST__MAX_SHEET_CELLS" in line, (name, line)
        assert "\n" not in line
    assert report.documents == 1 + len(WRITERS)  # the report and every long file
    for suffix in WRITERS:
        where = "the table" if suffix == ".csv" else "sheet 附表2"
        line = f"{where}: rows 21–48 skipped (the limit is 20 rows and 5,000 cells a sheet)"
        assert (f"long{suffix}", line) in report.warnings, report.warnings


@pytest.mark.parametrize("suffix", list(WRITERS))
def test_a_long_sheet_keeps_its_first_rows_in_every_format(suffix: str, tmp_path: Path) -> None:
    document = read_blocks(_write(tmp_path, "long", suffix, _table(46, 3)), LIMITS)
    records = [r.text for r in document.tables[0].records()]
    assert len(records) == 18  # 20 rows: the title, the header and 18 rows of figures
    assert records[-1].endswith("地区17｜指标1（亿元）17.1｜指标2（亿元）17.2"), records[-1]


def test_delimited_text_saved_as_xls_has_the_same_limits(tmp_path: Path) -> None:
    """What many sites export as "Excel": CSV text named .xls, read as a CSV, bounded as one."""
    wide = write_csv(tmp_path / "导出.xls", table=_table(100, 60))
    with pytest.raises(DocumentError) as caught:
        check_limits(wide, LIMITS)
    assert "over the limit of 5,000 cells" in caught.value.reason
    document = read_blocks(write_csv(tmp_path / "长表.xls", table=_table(46, 3)), LIMITS)
    assert document.warnings == ["the table: rows 21–48 skipped (the limit is 20 rows and 5,000 cells a sheet)"]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_the_cell_limit_measures_the_span_not_the_count(suffix: str, tmp_path: Path) -> None:
    """Two cells far apart: what the workbook reader would hold is the grid between them."""
    import bombs

    path = bombs.sparse_xlsx(tmp_path / "far.xlsx") if suffix == ".xlsx" else bombs.sparse_xls(tmp_path / "far.xls")
    with pytest.raises(DocumentError) as caught:
        check_limits(path, IngestSettings())
    spans = "140,400,000" if suffix == ".xlsx" else "50,331,648"  # ZZ200000; three sheets of IV65536
    assert f"its sheets span {spans} cells" in caught.value.reason and "2,000,000 cells" in caught.value.reason


@pytest.mark.parametrize("bomb", ["sparse", "zeros"])
def test_a_workbook_write_protected_with_the_default_password_is_checked_decrypted(bomb: str, tmp_path: Path) -> None:
    """Excel opens a workbook encrypted with its default password without asking, and so does the
    reader: a bomb encrypted so (msoffcrypto-tool, as Excel's "protect workbook") passed every
    check before, its package being no zip until decrypted."""
    import bombs
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = bombs.xlsx(tmp_path / "plain.xlsx", 10)
    if bomb == "sparse":
        plain, setting = bombs.sparse_xlsx(plain), "MAX_SHEET_CELLS"
    else:
        plain, setting = bombs.add_zeros(plain, "xl/media/zeros.bin", 300), "MAX_UNZIPPED_MB"
    protected = tmp_path / "protected.xlsx"
    with plain.open("rb") as source, protected.open("wb") as target:
        OOXMLFile(source).encrypt("VelvetSweatshop", target)
    with pytest.raises(DocumentError) as caught:
        check_limits(protected, IngestSettings())
    assert caught.value.path == "protected.xlsx" and f"ASSISTANT_INGEST__{setting}" in caught.value.reason


@pytest.mark.skipif(not YEARBOOK_XLS.exists(), reason="../shared/corpora/fresh-2026-12 not present")
def test_limits_hold_on_a_write_protected_yearbook_workbook() -> None:
    """The yearbook table (an encrypted BIFF8 .xls) spans 508 cells: passed at the default limit,
    refused under a limit of 500, and cut at 10 rows under a row limit of 10."""
    check_limits(YEARBOOK_XLS, IngestSettings())
    with pytest.raises(DocumentError) as caught:
        check_limits(YEARBOOK_XLS, IngestSettings(max_sheet_cells=500))
    assert "its sheets span 508 cells" in caught.value.reason
    document = read_blocks(YEARBOOK_XLS, IngestSettings(max_sheet_rows=10))
    assert any("skipped (the limit is 10 rows" in w for w in document.warnings), document.warnings


def test_a_memory_cap_refusal_names_the_cap_and_its_variable() -> None:
    """On the page the cap is page_parse_memory_mb unless parse_memory_mb is set: both are named."""
    page = IngestSettings().page_parse_memory_mb
    assert cap_line(page, IngestSettings()) == (
        f"the limit of {page:,} MB one file may use (ASSISTANT_INGEST__PAGE_PARSE_MEMORY_MB={page} on the page, "
        "ASSISTANT_INGEST__PARSE_MEMORY_MB otherwise)"
    )
    assert (
        cap_line(400, IngestSettings())
        == "the limit of 400 MB one file may use (ASSISTANT_INGEST__PARSE_MEMORY_MB=400)"
    )
