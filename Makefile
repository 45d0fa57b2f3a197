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

# Debian packages the project needs, installed only when missing (CI runs as root):
# redis-server for the scale-out test (tests/crawlers/test_redis.py), and a CJK font
# so report and digest charts draw Chinese (fonts-wqy-microhei).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS_NEEDED = $(shell command -v redis-server >/dev/null 2>&1 || echo redis-server) \
	$(shell [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || echo fonts-wqy-microhei)
debs:
	@if [ -n "$(strip $(DEBS_NEEDED))" ]; then \
		$(SUDO) apt-get update && \
		$(SUDO) apt-get install -y --no-install-recommends $(DEBS_NEEDED); fi

model: $(MODEL)

$(MODEL): $(STAMP) $(CORPUS) $(NLP_SRC)
	$(JIANYU) nlp train

demo: debs $(MODEL)
	$(JIANYU) demo

test: debs $(MODEL)
	$(PY) -m pytest -q

bench: $(MODEL)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data nlp/models/tagger.pkl nlp/models/tagger.json .pytest_cache .hypothesis
