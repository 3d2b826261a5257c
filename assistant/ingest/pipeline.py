"""Ingest files into the index: read → clean → chunk → embed → write, one document at a time.

One document at a time means a bad file costs that file only, and a run killed at any point
leaves every other document as it was: the registry record that marks a document complete is
written after its chunks (see :mod:`assistant.index.store`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.errors import DocumentError
from assistant.facts.store import open_facts
from assistant.index.embed import Embedder, make_embedder
from assistant.index.lexical import LexicalIndex
from assistant.index.store import ChunkStore
from assistant.ingest.layout import lay_out
from assistant.ingest.manifest import MANIFEST_NAME, DocMeta, document_meta, load_manifest
from assistant.ingest.readers import READERS, read_blocks
from assistant.settings import Settings
from assistant.text import searchable

# Bump when cleaning or chunking changes, so that every document is re-indexed once.
PIPELINE_VERSION = "6"


@dataclass
class IngestReport:
    """What a run did; the CLI prints it and exits non-zero when ``failed`` is not empty."""

    documents: int = 0
    chunks: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    # (file name, the other file it replaced): documents are known by file name, so a same-named
    # file from another folder takes the indexed one's place; the run says so instead of hiding it
    replaced: list[tuple[str, str]] = field(default_factory=list)
    # (file name, what of it was left out): an empty sheet, a table without a header row
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(("parse", "clean", "embed", "write", "lexical", "facts"), 0.0))


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest (folders searched recursively for supported types), and paths that don't exist."""
    files: list[Path] = []
    missing: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in READERS and p.name != MANIFEST_NAME and not p.name.startswith(".")
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append((str(path), "no such file or folder"))
    return files, missing


def doc_key(doc_id: str) -> str:
    return hashlib.sha1(doc_id.encode()).hexdigest()[:12]


def chunk_id(doc_id: str, index: int, text: str) -> str:
    """Stable: the same document content always yields the same ids."""
    return f"{doc_key(doc_id)}-{index:04d}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


class Ingestor:
    """Holds the store and embedder for one run (both are costly to open)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = ChunkStore(settings)
        self.embedder = embedder or make_embedder(settings.embed, settings.embed_cache_dir)
        self._manifests: dict[Path, dict[str, DocMeta]] = {}

    def _manifest_entry(self, path: Path) -> DocMeta | None:
        folder = path.parent.resolve()
        if folder not in self._manifests:
            self._manifests[folder] = load_manifest(folder)
        return self._manifests[folder].get(path.name)

    def ingest_file(self, path: Path, report: IngestReport) -> None:
        """Index one file unless its content hash is already indexed; raises DocumentError."""
        t0 = time.perf_counter()
        raw = path.read_bytes()
        entry = self._manifest_entry(path)
        fingerprint = json.dumps(
            [PIPELINE_VERSION, self.settings.chunk.model_dump(), self.embedder.name, entry.model_dump() if entry else None],
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        content_hash = hashlib.sha256(raw + b"\x00" + fingerprint).hexdigest()
        indexed = self.store.document(path.name) or {}
        if indexed.get("content_hash") == content_hash:
            report.skipped += 1
            return
        where = str(path.resolve())
        document = read_blocks(path)
        t1 = time.perf_counter()
        laid = lay_out(document, self.settings.chunk)
        display, chunks = laid.display, laid.chunks
        if not display.strip():
            raise DocumentError(path.name, "no text left after cleaning")
        meta = document_meta(path.name, display, entry)
        base = {k: v for k, v in meta.model_dump().items() if isinstance(v, (str, int, float, bool)) and v != ""}
        if meta.years:
            base["years"] = list(meta.years)
        base |= {"source": path.name, "content_hash": content_hash}
        metadatas = [base | {"section": c.section, "start": c.start, "end": c.end, "chunk_index": c.index} | extra
                     for c, extra in zip(chunks, laid.extra)]
        t2 = time.perf_counter()
        vectors = self.embedder.embed_passages([searchable(c.text, m) for c, m in zip(chunks, metadatas)])
        t3 = time.perf_counter()
        doc_meta = base | {"chunks": len(chunks), "characters": len(display), "path": where,
                           "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.store.replace_document(
            path.name, doc_meta, [chunk_id(path.name, c.index, c.text) for c in chunks], [c.text for c in chunks], metadatas, vectors
        )
        t4 = time.perf_counter()
        for stage, seconds in zip(("parse", "clean", "embed", "write"), (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            report.timings[stage] += seconds
        report.warnings.extend((path.name, warning) for warning in document.warnings)
        report.documents += 1
        report.chunks += len(chunks)
        if indexed.get("path") not in (None, where):
            report.replaced.append((path.name, indexed["path"]))

    def refresh_lexical(self, report: IngestReport) -> None:
        """Rebuild the BM25 view now, so the first search after an ingest is fast."""
        t0 = time.perf_counter()
        LexicalIndex.current(self.store, self.settings.lexical_dir)
        report.timings["lexical"] += time.perf_counter() - t0

    def refresh_facts(self, report: IngestReport) -> None:
        """Bring the fact table in step now (only the chunks this run added are read)."""
        t0 = time.perf_counter()
        open_facts(self.settings, self.store).close()
        report.timings["facts"] += time.perf_counter() - t0


def ingest(settings: Settings, paths: list[Path] | None = None, progress: bool = True) -> IngestReport:
    """Ingest files and folders (default: the knowledge folder); never stops at a bad file."""
    start = time.perf_counter()
    report = IngestReport()
    files, report.failed = discover(paths or [settings.knowledge_dir])
    ingestor = Ingestor(settings)
    bar = tqdm(files, desc="ingest", unit="doc", disable=not progress, dynamic_ncols=True)
    for path in bar:
        bar.set_postfix_str(path.name[:40])
        try:
            ingestor.ingest_file(path, report)
        except DocumentError as exc:
            report.failed.append((exc.path, exc.reason))
        except OSError as exc:
            report.failed.append((path.name, f"cannot read: {exc.strerror or exc}"))
    ingestor.refresh_lexical(report)
    ingestor.refresh_facts(report)
    report.seconds = time.perf_counter() - start
    return report


def remove(settings: Settings, doc_id: str) -> int | None:
    """Remove a document by file name; the chunks removed, or None when it was not indexed."""
    store = ChunkStore(settings)
    removed = store.remove_document(Path(doc_id).name)
    if removed is not None:
        LexicalIndex.current(store, settings.lexical_dir)
        open_facts(settings, store).close()
    return removed
