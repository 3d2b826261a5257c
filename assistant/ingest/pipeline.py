"""Ingest files into the index: read → clean → screen → chunk → embed → write, one document at a time.

One document at a time means a bad file costs that file only. Within a document, chunks are
embedded in batches of ``ingest.batch_chunks`` and written in batches of ``ingest.write_chunks``:
memory stays flat on a 30 MB file, a progress bar moves inside it, and Ctrl-C
(:mod:`assistant.ingest.stop`) or a lost server stops after a whole batch. The registry marks the
document incomplete until its last batch is written, and search serves only complete documents
(see :mod:`assistant.index.store`); the next run keeps the batches already written (stable chunk
ids) and completes it, without duplicates.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.errors import DependencyError, DiskFull, DocumentError, disk_full, with_context
from assistant.facts.store import open_facts
from assistant.index.embed import Embedder, make_embedder, passage_vectors, without_dense
from assistant.index.lexical import LexicalIndex
from assistant.index.store import ChunkStore, id_parts
from assistant.ingest.identity import Root, find_sources
from assistant.ingest.injection import is_flagged
from assistant.ingest.layout import Laid, lay_out
from assistant.ingest.limits import check_limits
from assistant.ingest.manifest import DocMeta, document_meta, load_manifest
from assistant.ingest.readers import Document
from assistant.ingest.stop import GracefulStop
from assistant.ingest.tables import Table
from assistant.ingest.worker import Parser
from assistant.language.text import searchable
from assistant.settings import Settings

# Bump when cleaning or chunking changes, so that every document is re-indexed once.
PIPELINE_VERSION = "8"
_MB = 1024 * 1024


@dataclass
class IngestReport:
    """What a run did; the CLI prints it and exits non-zero when ``failed`` is not empty."""

    documents: int = 0
    chunks: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    # (document, the other file it replaced): documents are known by their path below the ingest
    # root, so a file arriving under an indexed id from another place (two roots, an older index)
    # takes the indexed one's place when it is newer; the run says so instead of hiding it
    replaced: list[tuple[str, str]] = field(default_factory=list)
    # (document, the file left out, the newer file kept): a file older than the one indexed under its id
    kept: list[tuple[str, str, str]] = field(default_factory=list)
    # (old id, new id): a file an older index knew by its name alone, now known by its folder too
    renamed: list[tuple[str, str]] = field(default_factory=list)
    # (file name, what of it was left out): an empty sheet, a table without a header row
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # files a folder ingest leaves out because their name starts with "." (hidden): said, not silent
    hidden: list[str] = field(default_factory=list)
    # (file name, sentences flagged as instructions to a reader or a model)
    suspicious: list[tuple[str, int]] = field(default_factory=list)
    # the document being written when the run stopped: (file name, chunks written, chunks in all)
    partial: tuple[str, int, int] | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("parse", "clean", "embed", "write", "lexical", "facts"), 0.0)
    )

    def committed(self) -> str:
        """What is in the index after a run that stopped early (for the one-line message)."""
        done = f"committed: {self.documents} document(s) indexed, {self.skipped} unchanged"
        if self.partial is not None:
            name, written, total = self.partial
            done += f", {name} {written} of {total} chunks (listed as incomplete, not searchable until completed)"
        return f"{done}; the index is consistent; run the same command again to finish"


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
        meta = document_meta(path.name, display, entry)
        base = {k: v for k, v in meta.model_dump().items() if isinstance(v, (str, int, float, bool)) and v != ""}
        if meta.years:
            base["years"] = list(meta.years)
        base |= {"source": name, "content_hash": content_hash}
        doc_meta = (
            base
            | id_parts(name)
            | {
                "chunks": len(chunks),
                "characters": len(display),
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
            report.suspicious.append((name, len(flagged)))
        t2 = time.perf_counter()
        with stop.writing():
            self.store.begin_document(name, doc_meta)
        embed_s, write_s = self._write_batches(name, laid, base, report, stop, progress)
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

    def _write_batches(
        self, name: str, laid: Laid, base: dict[str, Any], report: IngestReport, stop: GracefulStop, progress: bool
    ) -> tuple[float, float]:
        """Embed the chunks ``ingest.batch_chunks`` at a time and write them ``ingest.write_chunks`` at
        a time, skipping chunks an interrupted run already wrote (same content, same ids); the
        seconds spent embedding and writing. A stop between writes loses only vectors, which the
        embedding cache keeps for the next run."""
        chunks = laid.chunks
        report.partial = (name, 0, len(chunks))
        batch = self.settings.ingest.batch_chunks
        window = max(self.settings.ingest.write_chunks, batch)
        bar = tqdm(
            total=len(chunks),
            desc=f"  {name[:30]}",
            unit="chunk",
            leave=False,
            dynamic_ncols=True,
            disable=not progress or len(chunks) <= batch,
        )
        embed_s = write_s = 0.0
        for start in range(0, len(chunks), window):
            part = list(zip(chunks[start : start + window], laid.extra[start : start + window]))
            ids = [chunk_id(name, c.index, c.text) for c, _ in part]
            done = self.store.written(ids)
            todo = [
                (
                    i,
                    c,
                    base
                    | {
                        "section": c.section,
                        "start": c.start,
                        "end": c.end,
                        "chunk_index": c.index,
                        "suspicious": is_flagged(c.text),
                    }
                    | extra
                    | ({"dense": False} if without_dense(extra, self.settings.embed) else {}),
                )
                for i, (c, extra) in zip(ids, part)
                if i not in done
            ]
            bar.update(len(part) - len(todo))
            vectors = []
            for at in range(0, len(todo), batch):
                piece = todo[at : at + batch]
                e0 = time.perf_counter()
                texts = [searchable(c.text, m) for _, c, m in piece]
                dense = [m.get("dense", True) for _, _, m in piece]
                vectors.append(passage_vectors(self.embedder, [i for i, _, _ in piece], texts, dense))
                embed_s += time.perf_counter() - e0
                bar.update(len(piece))
            if todo:
                w0 = time.perf_counter()
                with stop.writing():
                    self.store.write_chunks(
                        [i for i, _, _ in todo],
                        [c.text for _, c, _ in todo],
                        [m for _, _, m in todo],
                        np.concatenate(vectors),
                    )
                    report.partial = (name, start + len(part), len(chunks))
                write_s += time.perf_counter() - w0
            report.partial = (name, start + len(part), len(chunks))
        bar.close()
        return embed_s, write_s

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


def ingest(settings: Settings, paths: list[Path | Root] | None = None, progress: bool = True) -> IngestReport:
    """Ingest files and folders (default: the knowledge folder); never stops at a bad file. Each
    file is known by its path below the folder named (:mod:`assistant.ingest.identity`).

    Stops early only on Ctrl-C (``KeyboardInterrupt``), a lost dependency (:class:`DependencyError`)
    or a full disk (:class:`DiskFull`); each says what was committed, and the index is consistent and
    resumable."""
    start = time.perf_counter()
    report = IngestReport()
    files, report.failed, report.hidden = find_sources(paths or [settings.knowledge_dir], settings.ingest.exclude)
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
            ingestor.close()
        except DependencyError as exc:
            raise with_context(exc, report.committed()) from exc
        except KeyboardInterrupt as exc:
            raise KeyboardInterrupt(report.committed()) from exc
        except Exception as exc:
            if not disk_full(exc, (settings.resolved_index_dir, settings.embed_cache_dir), settings.ingest.min_free_mb):
                raise
            raise DiskFull(f"the disk is full ({settings.resolved_index_dir}); {report.committed()}") from exc
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
