# The two commands that matter: `make run` and `make test`. Both install what they need first.
# Not named PYTHON: that one, from the environment, tells scripts/bootstrap which Python to use.
VENV_PYTHON := .venv/bin/python

.PHONY: run test lint bootstrap

bootstrap:
	@scripts/bootstrap

run: bootstrap
	@scripts/run

test: bootstrap
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
