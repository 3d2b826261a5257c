"""The index: Chroma as the store of record, dense embedders, and the BM25 view derived from it."""
