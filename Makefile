# Two commands set everything up on a machine with Python 3.10+ and make:
#   make demo   create .venv, install chainrule, run its main job
#   make test   create .venv, install chainrule with its test tools, run lint, types and tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck pytest dev bench notebooks docs dist clean

# (Re)installed whenever pyproject.toml changes; editable, so code changes need no reinstall.
$(VENV)/.installed-demo: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks,docs]'
	touch $@ $(VENV)/.installed-demo

dev: $(VENV)/.installed-test

demo: $(VENV)/.installed-demo
	$(BIN)/python -m nn.seed --draw build

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --strict autograd nn

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest

test: lint typecheck pytest

# The documentation site, built strictly into build/site (the tests build it too).
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Re-execute the notebooks in place (their outputs are committed).
notebooks: $(VENV)/.installed-test
	$(BIN)/python notebooks/execute.py

# The full benchmark suite (about 15 minutes): the table in docs/, the numbers in build/, written
# only if every engine's results agree with the hand-written floor's. HIPS autograd goes to a
# folder of its own, never the venv: its import name, `autograd`, is chainrule's.
HIPS_AUTOGRAD := autograd==1.9.1
bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[bench,bench-peers]'
	test -f build/peers/hips/autograd/__init__.py || \
		$(BIN)/python -m pip install --quiet --target build/peers/hips '$(HIPS_AUTOGRAD)'
	mkdir -p build
	$(BIN)/python benchmarks/suite.py --json build/benchmarks.json --docs docs/benchmarks.md

# The release: an sdist and a wheel built from it, in dist/, checked as PyPI checks an upload.
dist: $(VENV)/.installed-test
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
