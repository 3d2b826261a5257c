"""Out of disk mid-ingest: one line naming what was committed (exit 1), and the next run completes.

The disk is real: a 3 MB tmpfs mounted for the test (root only; skipped where mounting is not
allowed), grown to 200 MB before the second run, as a user would free space. The document is 1,500
copies of one paragraph of 泰兴's bulletin figures, so it is embedded once (identical chunks are) yet
writes 1,500 chunks; the embedding cache lives off the small disk.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

PARAGRAPH = (
    "泰兴市2019年全市高新技术企业达到86家，比上年增长12.5%。全社会研发经费投入强度达到2.35%，技术合同成交额8.6亿元。"
    * 5
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _mounted(tmp_path / "disk", "size=3m")


def _mounted(disk: Path, options: str) -> Iterator[Path]:
    disk.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(disk)], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "CHROMA_"))} | {
        "ASSISTANT_DATA_DIR": str(data)
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env
    )


def test_a_full_disk_stops_with_one_line_and_the_next_run_completes(small_disk: Path, tmp_path: Path) -> None:
    doc = tmp_path / "泰兴-重复.txt"
    doc.write_text("\n\n".join([PARAGRAPH] * 1500), encoding="utf-8")
    index, data = small_disk / "index", tmp_path / "data"
    full = _cli("ingest", "-q", "--index", str(index), str(doc), data=data)
    assert full.returncode == 1, full.stderr[-2000:]
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the disk is full") and "committed:" in lines[0]
    for command in (["ask", "--backend", "extractive"], ["search"]):  # on the full disk (ask stopped
        # with "database or disk is full", search with a traceback): an answer, or one line saying what to do
        used = _cli(*command, "泰兴 研发经费投入强度", "--index", str(index), data=data)
        assert "Traceback" not in used.stderr and used.returncode in (0, 2), used.stderr[-2000:]
        assert used.returncode == 0 or used.stderr.strip().splitlines()[-1].startswith("error: the disk holding")
    subprocess.run(["mount", "-o", "remount,size=200m", str(small_disk)], check=True)
    again = _cli("ingest", "-q", "--index", str(index), str(doc), data=data)
    assert again.returncode == 0, again.stderr[-2000:]
    listed = _cli("list", "--index", str(index), data=data)
    assert doc.name in listed.stdout and "incomplete" not in listed.stdout
    found = _cli("search", "泰兴 研发经费投入强度", "--index", str(index), "--json", data=data)
    assert "2.35%" in found.stdout


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    yield from _mounted(tmp_path / "disk", "size=200m")


def test_a_read_only_index_is_one_line_with_advice_that_works(disk: Path, tmp_path: Path) -> None:
    """A read-only index got the damaged index's circular advice (run ingest). The index
    is on a file system remounted read-only, which even root cannot write (a chmod does not stop
    root, so tests/test_hostile_cli.py's permission check is skipped here)."""
    from assistant import doctor
    from assistant.settings import Settings

    doc = tmp_path / "泰兴.txt"
    doc.write_text(PARAGRAPH, encoding="utf-8")
    index, data = disk / "index", tmp_path / "data"
    assert _cli("ingest", "-q", "--index", str(index), str(doc), data=data).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    check = doctor.check_index(Settings(data_dir=data, index_dir=index))
    assert not check.ok and "read-only" in check.detail and "ingest" not in check.fix, check
    other = tmp_path / "泰兴-2.txt"
    other.write_text(PARAGRAPH.replace("86家", "87家"), encoding="utf-8")
    for command in (["search", "泰兴 研发经费投入强度"], ["ingest", "-q", str(other)]):
        used = _cli(*command, "--index", str(index), data=data)
        lines = used.stderr.strip().splitlines()
        assert used.returncode == 2 and len(lines) == 1, used.stderr[-2000:]
        assert "cannot be written" in lines[0] and "chmod -R u+w" in lines[0] and "--rebuild" not in lines[0]
    subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)  # the advice: make it writable
    assert _cli("ingest", "-q", "--index", str(index), str(doc), data=data).returncode == 0
