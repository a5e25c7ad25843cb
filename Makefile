# The two README commands (demo, test) and their helpers.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTALL_LOG := $(VENV)/install.log
NEO4J := deploy/neo4j/neo4j.sh
PYTEST_ARGS ?=

.PHONY: demo test venv neo4j-start neo4j-stop neo4j-status lint bench bench-quick clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "安装依赖 / installing dependencies into $(VENV) (log: $(INSTALL_LOG)) ..."
	@# pip --quiet still passes on the build backend's warnings (setuptools' editable-install
	@# notice looks like an error): keep the whole log in a file and show it only on failure.
	@{ $(BIN)/python -m pip install --quiet --upgrade pip && \
	   $(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'; } >$(INSTALL_LOG) 2>&1 \
	  || { cat $(INSTALL_LOG); echo "安装失败 / install failed: see $(INSTALL_LOG)"; exit 1; }
	@touch $(STAMP)

venv: $(STAMP)

# Generate the demo district, load it into the default store, print URLs and an admin token.
demo: $(STAMP)
	@$(BIN)/python -m cli.demo_run

# The whole suite. Uses NEO4J_URI when set; otherwise starts the local Neo4j and stops it after.
test: $(STAMP)
	@set -e; started=0; \
	if [ -z "$$NEO4J_URI" ]; then \
	  if ! $(NEO4J) status >/dev/null 2>&1; then $(NEO4J) start; started=1; fi; \
	  export NEO4J_URI=neo4j://127.0.0.1:$${NEO4J_BOLT_PORT:-7687}; \
	fi; \
	rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$started = 1 ]; then $(NEO4J) stop || true; fi; \
	exit $$rc

neo4j-start:
	@$(NEO4J) start

neo4j-stop:
	@$(NEO4J) stop

neo4j-status:
	@$(NEO4J) status

lint: $(STAMP)
	@$(BIN)/ruff check graph queries api dashboard cli tests bench
	@$(BIN)/ruff format --check graph queries api dashboard cli tests bench
	@$(BIN)/mypy

bench: $(STAMP)
	@$(BIN)/python -m bench.run --full

bench-quick: $(STAMP)
	@$(BIN)/python -m bench.run --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
