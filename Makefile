# Every target is one command of run.py, which holds each step and flag once (and runs
# without make, on Windows too). Each sets itself up on a fresh clone: the first run
# creates .venv and installs the pinned set; later runs reinstall only when
# pyproject.toml or the constraints change.

PYTHON ?= python3
VENV ?= .venv
CONSTRAINTS ?= requirements/constraints.txt
# Extra pytest arguments for test and test-all, e.g. PYTEST_ARGS="-k workspace -n 0".
PYTEST_ARGS ?=
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
# run.py runs on the venv's own interpreter once it exists, so a system python3 of another
# version does not matter after set-up; before, PYTHON creates the venv.
RUN_PYTHON := $(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,$(PYTHON))
RUN := $(RUN_PYTHON) run.py --venv $(VENV) --constraints $(CONSTRAINTS) --lang $(EDITION)

.PHONY: setup lab test test-all test-portable notebooks translations bench html solutions app clean help nbgrader

## Create .venv and install the pinned set (the other targets do this first by themselves).
setup:
	@$(RUN) setup

## Open JupyterLab on your own copy of the notebooks (made once, never overwritten); LANG=zh: 中文版.
lab:
	@$(RUN) lab

## The fast tier (minutes): unit tests and strict nbval of the English notebooks, in parallel.
test:
	@$(RUN) test -- $(PYTEST_ARGS)

## Every test (CI's): adds both editions, solved editions, browser suite, nbgrader course, hub recipe.
test-all:
	@$(RUN) test-all -- $(PYTEST_ARGS)

## Strict nbval again as other machines run it: lower CPU levels, 1 and 4 threads.
test-portable:
	@$(RUN) test-portable

## Re-execute every notebook in place, deterministically (both editions).
notebooks:
	@$(RUN) notebooks

## Rebuild notebooks/zh from the English and translations/zh; run the ones that changed.
translations:
	@$(RUN) translations

## Speed and memory targets, as ratios measured side by side in one run.
bench:
	@$(RUN) bench

## Static HTML site in build/html (build/html/zh: 中文版), offline, with the solved editions for teachers.
html:
	@$(RUN) html

## The teachers' edition of both editions: every exercise filled in with its solution, executed and checked.
solutions:
	@$(RUN) solutions

## The exercises as an nbgrader course in build/nbgrader (LANG=zh: 中文课程 in build/nbgrader-zh; docs/teachers.md).
nbgrader:
	@$(RUN) nbgrader

## The pooling explorer as a standalone page (Voila), code hidden; LANG=zh: 中文页面.
app:
	@$(RUN) app

## Remove build/ (the HTML site and the solved editions), keeping build/nbgrader and build/nbgrader-zh (gradebooks).
clean:
	@$(RUN) clean

## List the targets with what they do (this list).
help:
	@awk '/^## /{text=substr($$0,4); next} /^[a-z][a-z-]*:/{if(text!=""){split($$0,t,":"); printf "  make %-13s %s\n", t[1], text}; text=""; next} {text=""}' $(MAKEFILE_LIST)
