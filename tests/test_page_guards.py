"""The real page (``python app.py`` on loopback, basic auth on) against a caller who skips its
frontend: every event registered without an API name is refused over every route Gradio runs
events on, the named API still works, and repeated failed logins are refused with 429 until
their delay has passed (*The page serves only its own files*).

The page runs over an empty index of its own: these checks are about routes, not answers."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import CannedJSON
from test_app import AUTH, AppServer, app_running

from assistant.settings import Settings

FREE_ATTEMPTS = 5
PAGE = {"x-gradio-user": "app"}  # what the page's own frontend sends with every event


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("guarded-page")
    (root / "knowledge").mkdir()
    settings = Settings(data_dir=root / "data", index_dir=root / "index", knowledge_dir=root / "knowledge")
    with app_running(
        settings,
        root / "app.log",
        ASSISTANT_AUTH=f"{AUTH[0]}:{AUTH[1]}",
        ASSISTANT_LOGIN_FREE_ATTEMPTS=str(FREE_ATTEMPTS),
        ASSISTANT_LOGIN_DELAY_S="2",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def http(page: AppServer) -> Iterator[httpx.Client]:
    """A logged-in session (the cookie Gradio sets at /login)."""
    with httpx.Client(base_url=page.url, timeout=120) as client:
        assert client.post("login", data={"username": AUTH[0], "password": AUTH[1]}).status_code == 200
        yield client


@pytest.fixture(scope="module")
def events(http: httpx.Client) -> list[dict[str, Any]]:
    """Every event the page registers, from its own config (what the frontend is given)."""
    config = http.get("config")
    assert config.status_code == 200, config.text
    return [d for d in config.json()["dependencies"] if d.get("backend_fn")]


def _attempts(event: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """Every way Gradio 6 runs an event for a caller other than the page: by name or by fn_index,
    with Gradio's own API marker or none."""
    name, index, session = event["api_name"], event["id"], {"session_hash": "outsider"}
    by_index = {"data": [], "fn_index": index} | session
    return [
        (f"gradio_api/call/{name}", {"data": []}, {}),
        (f"gradio_api/call/{name}", {"data": []}, PAGE),  # /call is the API only: the page never uses it
        (f"gradio_api/call/v2/{name}", {}, {}),
        ("gradio_api/run/predict", by_index, {}),
        (f"gradio_api/run/{name}", by_index, {"x-gradio-user": "api"}),
        (f"gradio_api/api/{name}", by_index, {}),
        ("gradio_api/queue/join", by_index, {}),
        ("gradio_api/queue/join", by_index, {"x-gradio-user": "api"}),
        ("gradio_api/run/ask", by_index, {}),  # a public name in the route, a private fn_index in the body
    ]


def test_events_without_an_api_name_are_refused_over_every_route(
    http: httpx.Client, events: list[dict[str, Any]]
) -> None:
    """Private (``api_name=False``) and undocumented ones (gr.Examples' ``load_example``) alike."""
    private = [e for e in events if e["api_visibility"] != "public"]
    assert len(private) >= 17 and [e["api_name"] for e in events if e not in private] == ["ask"]
    for event in private:
        for route, body, headers in _attempts(event):
            refused = http.post(route, json=body, headers=headers)
            assert refused.status_code == 403, (event["api_name"], route, headers, refused.text)
            assert "no API" in refused.json()["detail"]


def test_the_page_itself_still_runs_them(http: httpx.Client, events: list[dict[str, Any]]) -> None:
    """The frontend's own calls: queued events through /queue/join, unqueued ones through /run."""
    load = next(e for e in events if e["api_visibility"] == "private" and e["queue"] is not False and not e["inputs"])
    joined = http.post(
        "gradio_api/queue/join", json={"data": [], "fn_index": load["id"], "session_hash": "page"}, headers=PAGE
    )
    assert joined.status_code == 200 and joined.json()["event_id"], joined.text
    unqueued = next(e for e in events if e["api_visibility"] == "private" and e["queue"] is False and not e["inputs"])
    ran = http.post(
        f"gradio_api/run/{unqueued['api_name']}",
        json={"data": [], "fn_index": unqueued["id"], "session_hash": "page"},
        headers=PAGE,
    )
    assert ran.status_code == 200, ran.text


def test_the_named_api_still_works(page: AppServer, events: list[dict[str, Any]], http: httpx.Client) -> None:
    from gradio_client import Client

    question = "泰兴市2020年新认定国家高企多少家？"
    out = Client(page.url, auth=AUTH, verbose=False).predict(question, api_name="/ask")
    assert out["question"] == question and out["backend"] == "extractive"
    started = http.post("gradio_api/call/ask", json={"data": [question]})
    assert started.status_code == 200, started.text
    streamed = http.get(f"gradio_api/call/ask/{started.json()['event_id']}")
    assert streamed.text.startswith("event: complete\ndata: "), streamed.text
    assert json.loads(streamed.text.split("data: ", 1)[1])[0]["question"] == question
    ask = next(e for e in events if e["api_name"] == "ask")
    joined = http.post("gradio_api/queue/join", json={"data": [question], "fn_index": ask["id"], "session_hash": "s"})
    assert joined.status_code == 200, joined.text


def test_the_file_route_serves_the_pages_own_files_only(http: httpx.Client, tmp_path: Path) -> None:
    """A canary a second Gradio app left in the shared cache (/tmp/gradio), a file outside every
    allowed folder, a traversal and the proxy to a loopback server are refused; what was uploaded
    to this page is served (another app's upload was read back)."""
    shared = Path(tempfile.gettempdir()) / "gradio" / f"canary-{uuid.uuid4().hex}"
    shared.mkdir(parents=True)
    try:
        (shared / "canary.txt").write_text("CANARY-9021", encoding="utf-8")
        (tmp_path / "outside.txt").write_text("CANARY-9022", encoding="utf-8")
        with CannedServer("CANARY-9023") as loopback:
            for route in (
                f"gradio_api/file={shared / 'canary.txt'}",
                f"gradio_api/file={tmp_path / 'outside.txt'}",
                "gradio_api/file=../../../../etc/hostname",
                f"gradio_api/proxy={loopback}",
            ):
                refused = http.get(route)
                assert refused.status_code in (400, 403, 404), (route, refused.status_code)
                assert "CANARY" not in refused.text
    finally:
        shutil.rmtree(shared)
    uploaded = http.post("gradio_api/upload", files={"files": ("own.txt", b"OWN-86", "text/plain")})
    assert uploaded.status_code == 200, uploaded.text
    own = http.get(f"gradio_api/file={uploaded.json()[0]}")
    assert own.status_code == 200 and own.text == "OWN-86"


class CannedServer:
    """A loopback HTTP server answering ``body`` to every GET, for the duration of a ``with``."""

    def __init__(self, body: str) -> None:
        handler = type("Canned", (CannedJSON,), {"body": body.encode()})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/canary.txt"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_repeated_failed_logins_are_refused_until_their_delay_has_passed(page: AppServer) -> None:
    """30 wrong passwords in a row from one address: the first ``FREE_ATTEMPTS`` are answered (400),
    then attempts are refused with 429 and a Retry-After; a right password is let in once the
    delay has passed, and that clears the count (the next wrong password is answered again).
    Asserted on status codes and headers only: how long a request takes does not decide them."""
    wrong, right = {"username": AUTH[0], "password": "guess"}, {"username": AUTH[0], "password": AUTH[1]}
    with httpx.Client(base_url=page.url, timeout=60) as http:
        answers = [http.post("login", data=wrong) for _ in range(30)]
        codes = [a.status_code for a in answers]
        assert codes[:FREE_ATTEMPTS] == [400] * FREE_ATTEMPTS, codes
        assert set(codes) == {400, 429} and 429 in codes[FREE_ATTEMPTS:], codes
        for refused in (a for a in answers if a.status_code == 429):
            assert 1 <= int(refused.headers["retry-after"]) <= 60 and "too many failed logins" in refused.text
        for _ in range(12):  # each wait is the server's own Retry-After
            login = http.post("login", data=right)
            if login.status_code != 429:
                break
            time.sleep(int(login.headers["retry-after"]))
        assert login.status_code == 200, login.text
        assert http.get("config").status_code == 200  # logged in
        assert http.post("login", data=wrong).status_code == 400  # the count starts again
