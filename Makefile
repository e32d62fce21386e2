# OpenGov KG — `make run` serves the graph, `make test` runs every test.
# Both set everything up on a fresh machine: a .venv with the project and its extras,
# and the web assets built from package.json (when present) with the lock file.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
STORE  ?= var/store
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test bench install assets docs clean

run: install assets
	$(BIN)/graphkit serve --sync --store $(STORE) --host $(HOST) --port $(PORT)

test: install assets
	$(BIN)/python -m pytest

# the whole suite at ≈1 M and ≈5 M triples, < 40 min; BENCH_ARGS=--quick: tiny sizes, minutes
bench: install assets
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

docs: install
	$(BIN)/graphkit docs

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,docs]'
	touch $@

# without npm the assets are left out (and said so): the pages that load them, and the browser
# tests, need them; those tests skip, or fail under GRAPHKIT_REQUIRE_ALL=1 (.ci/run installs npm)
assets: install
	@if [ -f package.json ] && ! command -v npm >/dev/null 2>&1; then \
	  echo "make: npm is not installed: web assets (YASGUI, Cytoscape.js) not built" >&2; \
	elif [ -f package.json ]; then \
	  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	    npm ci --no-audit --no-fund; \
	  fi; \
	  npm run --silent build; \
	fi

clean:
	rm -rf $(VENV) var node_modules .pytest_cache
