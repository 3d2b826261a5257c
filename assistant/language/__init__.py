"""The leaf toolkit every layer reads text with: normalisation, figures, years, places and the
division table, the indicator lexicon, question scope, tokenisation and the drafting vocabulary.

Nothing here imports another layer of the package (only :mod:`assistant.errors` and
:mod:`assistant.settings`), so ingest, retrieval, answers and drafts all read text the same way.
"""
