"""Cited paragraphs for a report: a topic is planned into facts (plan, facts, topic, policy,
clauses), then written by the model or composed extractively (model, compose), each figure
verified. Built on top of :mod:`assistant.answer`, never the other way round.
"""
