"""Tasks more than one flow runs."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import CachePolicy
from prefect.context import TaskRunContext
from prefect.tasks import exponential_backoff

from schemas.catalog_model import Catalog
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace, workspace_catalog
from tasks.report.inputs import catalog_digest

RESULTS_DIR = ".dxreport-cache/prefect-results"  # Prefect's cached results: in the workspace


def results_dir(settings: Settings) -> Path:
    """Where Prefect keeps the results of the cached tasks of this workspace (never ~/.prefect)."""
    return settings.paths.home / RESULTS_DIR


@cache
def _schema_code_digest() -> str:
    """The code that reads and checks a catalogue (schemas/*.py)."""
    root = Path(__file__).resolve().parents[1] / "schemas"
    digest = hashlib.sha256()
    for path in sorted(root.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class CatalogFiles(CachePolicy):
    """`load-catalog` is pure: the checked catalogue is a function of the workspace's catalog/*.yaml
    and of the code that reads them. Keyed on both digests, a run with the same files gets it from
    Prefect's cache (state Cached) instead of parsing and checking the YAML again."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        folder = inputs["settings"].paths.catalog
        if not folder.is_dir():
            return None
        files = catalog_digest(folder)
        return "catalog-" + hashlib.sha256(f"{files}:{_schema_code_digest()}".encode()).hexdigest()


@task(
    name="load-catalog",
    cache_policy=CatalogFiles(),
    persist_result=True,
    retries=2,  # reading files: I/O, worth another try
    retry_delay_seconds=exponential_backoff(backoff_factor=1),
    timeout_seconds=60,
)
def _load_catalog(settings: Settings) -> Catalog:
    return workspace_catalog(settings)


def load_catalog(settings: Settings) -> Catalog:
    """The workspace's catalogue (a copy of the packaged one on first use), checked; from Prefect's
    cache in the workspace when its files did not change."""
    ensure_workspace(settings)
    return _load_catalog.with_options(result_storage=results_dir(settings))(settings)
