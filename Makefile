# Tandem — every target sets up what it needs (virtual environment, Python packages, system
# packages when run as root), so `make demo` and `make test` work on a fresh machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
APT_PACKAGES := python3-venv git

.PHONY: demo test lint typecheck unit bench system-deps clean

# System packages: required ones (python3-venv, git), the sandbox's (bubblewrap, libseccomp2)
# and the real editors the tests drive (neovim). Installed with apt when missing and we are root; without root, a missing required
# package stops here and a missing editor only skips its tests.
system-deps:
	@missing=""; optional=""; \
	$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	command -v nvim >/dev/null 2>&1 || optional="$$optional neovim"; \
	command -v bwrap >/dev/null 2>&1 || optional="$$optional bubblewrap"; \
	ldconfig -p 2>/dev/null | grep -q libseccomp.so.2 || optional="$$optional libseccomp2"; \
	if [ -n "$$missing$$optional" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing system packages:$$missing$$optional"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing $$optional >/dev/null \
	    || { [ -z "$$missing" ] || exit 1; }; \
	elif [ -n "$$missing" ]; then echo "please install:$$missing" >&2; exit 1; fi

$(STAMP): pyproject.toml | system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@$(VENV)/bin/tandem demo

lint: $(STAMP)
	$(VENV)/bin/ruff check server tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VENV)/bin/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(PY) benchmarks/exec_overhead.py
	$(PY) benchmarks/lsp_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache server/*.egg-info
