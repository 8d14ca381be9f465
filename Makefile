# Every target sets itself up on a fresh clone: the first run creates .venv
# and installs the pinned set; later runs reinstall only when pyproject.toml
# or the constraints change.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS ?= requirements/constraints.txt
STAMP := $(VENV)/.gpool-installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
PYTEST_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Encrypted kernel channels (CurveZMQ) instead of ipykernel's plain-TCP warning; no notebook_shim
# (only for classic-notebook extensions), whose start-up reads the deprecated ServerApp.token.
LAB_QUIET_FLAGS := --KernelManager.transport_encryption=auto "--ServerApp.jpserver_extensions={'notebook_shim': False}"

.PHONY: setup lab test test-portable notebooks bench html solutions app clean help nbgrader

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || { $(PYTHON) tools/check_python.py && $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python tools/check_python.py
	@# run.py install: pip install --disable-pip-version-check -c $(CONSTRAINTS) -e '.[dev]', saying what it does
	@$(BIN)/python run.py install --venv $(VENV) --constraints $(CONSTRAINTS)
	@touch $@

## Create .venv and install the pinned set (the other targets do this first by themselves).
setup: $(STAMP)

## Open JupyterLab on your own copy of the notebooks (made once, never overwritten).
lab: setup
	$(BIN)/python -m gpool_helpers.workspace sync
	$(BIN)/jupyter lab --ip=127.0.0.1 $(LAB_ROOT_FLAG) $(LAB_QUIET_FLAGS) --ServerApp.root_dir=workspace workspace/00_start_here.ipynb

## Unit tests, then strict nbval over every notebook (and the browser suite when present).
test: setup
	$(BIN)/python -m pytest -p no:cacheprovider tests $(NOTEBOOKS) --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

## Strict nbval again as other machines run it: lower CPU levels, 1 and 4 threads.
test-portable: setup
	$(BIN)/python tools/test_portable.py $(NOTEBOOKS)

## Re-execute every notebook in place, deterministically.
notebooks: setup
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

## Speed and memory targets, as ratios measured side by side in one run.
bench: setup
	$(BIN)/python benchmarks/run.py

## Static HTML site in build/html, offline (bundled MathJax), with the solved edition for teachers.
html: solutions
	$(BIN)/python tools/render_html.py --output build/html --solutions build/solutions $(NOTEBOOKS)

## The teachers' edition: every exercise filled in with its solution, executed and checked.
solutions: setup
	$(BIN)/python tools/solutions.py --output build/solutions

## The exercises as an nbgrader course in build/nbgrader (autograded by the same checkers; docs/teachers.md).
nbgrader: setup
	$(BIN)/python tools/nbgrader_course.py --output build/nbgrader

## The pooling explorer as a standalone page (Voila), code hidden.
app: setup
	$(BIN)/voila app/explorer.ipynb --Voila.ip=127.0.0.1 --no-browser

## List the targets with what they do (this list).
help:
	@awk '/^## /{text=substr($$0,4); next} /^[a-z][a-z-]*:/{if(text!=""){split($$0,t,":"); printf "  make %-12s %s\n", t[1], text}; text=""; next} {text=""}' $(MAKEFILE_LIST)

## Remove build/ (the HTML site and the solved edition).
clean:
	rm -rf build .pytest_cache
