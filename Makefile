# One command to set up and run the main job, one to set up and run the tests.
#   make demo   create .venv, install ransearch, index corpus/ and answer a query
#   make test   create .venv, install ransearch with every extra and test tool, run all tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
QUERY ?= soutien familial combattants étrangers

.PHONY: demo test test-quick install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

# torch is pinned to the local CPU build before anything can pull the CUDA one
install-dev: $(BIN)/python
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[st,e5,server,mcp,docs,notebook,test]"

demo: install
	$(BIN)/ransearch index corpus --index index
	$(BIN)/ransearch ask "$(QUERY)" --index index

test: install-dev
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -m "slow or not slow"

test-quick: install-dev
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) index/generations index/CURRENT .pytest_cache
