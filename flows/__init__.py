"""Prefect flows and the `dxreport` command line (orchestration only: no pandas, no SQL here)."""

import os
from collections.abc import MutableMapping


def default_env(env: MutableMapping[str, str] = os.environ) -> None:
    """Prefect telemetry off and nothing to the network (DESIGN.md); set before prefect is imported
    (and again by a warm command host for each command's own environment, flows/cli/warm_host.py)."""
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    # our loggers carry Prefect's API handler (flows.logs); outside a run they only print
    env.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


default_env()
