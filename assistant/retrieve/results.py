"""What a search is asked with (metadata filters) and what it returns (ranked chunks with their
metadata), shared by the retriever, the answer chain, the CLI and the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Metadata filters; ``region`` matches any indexed region containing it (泰兴 → 泰兴市)."""

    region: str | None = None
    year: int | None = None
    document: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.region, self.year, self.document))


@dataclass(frozen=True)
class SearchResult:
    rank: int
    source: str
    section: str
    text: str
    score: float
    chunk_id: str
    metadata: dict[str, Any] = field(repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The ``search --json`` shape: rank, source, section, text, score, chunk_id (+ context)."""
        m = self.metadata
        return {
            "rank": self.rank,
            "source": self.source,
            "section": self.section,
            "text": self.text,
            "score": round(self.score, 4),
            "chunk_id": self.chunk_id,
            "title": m.get("title", ""),
            "region": m.get("region", ""),
            "years": m.get("years", []),
            "start": m.get("start"),
            "end": m.get("end"),
        }
