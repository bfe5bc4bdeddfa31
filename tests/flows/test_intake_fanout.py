"""The `intake` flow with its fan-out on (DXREPORT_FANOUT_MIN_FILES=2): parse and validate run in
task runs `parse-validate-chunk` on a real local Dask cluster of 2 workers, through Prefect (test
harness), and the receipts are those of the serial path on the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.builders import build_workbook, write_corrupt_zip

NOW = "2025-09-16T08:00:00+07:00"


def _files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    write_corrupt_zip(folder / "corrupt.xlsx")
    return [
        build_workbook(folder / "2025Q3_P_HAI_CHAU.xlsx", unit_code="P_HAI_CHAU"),
        build_workbook(folder / "2025Q3_P_SON_TRA.xlsx", unit_code="P_SON_TRA"),
        build_workbook(
            folder / "2025Q3_P_THANH_KHE.xlsx", unit_code="P_THANH_KHE", values={"TIN_BAI": -5}
        ),
        build_workbook(
            folder / "2025Q3_P_HOA_KHANH.xlsx", unit_code="P_HOA_KHANH", values={"TIN_BAI": "12"}
        ),
        folder / "corrupt.xlsx",
    ]


def _intake(home: Path, files: list[Path]) -> dict:
    from flows.intake import intake

    (home / "inbox").mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, home / "inbox" / path.name)
    return intake(home=str(home), now=NOW)


def _fanout_runs() -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="parse-validate-chunk"))
        )
    return [r.state.type.value for r in runs if r.state is not None]


def _comparable(summary: dict) -> list[tuple]:
    return sorted(
        (r["file"], r["status"], r["unit"], r["period"], tuple(map(str, r["messages"])))
        for r in summary["receipts"]
    )


@pytest.mark.slow
def test_fanout_on_dask_gives_the_serial_receipts(prefect_harness, tmp_path, monkeypatch):
    files = _files(tmp_path / "src")
    monkeypatch.setenv("DXREPORT_FANOUT_MIN_FILES", "0")  # never: the serial path
    serial = _intake(tmp_path / "serial", files)
    assert _fanout_runs() == []
    monkeypatch.setenv("DXREPORT_FANOUT_MIN_FILES", "2")
    monkeypatch.setenv("DXREPORT_FANOUT_WORKERS", "2")
    fanned = _intake(tmp_path / "fanned", files)
    assert _fanout_runs() == ["COMPLETED", "COMPLETED"]  # two chunks, one per worker
    assert _comparable(fanned) == _comparable(serial)
    expected = {"accepted": 2, "accepted_with_warnings": 1, "rejected": 2}
    assert fanned["counts"] == serial["counts"] == expected
