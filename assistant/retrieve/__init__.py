"""Hybrid retrieval: BM25 over jieba tokens fused with dense e5 similarity.

Why not reciprocal-rank fusion: on figure questions BM25 is very strong and e5-small is weak,
and RRF gives both rankings equal say, which lowered top-1 accuracy. Here each ranking's scores
are normalized per query (BM25 by its maximum, dense by min–max over its candidates) and mixed
with a lexical weight tuned on the gold set (``benchmarks/retrieval.py`` prints the sweep);
dense similarity mostly reorders near-ties and rescues questions whose words miss the text.
Neither ranking knows the question's place and year: a chunk outside them (a province's table row
for a national question, a report of other years) has its fused score scaled down once per miss
(:mod:`assistant.language.scope`), so it yields to an in-scope passage without being filtered away.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assistant.index.embed import Embedder, make_embedder
from assistant.index.lexical import LexicalIndex
from assistant.index.store import ChunkStore
from assistant.language.lexicon import Lexicon, load_lexicon
from assistant.language.named_rows import RowLabels
from assistant.language.scope import Scope
from assistant.language.text import to_simplified
from assistant.language.tokens import tokenize_query
from assistant.retrieve.fusion import keep_single_winners
from assistant.retrieve.results import Filters, SearchResult
from assistant.settings import Settings

__all__ = ["Filters", "Mode", "Retriever", "SearchResult"]

Mode = Literal["hybrid", "lexical", "dense"]
# Fused score factor per scope miss: a province's row (≈0.98 on a national question) falls below
# the national sentence that shares fewer of the question's words (≈0.84).
OUT_OF_SCOPE = 0.5


@dataclass(frozen=True)
class _View:
    """One BM25 view with what is derived from it, swapped as a whole."""

    lexical: LexicalIndex
    positions: dict[str, int]
    servable: dict[str, Any]  # the dense filter to the same documents
    rows: RowLabels  # its table rows by label


class Retriever:
    """Opened once (store, embedder, BM25 view) and reused for every question, by many threads.

    Each thread keeps the view it last refreshed to until its next :meth:`refresh`: another
    thread's refresh never swaps the view in the middle of this thread's search or answer."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = ChunkStore(settings)
        self.embedder = embedder or make_embedder(settings.embed)
        self._lexical_dir = settings.lexical_dir
        self._local = threading.local()
        self._adopt(LexicalIndex.current(self.store, self._lexical_dir))

    def _adopt(self, lexical: LexicalIndex) -> None:
        """Use a (re)built BM25 view; dense search is limited to the same servable documents."""
        hashes = sorted({str(h or "") for h in lexical.metadatas.column("content_hash")})
        self._latest = self._local.view = _View(
            lexical,
            {cid: i for i, cid in enumerate(lexical.ids)},
            {"content_hash": {"$in": hashes}},
            RowLabels(lexical.metadatas.fields("kind", "row_label")),  # no chunk's whole metadata decoded
        )

    def _view(self) -> _View:
        view = getattr(self._local, "view", None)
        if view is None:
            view = self._local.view = self._latest
        return view

    @property
    def lexical(self) -> LexicalIndex:
        return self._view().lexical

    @property
    def _positions(self) -> dict[str, int]:
        return self._view().positions

    @property
    def _servable(self) -> dict[str, Any]:
        return self._view().servable

    @property
    def lexicon(self) -> Lexicon:
        """The indicator lexicon, with the knowledge folder's additions (re-read when they change)."""
        return load_lexicon(self.settings.knowledge_dir)

    def refresh(self) -> None:
        """Pick up writes made since opening (an upload, another process's ingest)."""
        latest = self._latest
        if self.store.generation() != latest.lexical.generation:  # unchanged documents' segments are kept
            self._adopt(LexicalIndex.current(self.store, self._lexical_dir, latest.lexical))
        else:
            self._local.view = latest

    def documents(self) -> list[dict[str, Any]]:
        """The document registry (title, region, province, years …), re-read after writes."""
        if getattr(self, "_documents_generation", None) != self.lexical.generation:
            self._documents = self.store.list_documents()
            self._documents_generation = self.lexical.generation
        return self._documents

    def metadata(self, chunk_id: str) -> dict[str, Any]:
        """A stored chunk's metadata ({} for an id no longer indexed), from the BM25 view's copy."""
        i = self._positions.get(chunk_id)
        return self.lexical.metadatas[i] if i is not None else {}

    def chunk(self, chunk_id: str) -> SearchResult | None:
        """A served chunk by id (rank and score 0), or None: the fact table names chunks by id."""
        self.refresh()
        i = self._positions.get(chunk_id)
        if i is None:
            return None
        meta = self.lexical.metadatas[i]
        return SearchResult(
            0, meta.get("source", ""), meta.get("section", ""), self.lexical.texts[i], 0.0, chunk_id, meta
        )

    def _has_vector(self, chunk_id: str) -> bool:
        return bool(self.metadata(chunk_id).get("dense", True))

    def regions(self) -> list[str]:
        return sorted({r for r in self.lexical.metadatas.column("region") if r})

    def _mask(self, filters: Filters) -> tuple[np.ndarray | None, dict[str, Any] | None]:
        """A boolean mask over chunks for BM25, and the equivalent Chroma ``where`` clause."""
        if not filters:
            return None, None
        clauses: list[dict[str, Any]] = []
        metas = self.lexical.metadatas
        mask = np.ones(len(metas), dtype=bool)
        if filters.region:
            wanted = to_simplified(filters.region)
            regions = [r for r in self.regions() if wanted in to_simplified(r)] or [filters.region]
            mask &= np.array([r in regions for r in metas.column("region")], dtype=bool)
            clauses.append({"region": {"$in": regions}})
        if filters.year is not None:
            mask &= np.array([filters.year in (y or []) for y in metas.column("years")], dtype=bool)
            clauses.append({"years": {"$contains": filters.year}})
        if filters.document:
            column = [str(s or "") for s in metas.column("source")]
            sources = set(column)
            # a bare file name names the one document listed as folder/name with it (--doc 报告.pdf)
            named = [s for s in sources if s.rsplit("/", 1)[-1] == filters.document]
            document = filters.document if filters.document in sources or len(named) != 1 else named[0]
            mask &= np.array([s == document for s in column], dtype=bool)
            clauses.append({"source": document})
        return mask, clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def named_rows(self, question: str, limit: int, filters: Filters | None = None) -> list[SearchResult]:
        """The table rows whose label the question holds (:mod:`assistant.language.named_rows`), at most
        ``limit``, those sharing most of the question's words first."""
        self.refresh()
        mask, _ = self._mask(filters or Filters())
        named = [i for i in self._view().rows.positions(question) if mask is None or mask[i]]
        if len(named) > limit:
            scores = self.lexical.scores(tokenize_query(question, self.lexicon))
            named = sorted(named, key=lambda i: -scores[i])[:limit]
        return [self._result(i, rank) for rank, i in enumerate(named, start=1)]

    def _result(self, i: int, rank: int, score: float = 0.0) -> SearchResult:
        meta = self.lexical.metadatas[i]
        return SearchResult(
            rank,
            meta.get("source", ""),
            meta.get("section", ""),
            self.lexical.texts[i],
            score,
            self.lexical.ids[i],
            meta,
        )

    def _dense_where(self, where: dict[str, Any] | None, stored: int | None = None) -> dict[str, Any] | None:
        """The dense query's filter: the user's, and the servable documents' only while the store
        holds chunks outside the view (a document being written or interrupted).

        Chroma filters before its vector search, at a cost that grows with the index: 130 ms of a
        153 ms search at 42,000 chunks against 3 ms unfiltered. Hits outside the view are dropped
        anyway; the filter only keeps them from taking the top places while they exist. ``stored``:
        the store's chunk count when the caller has read it (Chroma counts in ~13 ms at 200,000)."""
        if (self.store.count() if stored is None else stored) == len(self.lexical.ids):
            return where
        return {"$and": [where, self._servable]} if where else self._servable

    def search(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        scope: Scope | None = None,
    ) -> list[SearchResult]:
        """The ``k`` best chunks for ``question``, best first; ``scope`` is the question's places and
        years when the caller has analyzed it already (read from the question otherwise)."""
        self.refresh()
        k = k or self.settings.retrieve.k
        n_candidates = max(self.settings.retrieve.candidates, k)
        mask, where = self._mask(filters or Filters())
        lexical = (
            self.lexical.scores(tokenize_query(question, self.lexicon))
            if mode != "dense"
            else np.zeros(len(self.lexical.ids))
        )
        if mask is not None and len(lexical):
            lexical = np.where(mask, lexical, 0.0)
        lex_top = [int(i) for i in np.argsort(-lexical)[:n_candidates] if lexical[i] > 0] if len(lexical) else []
        candidates = {self.lexical.ids[i] for i in lex_top}
        dense: dict[str, float] = {}
        if mode != "lexical" and self.lexical.ids:
            query_vector = self.embedder.embed_query(to_simplified(question))
            # chunks stored without a dense vector (embed.table_rows off) have no say in the dense ranking
            stored = self.store.count()  # once per search: it scans the index (~13 ms at 200,000 chunks)
            found = self.store.dense_query(query_vector, n_candidates, self._dense_where(where, stored), stored)
            dense = {c: s for c, s in found if self._has_vector(c)}
            candidates |= {c for c in dense if c in self._positions}
            if mode == "hybrid":  # score lexical-only candidates exactly, not as "no similarity"
                lexical_only = candidates - dense.keys()
                dense |= self.store.similarities(query_vector, sorted(c for c in lexical_only if self._has_vector(c)))
        lex_max = float(lexical.max()) if len(lexical) and lexical.max() > 0 else 1.0
        d_lo, d_hi = (min(dense.values()), max(dense.values())) if dense else (0.0, 1.0)
        weight = {"hybrid": self.settings.retrieve.lexical_weight, "lexical": 1.0, "dense": 0.0}[mode]

        scope = scope or Scope.of(question)
        misses = {c: scope.misses(self.metadata(c), self.lexical.texts[self._positions[c]]) for c in candidates}

        def fused(cid: str) -> float:
            lex = float(lexical[self._positions[cid]]) / lex_max if len(lexical) else 0.0
            den = (dense.get(cid, d_lo) - d_lo) / (d_hi - d_lo) if d_hi > d_lo else float(cid in dense)
            return (weight * lex + (1.0 - weight) * den) * OUT_OF_SCOPE ** misses[cid]

        ranked = sorted(candidates, key=lambda c: (-fused(c), self._positions[c]))
        if mode == "hybrid":
            in_scope = {c for c, n in misses.items() if n == 0}
            ranked = keep_single_winners(
                ranked,
                [i for i in lex_top if self.lexical.ids[i] in in_scope],
                {c: s for c, s in dense.items() if c in in_scope},
                self.lexical.ids,
            )
        ranked = ranked[:k]
        return [self._result(self._positions[cid], rank, fused(cid)) for rank, cid in enumerate(ranked, start=1)]
