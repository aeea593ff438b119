# PaperLens: two commands on a fresh machine.
#   make run   set up .venv, build the store from the bundled sample corpus if empty, run the main job
#   make test  set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.paperlens-installed

.PHONY: setup browser tex run test test-fast lint drills eval bench clean

setup: $(STAMP) browser tex

# The /docs browser test drives Debian's Chromium. Installed when missing and this is a root shell with
# apt-get (CI, containers); elsewhere it says how, and that test is skipped.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null) \
	  || echo "warning: could not install chromium; the /docs browser test will be skipped"; \
	else echo "note: the /docs browser test needs chromium and chromium-driver (sudo apt-get install chromium chromium-driver)"; fi

# The export test also runs TeX's own bibtex over the exported file: installed the same way (about 10 s),
# skipped where it is missing.
tex:
	@if command -v bibtex >/dev/null 2>&1 && kpsewhich plain.bst >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends texlive-binaries texlive-base) >/dev/null 2>&1 \
	  || echo "warning: could not install bibtex; the bibtex export test will be skipped"; \
	else echo "note: the bibtex export test needs TeX's bibtex (sudo apt-get install texlive-binaries texlive-base)"; fi

# torch first and pinned: the CPU build. A bare torch requirement would pull CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The Discord bot when DISCORD_TOKEN is set (environment or .env), else the terminal session.
run: setup
	$(VENV)/bin/paperlens run

# Bytecode (and pytest's rewritten test modules) is cached under the virtualenv, not beside the sources: where
# PYTHONDONTWRITEBYTECODE is set, every test process (and every worker) would otherwise compile all it imports.
PYCACHE := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$(CURDIR)/$(VENV)/pycache"
# The fast tests mostly wait (loopback servers, timeouts, retries): four workers, one file each at a time
# (a file's module fixtures are built once). The slow ones (models, PostgreSQL, subprocesses) run alone.
XDIST := -n 4 --dist loadfile

# Both halves run even when the first fails; the target fails when either did.
test: lint
	$(PYCACHE) $(PY) -m pytest -q -m "not slow" $(XDIST); fast=$$?; \
	$(PYCACHE) $(PY) -m pytest -q -m slow && exit $$fast

# The edit loop: lint, types and every test that loads no model and starts no process (seconds).
test-fast: lint
	$(PYCACHE) $(PY) -m pytest -q -m "not slow" $(XDIST)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

eval: setup
	$(VENV)/bin/paperlens-lab eval eval/sample-en --mode all
	$(VENV)/bin/paperlens-lab eval eval/sample-zh --mode all

drills: setup
	PAPERLENS_DRILL_ROUNDS=20 $(PY) -m pytest -q -s tests/index/test_crash.py tests/cli/test_drills.py \
	  tests/cli/test_fuzz.py tests/index/sources/test_arxiv.py tests/index/test_concurrency.py \
	  tests/index/test_hardening.py tests/api/test_api.py::test_a_chunked_body_stops_at_the_limit_and_the_key_is_checked_first \
	  tests/api/test_api_bounds.py tests/cli/test_import_files.py tests/cli/test_storage_faults.py

# SciFact's abstracts (beside the checkout in CI) give the vector sets real neighbourhoods; without them the
# bench falls back to the bundled sample corpus and says so. The 1M size is opt-in (see README).
SCIFACT := $(wildcard ../shared/eval/beir/scifact/corpus.jsonl)
BENCH_DATA := $(if $(SCIFACT),--corpus $(SCIFACT) --queries $(dir $(SCIFACT))queries.jsonl --abstracts 1500)

bench: setup
	$(VENV)/bin/paperlens-lab bench --sizes 10000,100000 --ingest-papers 128 --requests 1000 $(BENCH_DATA) --plot paperlens-bench.png

clean:
	rm -rf $(VENV) *.egg-info
