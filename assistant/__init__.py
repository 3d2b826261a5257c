"""Cited-figure question answering over Chinese science-and-technology bureau reports and policies.

The package is laid out as the data flows: ``ingest`` (read, clean, chunk) → ``index``
(Chroma store, embeddings, BM25) → ``retrieve`` (hybrid search) → ``cli`` / ``app.py``.
"""

__version__ = "0.1.0"
