"""The CLI as users run it (subprocesses): JSON contracts, exit codes, Ctrl-C/SIGKILL, a Chroma server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KNOWLEDGE, free_port, wait_for_port

from assistant.index.store import ChunkStore
from assistant.settings import PROJECT_ROOT, Settings


def run_cli(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        timeout=600,
        **kw,
    )


def _env(settings: Settings) -> dict[str, str]:
    return {"ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_INDEX_DIR": str(settings.resolved_index_dir)}


def test_search_json_contract(corpus_settings: Settings) -> None:
    out = run_cli("search", "瑞安市2023年新增高新技术企业多少家", "-k", "5", "--json", env=_env(corpus_settings))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["question"] == "瑞安市2023年新增高新技术企业多少家"
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4, 5]
    first = data["results"][0]
    assert {"rank", "source", "section", "text", "score", "chunk_id"} <= set(first)
    assert any(
        r["source"] == "003_63333fff2a297632.txt" and "新增高新技术企业28家" in r["text"] for r in data["results"]
    )


def test_search_batch_keeps_input_order(corpus_settings: Settings, tmp_path: Path) -> None:
    questions = ["泸州市技术合同成交金额", "钟楼区专利申请", "泰兴 苏科贷"]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps({"q": q}, ensure_ascii=False) for q in questions), encoding="utf-8")
    out = run_cli("search", "--questions", str(path), "-k", "2", env=_env(corpus_settings))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions and all(len(line["results"]) == 2 for line in lines)


def test_user_errors_are_one_line_not_tracebacks(settings: Settings, tmp_path: Path) -> None:
    out = run_cli("remove", "nope.txt", env=_env(settings))
    assert out.returncode == 2 and "not in the index" in out.stderr and "Traceback" not in out.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    out = run_cli("search", "--questions", str(bad), env=_env(settings))
    assert out.returncode == 2 and "bad.jsonl:1" in out.stderr


def test_failed_file_makes_ingest_exit_nonzero(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# 测试\n全年新认定国家高企86家。", encoding="utf-8")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    out = run_cli("ingest", str(tmp_path), "-q", env=_env(settings))
    assert out.returncode == 1
    assert "failed: bad.pdf:" in out.stderr and "1 indexed" in out.stderr


@pytest.mark.parametrize(("sig", "done"), [(signal.SIGINT, 3), (signal.SIGKILL, 7)])  # at 30 % and 70 %
def test_killed_ingest_leaves_index_usable_and_rerun_completes(
    sig: signal.Signals, done: int, tmp_path: Path, corpus_settings: Settings
) -> None:
    """Kill a real ingest while it embeds a document (fresh embedding cache, so it is slow)."""
    settings = Settings(data_dir=tmp_path / "data", index_dir=tmp_path / "index", knowledge_dir=KNOWLEDGE)
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest"],
        cwd=PROJECT_ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **_env(settings)},
    )
    buffer = ""
    while not re.search(rf"\| *{done}/10 \[", buffer):  # tqdm redraws with \r; `done` documents are complete
        char = proc.stderr.read(1)
        assert char, f"ingest ended early: {buffer[-500:]}"
        buffer += char
    proc.send_signal(sig)
    rest = proc.communicate(timeout=120)[1]
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "run the same command again" in rest
    else:
        assert proc.returncode == -signal.SIGKILL

    store = ChunkStore(settings)
    indexed = store.list_documents()
    assert done <= len([d for d in indexed if d["status"] == "complete"]) < 10
    usable = run_cli("search", "泰兴 高企", "--json", env=_env(settings))
    assert usable.returncode == 0 and json.loads(usable.stdout)["results"]

    rerun = run_cli("ingest", "-q", env=_env(settings))
    assert rerun.returncode == 0, rerun.stderr
    ids = [c.id for c in ChunkStore(settings).iter_chunks()]
    expected = sorted(c.id for c in ChunkStore(corpus_settings).iter_chunks())
    assert sorted(ids) == expected  # complete, and no duplicates


def test_chroma_server_path(tmp_path: Path, data_dir: Path) -> None:
    """The same ingest and search against a real `chroma run` server on loopback."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server-db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server, "chroma run")
        env = {
            "ASSISTANT_DATA_DIR": str(data_dir),
            "ASSISTANT_INDEX_DIR": str(tmp_path / "local"),
            "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": str(port),
        }
        out = run_cli(
            "ingest",
            str(KNOWLEDGE / "001_bbaa06e7afcfcd41.txt"),
            str(KNOWLEDGE / "004_359fa4cc5da14e9f.txt"),
            "-q",
            env=env,
        )
        assert out.returncode == 0, out.stderr
        assert not (tmp_path / "local" / "chroma").exists()  # nothing went to the embedded store
        found = json.loads(run_cli("search", "泸州 技术合同登记 成交金额", "--json", env=env).stdout)
        assert found["results"][0]["source"] == "004_359fa4cc5da14e9f.txt"
        assert "698.89万元" in found["results"][0]["text"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_raise_errors_setting_keeps_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ASSISTANT_RAISE_ERRORS=1 is read through the settings like every other variable: the error
    escapes with its traceback; without it the command prints one line and returns its exit code."""
    from assistant.cli import main
    from assistant.errors import AssistantError

    argv = ["remove", "--index", str(tmp_path / "index"), "nothing.txt"]
    assert main(argv) == AssistantError.exit_code
    monkeypatch.setenv("ASSISTANT_RAISE_ERRORS", "1")
    with pytest.raises(AssistantError, match="nothing.txt is not in the index"):
        main(argv)
