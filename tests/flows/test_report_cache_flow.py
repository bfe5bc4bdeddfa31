"""Prefect's cache for the draft (issue 9): a second `quarterly-report` run with nothing changed ends
its render task (and the catalogue's loading) in a Cached state (read back from the API), with the
results stored under the workspace; a deleted draft or `force` run the task again."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.quarterly_report import quarterly_report
from flows.shared import RESULTS_DIR
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run

NOW = "2025-09-18T10:00:00+07:00"


def _states(flow_run_id, task_name: str = "render-report") -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return [str(r.state.name) for r in runs if r.name.startswith(task_name) and r.state]


def _report(home: Path, **kw):
    state = quarterly_report(period="2025Q3", home=str(home), now=NOW, return_state=True, **kw)
    assert state.is_completed(), state.message
    flow_run_id = state.state_details.flow_run_id
    _report.catalog_states = _states(flow_run_id, "load-catalog")  # type: ignore[attr-defined]
    return state.result(), _states(flow_run_id)


@pytest.fixture
def home(prefect_harness, make_settings, catalog, tmp_path):
    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(settings, build_workbook(tmp_path / "src" / "v1.xlsx", values={"TIN_BAI": 13}))
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"].startswith("accepted")
    return settings.paths.home


def test_an_unchanged_draft_is_a_cached_task_run(home):
    first, states = _report(home)
    assert states == ["Completed"] and not first["reused"]
    assert list((home / RESULTS_DIR).iterdir())  # the result is kept in the workspace

    second, states = _report(home)
    assert states == ["Cached"]
    assert _report.catalog_states == ["Cached"]  # type: ignore[attr-defined] # same catalog files
    assert second["reused"] and second["pdf_path"] == first["pdf_path"]

    forced, states = _report(home, force=True)
    assert states == ["Completed"] and not forced["reused"]

    Path(first["pdf_path"]).unlink()  # a stale cache record must not return a missing file
    again, states = _report(home)
    assert states == ["Completed"] and Path(again["pdf_path"]).is_file()
    assert not again["reused"]
