"""Evaluation: retrieval and answer metrics on the gold set, gated by thresholds (eval/thresholds.toml)."""

from assistant.evaluate.retrieval import RetrievalScores, is_relevant, load_gold, score_retrieval

__all__ = ["RetrievalScores", "is_relevant", "load_gold", "score_retrieval"]
