"""Which document a file is: its path relative to the folder it was ingested from.

Bureaus keep one folder per district or per year with the same file names in each
(``东区/工作报告.docx``, ``西区/工作报告.docx``); known by file name alone, the second silently
evicted the first. A document's id is therefore its path relative to the ingest root (a folder
given on the command line; a file given by itself is its own root, so it is known by its name),
under an optional folder label (the page's uploads are listed under ``uploads/``). Two files that
still arrive under one id are two versions of one document: the newer (by modification time)
is kept, and the run says which one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from assistant.ingest.manifest import MANIFEST_NAME
from assistant.ingest.readers import READERS


@dataclass(frozen=True)
class Root:
    """A file or folder to ingest and the folder its documents are listed under ("" for none)."""

    path: Path
    under: str = ""


@dataclass(frozen=True)
class Source:
    """One file to ingest and its document id (``folder/name``, POSIX separators)."""

    path: Path
    doc_id: str


def doc_id(path: Path, root: Path, under: str = "") -> str:
    """``path`` relative to ``root`` (a file given by itself: its name), under ``under``."""
    relative = path.relative_to(root).as_posix() if root.is_dir() else path.name
    return str(PurePosixPath(under, relative)) if under else relative


def find_sources(
    paths: Iterable[Path | Root], exclude: Sequence[str] = ()
) -> tuple[list[Source], list[tuple[str, str]], list[str]]:
    """Files to ingest with their ids (folders searched recursively for supported types, less those
    whose name or path below the folder matches an ``exclude`` glob), paths that don't exist, and
    hidden files (name starting with ".", such as ``..报告.txt``) a folder search leaves out, by id."""
    files: list[Source] = []
    missing: list[tuple[str, str]] = []
    hidden: list[str] = []
    for item in paths:
        root = item if isinstance(item, Root) else Root(item)
        path = root.path
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if not p.is_file() or p.suffix.lower() not in READERS or p.name == MANIFEST_NAME:
                    continue
                below = p.relative_to(path).as_posix()
                if any(fnmatch(p.name, g) or fnmatch(below, g) for g in exclude):
                    continue
                source = Source(p, doc_id(p, path, root.under))
                (hidden.append(source.doc_id) if p.name.startswith(".") else files.append(source))
        elif path.is_file():
            files.append(Source(path, doc_id(path, path, root.under)))
        else:
            missing.append((str(path), "no such file or folder"))
    return files, missing, hidden
