"""The indicator fact table: facts extracted from the indexed chunks, stored in SQLite beside
Chroma, queried by indicator, region and year (``python -m assistant facts``, the 指标 tab, and
answers that compare, follow or rank a figure)."""

from assistant.facts.extract import Fact, extract_facts
from assistant.facts.store import FactStore
from assistant.facts.vocabulary import Vocabulary, load_vocabulary

__all__ = ["Fact", "FactStore", "Vocabulary", "extract_facts", "load_vocabulary"]
