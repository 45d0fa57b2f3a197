# Two commands for a fresh machine: `make demo` and `make test`.
# Everything installs into .venv/ at the repository root.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
JIANYU := $(VENV)/bin/jianyu
STAMP  := $(VENV)/.installed
MODEL  := nlp/models/tagger.pkl
CORPUS := $(wildcard nlp/corpus/*.jsonl)
NLP_SRC := $(wildcard nlp/*.py) nlp/data/userdict.txt

.PHONY: install debs model demo test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# Debian packages the tests need, installed only when missing (CI runs as root):
# redis-server for the scale-out test (tests/crawlers/test_redis.py).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
debs:
	@command -v redis-server >/dev/null 2>&1 || { \
		$(SUDO) apt-get update && \
		$(SUDO) apt-get install -y --no-install-recommends redis-server; }

model: $(MODEL)

$(MODEL): $(STAMP) $(CORPUS) $(NLP_SRC)
	$(JIANYU) nlp train

demo: $(MODEL)
	$(JIANYU) demo

test: debs $(MODEL)
	$(PY) -m pytest -q

bench: $(MODEL)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data nlp/models/tagger.pkl nlp/models/tagger.json .pytest_cache .hypothesis
