"""Ingest files into the index: read → clean → screen → chunk → embed → write, one document at a time.

One document at a time means a bad file costs that file only. Within a document, chunks are
embedded in batches of ``ingest.batch_chunks`` and written in batches of ``ingest.write_chunks``:
memory stays flat on a 30 MB file, a progress bar moves inside it, and Ctrl-C
(:mod:`assistant.ingest.stop`) or a lost server stops after a whole batch. The registry marks the
document incomplete until its last batch is written, and search serves only complete documents
(see :mod:`assistant.index.store`); the next run keeps the batches already written (stable chunk
ids) and completes it, without duplicates. The batches are :mod:`assistant.ingest.batches`; what
a run did is its :class:`~assistant.ingest.report.IngestReport`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.errors import DependencyError, DiskFull, DocumentError, disk_full, with_context
from assistant.facts.store import open_facts
from assistant.index.embed import Embedder, make_embedder
from assistant.index.lexical import LexicalIndex
from assistant.index.store import ChunkStore, id_parts
from assistant.ingest.batches import write_batches
from assistant.ingest.identity import Root, find_sources
from assistant.ingest.layout import Laid, lay_out
from assistant.ingest.limits import check_limits
from assistant.ingest.manifest import DocMeta, document_meta, load_manifest
from assistant.ingest.readers import Document
from assistant.ingest.report import IngestReport
from assistant.ingest.stop import GracefulStop
from assistant.ingest.tables import Table
from assistant.ingest.worker import Parser
from assistant.settings import Settings

# Bump when cleaning or chunking changes, so that every document is re-indexed once.
PIPELINE_VERSION = "8"
_MB = 1024 * 1024


def discover(
    paths: Iterable[Path | Root], exclude: Sequence[str] = ()
) -> tuple[list[Path], list[tuple[str, str]], list[str]]:
    """Files to ingest (folders searched recursively for supported types, less ``exclude`` globs),
    paths that don't exist, and hidden files (name starting with ".", such as ``..报告.txt``) a
    folder search leaves out."""
    sources, missing, hidden = find_sources(paths, exclude)
    return [s.path for s in sources], missing, hidden


BLOCK_CHARS = 200_000


def bounded_blocks(document: Document) -> Document:
    """Text blocks cut at line breaks into pieces of at most ~BLOCK_CHARS characters.

    A .txt file is one block, and layout keeps per-character offsets while it normalizes a block:
    a 30 MB file as one block peaked at 1.8 GB. In pieces, memory stays flat; the pieces are
    joined with a blank line in the displayed text, where a line break was."""
    blocks: list[str | Table] = []
    for block in document.blocks:
        while isinstance(block, str) and len(block) > BLOCK_CHARS:
            cut = block.rfind("\n", 0, BLOCK_CHARS)
            cut = cut if cut > 0 else BLOCK_CHARS
            blocks.append(block[:cut])
            block = block[cut:].lstrip("\n")
        blocks.append(block)
    return replace(document, blocks=blocks)


class Ingestor:
    """Holds the store and embedder for one run (both are costly to open)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = ChunkStore(settings)
        self.embedder = embedder or make_embedder(settings.embed, settings.embed_cache_dir, bulk=True)
        self.parse = Parser(settings.ingest.parse_memory_mb, settings.ingest)
        self._manifests: dict[Path, dict[str, DocMeta]] = {}

    def _manifest_entry(self, path: Path) -> DocMeta | None:
        folder = path.parent.resolve()
        if folder not in self._manifests:
            self._manifests[folder] = load_manifest(folder)
        return self._manifests[folder].get(path.name)

    def _content_hash(self, path: Path, entry: DocMeta | None) -> str:
        """The file's identity in the index: its bytes and everything that shapes its chunks (pipeline
        version, chunking, embedder, manifest entry). Refuses empty and oversized files by name first."""
        size = path.stat().st_size
        limit = self.settings.ingest.max_file_mb
        if size > limit * _MB:
            raise DocumentError(
                path.name,
                f"{size / _MB:.1f} MB is over the {limit:g} MB limit for one file "
                "(raise it with --max-mb or ASSISTANT_INGEST__MAX_FILE_MB)",
            )
        if size == 0:  # before any reader: a 0-byte .docx would say "Package not found"
            raise DocumentError(path.name, "the file is empty")
        fingerprint = json.dumps(
            [
                PIPELINE_VERSION,
                self.settings.chunk.model_dump(),
                self.embedder.name,
                entry.model_dump() if entry else None,
            ]
            + ([] if self.settings.embed.table_rows else ["no dense vectors for table rows"]),
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        return hashlib.sha256(path.read_bytes() + b"\x00" + fingerprint).hexdigest()

    def ingest_file(
        self, path: Path, report: IngestReport, stop: GracefulStop, progress: bool = False, doc_id: str | None = None
    ) -> None:
        """Index one file as ``doc_id`` (default: its name) unless its content hash is already indexed
        completely, or a newer file is indexed under that id; raises DocumentError, DependencyError,
        or KeyboardInterrupt (never in the middle of a write: ``stop``)."""
        t0 = time.perf_counter()
        name = doc_id or path.name
        entry = self._manifest_entry(path)
        content_hash = self._content_hash(path, entry)
        where, modified = str(path.resolve()), path.stat().st_mtime
        indexed = self.store.document(name) or {}
        if indexed.get("content_hash") == content_hash and indexed.get("status") == "complete":
            report.skipped += 1
            return
        if indexed.get("path") not in (None, where) and float(indexed.get("modified", 0.0)) > modified:
            report.kept.append((name, where, str(indexed["path"])))
            return
        check_limits(path, self.settings.ingest)  # a bomb is refused before any reader opens it
        # instructions to a reader or a model leave the text before anything reads it (metadata included)
        document, flagged = self.parse(path)
        document = bounded_blocks(document)
        t1 = time.perf_counter()
        laid = lay_out(document, self.settings.chunk)
        display, chunks = laid.display, laid.chunks
        if not display.strip():
            raise DocumentError(name, "no text left after cleaning")
        base, doc_meta = _metadata(name, path, laid, entry, content_hash, flagged, where, modified)
        if flagged:
            report.suspicious.append((name, len(flagged)))
        t2 = time.perf_counter()
        with stop.writing():
            self.store.begin_document(name, doc_meta)
        embed_s, write_s = write_batches(
            self.store, self.embedder, self.settings, name, laid, base, report, stop, progress
        )
        w0 = time.perf_counter()
        with stop.writing():
            self.store.finish_document(name, doc_meta)
            report.partial = None
            report.renamed.extend((old, name) for old in self.store.remove_other_ids(where, name))
        write_s += time.perf_counter() - w0
        for stage, seconds in zip(("parse", "clean", "embed", "write"), (t1 - t0, t2 - t1, embed_s, write_s)):
            report.timings[stage] += seconds
        report.warnings.extend((name, warning) for warning in document.warnings)
        report.documents += 1
        report.chunks += len(chunks)
        if indexed.get("path") not in (None, where):
            report.replaced.append((name, indexed["path"]))

    def close(self) -> None:
        """Stop the embedding worker processes, if the embedder has any (they also end with this process)."""
        getattr(self.embedder, "close", lambda: None)()

    def refresh_lexical(self, report: IngestReport) -> None:
        """Rebuild the BM25 view now, so the first search after an ingest is fast."""
        t0 = time.perf_counter()
        LexicalIndex.refresh(self.store, self.settings.lexical_dir)
        report.timings["lexical"] += time.perf_counter() - t0

    def refresh_facts(self, report: IngestReport) -> None:
        """Bring the fact table in step now (only the chunks this run added are read)."""
        t0 = time.perf_counter()
        open_facts(self.settings, self.store).close()
        report.timings["facts"] += time.perf_counter() - t0


def _metadata(
    name: str,
    path: Path,
    laid: Laid,
    entry: DocMeta | None,
    content_hash: str,
    flagged: tuple[str, ...],
    where: str,
    modified: float,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The metadata every chunk of the document carries (its inferred fields, source and content
    hash) and the document's own record (chunk count, size, path, time, flagged text)."""
    meta = document_meta(path.name, laid.display, entry)
    base = {k: v for k, v in meta.model_dump().items() if isinstance(v, (str, int, float, bool)) and v != ""}
    if meta.years:
        base["years"] = list(meta.years)
    base |= {"source": name, "content_hash": content_hash}
    doc_meta = (
        base
        | id_parts(name)
        | {
            "chunks": len(laid.chunks),
            "characters": len(laid.display),
            "path": where,
            "modified": modified,
            "suspicious": len(flagged),
            "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
    )
    if meta.file_name_years:  # the text's years won; what the file name said is shown beside them
        doc_meta["file_name_years"] = list(meta.file_name_years)
    if flagged:
        doc_meta["suspicious_text"] = flagged[0][:200]
    return base, doc_meta


def ingest(settings: Settings, paths: list[Path | Root] | None = None, progress: bool = True) -> IngestReport:
    """Ingest files and folders (default: the knowledge folder); never stops at a bad file. Each
    file is known by its path below the folder named (:mod:`assistant.ingest.identity`).

    Stops early only on Ctrl-C (``KeyboardInterrupt``), a lost dependency (:class:`DependencyError`)
    or a full disk (:class:`DiskFull`); each says what was committed, and the index is consistent and
    resumable."""
    start = time.perf_counter()
    report = IngestReport()
    files, report.failed, report.hidden = find_sources(paths or [settings.knowledge_dir], settings.ingest.exclude)
    ingestor: Ingestor | None = None
    with GracefulStop() as stop:
        try:
            ingestor = Ingestor(settings)
            bar = tqdm(files, desc="ingest", unit="doc", disable=not progress, dynamic_ncols=True)
            for source in bar:
                bar.set_postfix_str(source.doc_id[-40:])
                try:
                    ingestor.ingest_file(source.path, report, stop, progress, doc_id=source.doc_id)
                except DocumentError as exc:
                    report.failed.append((source.doc_id if exc.path == source.path.name else exc.path, exc.reason))
                except OSError as exc:
                    if disk_full(exc):
                        raise
                    report.failed.append((source.doc_id, f"cannot read: {exc.strerror or exc}"))
            ingestor.refresh_lexical(report)
            ingestor.refresh_facts(report)
        except DependencyError as exc:
            raise with_context(exc, report.committed()) from exc
        except KeyboardInterrupt as exc:
            raise KeyboardInterrupt(report.committed()) from exc
        except Exception as exc:
            if not disk_full(exc, (settings.resolved_index_dir, settings.embed_cache_dir), settings.ingest.min_free_mb):
                raise
            raise DiskFull(f"the disk is full ({settings.resolved_index_dir}); {report.committed()}") from exc
        finally:
            # the embedding workers stop here on every path: left to the interpreter's exit, the pool's
            # manager thread could close its wake-up pipe while exit wrote to it (a traceback after the
            # one-line error of a lost Chroma server; CPython 3.11's ProcessPoolExecutor race)
            if ingestor is not None:
                ingestor.close()
    report.seconds = time.perf_counter() - start
    return report


def remove(settings: Settings, doc_id: str) -> int | None:
    """Remove a document by the name ``list`` shows (a bare file name will do when only one
    document has it); the chunks removed, or None when it was not indexed."""
    store = ChunkStore(settings)
    removed = store.remove_document(store.resolve(doc_id))
    if removed is not None:
        LexicalIndex.refresh(store, settings.lexical_dir)
        open_facts(settings, store).close()
    return removed
