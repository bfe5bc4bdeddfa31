# One Makefile; CI calls the same scripts (.ci/run -> scripts/test.sh).
.PHONY: setup demo test test-fast test-all bench lint format

setup:
	bash scripts/setup.sh

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

test-fast:
	bash scripts/test.sh -m "not slow"

test-all:
	bash scripts/test.sh -m "slow or not slow"

bench:
	bash scripts/setup.sh >/dev/null && .venv/bin/python bench/run.py && .venv/bin/python bench/startup.py && .venv/bin/python bench/unit_side.py && .venv/bin/python bench/report.py && .venv/bin/python bench/unit_pages.py && .venv/bin/python bench/scale.py && .venv/bin/python bench/national.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
