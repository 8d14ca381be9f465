# Every target sets itself up on a fresh clone: the first run creates .venv
# and installs the pinned set; later runs reinstall only when pyproject.toml
# or the constraints change.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS ?= requirements/constraints.txt
STAMP := $(VENV)/.gpool-installed
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# The Simplified Chinese edition, built from the English and translations/zh (make translations).
NOTEBOOKS_ZH := $(sort $(wildcard notebooks/zh/[0-9][0-9]_*.ipynb))
# make lab LANG=zh opens the Chinese edition. Only a LANG given on make's command line chooses
# it (a zh_CN.UTF-8 locale in the environment does not), and it is not passed on to the
# programs make starts, for which "zh" is no locale.
ifeq ($(origin LANG),command line)
EDITION := $(LANG)
unexport LANG
endif
EDITION ?= en
ifeq ($(filter en zh,$(EDITION)),)
$(error LANG/EDITION must be en or zh; got '$(EDITION)')
endif
# Where the edition's notebooks sit in notebooks/ and workspace/, and JupyterLab's own menus:
# for zh, the language pack's locale, set as a default in a settings folder of our own.
EDITION_DIR := $(if $(filter zh,$(EDITION)),zh/,)
LAB_LOCALE_FLAG := $(if $(filter zh,$(EDITION)),--LabApp.app_settings_dir=tools/jupyterlab-zh/settings,)
PYTEST_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Encrypted kernel channels (CurveZMQ) instead of ipykernel's plain-TCP warning; no notebook_shim
# (only for classic-notebook extensions), whose start-up reads the deprecated ServerApp.token.
LAB_QUIET_FLAGS := --KernelManager.transport_encryption=auto "--ServerApp.jpserver_extensions={'notebook_shim': False}"

.PHONY: setup lab test test-portable notebooks translations bench html solutions app clean help nbgrader

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || { $(PYTHON) tools/check_python.py && $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python tools/check_python.py
	@# run.py install: pip install --disable-pip-version-check -c $(CONSTRAINTS) -e '.[dev]', saying what it does
	@$(BIN)/python run.py install --venv $(VENV) --constraints $(CONSTRAINTS)
	@touch $@

## Create .venv and install the pinned set (the other targets do this first by themselves).
setup: $(STAMP)

## Open JupyterLab on your own copy of the notebooks (made once, never overwritten); LANG=zh: 中文版.
lab: setup
	$(BIN)/python -m gpool_helpers.workspace sync --language $(EDITION)
	$(BIN)/jupyter lab --ip=127.0.0.1 $(LAB_ROOT_FLAG) $(LAB_QUIET_FLAGS) $(LAB_LOCALE_FLAG) --ServerApp.root_dir=workspace workspace/$(EDITION_DIR)00_start_here.ipynb

## Unit tests, then strict nbval over every notebook (and the browser suite when present).
test: setup
	$(BIN)/python -m pytest -p no:cacheprovider tests $(NOTEBOOKS) $(NOTEBOOKS_ZH) --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

## Strict nbval again as other machines run it: lower CPU levels, 1 and 4 threads.
test-portable: setup
	$(BIN)/python tools/test_portable.py $(NOTEBOOKS)

## Re-execute every notebook in place, deterministically (both editions).
notebooks: setup
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)
	$(BIN)/python tools/translate.py build --language zh --execute all

## Rebuild notebooks/zh from the English and translations/zh; run the ones that changed.
translations: setup
	$(BIN)/python tools/translate.py build --language zh

## Speed and memory targets, as ratios measured side by side in one run.
bench: setup
	$(BIN)/python benchmarks/run.py

## Static HTML site in build/html (build/html/zh: 中文版), offline, with the solved editions for teachers.
html: solutions
	$(BIN)/python tools/render_html.py --output build/html --solutions build/solutions $(NOTEBOOKS)
	$(BIN)/python tools/render_html.py --output build/html/zh --solutions build/solutions/zh $(NOTEBOOKS_ZH)

## The teachers' edition of both editions: every exercise filled in with its solution, executed and checked.
solutions: setup
	$(BIN)/python tools/solutions.py --output build/solutions
	$(BIN)/python tools/solutions.py --output build/solutions/zh $(NOTEBOOKS_ZH)

## The exercises as an nbgrader course in build/nbgrader (autograded by the same checkers; docs/teachers.md).
nbgrader: setup
	$(BIN)/python tools/nbgrader_course.py --output build/nbgrader

## The pooling explorer as a standalone page (Voila), code hidden.
app: setup
	$(BIN)/voila app/explorer.ipynb --Voila.ip=127.0.0.1 --no-browser

## List the targets with what they do (this list).
help:
	@awk '/^## /{text=substr($$0,4); next} /^[a-z][a-z-]*:/{if(text!=""){split($$0,t,":"); printf "  make %-12s %s\n", t[1], text}; text=""; next} {text=""}' $(MAKEFILE_LIST)

## Remove build/ (the HTML site and the solved editions), keeping build/nbgrader (a course's gradebook).
clean:
	rm -rf .pytest_cache
	@# build/nbgrader can hold a course's gradebook.db, submitted/ and grades.csv (docs/teachers.md): kept.
	@if [ -d build/nbgrader ]; then \
		find build -mindepth 1 -maxdepth 1 ! -name nbgrader -exec rm -rf {} +; \
		echo "Kept build/nbgrader (an nbgrader course: gradebook, submissions, grades); to remove it too: rm -rf build/nbgrader"; \
	else \
		rm -rf build; \
	fi
