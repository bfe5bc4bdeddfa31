"""Take a workspace's inbox in through the plain intake steps (what the `intake` flow orders, without
Prefect): collect, parse, validate, record."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core.settings import Settings
from tasks.intake import steps
from tasks.intake.ledger import Recorded


def take_in(settings: Settings, catalog: Catalog, files: Iterable[Path] = ()) -> list[Recorded]:
    """Copy `files` into the inbox, then one intake run; the arrivals it recorded."""
    for path in files:
        shutil.copyfile(path, settings.paths.inbox / Path(path).name)
    batch = steps.collect(settings, catalog)
    subs = steps.validate_submissions(settings, catalog, batch, steps.parse_batch(settings, batch))
    return steps.record_batch(settings, batch, subs)
