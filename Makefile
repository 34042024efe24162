# The two set-up commands of the README. Everything is installed into .venv from the
# pinned constraints, so a fresh machine with Python 3.11 needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test check lint install browser servers clean messages

# Editable in setuptools' "compat" mode: its .pth names this folder by its absolute path. The
# default mode adds a relative entry (__editable__.rundbrief-*.finder.__path_hook__) to Python's
# module path, which a folder of that name in the current folder (content/, say) would serve.
# The Makefile is a prerequisite: a venv installed the old way is installed again.
$(STAMP): pyproject.toml constraints.txt Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]' \
		--config-settings editable_mode=compat
	touch $@

install: $(STAMP)

## build: install, then check the example content and build the site
build: $(STAMP)
	$(BIN)/rundbrief build

## check: install, then check the content only
check: $(STAMP)
	$(BIN)/rundbrief check

## lint: type-check the package, check its import rules (docs/architecture.md) and run ruff
lint: $(STAMP)
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/ruff check .

## messages: the editors' messages into the catalog (docs/messages.md): extract the msgids from the
## code into generator/locale/rundbrief.pot, merge them into the German .po (then translate the new
## and fuzzy entries there), compile the .mo files the package ships
messages: $(STAMP)
	$(BIN)/python scripts/messages.py

## browser: Debian's Chromium (headless) and axe-core, for the tests of what a person sees
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent

## servers: Debian's Dovecot (IMAP), nginx and openssl, for the tests of bounces read from a real IMAP
## server and of deploy/nginx.conf; the tests start them on loopback ports with their own configuration
## (no system service is used)
servers:
	@command -v dovecot >/dev/null && command -v nginx >/dev/null && command -v openssl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd nginx openssl >/dev/null; }

## test: install, type-check, run the whole test suite
test: lint browser servers
	$(BIN)/pytest

clean:
	rm -rf $(VENV) site newsletter node_modules .rundbrief .pytest_cache .mypy_cache .hypothesis *.egg-info tests/artifacts
