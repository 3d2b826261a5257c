"""The fact table: SQLite beside Chroma, derived from Chroma's chunks and kept in step with them.

Chroma stays the store of record; this table is a view of it, like the BM25 cache
(:mod:`assistant.index.lexical`), kept by document: it remembers the content hash of every document
it has read and the Chroma ``generation`` it last saw. When the generation moves, it compares those
hashes with the registry's (one record per document) and touches only the documents that changed:
a removed or replaced document loses its facts, a new or replaced one's chunks are fetched and
extracted. One changed document costs that document, not the index. A change of the extractor
(``FORMAT``) or of the indicator vocabulary rebuilds the whole table.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from assistant.facts.extract import FORMAT, Fact, extract_facts
from assistant.facts.vocabulary import Vocabulary, load_vocabulary, normalize
from assistant.index.store import ChunkStore, StoredChunk
from assistant.language.places import region_of
from assistant.settings import Settings

_PAGE = 2000
_COLUMNS = [f.name for f in fields(Fact)]
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS facts (id INTEGER PRIMARY KEY, {", ".join(_COLUMNS)});
CREATE INDEX IF NOT EXISTS facts_lookup ON facts (indicator, region, year);
CREATE INDEX IF NOT EXISTS facts_region ON facts (region, year);
CREATE INDEX IF NOT EXISTS facts_chunk ON facts (chunk_id);
CREATE INDEX IF NOT EXISTS facts_source ON facts (source);
CREATE TABLE IF NOT EXISTS documents (source TEXT PRIMARY KEY, content_hash TEXT);
CREATE TABLE IF NOT EXISTS stamp (key TEXT PRIMARY KEY, value TEXT);
"""
_REGION_SUFFIX = re.compile(r"(?:省|市|区|县|自治区)$")


def _full_name(region: str) -> str:
    """The division's full name when ``region`` is one whole name form of it (黔东南州 and 黔东南 are
    黔东南苗族侗族自治州, which no LIKE on the short form finds); else ``region`` itself."""
    place = region_of(region)
    return place.full_name if place is not None and place.span == (0, len(region)) else region


@dataclass
class SyncReport:
    added: int = 0  # chunks read
    removed: int = 0  # documents whose facts were dropped (removed or replaced)
    facts: int = 0  # facts extracted from the added chunks
    seconds: float = 0.0
    rebuilt: bool = False


class FactStore:
    """Open on ``<index>/facts.sqlite``; :meth:`sync` brings it in step with Chroma."""

    def __init__(self, path: Path, vocab: Vocabulary) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.vocab = vocab
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    @classmethod
    def current(cls, chunks: ChunkStore, folder: Path, vocab: Vocabulary) -> FactStore:
        """The table for this index, synced with Chroma."""
        store = cls(folder / "facts.sqlite", vocab)
        store.sync(chunks)
        return store

    # -- keeping in step -----------------------------------------------------------------------
    def _stamp(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM stamp").fetchall())

    def _version(self) -> str:
        return f"{FORMAT}:{self.vocab.fingerprint}:by-document"

    def sync(self, chunks: ChunkStore) -> SyncReport:
        """Drop the facts of documents removed or replaced since the last sync; extract those of
        documents added or replaced (their chunks only)."""
        t0 = time.perf_counter()
        report = SyncReport()
        generation = chunks.generation()  # read first: a concurrent write then looks stale, not current
        stamp = self._stamp()
        if stamp.get("generation") == generation and stamp.get("version") == self._version():
            return report
        with self._lock, self._db:
            if stamp.get("version") != self._version():
                self._db.execute("DELETE FROM facts")
                self._db.execute("DELETE FROM documents")
                report.rebuilt = True
            have = dict(self._db.execute("SELECT source, content_hash FROM documents").fetchall())
            # only complete documents: one still being written has no facts, as it has no search results
            want = chunks.searchable_hashes()
            for source in sorted(s for s, h in have.items() if want.get(s) != h):
                self._db.execute("DELETE FROM facts WHERE source = ?", (source,))
                self._db.execute("DELETE FROM documents WHERE source = ?", (source,))
                report.removed += 1
            for source, content_hash in sorted(want.items()):
                if have.get(source) != content_hash:
                    self._read_document(chunks, source, content_hash, report)
            self._db.executemany(
                "INSERT OR REPLACE INTO stamp VALUES (?, ?)", [("generation", generation), ("version", self._version())]
            )
        report.seconds = time.perf_counter() - t0
        return report

    def _read_document(self, chunks: ChunkStore, source: str, content_hash: str, report: SyncReport) -> None:
        """Extract one document version's facts, ``_PAGE`` chunks at a time, and remember its hash."""
        page: list[StoredChunk] = []
        for chunk in chunks.document_chunks(source, content_hash):
            page.append(chunk)
            if len(page) == _PAGE:
                self._extract(page, report)
                page = []
        self._extract(page, report)
        self._db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (source, content_hash))

    def _extract(self, page: list[StoredChunk], report: SyncReport) -> None:
        rows = [fact for c in page for fact in extract_facts(c.id, c.text, c.metadata, self.vocab)]
        self._insert(rows)
        report.added += len(page)
        report.facts += len(rows)

    def _insert(self, facts: list[Fact]) -> None:
        marks = ",".join("?" * len(_COLUMNS))
        self._db.executemany(
            f"INSERT INTO facts ({', '.join(_COLUMNS)}) VALUES ({marks})",
            [tuple(getattr(f, c) for c in _COLUMNS) for f in facts],
        )

    # -- reading -------------------------------------------------------------------------------
    def query(
        self,
        indicator: str | None = None,
        region: str | None = None,
        year: int | None = None,
        qualifiers: frozenset[str] | None = None,
        whole_only: bool = False,
        limit: int | None = None,
    ) -> list[Fact]:
        """Facts matching every given filter, ordered by indicator, region, year, source.

        ``indicator`` is free text: a phrase the vocabulary knows matches its canonical indicator
        (so any synonym finds it); other text matches indicator or wording containing it.
        ``region`` matches a region containing it, with or without 省/市/区/县 (北京市 finds 北京).
        ``whole_only`` leaves out breakdowns (采矿业, 省级) that are parts of a region's figure.
        """
        where, args = [], []
        if indicator:
            canonical = self.vocab.canonical(indicator) or self.vocab.search(indicator)
            if canonical:
                where.append("indicator = ?")
                args.append(canonical)
            else:
                where.append("(indicator LIKE ? OR raw LIKE ?)")
                args += [f"%{normalize(indicator)}%"] * 2
        if region:
            short = _REGION_SUFFIX.sub("", normalize(region).replace(" ", "")) or region
            where.append("(region LIKE ? OR region = ?)")
            args += [f"%{short}%", _full_name(region)]
        if year is not None:
            where.append("year = ?")
            args.append(year)
        if qualifiers is not None:
            where.append(f"qualifier IN ({','.join('?' * len(qualifiers))})")
            args += sorted(qualifiers)
        if whole_only:
            where.append("subject = ''")
        sql = f"SELECT {', '.join(_COLUMNS)} FROM facts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY indicator, region, year, source, start"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [Fact(*r) for r in rows]

    def by_chunk(self, chunk_id: str) -> list[Fact]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM facts WHERE chunk_id = ?", (chunk_id,)
            ).fetchall()
        return [Fact(*r) for r in rows]

    def held(self) -> dict[str, list[str]]:
        """The indicators and regions the table holds (most facts first) and its years (latest first)."""
        with self._lock:
            db = self._db
            indicators = [
                r[0] for r in db.execute("SELECT indicator FROM facts GROUP BY indicator ORDER BY COUNT(*) DESC")
            ]
            regions = [
                r[0]
                for r in db.execute(
                    "SELECT region FROM facts WHERE region != '' GROUP BY region ORDER BY COUNT(*) DESC"
                )
            ]
            years = [
                str(r[0])
                for r in db.execute("SELECT DISTINCT year FROM facts WHERE year IS NOT NULL ORDER BY year DESC")
            ]
        return {"indicators": indicators, "regions": regions, "years": years}

    def cells(self) -> set[tuple[str, int | None, str]]:
        """Every (region, year, indicator) the table holds a figure for: what the corpus covers,
        table rows of national and provincial tables included."""
        with self._lock:
            return set(self._db.execute("SELECT DISTINCT region, year, indicator FROM facts WHERE region != ''"))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM facts").fetchone()[0])

    def close(self) -> None:
        self._db.close()


def open_facts(settings: Settings, chunks: ChunkStore | None = None) -> FactStore:
    """The fact table of the configured index, in step with its Chroma collection."""
    return FactStore.current(
        chunks or ChunkStore(settings), settings.resolved_index_dir, load_vocabulary(settings.knowledge_dir)
    )
