"""The test gate checks quality only: no shipped thresholds file gates a timing, and the loader
refuses one (a timing gate fails for a busy machine, not for a defect; `make bench` measures speed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from assistant.evaluate.run import LATENCY_METRICS, QUALITY_METRICS, load_thresholds
from assistant.settings import PROJECT_ROOT

SHIPPED = sorted((PROJECT_ROOT / "eval").glob("thresholds*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_thresholds_gate_quality_only(path: Path) -> None:
    backends = tomllib.loads(path.read_text(encoding="utf-8"))
    assert backends
    for backend in backends:
        gates = load_thresholds(path, backend)
        assert gates and all(key.split("_", 1)[1] in QUALITY_METRICS for key in gates)


@pytest.mark.parametrize("metric", LATENCY_METRICS)
def test_a_timing_gate_in_a_thresholds_file_is_refused(tmp_path: Path, metric: str) -> None:
    path = tmp_path / "thresholds.toml"
    path.write_text(f"[local]\nmin_figure_accuracy = 0.75\nmax_{metric} = 12000\n", encoding="utf-8")
    with pytest.raises(ValueError, match="make bench"):
        load_thresholds(path, "local")
