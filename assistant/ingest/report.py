"""What an ingest run did: documents indexed, skipped, replaced and failed, warnings, and where it
stopped. The CLI prints it, the page shows it, and a stopped run's message says what it committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestReport:
    """What a run did; the CLI prints it and exits non-zero when ``failed`` is not empty."""

    documents: int = 0
    chunks: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    # (document, the other file it replaced): documents are known by their path below the ingest
    # root, so a file arriving under an indexed id from another place (two roots, an older index)
    # takes the indexed one's place when it is newer; the run says so instead of hiding it
    replaced: list[tuple[str, str]] = field(default_factory=list)
    # (document, the file left out, the newer file kept): a file older than the one indexed under its id
    kept: list[tuple[str, str, str]] = field(default_factory=list)
    # (old id, new id): a file an older index knew by its name alone, now known by its folder too
    renamed: list[tuple[str, str]] = field(default_factory=list)
    # (file name, what of it was left out): an empty sheet, a table without a header row
    warnings: list[tuple[str, str]] = field(default_factory=list)
    # files a folder ingest leaves out because their name starts with "." (hidden): said, not silent
    hidden: list[str] = field(default_factory=list)
    # (file name, sentences flagged as instructions to a reader or a model)
    suspicious: list[tuple[str, int]] = field(default_factory=list)
    # the document being written when the run stopped: (file name, chunks written, chunks in all)
    partial: tuple[str, int, int] | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("parse", "clean", "embed", "write", "lexical", "facts"), 0.0)
    )

    def committed(self) -> str:
        """What is in the index after a run that stopped early (for the one-line message)."""
        done = f"committed: {self.documents} document(s) indexed, {self.skipped} unchanged"
        if self.partial is not None:
            name, written, total = self.partial
            done += f", {name} {written} of {total} chunks (listed as incomplete, not searchable until completed)"
        return f"{done}; the index is consistent; run the same command again to finish"
