# Tandem — every target sets up what it needs (virtual environment, Python packages, system
# packages when run as root), so `make demo` and `make test` work on a fresh machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
APT_PACKAGES := python3-venv git

EXT       := editor-extension
EXT_STAMP := $(EXT)/node_modules/.installed

.PHONY: demo test lint typecheck unit extension-test bench system-deps clean

# System packages: required ones (python3-venv, git), the sandbox's (bubblewrap, libseccomp2)
# and the real editors and browser the tests drive (neovim; chromium, ripgrep and libkrb5-dev for
# code-server). Installed with apt when missing and we are root; without root, a missing required
# package stops here and a missing editor only skips its tests.
system-deps:
	@missing=""; optional=""; \
	$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	command -v nvim >/dev/null 2>&1 || optional="$$optional neovim"; \
	command -v bwrap >/dev/null 2>&1 || optional="$$optional bubblewrap"; \
	ldconfig -p 2>/dev/null | grep -q libseccomp.so.2 || optional="$$optional libseccomp2"; \
	command -v chromium >/dev/null 2>&1 || optional="$$optional chromium"; \
	command -v rg >/dev/null 2>&1 || optional="$$optional ripgrep"; \
	dpkg -s libkrb5-dev >/dev/null 2>&1 || optional="$$optional libkrb5-dev pkg-config"; \
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
	$(VENV)/bin/ruff format --check server tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(VENV)/bin/pytest

$(EXT_STAMP): $(EXT)/package.json $(EXT)/package-lock.json | system-deps
	cd $(EXT) && npm install --no-audit --no-fund --loglevel=error
	@touch $(EXT_STAMP)

# The VS Code extension: lint, types, unit tests, protocol contract tests against the real server,
# the chat page in Chromium, the packaged .vsix, and real VS Code (code-server) in Chromium.
extension-test: $(STAMP) $(EXT_STAMP)
	cd $(EXT) && npm run lint && npm run typecheck && npm run build && npm run test:unit
	cd $(EXT) && TANDEM_PYTHON=$(abspath $(PY)) npm run test:contract
	cd $(EXT) && npm run test:webview
	cd $(EXT) && npm run package
	cd $(EXT) && TANDEM_PYTHON=$(abspath $(PY)) npm run test:vscode

test: lint typecheck unit extension-test

bench: $(STAMP)
	$(PY) benchmarks/exec_overhead.py
	$(PY) benchmarks/lsp_bench.py
	$(PY) benchmarks/sandbox_overhead.py
	$(PY) benchmarks/prompt_cache.py
	$(PY) benchmarks/checkpoint_scan.py --tree .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache server/*.egg-info $(EXT)/node_modules $(EXT)/dist
