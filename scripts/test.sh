#!/usr/bin/env bash
# Second command of the README (and what CI runs): set up this machine, then run the tests.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -m "not slow"`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
# two workers (pytest-xdist): many tests wait on servers, pauses and subprocesses, so two share
# the 2 cores well; the tests reading the demo workspace stay on one worker (tests/conftest.py).
# DXREPORT_TEST_WORKERS=0 runs everything in this process.
exec .venv/bin/python -m pytest -n "${DXREPORT_TEST_WORKERS:-2}" --dist loadgroup "$@"
