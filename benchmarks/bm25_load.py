"""Opening the BM25 view of a large index: a merge of every segment's postings against the saved merge.

Run: .venv/bin/python benchmarks/bm25_load.py --from INDEX/bm25 [--chunks 200000] [--out FILE]

The segments of a real view (``--from``, e.g. an index of knowledge/ or benchmarks/library.py's
``--keep`` folder) are replicated under new names until ``--chunks``; then, each step in CPU seconds
of this process: a merge of all postings (what every open did before the merge was saved), the first
open (merge and save), an open of the unchanged view (the saved merge read), an open after one
document was added (the saved merge plus that document) and an open retriever's refresh after one more
(the merge in memory plus that document), and reading 1,000 chunks' texts and metadata (decoded on
access from the mapped segment files since format 5). Replicated segments repeat their tokens, so the vocabulary
is that of the source view; every other cost scales with the chunks.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from assistant.index.lexical import LexicalIndex
from assistant.index.segments import Postings, read_segment


def _replicate(source: Path, folder: Path, chunks: int) -> list[tuple[str, list]]:
    """Copies of the source view's segments (hard links) named in a stamp until ``chunks``; the entries
    left over for the "one document added" steps."""
    stamp = json.loads((source / "stamp.json").read_text())
    entries, total, copy = {}, 0, 0
    spare: list[tuple[str, list]] = []
    while total < chunks or len(spare) < 2:
        for src, (content_hash, name, count) in stamp["segments"].items():
            new = f"{copy:05d}-{name}"
            (folder / new).unlink(missing_ok=True)
            (folder / new).hardlink_to(source / name)
            if total < chunks:
                entries[f"{copy:05d}/{src}"] = [content_hash, new, count]
                total += count
            elif len(spare) < 2 and count > 10:
                spare.append((f"{copy:05d}/{src}", [content_hash, new, count]))
        copy += 1
    (folder / "stamp.json").write_text(json.dumps(stamp | {"segments": entries, "count": total}))
    return spare


def _add(folder: Path, entry: tuple[str, list]) -> None:
    stamp = json.loads((folder / "stamp.json").read_text())
    stamp["segments"] = dict(sorted({**stamp["segments"], entry[0]: entry[1]}.items()))
    (folder / "stamp.json").write_text(json.dumps(stamp))


def _timed(fn) -> tuple[object, dict[str, float]]:
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return out, {"cpu_s": round(time.process_time() - c, 2), "wall_s": round(time.perf_counter() - w, 2)}


def _read_and_merge(folder: Path, names: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    segments, read = _timed(lambda: [(n, read_segment(folder / n)) for n in names])
    return read, _timed(lambda: Postings.merge(segments))[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=200_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bm25-load-"))
    try:
        spare = _replicate(args.source, folder, args.chunks)
        stamp = json.loads((folder / "stamp.json").read_text())
        names = [e[1] for e in stamp["segments"].values()]
        result: dict[str, object] = {"chunks": stamp["count"], "segments": len(names)}
        result["read segments"], result["merge all postings (each open before)"] = _read_and_merge(folder, names)
        _, result["first open: read, merge all, save"] = _timed(lambda: LexicalIndex.load(folder))
        view, result["open unchanged: read, saved merge"] = _timed(lambda: LexicalIndex.load(folder))
        picked = random.Random(24).sample(range(len(view.ids)), 1000)  # what ~20 queries' candidates read
        _, result["1,000 chunks' text and metadata read"] = _timed(
            lambda: [(view.texts[i], view.metadatas[i]) for i in picked]
        )
        _add(folder, spare[0])
        _, result["open after one document added"] = _timed(lambda: LexicalIndex.load(folder))
        _add(folder, spare[1])
        _, result["open retriever's refresh after one more"] = _timed(lambda: LexicalIndex.load(folder, view))
        result["saved merge MB"] = round(sum(p.stat().st_size for p in folder.glob("postings-*.pkl")) / 2**20, 1)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
