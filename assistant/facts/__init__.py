"""The indicator fact table: facts extracted from the indexed chunks (``extract``), stored in
SQLite beside Chroma (``store``), bound to what their sentence claims (``binding``), as flat rows
(``table``). Kept import-free, so the page can read column names without loading the index."""
