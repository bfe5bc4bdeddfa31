"""Progress of a long run in the Prefect UI: each counted stage of a run (files of an intake, pages
of a backfill, unit sheets, …; `tasks.core.progress`) becomes a progress artifact of the run,
updated every 5 %, at most every half second (each update is a call to the API that the run waits
for: 20 of them were a quarter of a second of an intake of 1,000 duplicates), and at the end. An
artifact that cannot be written never fails the run."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from uuid import UUID

log = logging.getLogger(__name__)
STEP_PERCENT = 5.0
MIN_SECONDS = 0.5  # between two updates of one bar


class ProgressArtifacts:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        # stage -> [artifact id, total, done, last percent shown, when it was shown]
        self._stages: dict[str, list] = {}

    def start(self, stage: str, total: int | None, description: str) -> None:
        if not total or total < 2:  # nothing worth a bar
            return
        from prefect.artifacts import create_progress_artifact

        try:
            artifact_id = create_progress_artifact(0.0, description=description)
        except Exception:  # noqa: BLE001 - progress is a courtesy, never a failure
            log.debug("progress artifact not created", exc_info=True)
            return
        with self._lock:
            self._stages[stage] = [artifact_id, total, 0, 0.0, self._clock()]

    def advance(self, stage: str, label: str) -> None:
        with self._lock:
            entry = self._stages.get(stage)
            if entry is None:
                return
            entry[2] += 1
            percent = min(100.0, 100.0 * entry[2] / entry[1])
            now = self._clock()
            if percent < 100.0 and (
                percent - entry[3] < STEP_PERCENT or now - entry[4] < MIN_SECONDS
            ):
                return
            entry[3], entry[4] = percent, now
            artifact_id = entry[0]
        self._update(artifact_id, percent)

    def finish(self, stage: str) -> None:
        with self._lock:
            entry = self._stages.pop(stage, None)
        if entry is not None and entry[3] < 100.0:
            self._update(entry[0], 100.0)

    @staticmethod
    def _update(artifact_id: UUID, percent: float) -> None:
        from prefect.artifacts import update_progress_artifact

        try:
            update_progress_artifact(artifact_id, round(percent, 1))
        except Exception:  # noqa: BLE001
            log.debug("progress artifact not updated", exc_info=True)
