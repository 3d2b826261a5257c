"""Questions and stores as a careless or hostile user meets them: pasted
Unicode, a bad line in a batch, Chinese-numeral years, an over-long question, a full disk, a
damaged index. Every command ends in one line saying what to do, never a traceback.

Disk full is simulated at the OS boundary inside the CLI's own process (a wrapper that makes
``open`` for writing under the index fail with ENOSPC): filling a real disk is not possible here."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import KNOWLEDGE
from test_cli import _env, run_cli

from assistant import doctor
from assistant.ingest.pipeline import ingest
from assistant.questions import QuestionError, read_question
from assistant.settings import PROJECT_ROOT, Settings

TAIXING = "001_bbaa06e7afcfcd41.txt"
QUESTION = "泰兴市2020年新认定国家高企多少家？"


@pytest.fixture
def small(settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / TAIXING).write_bytes((KNOWLEDGE / TAIXING).read_bytes())
    assert ingest(settings, [folder], progress=False).documents == 1
    return settings


def test_chinese_numeral_years_are_read() -> None:
    assert read_question("泰兴市二〇二〇年新认定国家高企多少家？", 2000) == QUESTION
    assert read_question("二零二一年和一九九八年", 2000) == "2021年和1998年"
    assert read_question("十二月", 2000) == "十二月"


def test_a_lone_surrogate_and_an_over_long_question_are_refused_in_a_line() -> None:
    with pytest.raises(QuestionError, match="U\\+D800 at character 3"):
        read_question("泰兴\ud800市", 2000)
    with pytest.raises(QuestionError, match="2,001 characters long; the limit is 2,000"):
        read_question("问" * 2001, 2000)
    assert read_question("泰\u200b兴市", 2000) == "泰兴市"  # invisible characters are dropped


def test_a_bad_line_costs_that_line_only(small: Settings, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"q": QUESTION}),
                '{"q": "泰兴\\ud800市高企多少家？"}',
                "not json",
                json.dumps({"q": "问" * 3000}),
                json.dumps({"q": "泰兴市二〇二〇年新认定国家高企多少家？"}),
            ]
        ),
        encoding="utf-8",
    )
    for command in ("ask", "search"):
        out = run_cli(
            command,
            "--questions",
            str(batch),
            *(["--backend", "extractive"] if command == "ask" else []),
            env=_env(small),
        )
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr[-2000:]
        lines = [json.loads(line) for line in out.stdout.splitlines()]
        assert [("error" in line) for line in lines] == [False, True, True, True, False]
        assert [e["line"] for e in lines if "error" in e] == [2, 3, 4]
        assert len([line for line in out.stderr.splitlines() if line.startswith("error: line")]) == 3
    assert "86家" in lines[0]["results"][0]["text"] and "86家" in lines[4]["results"][0]["text"]


def test_one_question_over_the_limit_is_one_line(small: Settings) -> None:
    out = run_cli("ask", "问" * 2500, "--backend", "extractive", env=_env(small))
    assert out.returncode == 2 and out.stderr.strip().startswith("error: the question is 2,500 characters long")
    assert "Traceback" not in out.stderr


def _garble(folder: Path, pattern: str) -> None:
    for path in folder.rglob(pattern):
        path.write_bytes(b"\x80garbage" + path.read_bytes()[:7])


def test_a_deleted_or_garbage_bm25_view_is_rebuilt(small: Settings) -> None:
    """What held last round (*Holding*): the lexical view deleted, its stamp or its
    segments overwritten with garbage; each time a new Retriever answers by BM25 alone."""
    from assistant.retrieve import Retriever

    view = small.lexical_dir
    for damage in (
        lambda: shutil.rmtree(view),
        lambda: _garble(view, "stamp.json"),
        lambda: _garble(view, "*.seg"),
        lambda: [p.unlink() for p in view.rglob("*") if p.is_file() and p.name != "stamp.json"],
    ):
        damage()
        results = Retriever(small).search(QUESTION, mode="lexical")
        assert results and "86家" in " ".join(r.text for r in results[:3])
        assert json.loads(next(view.rglob("stamp.json")).read_text())  # written again, whole


DISK_FULL = """
import builtins, errno, sys
from assistant.cli import main
index = sys.argv[1]
real_open = builtins.open
def full(file, mode="r", *args, **kwargs):
    if str(file).startswith(index) and any(m in mode for m in "wax"):
        raise OSError(errno.ENOSPC, "No space left on device", str(file))
    return real_open(file, mode, *args, **kwargs)
builtins.open = full
raise SystemExit(main(sys.argv[2:]))
"""


def test_search_on_a_full_disk_says_so_in_one_line(small: Settings) -> None:
    import subprocess
    import sys

    shutil.rmtree(small.lexical_dir)  # the view must be written again: the disk is full
    out = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(small.resolved_index_dir), "search", QUESTION],
        cwd=PROJECT_ROOT,
        env={**os.environ, **_env(small)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.stderr.strip().splitlines()[-1].startswith("error: the disk holding the index is full")


def test_doctor_finds_a_damaged_index_and_its_advice_works(small: Settings, tmp_path: Path) -> None:
    database = small.resolved_index_dir / "chroma" / "chroma.sqlite3"
    database.write_bytes(database.read_bytes()[: database.stat().st_size // 2])
    check = doctor.check_index(small)
    assert not check.ok and "damaged" in check.detail and "ingest --rebuild" in check.fix
    out = run_cli("search", QUESTION, env=_env(small))
    assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert "ingest --rebuild" in out.stderr.strip().splitlines()[-1]
    rebuilt = run_cli("ingest", "--rebuild", str(tmp_path / "docs"), "-q", env=_env(small))
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    check = run_cli("list", env=_env(small))  # in a new process: this one's Chroma client still holds the old files
    assert check.returncode == 0 and check.stdout.startswith(TAIXING), check.stderr[-2000:]
    assert "86家" in run_cli("search", QUESTION, env=_env(small)).stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder: the check cannot be exercised")
def test_doctor_names_a_read_only_index(small: Settings) -> None:
    chroma = small.resolved_index_dir / "chroma"
    chroma.chmod(0o555)
    try:
        check = doctor.check_index(small)
        assert not check.ok and "read-only" in check.detail and "chmod" in check.fix
    finally:
        chroma.chmod(0o755)


def test_failed_logins_meet_a_growing_delay() -> None:
    """The throttle around a real Starlette app whose /login refuses a wrong password with 400, as
    Gradio's does: after 5 failures every attempt is refused (429, Retry-After) until the delay has
    passed, the right password too; the delay doubles per failure; other routes are untouched."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from assistant.serve.throttle import LoginThrottle

    async def login(request: Request) -> PlainTextResponse:
        form = await request.form()
        return PlainTextResponse(
            "ok" if form.get("password") == "right" else "Incorrect credentials.",
            status_code=200 if form.get("password") == "right" else 400,
        )

    app = Starlette(routes=[Route("/login", login, methods=["POST"]), Route("/", lambda r: PlainTextResponse("page"))])
    throttled = LoginThrottle(app, free=5, delay_s=30.0)
    http = TestClient(throttled)
    codes = [http.post("/login", data={"password": "wrong"}).status_code for _ in range(30)]
    assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
    locked = http.post("/login", data={"password": "right"})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert http.get("/").status_code == 200
    address = next(iter(throttled.failures))
    count, last = throttled.failures[address]
    assert count == 5 and throttled.wait_s(address, last + 10) == 20.0  # refused attempts are not counted
    throttled.failures[address] = (6, last)
    assert throttled.wait_s(address, last + 10) == 50.0  # one more failure: the delay doubles to 60 s
    throttled.failures[address] = (count, last - 120)  # the delay has passed
    assert http.post("/login", data={"password": "right"}).status_code == 200 and not throttled.failures


def test_the_page_keeps_gradio_files_in_a_folder_of_its_own(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.page_temp_dir == tmp_path / "gradio-tmp"
    assert Settings(data_dir=tmp_path, gradio_temp_dir=tmp_path / "own").page_temp_dir == tmp_path / "own"
