"""Ingest: read files, clean them, chunk them, and write them to the index."""
