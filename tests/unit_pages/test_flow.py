"""The `unit-pages` flow on the Prefect test harness, on a local Dask cluster of 2 workers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.unit_pages import unit_pages, unit_pages_runner
from tasks.core.settings import Settings


@pytest.mark.slow
def test_flow_renders_every_sheet_on_dask(prefect_harness, workspace, ws_catalog, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(workspace, home, ignore=shutil.ignore_patterns("reports", ".dxreport.lock"))
    now = "2025-09-18T08:00:00+07:00"
    runner = unit_pages_runner(Settings(home=home, now=now), workers=2)
    result = unit_pages.with_options(task_runner=runner)(
        period="2025Q3", home=str(home), now=now, workers=2
    )
    out = Path(result["dir"])
    assert result["period"] == "2025Q3" and out == home.resolve() / "reports" / "2025Q3" / "don-vi"
    files = sorted(out.glob("*.pdf"))
    assert result["pages"] == len(files) > 20 and result["seconds"] > 0
    assert all(len(PdfReader(f).pages) == 1 for f in files)
