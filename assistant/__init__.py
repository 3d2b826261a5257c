"""Cited-figure question answering over Chinese science-and-technology bureau reports and policies.

The package is laid out as the data flows: ``ingest`` (read, clean, chunk) → ``index``
(Chroma store, embeddings, BM25) → ``facts`` → ``retrieve`` (hybrid search) → ``answer`` →
``evaluate`` → ``serve`` / ``cli`` / ``app.py``.
"""

import warnings

# jieba 0.42 imports pkg_resources, whose import warns on the setuptools pinned here (cpca needs it):
# two lines on stderr before every command's own one-line message, about a library we cannot change
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

__version__ = "0.1.0"
