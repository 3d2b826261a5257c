"""``python -m assistant doctor`` and the page's model line, on real parts: the installed llama.cpp
probed in a child process, the corpus index, the embedder, a real HTTP endpoint on loopback.
(The generation check against the real model runs in tests/test_llm_backends.py's setting: it is
the supervised server those tests exercise.)"""

from __future__ import annotations

import http.server
import importlib.util
import json
import sys
import threading
from pathlib import Path

import pytest
from conftest import CannedJSON
from test_cli import run_cli

from assistant import doctor
from assistant.localmodel.checks import check_llama_build
from assistant.localmodel.server import ModelUnavailable, Status, shared_server, status_text
from assistant.serve import model_state_html
from assistant.settings import Settings


def test_doctor_fails_with_what_to_do(tmp_path: Path) -> None:
    """A missing model and an empty index: exit 1, each failure followed by what to do."""
    env = {
        "ASSISTANT_DATA_DIR": str(tmp_path),
        "ASSISTANT_INDEX_DIR": str(tmp_path / "empty"),
        "ASSISTANT_ANSWER__LOCAL_MODEL_PATH": str(tmp_path / "missing.gguf"),
    }
    out = run_cli("doctor", env=env)
    assert out.returncode == 1, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert any(line.startswith("ok    python") and "llama-cpp-python" in line for line in lines)
    assert any(line.startswith("FAIL  model file") and "missing.gguf" in line for line in lines)
    assert any(line.startswith("FAIL  index") for line in lines)
    assert sum("→" in line for line in lines) == sum(line.startswith("FAIL") for line in lines)
    assert "ingest" in out.stdout and "check(s) failed" in out.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is installed by `make test`"
)
def test_llama_build_fits_this_cpu() -> None:
    """The installed build (the Makefile's portable flags) passes on this machine, AMX or not."""
    check = check_llama_build()
    assert check.ok, f"{check.detail} → {check.fix}"
    compiled = check.detail.split(";")[0]  # the build flags that follow name AMX too, as =OFF
    assert "AVX2" in compiled and "AMX_INT8" not in compiled
    assert "llama_cpp" not in sys.modules  # probed in a child process


def test_index_and_embedder_checks(corpus_settings: Settings) -> None:
    index = doctor.check_index(corpus_settings)
    assert index.ok and "10 documents" in index.detail and "chunks" in index.detail
    embedder = doctor.check_embedder(corpus_settings)
    assert embedder.ok and "384 dimensions" in embedder.detail


class _Models(CannedJSON):
    body = json.dumps({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "owned_by": "x"}]}).encode()


def test_openai_endpoint_check(settings: Settings) -> None:
    assert doctor.check_openai_endpoint(settings).ok  # not configured: fine, the local model answers
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/v1"
        up = doctor.check_openai_endpoint(
            settings.model_copy(update={"openai_base_url": url, "openai_api_key": "sk-x"})
        )
        assert up.ok and "reachable" in up.detail and "lists it" in up.detail
    finally:
        server.shutdown()
    down = doctor.check_openai_endpoint(settings.model_copy(update={"openai_base_url": url, "openai_api_key": "sk-x"}))
    assert not down.ok and "OPENAI_BASE_URL" in down.fix


def test_page_model_line(tmp_path: Path, settings: Settings) -> None:
    """Nothing before a local model was asked for; then its state: failed, with the reason."""
    mine = settings.model_copy(
        update={"answer": settings.answer.model_copy(update={"local_model_path": tmp_path / "missing.gguf"})}
    )
    assert model_state_html(mine) == ""
    server = shared_server(mine).start()
    with pytest.raises(ModelUnavailable, match="does not exist"):
        server.wait_ready(60)
    html = model_state_html(mine)
    assert 'class="model-state failed"' in html and "启动失败" in html and "missing.gguf" in html
    assert "就绪" in status_text(Status("ready", pid=1, base_url="http://127.0.0.1:1/v1"))
