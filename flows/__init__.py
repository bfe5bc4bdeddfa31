"""Prefect flows and the `dxreport` command line (orchestration only: no pandas, no SQL here)."""

import os

# Prefect telemetry off and nothing to the network (DESIGN.md); set before prefect is imported.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# our loggers carry Prefect's API handler (flows.logs); outside a run they only print
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
