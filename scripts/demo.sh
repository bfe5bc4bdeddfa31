#!/usr/bin/env bash
# First command of the README: set up this machine, then build the demo workspace end to end
# (synthetic submissions -> intake -> PDF reports) and print the PDF paths.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
exec .venv/bin/dxreport demo "$@"
