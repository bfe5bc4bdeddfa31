"""A run's progress bars in the Prefect UI (flows/progress_artifacts.py), read back from the API the
run reported to: a bar per counted stage, at 100 % when the stage ends; updated every 5 % but not
more often than every half second (each update is a call the run waits for)."""

from __future__ import annotations

import pytest

from flows.progress_artifacts import ProgressArtifacts
from tasks.core import progress

pytestmark = pytest.mark.usefixtures("prefect_harness")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _progress_artifacts(flow_run_id) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    flt = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
    with get_client(sync_client=True) as client:
        return [a for a in client.read_artifacts(artifact_filter=flt) if a.type == "progress"]


def test_bars_end_at_100_and_are_updated_at_most_every_half_second(monkeypatch):
    from prefect import flow
    from prefect.runtime import flow_run

    clock = FakeClock()
    shown: list[float] = []
    real_update = ProgressArtifacts._update

    def update(artifact_id, percent):
        shown.append(round(percent, 1))
        real_update(artifact_id, percent)

    monkeypatch.setattr(ProgressArtifacts, "_update", staticmethod(update))

    @flow(name="progress-bars")
    def counted() -> str:
        with progress.also_listening(ProgressArtifacts(clock)):
            progress.start("fast", 100, "Nhanh / fast")  # 100 items within 0.1 s
            for i in range(100):
                clock.now += 0.001
                progress.advance("fast", str(i))
            progress.finish("fast")
            progress.start("slow", 40, "Chậm / slow")  # one item a second
            for i in range(40):
                clock.now += 1.0
                progress.advance("slow", str(i))
            progress.finish("slow")
            progress.start("single", 1, "Một / one")  # no bar for one item
            progress.advance("single", "0")
            progress.finish("single")
        return str(flow_run.get_id())

    run_id = counted()
    # fast: only its end (every 5 % came sooner than half a second after the last update);
    # slow: every 5 % (2 items), the last at 100 %
    assert shown == [100.0] + [5.0 * k for k in range(1, 21)]
    bars = _progress_artifacts(run_id)
    assert sorted(b.description for b in bars) == ["Chậm / slow", "Nhanh / fast"]
    assert all(b.data == 100.0 for b in bars)
