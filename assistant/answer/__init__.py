"""Answers with cited, verified figures: grounding → backends (openai | local | extractive) → verify."""
