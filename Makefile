# Arshif: two commands do everything on a fresh clone (Python 3.11 is all it needs).
#   make run   — install, set up the instance, load the sample archive, index, serve on :5000
#   make test  — install what the tests need (browser included) and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run install install-train install-test test test-deps bench model lexicon translations clean solr solr-stop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What the app needs to run (make run); training and the tests add their extras to the same venv.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $@

# python-crfsuite, to train the entity tagger and compare its decoder (make model, make bench)
$(VENV)/.installed-train: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[postgres,train-crf]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,train-crf]'
	touch $@

install: $(VENV)/.installed
install-train: $(VENV)/.installed-train
install-test: $(VENV)/.installed-test

# The sample is read once: a restart finds it read and unchanged and adds no run to the history;
# its articles become searchable by the reindex that follows the ingest (AUTO_REINDEX).
run: install
	$(BIN)/arshif init
	$(BIN)/arshif ingest --if-changed sample/
	$(BIN)/arshif sections import sample/sections.tsv
	PORT=$(PORT) $(BIN)/arshif serve

# System packages the tests need (Debian, as root): Chromium and an Arabic font for the browser tests,
# PostgreSQL's programs for the throwaway cluster tests/pgcluster.py starts (ARSHIF_TEST_DATABASE_URL
# names an existing server instead), Java 17 and Maven for the SolrCloud tests (tests/solr). Elsewhere those tests skip with a reason (under CI=true they fail).
test-deps: install-test
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  pkgs=""; \
	  command -v chromium >/dev/null 2>&1 || pkgs="$$pkgs chromium"; \
	  fc-list 2>/dev/null | grep -qi "Noto Naskh Arabic" || pkgs="$$pkgs fonts-noto-core"; \
	  if [ -z "$$ARSHIF_TEST_DATABASE_URL" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then pkgs="$$pkgs postgresql"; fi; \
	  command -v java >/dev/null 2>&1 || pkgs="$$pkgs openjdk-17-jdk-headless"; \
	  command -v mvn >/dev/null 2>&1 || pkgs="$$pkgs maven"; \
	  if [ -n "$$pkgs" ]; then \
	    echo "installing:$$pkgs"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	  fi; \
	else echo "not root on Debian: browser, PostgreSQL and Solr tests need chromium, postgresql (or ARSHIF_TEST_DATABASE_URL), java and maven installed, else they skip"; fi

test: test-deps
	$(BIN)/python -m pytest

bench: install-train
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/reindex.py
	$(BIN)/python bench/ner_eval.py
	$(BIN)/python bench/quality.py

# A local 2-node SolrCloud with ZooKeeper (Solr 9.10.1 from Maven Central; needs Java 17 and Maven):
# nodes on :8983 and :8984, ZooKeeper on :9983, data and logs in instance/solr/. The first run builds
# solr/launcher and downloads Solr's jars into ~/.m2. Ctrl-C (or `make solr-stop`) stops it.
solr: install
	$(BIN)/python -m indexer.solr.cluster --dir instance/solr || test $$? -eq 143  # 143: stopped by solr-stop

solr-stop:
	$(PYTHON) -m indexer.solr.cluster --dir instance/solr --stop

# Extract the interface's messages into web/translations/{ar,en} and compile them (then translate
# what the Arabic catalogue lists as untranslated; tests/web/test_catalogs.py checks).
translations: install
	$(BIN)/python -m web.catalogs

# Retrain the entity tagger shipped in indexer/data/ (deterministic): word clusters from
# ../shared/corpus/news.jsonl.gz, the tag dictionary (a base CRF from ../shared/corpus/ner tags
# the news), then the CRF from ../shared/corpus/ner with both, then its second stage of document
# context (ner-document.crfsuite: the extractor tags twice whenever it is beside ner.crfsuite).
model: install-train
	nice -n 10 $(BIN)/python bench/word_clusters.py
	nice -n 10 $(BIN)/python bench/tag_dictionary.py
	nice -n 10 $(BIN)/python bench/train_ner.py
	nice -n 10 $(BIN)/python bench/train_ner.py --document

# Rebuild the stemmer's lexicon shipped in indexer/data/ from ../shared/corpus (deterministic).
lexicon: install
	$(BIN)/python bench/build_lexicon.py

clean:
	rm -rf $(VENV) *.egg-info build dist
