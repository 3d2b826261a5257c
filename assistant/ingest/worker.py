"""Parse files in a child process whose address space is capped, so that a file no cheap check
could judge (:mod:`assistant.ingest.limits`) costs that child, never the caller.

The page parses every upload this way (its process serves other users and must survive a bomb);
the CLI does when ``ingest.parse_memory_mb`` is set. The child reads and screens the file (the
costly steps that depend on its content) and sends the result back; embedding and writing stay
in the caller. One child per file, watched: a child that dies (the kernel refuses it memory, a
parser crashes) or sends nothing costs that file only. (A process pool was tried first: after a
MemoryError inside the child, its result thread could hang and the caller wait for ever.)
"""

from __future__ import annotations

import multiprocessing
import resource
from multiprocessing.connection import Connection
from pathlib import Path

from assistant.errors import DocumentError
from assistant.ingest.injection import screen_document
from assistant.ingest.readers import Document, read_blocks
from assistant.settings import IngestSettings

_MB = 1 << 20
_POLL_S = 0.5


def parse(path: Path, limits: IngestSettings | None = None) -> tuple[Document, tuple[str, ...]]:
    """Read ``path`` (``limits`` bound a workbook's sheets) and take planted instructions out: what
    ingest indexes, and what it flagged."""
    return screen_document(read_blocks(path, limits))


def cap_line(memory_mb: int, limits: IngestSettings | None) -> str:
    """The cap and the variable that sets it, for a line a user can act on: the page's cap is
    ``page_parse_memory_mb`` unless ``parse_memory_mb`` is set, so where the value is the page's
    both are named."""
    page = limits is not None and memory_mb == limits.page_parse_memory_mb
    where = (
        f"ASSISTANT_INGEST__PAGE_PARSE_MEMORY_MB={memory_mb} on the page, ASSISTANT_INGEST__PARSE_MEMORY_MB otherwise"
        if page
        else f"ASSISTANT_INGEST__PARSE_MEMORY_MB={memory_mb}"
    )
    return f"the limit of {memory_mb:,} MB one file may use ({where})"


def _child(path: Path, memory_mb: int, limits: IngestSettings | None, send: Connection) -> None:
    """In the child: cap the address space, parse, send ("ok", result) or ("error", reason)."""
    limit = memory_mb * _MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    out_of_memory = f"reading it needs more memory than {cap_line(memory_mb, limits)}; not read"
    try:
        send.send(("ok", parse(path, limits)))
    except DocumentError as exc:  # a reader's MemoryError arrives wrapped: "cannot parse as PDF: PdfminerException"
        send.send(("error", out_of_memory if _ran_out_of_memory(exc) else exc.reason))
    except MemoryError:
        send.send(("error", out_of_memory))
    finally:
        send.close()


def _ran_out_of_memory(exc: BaseException) -> bool:
    """Whether a MemoryError is anywhere in the chain of causes (pdfplumber re-raises zlib's as its own)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, MemoryError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


class Parser:
    """:func:`parse` in a memory-capped child per file (``memory_mb`` > 0) or in this process (0)."""

    def __init__(self, memory_mb: int, limits: IngestSettings | None = None) -> None:
        self.memory_mb = memory_mb
        self.limits = limits

    def __call__(self, path: Path) -> tuple[Document, tuple[str, ...]]:
        if self.memory_mb <= 0:
            return parse(path, self.limits)
        context = multiprocessing.get_context("spawn")  # the caller may hold threads and open Chroma handles
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(path, self.memory_mb, self.limits, send), daemon=True)
        child.start()
        send.close()
        try:
            while not receive.poll(_POLL_S):
                if not child.is_alive():
                    break
            kind, result = receive.recv() if receive.poll(0) else ("error", None)
        except (EOFError, OSError):
            kind, result = "error", None
        finally:
            receive.close()
            child.join(5)
            if child.is_alive():
                child.kill()
        if kind == "ok":
            return result
        raise DocumentError(
            path.name,
            result
            or f"the process reading it ran out of memory or crashed (exit code {child.exitcode}) "
            f"under {cap_line(self.memory_mb, self.limits)}; not read",
        )
