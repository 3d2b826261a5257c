"""One ``llama_cpp.server`` process: how it is launched, probed, logged and stopped.

:mod:`assistant.localmodel.server` decides *when* to start, restart or give up (its state and
backoff); this module knows only the operating-system side of one process — its command line and
trimmed environment, the loopback port, the health probe, its log, and how to take down its whole
process group even when our own process is killed with ``-9``.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from assistant.settings import AnswerSettings

ALIAS = "local"  # the model name the server answers to; requests name it
HOST = "127.0.0.1"
LOG_LIMIT = 4 << 20  # the server log is started afresh above this size
# llama_cpp.server reads each of its ~60 options from an unprefixed environment variable (PORT,
# MODEL, N_CTX, API_KEY, …), so a stray PORT in the user's shell would move it: the child gets only these.
_CHILD_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "LD_LIBRARY_PATH", "VIRTUAL_ENV")
_CHILD_ENV_PREFIXES = ("GGML_", "OMP_")


def launch(a: AnswerSettings, model: Path, port: int, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The server process, started in its own session with its output appended to ``log_path``;
    and the log's offset where this launch's output begins (for :func:`last_log_line`)."""
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        ALIAS,
        "--host",
        HOST,
        "--port",
        str(port),
        "--n_ctx",
        str(a.local_context),
        # the page answers several questions at once: one must not cut another's stream short
        "--interrupt_requests",
        "false",
        # the server's default (true, for logprobs we never ask for) computes the 151k-word output
        # layer for every prompt token, not just the last: measured +11 % per answer against in-process
        "--logits_all",
        "false",
    ]
    if a.local_threads:
        cmd += ["--n_threads", str(a.local_threads)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if log_path.exists() and log_path.stat().st_size > LOG_LIMIT:
        log_path.unlink()
    with open(log_path, "ab") as out:
        out.write(f"\n==> {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
        out.flush()
        env = {k: v for k, v in os.environ.items() if k in _CHILD_ENV or k.startswith(_CHILD_ENV_PREFIXES)}
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        return proc, out.tell()


def last_log_line(log_path: Path, offset: int) -> str:
    """The last line the server wrote since ``offset``: usually why it would not start."""
    try:
        with open(log_path, "rb") as fh:
            fh.seek(offset)
            lines = [ln.strip() for ln in fh.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return "no log"
    return lines[-1][:200] if lines else "no output"


def serves_model(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/v1/models", timeout=2) as response:
            models = json.load(response).get("data") or []
    except (OSError, ValueError):
        return False
    return any(m.get("id") == ALIAS for m in models)


def bindable(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def terminate(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after 5 s."""
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def _find_prctl() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # looked up here: no dlopen in a forked child
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL = _find_prctl()


def _die_with_parent() -> None:
    """In the child: be killed when the supervising thread's process dies, even by ``kill -9``."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: nothing in it is worth a graceful shutdown


def exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
