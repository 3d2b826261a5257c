"""``python -m assistant``: a thin shell over the package's public functions.

Each subcommand calls the same function the page calls; this package only parses flags
(:mod:`assistant.cli.parser`) and prints (one module per group of commands). User-facing errors
(:class:`AssistantError`) are printed as one line and exit with their class's code
(:data:`assistant.errors.EXIT_CODES`, listed in ``--help``); set ``ASSISTANT_RAISE_ERRORS=1`` for
their traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from assistant.cli.answers import cmd_ask, cmd_draft, cmd_search
from assistant.cli.checks import cmd_doctor, cmd_eval, cmd_model
from assistant.cli.documents import cmd_facts, cmd_ingest, cmd_list, cmd_remove
from assistant.cli.parser import build_parser, settings_from
from assistant.errors import AssistantError, DiskFull, StorageError, storage_failure
from assistant.questions import printable

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "doctor": cmd_doctor,
    "model": cmd_model,
    "eval": cmd_eval,
    "facts": cmd_facts,
    "ingest": cmd_ingest,
    "remove": cmd_remove,
    "list": cmd_list,
    "search": cmd_search,
    "ask": cmd_ask,
    "draft": cmd_draft,
}


def _index_disk(args: argparse.Namespace) -> tuple[Path, float]:
    """The index folder, and the free space under which a failure there (from Chroma, SQLite or
    the OS: an AssistantError says its own cause) is a full disk."""
    settings = settings_from(args)
    return settings.resolved_index_dir, settings.ingest.min_free_mb


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except AssistantError as exc:
        if settings_from(args).raise_errors:
            raise
        if not isinstance(exc, (StorageError, DiskFull)):  # "cannot open the index: … malformed" → what to do
            exc = storage_failure(exc, settings_from(args).resolved_index_dir) or exc  # its words only
        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a full disk, a damaged or read-only index, from SQLite, Chroma or the OS
        storage = storage_failure(exc, *_index_disk(args))
        if storage is None or settings_from(args).raise_errors:
            raise
        print(f"error: {printable(str(storage))}", file=sys.stderr)
        return storage.exit_code
    except KeyboardInterrupt as exc:
        print(f"interrupted: {exc or 'the index is consistent; run the same command again to finish'}", file=sys.stderr)
        return 130
