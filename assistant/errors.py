"""User-facing errors: their message is shown verbatim by the CLI and the page.

Anything else that escapes is a bug and keeps its traceback; set ``ASSISTANT_RAISE_ERRORS=1``
to see the traceback of these too.
"""


class AssistantError(Exception):
    """Base class: the message is written for the user, not the developer."""


class DocumentError(AssistantError):
    """A document cannot be read, decoded or parsed; ingest reports it and moves on."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexError_(AssistantError):
    """The index cannot be opened or is missing (named with a trailing _ to keep the builtin)."""


class EmbeddingError(AssistantError):
    """The embedding backend failed (endpoint down, wrong dimension, …)."""


def first_line(exc: BaseException) -> str:
    """An exception as one short line for a notice on the page (the log keeps the rest)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
