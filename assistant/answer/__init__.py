"""Answers with cited, verified figures: grounding → refusal → backends → verify, in one chain."""
