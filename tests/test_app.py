"""The Gradio page: the real app as a subprocess (its /ask API through gradio_client), and the
page-independent helpers of assistant/serve.py (escaping, highlighting, exports, uploads)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import free_port, wait_for_port

from assistant import serve
from assistant.settings import PROJECT_ROOT, Settings

TAIXING = "泰兴市2020年新认定国家高企多少家？"
SHANGHAI = "上海市2020年新认定高新技术企业多少家？"
AUTH = ("policy", "s3cret-pass")


# -- the app as a subprocess ----------------------------------------------------------------


@dataclass
class AppServer:
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    started: float  # time.monotonic() just before the process was started

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def app_env(settings: Settings, port: int, **extra: str) -> dict[str, str]:
    """A clean environment: no stray ASSISTANT_*/CHROMA_*/GRADIO_* from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "CHROMA_", "GRADIO_"))}
    env |= {
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_INDEX_DIR": str(settings.resolved_index_dir),
        "ASSISTANT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "ASSISTANT_ANSWER__BACKEND": "extractive",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


def start_app(settings: Settings, log: Path, **extra_env: str) -> AppServer:
    """``python app.py`` on a free loopback port; returns as soon as the process is started."""
    port = free_port()
    fh = open(log, "wb")  # noqa: SIM115 - closed with the process
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=app_env(settings, port, **extra_env),
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    fh.close()
    return AppServer(port, proc, log, started)


def stop_app(server: AppServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@contextlib.contextmanager
def app_running(settings: Settings, log: Path, **extra_env: str) -> Iterator[AppServer]:
    """``python app.py`` serving on its port for the block; stopped after it, its output printed."""
    server = start_app(settings, log, **extra_env)
    try:
        wait_for_port(server.port, server.proc, "app.py")
        yield server
    finally:
        stop_app(server)
        print(server.output())


@pytest.fixture(scope="module")
def app_server(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app over the corpus index, with basic auth on (ASSISTANT_AUTH)."""
    with app_running(
        corpus_settings,
        tmp_path_factory.mktemp("app") / "app.log",
        ASSISTANT_AUTH=f"{AUTH[0]}:{AUTH[1]}",
        GRADIO_TEMP_DIR=str(tmp_path_factory.mktemp("gradio-uploads")),
    ) as server:
        yield server


@pytest.fixture(scope="module")
def client(app_server: AppServer) -> Any:
    from gradio_client import Client

    return Client(app_server.url, auth=AUTH, verbose=False)


@pytest.mark.slow
def test_ask_returns_the_cli_json_contract(client: Any) -> None:
    out = client.predict(TAIXING, api_name="/ask")
    assert isinstance(out, dict)
    assert {"question", "answer", "refused", "backend", "citations", "figures", "timings"} <= out.keys()
    assert out["question"] == TAIXING
    assert out["backend"] == "extractive"
    assert out["refused"] is False
    assert "86家" in out["answer"]
    assert out["citations"], out
    for c in out["citations"]:
        assert {"n", "source", "section", "text"} <= c.keys()
        assert f"[{c['n']}]" in out["answer"]
    assert any("86家" in c["text"] for c in out["citations"])
    assert out["figures"]
    for f in out["figures"]:
        assert {"text", "value", "unit", "citation", "verified"} <= f.keys()
    assert any(f["text"] == "86家" and f["verified"] and f["value"] == 86 for f in out["figures"])
    assert {"retrieve_ms", "generate_ms", "total_ms"} <= out["timings"].keys()


@pytest.mark.slow
def test_ask_refuses_what_the_documents_do_not_hold(client: Any) -> None:
    out = client.predict(SHANGHAI, api_name="/ask")
    assert out["refused"] is True
    assert out["citations"] == []
    assert "没有" in out["answer"]


@pytest.mark.slow
def test_ask_is_the_same_json_as_the_cli(client: Any, app_server: AppServer, corpus_settings: Settings) -> None:
    api = client.predict(TAIXING, api_name="/ask")
    env = app_env(corpus_settings, app_server.port)
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", TAIXING, "--json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)
    assert api.keys() == cli.keys()
    assert api["timings"].keys() == cli["timings"].keys()
    assert {k: v for k, v in api.items() if k != "timings"} == {k: v for k, v in cli.items() if k != "timings"}


@pytest.mark.slow
def test_only_ask_is_exposed_as_api_and_auth_is_required(client: Any, app_server: AppServer) -> None:
    import httpx

    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]
    assert list(endpoints["/ask"]["parameters"])[0]["parameter_name"] == "question"
    anonymous = httpx.get(app_server.url + "config", timeout=10)
    assert anonymous.status_code in (401, 403), anonymous.status_code


@pytest.mark.slow
def test_basic_auth_guards_every_route(app_server: AppServer) -> None:
    import httpx

    # "/" itself answers with the login form; everything that reads or changes data refuses
    for method, route in (
        ("GET", "config"),
        ("GET", "gradio_api/info"),
        ("POST", "gradio_api/upload"),
        ("POST", "gradio_api/queue/join"),
        ("POST", "gradio_api/call/ask"),
        ("GET", "gradio_api/file=README.md"),
    ):
        anonymous = httpx.request(method, app_server.url + route, timeout=10)
        assert anonymous.status_code in (401, 403), (route, anonymous.status_code)


@pytest.mark.slow
def test_an_upload_over_20_mb_is_refused_while_it_streams(app_server: AppServer) -> None:
    """Gradio's max_file_size: the body is cut off at the limit and its partial file deleted, so
    nothing of a 25 MB upload is kept (before, it was received whole and then refused)."""
    import httpx

    upload_dir = Path(app_env_value(app_server, "GRADIO_TEMP_DIR"))
    body = b"\xe9\xab\x98" * (25 * 1024 * 1024 // 3)
    with httpx.Client(base_url=app_server.url, timeout=120) as http:
        assert http.post("login", data={"username": AUTH[0], "password": AUTH[1]}).status_code == 200
        refused = http.post("gradio_api/upload", files={"files": ("big.txt", body, "text/plain")})
        assert refused.status_code == 413 and "maximum allowed size" in refused.text
        assert [p for p in upload_dir.rglob("*") if p.is_file()] == []
        small = http.post(
            "gradio_api/upload", files={"files": ("small.txt", "全年新认定国家高企86家。".encode(), "text/plain")}
        )
        assert small.status_code == 200  # the limit is the page's 20 MB, not a refusal of every upload


def app_env_value(server: AppServer, name: str) -> str:
    environ = Path(f"/proc/{server.proc.pid}/environ").read_bytes().split(b"\0")
    return next(e.split(b"=", 1)[1].decode() for e in environ if e.startswith(name.encode() + b"="))


@pytest.mark.slow
def test_one_hundred_asks_twenty_in_flight_without_errors(client: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def ask(i: int) -> dict[str, Any]:
        return client.predict((TAIXING, SHANGHAI)[i % 2], api_name="/ask")

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(ask, range(100)))
    assert all(("86家" in a["answer"]) != a["refused"] for a in answers)


# -- serve.py: rendering --------------------------------------------------------------------


def _answer(**over: Any) -> dict[str, Any]:
    base = {
        "question": TAIXING,
        "answer": "全年新认定国家高企86家[1]，其中99家（未核实）为外地迁入[1]。",
        "refused": False,
        "backend": "extractive",
        "citations": [
            {
                "n": 1,
                "source": "001_taixing.txt",
                "section": "一、2020年工作情况 > 2.创新能力明显提升",
                "text": "全年新认定国家高企86家,有效期内国家高企达186家。<script>alert(1)</script>",
                "title": "泰兴市科技局2020年工作总结",
                "region": "泰兴市",
                "years": [2020, 2021],
            }
        ],
        "figures": [
            {"text": "86家", "value": 86.0, "unit": "家", "citation": 1, "verified": True},
            {"text": "99家", "value": 99.0, "unit": "家", "citation": None, "verified": False},
        ],
        "timings": {"retrieve_ms": 12.0, "generate_ms": 0.1, "total_ms": 15.0},
        "standalone_question": TAIXING,
        "notice": "",
    }
    return base | over


def test_passage_markup_is_escaped() -> None:
    html = serve.render_sources(_answer(), turn=3)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'id="src-3-1"' in html
    for shown in (
        "泰兴市",
        "2020年、2021年",
        "一、2020年工作情况 &gt; 2.创新能力明显提升",
        "泰兴市科技局2020年工作总结",
    ):
        assert shown in html


def test_answer_markup_is_escaped_for_the_chat() -> None:
    html = serve.render_answer_text(
        '共<img src=x onerror="alert(1)">86家[1] *bold* $x$ [a](javascript:alert(1))', turn=2
    )
    assert "<img" not in html and "&#60;img src=x onerror=&#34;" in html
    assert "*" not in html and "$" not in html and "](" not in html  # no Markdown or LaTeX either
    assert '<a class="cite" href="#src-2-1"' in html


@pytest.mark.parametrize(
    "text", ['it\'s #1 & <b>"x"</b>', "a_b*c* [1](x) $y$ ~~z~~ `c` \\n | - +", "泰兴市（2020年）：86家"]
)
def test_chat_escaping_shows_the_text_as_written(text: str) -> None:
    import html

    escaped = serve.escape_chat(text)
    assert html.unescape(escaped) == text
    assert not set(escaped) & set("<>\"'`*_[]()$|~\\")


def test_figures_are_highlighted_by_value_in_the_passage() -> None:
    html = serve.render_sources(_answer())
    assert "<mark>86家</mark>" in html
    assert "<mark>186家</mark>" not in html and "186家" in html  # 86家 is not 186家
    assert html.count("<mark>") == 1


def test_unverified_figures_are_marked_red() -> None:
    html = serve.render_answer_text(_answer()["answer"])
    assert '<span class="unverified" style="color:#c62828' in html
    assert html.count('class="unverified"') == 1
    assert html.index("99家") < html.index('class="unverified"')


def test_refusal_and_empty_panels() -> None:
    assert "资料中没有" in serve.render_sources(_answer(citations=[], figures=[], refused=True))
    assert "提问后" in serve.render_sources(None)


def test_status_shows_backend_and_notice_escaped() -> None:
    html = serve.answer_status(_answer(notice="local 后端不可用（<b>boom</b>），已改用抽取式回答。"))
    assert "extractive" in html and "数字核实 1/2" in html
    assert "&lt;b&gt;boom&lt;/b&gt;" in html
    assert "理解为" not in html  # a question that stood on its own


def test_status_shows_how_a_followup_was_read() -> None:
    html = serve.answer_status(
        _answer(
            question="那<i>高新技术产业产值</i>呢？", standalone_question="泰兴市2020年<i>高新技术产业产值</i>是多少？"
        )
    )
    assert "理解为：泰兴市2020年&lt;i&gt;高新技术产业产值&lt;/i&gt;是多少？" in html


# -- serve.py: uploads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("报告 2020.pdf", "报告_2020.pdf"),
        (".bashrc.md", "bashrc.md"),
        ("..", "upload"),
        ("a;rm -rf ~.TXT", "a_rm_-rf.txt"),
        ("泰兴市科技局（2020）总结.docx", "泰兴市科技局（2020）总结.docx"),
    ],
)
def test_file_names_are_sanitized(name: str, expected: str) -> None:
    assert serve.sanitize_filename(name) == expected


def test_upload_types_are_the_readable_ones() -> None:
    from assistant.ingest.readers import READERS

    assert set(serve.UPLOAD_SUFFIXES) == set(READERS)


def test_uploads_stay_in_the_uploads_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    target = serve.upload_target(settings, "../../etc/passwd")
    assert target.parent == (tmp_path / "data" / "uploads").resolve()
    assert target.name == "passwd"
    chinese = serve.upload_target(settings, "报告 2020.pdf")
    assert "报告" in chinese.name and chinese.parent == target.parent


def test_the_upload_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ASSISTANT_MAX_UPLOAD_MB moves the page's limit (the page passes the same figure to Gradio)."""
    monkeypatch.setenv("ASSISTANT_MAX_UPLOAD_MB", "1.5")
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.max_upload_bytes == 1_572_864
    mid = tmp_path / "mid.pdf"
    with open(mid, "wb") as fh:
        fh.truncate(2 * 1024 * 1024)
    with pytest.raises(serve.UploadError, match="单个文件上限 1.5 MB"):
        serve.store_uploads(settings, [mid])


def test_upload_checks_type_and_size(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    big = tmp_path / "big.pdf"
    with open(big, "wb") as fh:
        fh.truncate(settings.max_upload_bytes + 1)
    with pytest.raises(serve.UploadError, match="20 MB"):
        serve.store_uploads(settings, [big])
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(serve.UploadError, match="不支持的文件类型"):
        serve.store_uploads(settings, [exe])
    good = tmp_path / "报告 2020.md"
    good.write_text("# 报告\n2020年新认定高企5家。", encoding="utf-8")
    with pytest.raises(serve.UploadError):  # one bad file: nothing is stored
        serve.store_uploads(settings, [good, exe])
    assert not settings.uploads_dir.exists() or not any(settings.uploads_dir.iterdir())
    stored = serve.store_uploads(settings, [(good, "../报告 2020.md")])
    assert [p.name for p in stored] == ["报告_2020.md"]
    assert stored[0].read_text(encoding="utf-8") == good.read_text(encoding="utf-8")
    assert serve.remove_upload_file(settings, "报告_2020.md") and not stored[0].exists()
    assert not serve.remove_upload_file(settings, "../../etc/passwd")


def test_upload_may_not_take_a_shipped_document_or_a_name_twice(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")  # knowledge_dir: the shipped knowledge/
    shipped = next(p for p in settings.knowledge_dir.iterdir() if p.suffix == ".md")
    copy = tmp_path / shipped.name
    copy.write_text("# 另一份文件\n2020年新认定高企5家。", encoding="utf-8")
    with pytest.raises(serve.UploadError, match="知识库自带同名文档"):
        serve.store_uploads(settings, [copy])
    a, b = tmp_path / "a" / "报告.md", tmp_path / "b" / "报告.md"
    for path in (a, b):
        path.parent.mkdir()
        path.write_text("# 报告\n2020年新认定高企5家。", encoding="utf-8")
    with pytest.raises(serve.UploadError, match="两个文件同名"):
        serve.store_uploads(settings, [a, b])
    assert not settings.uploads_dir.exists() or not any(settings.uploads_dir.iterdir())
    assert [p.name for p in serve.store_uploads(settings, [a])] == ["报告.md"]
    assert [p.name for p in serve.store_uploads(settings, [b])] == ["报告.md"]  # an upload's update


# -- serve.py: exports ----------------------------------------------------------------------


def test_markdown_export(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    path = serve.export_markdown(settings, _answer())
    assert path.parent == settings.data_dir / "exports" and path.suffix == ".md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {TAIXING}")
    assert "全年新认定国家高企86家[1]" in text and "（未核实）" in text
    assert "## 参考资料" in text
    assert "[1] 《泰兴市科技局2020年工作总结》（泰兴市，2020、2021年）001_taixing.txt · 一、2020年工作情况" in text
    assert "\\<script>" in text and not re.search(r"(?<!\\)<", text)  # no raw HTML in the Markdown


def test_docx_export(tmp_path: Path) -> None:
    from docx import Document

    settings = Settings(data_dir=tmp_path / "data")
    path = serve.export_docx(settings, _answer(), heading="泰兴市2020年高新技术企业培育成效")
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "泰兴市2020年高新技术企业培育成效"
    assert _answer()["answer"] in texts
    assert "参考资料" in texts
    assert any(t.startswith("[1] 《泰兴市科技局2020年工作总结》") for t in texts)
    red = [r for p in doc.paragraphs for r in p.runs if r.text == "（未核实）"]
    assert red and str(red[0].font.color.rgb) == "C62828"


# -- serve.py: streaming, services, tables ---------------------------------------------------


class _FakeAnswer:
    def __init__(self, text: str) -> None:
        self.answer = text

    def to_json(self) -> dict[str, Any]:
        return _answer(answer=self.answer)


class _FakeAnswerer:
    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    def ask(self, question: str, history: Any = None, filters: Any = None, on_token: Any = None) -> _FakeAnswer:
        self.seen = {"question": question, "history": history, "filters": filters}
        for token in ("全年", "新认定", "86家"):
            on_token(token)
            time.sleep(0.05)
        return _FakeAnswer("全年新认定86家[1]。")


def test_stream_answer_yields_tokens_then_the_verified_answer() -> None:
    fake = _FakeAnswerer()
    history = serve.plain_history(
        [
            {"role": "user", "content": "前一个问题"},
            {"role": "assistant", "content": "回答"},
            {"role": "assistant", "content": ["not", "text"]},
        ]
    )
    steps = list(serve.stream_answer(fake, "问题", history=history))
    partial = [text for text, answer in steps if answer is None]
    assert partial and partial[-1] == "全年新认定86家"
    final_text, final = steps[-1]
    assert final_text == "全年新认定86家[1]。" and final["answer"] == final_text
    assert fake.seen["history"] == [{"role": "user", "content": "前一个问题"}, {"role": "assistant", "content": "回答"}]


def test_stream_answer_reraises_errors() -> None:
    class Broken:
        def ask(self, *args: Any, **kwargs: Any) -> Any:
            raise serve.AssistantError("index missing")

    with pytest.raises(serve.AssistantError, match="index missing"):
        list(serve.stream_answer(Broken(), "问题"))


@pytest.mark.slow
def test_unbuildable_backend_falls_back_to_extractive(corpus_settings: Settings) -> None:
    services = serve.Services(corpus_settings, backend="no-such-backend")
    answerer = services.get()
    assert answerer.backend == "extractive"
    assert "no-such-backend" in services.notice and "extractive" in services.notice
    assert "extractive" in serve.backend_banner(answerer.backend, services.notice)


def test_tables() -> None:
    rows = serve.document_rows(
        [{"source": "a.md", "title": "T", "region": "泰兴市", "years": [2020, 2021], "doc_type": "report", "chunks": 3}]
    )
    assert rows == [["a.md", "T", "泰兴市", "2020、2021", "report", 3, ""]]
    flagged = serve.document_rows([{"source": "b.md", "suspicious": 2, "status": "incomplete"}])[0][-1]
    assert "疑似指令" in flagged and "2 处" in flagged and "未完成" in flagged
    report = {
        "backend": "extractive",
        "seconds": 1.0,
        "passed": False,
        "metrics": {"items": 2, "figure_accuracy": 0.5, "drafting": None},
        "gates": {"figure_accuracy": {"rule": "≥ 0.9", "ok": False}},
        "by_kind": {"figure": {"n": 2, "correct": 1, "accuracy": 0.5, "refused": 0, "median_total_ms": 3.0}},
        "items": [
            {
                "id": "x",
                "kind": "figure",
                "question": "q",
                "expected": ["86家"],
                "missing": ["86家"],
                "answer": "a<b>",
                "refused": False,
                "ok": False,
            },
            {
                "id": "y",
                "kind": "figure",
                "question": "q2",
                "expected": [],
                "missing": [],
                "answer": "",
                "refused": True,
                "ok": True,
            },
        ],
    }
    metrics, kinds, failures = serve.eval_tables(report)
    assert metrics[1] == ["figure_accuracy", 0.5, "≥ 0.9", "未通过"] and metrics[2][1] == "—"
    assert list(kinds.columns) == ["kind", "accuracy", "n"] and kinds.iloc[0]["accuracy"] == 0.5
    assert failures == [["x", "figure", "q", "86家", "86家", "a<b>"]]
    assert "figure_accuracy" in serve.eval_summary(report)


def test_basic_auth_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.settings import get_settings

    assert serve.basic_auth(get_settings().auth) is None
    monkeypatch.setenv("ASSISTANT_AUTH", "user:pa:ss")
    assert serve.basic_auth(get_settings().auth) == ("user", "pa:ss")
    monkeypatch.setenv("ASSISTANT_AUTH", "nopassword")
    with pytest.raises(serve.AssistantError):
        serve.basic_auth(get_settings().auth)
