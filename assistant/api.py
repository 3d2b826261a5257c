"""The public functions the CLI and the page call — one place to see what the package offers.

``python -m assistant <command>`` and the page's handlers go through these, so both do exactly the
same thing. Importing this module is cheap (the page imports it before it is served): each
function imports its stage when called.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answer.chain import Answerer
    from assistant.ingest.report import IngestReport
    from assistant.retrieve import Filters, Retriever
    from assistant.settings import Settings


def ingest(settings: Settings, paths: list[Path] | None = None, progress: bool = True) -> IngestReport:
    """Index files or folders (default: the knowledge folder); unchanged files are skipped. A file
    is known by its path below the folder named (a file named by itself: by its name)."""
    from assistant.ingest.pipeline import ingest as run

    return run(settings, paths, progress=progress)


def rebuild(settings: Settings, paths: list[Path] | None = None, progress: bool = True) -> IngestReport:
    """Delete the embedded index (Chroma, the BM25 view, the fact table) and index ``paths`` again
    (default: the knowledge folder and the page's uploads): the way back from a damaged index,
    which can no longer say what it held."""
    import shutil

    from assistant.errors import AssistantError

    if settings.chroma_host:
        raise AssistantError(
            "--rebuild deletes an embedded index; a Chroma server's collections are managed on the server"
        )
    index = settings.resolved_index_dir
    for name in ("chroma", "bm25", "facts.sqlite", "facts.sqlite-wal", "facts.sqlite-shm"):
        target = index / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    sources = paths or [settings.knowledge_dir, *[d for d in [settings.uploads_dir] if d.is_dir()]]
    return ingest(settings, sources, progress=progress)


def remove(settings: Settings, source: str) -> int | None:
    """Delete a document by the name ``list`` shows (``东区/工作报告.docx``; a bare file name when only
    one document has it); its chunk count, or None when it is not indexed."""
    from assistant.ingest.pipeline import remove as run

    return run(settings, source)


def list_documents(settings: Settings) -> list[dict[str, Any]]:
    """The indexed documents with their metadata and chunk counts."""
    from assistant.index.store import ChunkStore

    return ChunkStore(settings).list_documents()


def open_retriever(settings: Settings) -> Retriever:
    """Hybrid passage search over the index (opened once, reused for every question)."""
    from assistant.retrieve import Retriever

    return Retriever(settings)


def open_answerer(
    settings: Settings, backend: str | None = None, retriever: Retriever | None = None, cache: bool = False
) -> Answerer:
    """Answers and drafts with ``backend`` (None: from settings); ``cache`` keeps model completions."""
    from assistant.answer.chain import Answerer

    return Answerer(settings, retriever=retriever, backend=backend, cache=cache)


def filters(region: str | None = None, year: int | str | None = None, document: str | None = None) -> Filters:
    """Search filters from user input; empty values mean "any"."""
    from assistant.retrieve import Filters

    return Filters(region=region or None, year=int(year) if year else None, document=document or None)


def evaluate(
    settings: Settings,
    backend: str,
    limit: int | None = None,
    *,
    gold: Path | None = None,
    thresholds: dict[str, float] | None = None,
    kinds: list[str] | None = None,
    sample: int | None = None,
    cache: bool = True,
    progress: bool = False,
    on_item: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score ``backend`` on the gold set; ``thresholds`` None means the backend's table in
    eval/thresholds.toml."""
    from assistant.evaluate.run import DEFAULT_GOLD, DEFAULT_THRESHOLDS, load_thresholds, run_eval

    if thresholds is None:
        thresholds = load_thresholds(DEFAULT_THRESHOLDS, backend)
    return run_eval(
        settings,
        backend,
        gold or DEFAULT_GOLD,
        thresholds,
        limit,
        kinds,
        sample,
        progress=progress,
        on_item=on_item,
        cache=cache,
    )


def evaluation_markdown(report: dict[str, Any]) -> str:
    """An evaluation report as Markdown."""
    from assistant.evaluate.report import to_markdown

    return to_markdown(report)
