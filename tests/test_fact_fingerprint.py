"""The fact table's vocabulary fingerprint is the same in every process: it keys the table, and when it
differed per process (a tuple built from a set, ordered by the string hash seed) every process that
opened the index deleted and re-extracted all facts (25 s at 50,000 chunks, docs/library.md).

Checked over knowledge/'s lexicon (the packaged one plus the folder's own), under several hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys

from assistant.settings import PROJECT_ROOT

SCRIPT = (
    "from assistant.facts.vocabulary import load_vocabulary\n"
    "from assistant.settings import PROJECT_ROOT\n"
    "print(load_vocabulary(PROJECT_ROOT / 'knowledge').fingerprint)\n"
)


def test_the_fingerprint_does_not_depend_on_the_hash_seed() -> None:
    prints = {
        subprocess.run(
            [sys.executable, "-c", SCRIPT],
            env=os.environ | {"PYTHONHASHSEED": str(seed), "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in (0, 1, 2, 3, 24)
    }
    assert len(prints) == 1 and len(next(iter(prints))) == 12
