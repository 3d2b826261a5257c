"""The local model in a process of its own: llama.cpp's OpenAI-compatible server, supervised.

Why a process: a native crash inside llama.cpp (it segfaulted in ``llama_decode`` on Xeons with
AMX) kills the process it runs in, and no ``try`` can catch it. Run in the page's process, one
crash took every user's page down. Here it takes down only the model server: the answer in flight
falls back to the extractive composer, and the supervisor starts a new server for the next one.

:class:`ModelServer` starts ``python -m llama_cpp.server`` lazily on a free loopback port (in a
background thread, so nothing waits for the model to load), health-checks it on ``/v1/models``,
restarts it with backoff when it dies, gives up after a few launches that never became healthy
(state ``failed`` with the reason), and stops it with the product (``atexit``, its own process
group, and a parent-death signal for a parent killed with ``-9``). Nothing here imports
``llama_cpp``: only the child process loads it. The operating-system side of one process (command
line, environment, port, probe, log, process-group kill) is :mod:`assistant.localmodel.process`.
"""

from __future__ import annotations

import atexit
import logging
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Literal

from assistant.errors import AssistantError
from assistant.localmodel.model_file import MODEL_FILE, ensure_model
from assistant.localmodel.process import (
    HOST,
    bindable,
    exit_text,
    free_port,
    last_log_line,
    launch,
    serves_model,
    terminate,
)
from assistant.settings import Settings

log = logging.getLogger(__name__)

State = Literal["starting", "ready", "failed", "stopped"]
START_ATTEMPTS = 3  # consecutive launches that never became healthy before the state is "failed"
MAX_BACKOFF_S = 30.0
STABLE_S = 60.0  # a server that ran this long resets the crash backoff


class ModelUnavailable(AssistantError):
    """The model process cannot answer (it failed to start, or died mid-answer); answers fall back."""


@dataclass(frozen=True)
class Status:
    """What the page and ``doctor`` show: ``reason`` says why a state is not ``ready``."""

    state: State
    reason: str = ""
    pid: int | None = None
    base_url: str = ""
    restarts: int = 0


class ModelServer:
    """One supervised ``llama_cpp.server`` for one model; ``start()`` is idempotent and never blocks."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.log_path = settings.data_dir / "logs" / "model-server.log"
        self._status = Status("stopped")
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._port = 0
        self._log_offset = 0
        atexit.register(self.stop)

    # -- public ------------------------------------------------------------------------------
    @property
    def status(self) -> Status:
        with self._changed:
            return self._status

    def start(self) -> ModelServer:
        """Start supervising in the background unless already running (a failed server is retried)."""
        with self._changed:
            if self._thread is not None and self._thread.is_alive():
                return self
            self._stopping.clear()
            self._set(Status("starting", "loading the model", restarts=self._status.restarts))
            self._thread = threading.Thread(target=self._supervise, name="model-server", daemon=True)
            self._thread.start()
        return self

    def wait_ready(self, timeout: float) -> Status:
        """The ready server's status; :class:`ModelUnavailable` if it failed or is still starting."""
        with self._changed:
            self._changed.wait_for(lambda: self._status.state != "starting", timeout)
            status = self._status
        if status.state == "ready":
            return status
        if status.state == "starting":
            raise ModelUnavailable(f"本地模型仍在启动（{status.reason}）")
        raise ModelUnavailable(f"本地模型无法启动：{status.reason}" if status.reason else "本地模型未启动")

    def death_of(self, pid: int | None, wait_s: float = 3.0) -> str | None:
        """Why the server process ``pid`` is gone, or None while it runs. A broken stream reaches
        the client a moment before the supervisor reaps the process, hence the short wait."""
        with self._changed:
            self._changed.wait_for(lambda: self._status.pid != pid, wait_s)
            gone = self._status.pid != pid
            return self._status.reason if gone else None

    def stop(self) -> None:
        """Stop the server and its supervisor (at exit, or when a test is done with it)."""
        self._stopping.set()
        proc = self._proc
        if proc is not None:
            terminate(proc)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=15)
        with self._changed:
            self._set(Status("stopped", restarts=self._status.restarts))

    # -- supervision -------------------------------------------------------------------------
    def _set(self, status: Status) -> None:
        with self._changed:
            self._status = status
            self._changed.notify_all()

    def _supervise(self) -> None:
        try:
            model = ensure_model(self.settings.model_cache_dir, self.settings.answer.local_model_path)
        except AssistantError as exc:  # a missing or corrupted model does not get better by retrying
            self._set(Status("failed", str(exc), restarts=self._status.restarts))
            return
        failures = crashes = 0
        while not self._stopping.is_set():
            try:
                port = self._choose_port()
            except ModelUnavailable as exc:
                self._set(Status("failed", str(exc), restarts=self._status.restarts))
                return
            proc, self._log_offset = launch(self.settings.answer, model, port, self.log_path)
            self._proc = proc
            problem = self._await_health(proc, port)
            restarts = self._status.restarts
            if problem is None:
                failures = 0
                self._set(Status("ready", "", proc.pid, f"http://{HOST}:{port}/v1", restarts))
                up = time.monotonic()
                code = proc.wait()
                if self._stopping.is_set():
                    return
                crashes = 0 if time.monotonic() - up > STABLE_S else crashes + 1
                reason = f"本地模型进程已退出（{exit_text(code)}），正在重启"
                log.warning("%s; log: %s", reason, self.log_path)
                self._set(Status("starting", reason, restarts=restarts + 1))
                delay = _backoff(crashes)
            else:
                terminate(proc)
                if self._stopping.is_set():
                    return
                failures += 1
                log.warning("model server did not start (%s); log: %s", problem, self.log_path)
                if failures >= START_ATTEMPTS:
                    self._set(Status("failed", f"{problem} (log: {self.log_path})", restarts=restarts))
                    return
                self._set(Status("starting", f"{problem}; retrying", restarts=restarts))
                delay = _backoff(failures)
            self._stopping.wait(delay)

    def _choose_port(self) -> int:
        """The configured port, else the previous one (a stable address across restarts), else any free one."""
        wanted = self.settings.answer.local_port
        if wanted:
            if not bindable(wanted):
                raise ModelUnavailable(
                    f"port {wanted} on {HOST} is in use by another program; free it or set "
                    "ASSISTANT_ANSWER__LOCAL_PORT=0 to use any free port"
                )
            return wanted
        if self._port and bindable(self._port):
            return self._port
        try:
            self._port = free_port()
        except OSError as exc:
            raise ModelUnavailable(f"no free port on {HOST} for the model server ({exc})") from exc
        return self._port

    def _await_health(self, proc: subprocess.Popen[bytes], port: int) -> str | None:
        """None once the server lists our model; else what went wrong (it exited, or never answered)."""
        timeout = self.settings.answer.local_start_timeout_s
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stopping.is_set():
            code = proc.poll()
            if code is not None:
                return f"the model server exited ({exit_text(code)}): {last_log_line(self.log_path, self._log_offset)}"
            if serves_model(port):
                return None
            self._stopping.wait(0.25)
        return f"the model server did not answer within {timeout:.0f} s"


_SERVERS: dict[tuple[object, ...], ModelServer] = {}
_SERVERS_LOCK = threading.Lock()


def shared_server(settings: Settings) -> ModelServer:
    """The one server for these model settings in this process (every Answerer shares it)."""
    key = _key(settings)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            server = _SERVERS[key] = ModelServer(settings)
        return server


def existing_server(settings: Settings) -> ModelServer | None:
    """The shared server if one was created for these settings (the page asks, to show its state)."""
    with _SERVERS_LOCK:
        return _SERVERS.get(_key(settings))


def _key(settings: Settings) -> tuple[object, ...]:
    """What makes two servers different: the model file and how it is run."""
    a = settings.answer
    return (a.local_model_path or settings.model_cache_dir / MODEL_FILE, a.local_context, a.local_threads, a.local_port)


def _backoff(n: int) -> float:
    return min(MAX_BACKOFF_S, 0.5 * 2 ** max(0, n - 1)) if n else 0.5


def status_text(status: Status) -> str:
    """One line for people: the page's model line and ``doctor``."""
    texts = {"starting": "启动中", "ready": "就绪", "failed": "启动失败，改用抽取式回答", "stopped": "未启动"}
    line = f"本地模型：{texts[status.state]}"
    if status.reason and status.state != "ready":
        line += f"（{status.reason}）"
    return line
