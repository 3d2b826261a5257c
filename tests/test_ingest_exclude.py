"""Files a folder search leaves out on request: the corpora keep a SOURCES.md beside their documents,
which states their figures (周口 科技型中小企业714家) and was answered from as if it were a bulletin."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli.parser import build_parser, settings_from
from assistant.ingest.identity import find_sources


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    for name in ("公报.txt", "SOURCES.md", "sub/草稿.txt", "sub/SOURCES.md", "sub/报告.md"):
        (tmp_path / name).write_text("2023年高新技术企业112家。", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("exclude", "kept"),
    [
        ([], ["SOURCES.md", "sub/SOURCES.md", "sub/报告.md", "sub/草稿.txt", "公报.txt"]),
        (["SOURCES.md"], ["sub/报告.md", "sub/草稿.txt", "公报.txt"]),
        (["SOURCES.md", "sub/草*"], ["sub/报告.md", "公报.txt"]),
        (["*.md"], ["sub/草稿.txt", "公报.txt"]),
    ],
)
def test_excluded_names_and_paths_are_left_out(folder: Path, exclude: list[str], kept: list[str]) -> None:
    files = find_sources([folder], exclude)[0]
    assert sorted(s.path.relative_to(folder).as_posix() for s in files) == sorted(kept)


def test_the_flag_adds_to_the_setting(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_INGEST__EXCLUDE", '["README.md"]')
    args = build_parser().parse_args(["ingest", "--exclude", "SOURCES.md", "--exclude", "sub/*", str(folder)])
    assert settings_from(args).ingest.exclude == ["README.md", "SOURCES.md", "sub/*"]
    assert [s.path.name for s in find_sources([folder], settings_from(args).ingest.exclude)[0]] == ["公报.txt"]
