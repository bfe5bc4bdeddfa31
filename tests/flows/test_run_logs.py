"""What an operator reads in the Prefect UI: the intake run's log has one line per file with its
outcome (and the first error of a rejected file), read back from the API the run reported to."""

from __future__ import annotations

import asyncio
import logging

from tests.builders import build_workbook, write_corrupt_zip


def _run_logs(flow_run_id) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)  # logs are shipped in batches: send what is queued

    async def read():
        async with get_client() as client:
            flt = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
            return await client.read_logs(log_filter=flt)

    return [log.message for log in asyncio.run(read())]


def test_intake_logs_one_line_per_file(prefect_harness, tmp_path):
    from flows.intake import intake

    home = tmp_path / "home"
    build_workbook(home / "inbox" / "ok.xlsx", unit_code="P_HAI_CHAU", period="2025Q3")
    write_corrupt_zip(home / "inbox" / "hong.xlsx")
    state = intake(home=str(home), now="2025-09-16T08:00:00+07:00", return_state=True)
    assert state.is_completed()
    messages = _run_logs(state.state_details.flow_run_id)
    ok = [m for m in messages if m.startswith("ok.xlsx: ")]
    bad = [m for m in messages if m.startswith("hong.xlsx: ")]
    assert len(ok) == 1 and ok[0].startswith(
        "ok.xlsx: Được chấp nhận / accepted — đơn vị P_HAI_CHAU"
    )
    assert "kỳ 2025Q3, bản v1, Đúng hạn / on_time" in ok[0]
    assert len(bad) == 1 and bad[0].startswith("hong.xlsx: Bị từ chối / rejected")
    # the rule code and the Vietnamese message of the first error (tests/flows/test_intake_ui.py)
    assert "; lỗi đầu tiên / first error: FILE_" in bad[0]


def test_project_loggers_carry_prefects_api_handler(prefect_harness):
    from prefect.logging.handlers import APILogHandler

    from flows.logs import PROJECT_LOGGERS, register_project_loggers

    register_project_loggers()
    register_project_loggers()  # idempotent
    for name in PROJECT_LOGGERS:
        handlers = logging.getLogger(name).handlers
        assert sum(isinstance(h, APILogHandler) for h in handlers) == 1, name
