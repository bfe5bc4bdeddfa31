"""Tasks more than one flow runs."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from schemas.catalog_model import Catalog
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_catalog


@task(
    name="load-catalog",
    cache_policy=NONE,
    retries=2,  # reading files: I/O, worth another try
    retry_delay_seconds=exponential_backoff(backoff_factor=1),
    timeout_seconds=60,
)
def load_catalog(settings: Settings) -> Catalog:
    """The workspace's catalogue (a copy of the packaged one on first use), checked."""
    return workspace_catalog(settings)
