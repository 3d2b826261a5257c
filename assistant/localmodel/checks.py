"""Whether this machine can run the local model: the CPU's features, the installed llama.cpp build
against them, the model file's hash, and a short generation in the supervised model server.

The llama.cpp checks run in child processes (a ``python -c`` that imports it, and the supervised
model server): a build that does not fit this CPU dies there with SIGILL or SIGSEGV, and the
check reports that instead of dying itself. ``python -m assistant doctor`` (:mod:`assistant.doctor`)
runs these first, then its index, embedder and endpoint checks, all reported as :class:`Check`.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError
from assistant.settings import Settings

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
    """One line of the doctor's report: what was checked, what was found and, failed, what to do."""

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
