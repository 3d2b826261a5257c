"""User-facing errors: their message is shown verbatim by the CLI and the page.

Anything else that escapes is a bug and keeps its traceback; set ``ASSISTANT_RAISE_ERRORS=1``
to see the traceback of these too. Each class carries the CLI's exit code, so a script can tell
"a file was bad" (1) from "you asked for something impossible" (2) from "a server went away" (3–5)
without parsing messages; ``EXIT_CODES`` is what ``--help`` and the README print.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar


class AssistantError(Exception):
    """Base class: the message is written for the user, not the developer."""

    exit_code = 2


class DocumentError(AssistantError):
    """A document cannot be read, decoded or parsed; ingest reports it and moves on."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexError_(AssistantError):
    """The index cannot be opened or is missing (named with a trailing _ to keep the builtin)."""


class DependencyError(AssistantError):
    """A service the assistant relies on (Chroma server, embeddings endpoint, LLM endpoint) stopped
    answering. Not the user's input: retrying later with the same command is the remedy."""

    exit_code = 3


class ChromaUnavailable(DependencyError, IndexError_):
    """The ``chroma run`` server is unreachable or dropped the connection."""

    exit_code = 3


class EmbeddingError(DependencyError):
    """The embedding backend failed (endpoint down, wrong dimension, …)."""

    exit_code = 4


class LLMUnavailable(DependencyError):
    """The LLM endpoint of the ``openai`` backend is unreachable."""

    exit_code = 5


class DiskFull(AssistantError):
    """The disk holding the index or the embedding cache is full. Ingest stops at once and says what
    was committed; the index stays consistent (the document in hand is listed as incomplete), and the
    same command completes it once space is freed. Exit code 1, as for a file that failed: the file in
    hand did, and a new code would need a row in the README's table of them."""

    exit_code = 1


_DISK_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def disk_full(exc: BaseException, folders: Iterable[Path] = (), min_free_mb: float = 0.0) -> bool:
    """Whether ``exc`` or an exception it was raised from reports a full disk (OSError's ENOSPC or
    EDQUOT, SQLite's wording of it), or any of ``folders`` has less than ``min_free_mb`` left: embedded
    Chroma reports a full disk only as "Error in compaction: Failed to apply logs to the metadata segment"."""
    import shutil

    for folder in folders:
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and shutil.disk_usage(existing).free < min_free_mb * 1024 * 1024:
            return True
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(word in str(seen).lower() for word in _DISK_FULL_WORDS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class StorageError(AssistantError):
    """The disk under the index is full, or the index is damaged or read-only: retrying the same
    command does not help until the cause is fixed (the message says how). Exit code 2, as every
    error whose line says what to change."""


# What SQLite (Chroma's and the fact table's) and the OS say, and what to do about it.
_STORAGE = (
    (
        _DISK_FULL_WORDS,
        "the disk holding the index is full ({msg}); free some space and run the same command again "
        "(what was committed is kept)",
    ),
    (
        ("database disk image is malformed", "file is not a database", "malformed database schema"),
        "the index at {where} is damaged ({msg}); rebuild it from the source files: "
        "python -m assistant ingest --rebuild [FOLDERS]",
    ),
    (
        ("readonly database", "read-only file system", "permission denied"),
        "the index at {where} cannot be written ({msg}); fix its permissions (chmod -R u+w {where}) "
        "or use another with --index",
    ),
)


def storage_failure(exc: BaseException, where: object, min_free_mb: float = 0.0) -> StorageError | None:
    """``exc`` (or what caused it) as a :class:`StorageError` saying what to do, if it is one; with
    ``min_free_mb``, any failure while the disk holding ``where`` has less than that left is a full
    disk (embedded Chroma says only "Failed to apply logs to the metadata segment")."""
    if isinstance(where, Path) and min_free_mb > 0 and disk_full(exc, (where,), min_free_mb):
        msg = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return StorageError(_STORAGE[0][1].format(msg=msg, where=where))
    seen: BaseException | None = exc
    while seen is not None:
        msg = str(seen).splitlines()[0][:200] if str(seen) else type(seen).__name__
        said = msg.lower() + (" no space left on device" if getattr(seen, "errno", None) == errno.ENOSPC else "")
        for needles, advice in _STORAGE:
            if any(n in said for n in needles):
                return StorageError(advice.format(msg=msg, where=where))
        seen = seen.__cause__ or seen.__context__
    return None


EXIT_CODES: dict[int, str] = {
    0: "success",
    1: (
        "some files failed to ingest (named on stderr), the disk filled up (ingest says what was committed), or "
        "an evaluation gate was missed"
    ),
    2: "a usage or input error (the one-line message says which)",
    3: "the Chroma server is unreachable or was lost (ingest says what was committed; re-run to resume)",
    4: "the embeddings endpoint is unreachable or failed (same)",
    5: "the LLM endpoint is unreachable (ask/draft still print the answer from the sources, with a notice)",
    130: "interrupted by Ctrl-C (the index is consistent; re-run to finish)",
}

E = TypeVar("E", bound=AssistantError)


def with_context(exc: E, context: str) -> E:
    """The same kind of error with ``context`` appended (what was committed before it happened)."""
    out = type(exc).__new__(type(exc))
    Exception.__init__(out, f"{exc}; {context}")
    out.__dict__.update(exc.__dict__)
    return out


def first_line(exc: BaseException) -> str:
    """An exception as one short line for a notice on the page (the log keeps the rest)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
