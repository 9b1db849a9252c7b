# Arshif: two commands do everything on a fresh clone (Python 3.11 is all it needs).
#   make run   — install, set up the instance, load the sample archive, index, serve on :5000
#   make test  — install what the tests need (browser included) and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run install test test-deps bench model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/arshif init
	$(BIN)/arshif ingest sample/
	$(BIN)/arshif reindex
	PORT=$(PORT) $(BIN)/arshif serve

# System packages the browser tests need (Debian, as root); elsewhere those tests skip with a reason.
test-deps: install
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Naskh Arabic"; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	  fi; \
	else echo "not root on Debian: browser tests will skip"; fi

test: test-deps
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/ner_eval.py
	$(BIN)/python bench/quality.py

# Retrain the entity tagger shipped in indexer/data/ from ../shared/corpus/ner (deterministic).
model: install
	$(BIN)/python bench/train_ner.py

clean:
	rm -rf $(VENV) *.egg-info build dist
