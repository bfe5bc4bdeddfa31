"""What an operator sees of an intake run in the Prefect UI, read back from the API the run reported
to: one log line per file (status, unit, first error), the run's final message, the per-period
artifacts (summary, receipts with rule/cell/message, unit × status), and nothing published by a run
on an empty inbox."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.builders import build_workbook, write_corrupt_zip

NOW = "2025-09-16T08:00:00+07:00"


# --- reading what the server shows ----------------------------------------------------------------
def _logs(flow_run_id) -> list[tuple[int, str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)  # logs are shipped in batches: send what is queued

    async def read():
        async with get_client() as client:
            flt = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
            return await client.read_logs(log_filter=flt)

    return [(log.level, log.message) for log in asyncio.run(read())]


def _artifacts(flow_run_id=None, key=None) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )
    from prefect.client.schemas.sorting import ArtifactSort

    flt = ArtifactFilter(
        flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]) if flow_run_id else None,
        key=ArtifactFilterKey(any_=[key]) if key else None,
    )
    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=flt, sort=ArtifactSort.CREATED_DESC)


def _flow_run(state):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def _rows(artifact) -> list[dict]:
    import json

    data = artifact.data
    return json.loads(data) if isinstance(data, str) else data


@pytest.fixture
def mixed_inbox(tmp_path):
    """Five files for 2025Q3: two good, one duplicate of a good one, one with a bad cell, one
    corrupt zip (no unit, no period)."""
    home = tmp_path / "home"
    inbox = home / "inbox"
    build_workbook(inbox / "01-hai-chau.xlsx", unit_code="P_HAI_CHAU", period="2025Q3")
    build_workbook(inbox / "02-vp.xlsx", unit_code="VP_UBND", period="2025Q3")
    build_workbook(
        inbox / "03-khcn.xlsx", unit_code="S_KHCN", period="2025Q3", values={"TIN_BAI": "mười"}
    )
    write_corrupt_zip(inbox / "04-hong.xlsx")
    shutil.copy(inbox / "01-hai-chau.xlsx", tmp_path / "again.xlsx")
    return home


# --- the flow against the embedded API --------------------------------------------------------------
def test_intake_run_tells_why_a_file_was_rejected(prefect_harness, mixed_inbox, tmp_path):
    from flows.intake import intake

    home = mixed_inbox
    state = intake(home=str(home), now=NOW, return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["counts"] == {"accepted": 2, "rejected": 2}  # the caller still gets the summary

    # the run's message in the UI
    run = _flow_run(state)
    assert run.state.message.startswith("2/4 tệp bị từ chối / 2 of 4 files rejected")
    assert "được chấp nhận / accepted: 2" in run.state.message

    # one log line per file, Vietnamese with the English status; rejected ones as warnings
    logs = _logs(state.state_details.flow_run_id)
    by_file = {m.split(": ", 1)[0]: (level, m) for level, m in logs if ".xlsx: " in m}
    assert set(by_file) == {"01-hai-chau.xlsx", "02-vp.xlsx", "03-khcn.xlsx", "04-hong.xlsx"}
    level, ok = by_file["01-hai-chau.xlsx"]
    assert level == 20
    assert ok.startswith("01-hai-chau.xlsx: Được chấp nhận / accepted — đơn vị P_HAI_CHAU (")
    assert "kỳ 2025Q3, bản v1, Đúng hạn / on_time" in ok
    level, bad = by_file["03-khcn.xlsx"]
    assert level == 30
    assert bad.startswith("03-khcn.xlsx: Bị từ chối / rejected — đơn vị S_KHCN (")
    assert "; lỗi đầu tiên / first error: " in bad and "Chỉ tiêu!E" in bad  # rule, sheet!cell
    level, broken = by_file["04-hong.xlsx"]
    assert level == 30 and "đơn vị –, kỳ –" in broken and "first error: FILE_" in broken
    finals = [m for _, m in logs if m.startswith("2/4 tệp bị từ chối")]
    assert len(finals) == 1

    # artifacts of the run, keyed per period (the corrupt file goes with the collected period)
    arts = {a.key: a for a in _artifacts(state.state_details.flow_run_id) if a.key}
    assert {"intake-2025q3", "intake-2025q3-receipts", "submission-status-2025q3"} <= set(arts)
    assert not [k for k in arts if k.startswith("intake-") and "2025q3" not in k]

    rows = {r["tệp / file"]: r for r in _rows(arts["intake-2025q3-receipts"])}
    assert set(rows) == set(by_file)
    khcn = rows["03-khcn.xlsx"]
    assert khcn["trạng thái / status"] == "Bị từ chối / rejected"
    assert khcn["kỳ / period"] == "2025Q3"
    assert khcn["quy tắc / rule"] and khcn["ô / cell"].startswith("Chỉ tiêu!E")
    assert khcn["lỗi đầu tiên"] and khcn["first error"]
    assert khcn["quy tắc / rule"] in bad and khcn["lỗi đầu tiên"] in bad  # log and table agree
    # the annotated workbook sent back to the unit, linked (file:// without a dxreport server)
    link = khcn["phiếu phản hồi / feedback"]
    assert link.startswith("file://") and link.endswith(".xlsx")
    assert Path(unquote(urlsplit(link).path)).is_file()
    hong = rows["04-hong.xlsx"]
    assert hong["quy tắc / rule"].startswith("FILE_") and hong["kỳ / period"] == "–"
    assert rows["01-hai-chau.xlsx"]["quy tắc / rule"] == ""
    assert rows["01-hai-chau.xlsx"]["nhận lúc / received"] == "16/09/2025 08:00"

    status = {r["mã đơn vị"]: r for r in _rows(arts["submission-status-2025q3"])}
    assert status["P_HAI_CHAU"]["trạng thái"] == "Đúng hạn"
    assert status["VP_UBND"]["trạng thái"] == "Đúng hạn"
    assert status["S_KHCN"]["trạng thái"] == "Bị từ chối, chưa gửi lại"
    assert status["S_KHCN"]["tệp bị từ chối"] == 1
    assert status["S_XD"]["trạng thái"] == "Chưa gửi"
    assert status["P_HAI_CHAU"]["ngày nhận"] == "16/09/2025 08:00"

    markdown = str(arts["intake-2025q3"].data)
    assert markdown.startswith("# Tiếp nhận Quý III/2025 (2025Q3) / Intake — 16/09/2025 08:00")
    assert "**2/4 tệp bị từ chối / 2 of 4 files rejected" in markdown
    assert "## Tệp bị từ chối / Rejected files" in markdown and "`03-khcn.xlsx`" in markdown
    assert "| Chưa gửi (missing) |" in markdown

    # the same bytes again: a duplicate, and the period's key now shows this run's state
    shutil.copy(tmp_path / "again.xlsx", home / "inbox" / "05-lai.xlsx")
    second = intake(home=str(home), now="2025-09-17T09:30:00+07:00", return_state=True)
    assert _flow_run(second).state.message.startswith("0/1 tệp bị từ chối / 0 of 1 files rejected")
    (line,) = [m for _, m in _logs(second.state_details.flow_run_id) if m.startswith("05-lai")]
    assert line.startswith("05-lai.xlsx: Trùng tệp đã nhận / duplicate — đơn vị P_HAI_CHAU (")
    assert "trùng với / same bytes as 000001-" in line
    (latest, *_older) = _artifacts(key="intake-2025q3-receipts")
    assert [r["tệp / file"] for r in _rows(latest)] == ["05-lai.xlsx"]
    assert _rows(latest)[0]["trùng với / duplicate of"].startswith("000001-")


def test_an_empty_inbox_publishes_nothing(prefect_harness, tmp_path):
    from flows.intake import intake

    home = tmp_path / "home"
    (home / "inbox").mkdir(parents=True)
    state = intake(home=str(home), now=NOW, return_state=True)
    assert state.is_completed()
    assert state.result() == {"receipts": [], "counts": {}}
    assert (
        _flow_run(state).state.message
        == "Hộp thư trống: không có tệp nào. / Inbox empty: no files."
    )
    assert _artifacts(state.state_details.flow_run_id) == []
    messages = [m for _, m in _logs(state.state_details.flow_run_id)]
    assert "Hộp thư trống: không có tệp nào. / Inbox empty: no files." in messages


# --- the pure functions -----------------------------------------------------------------------------
def _receipt(**kw) -> dict:
    base = {
        "file": "a.xlsx",
        "received_at": "2025-09-16T08:00:00+07:00",
        "unit": "P_HAI_CHAU",
        "period": "2025Q3",
        "version": None,
        "status": "rejected",
        "timeliness": None,
        "duplicate_of": None,
        "messages": [],
    }
    return {**base, **kw}


def _msg(rule, severity="error", sheet="Chỉ tiêu", cell="E7", vi="Sai", en="Wrong"):
    return {
        "severity": severity,
        "rule": rule,
        "sheet": sheet,
        "cell": cell,
        "message_vi": vi,
        "message_en": en,
    }


def test_a_line_names_the_first_error_and_counts_the_others(catalog):
    from flows.intake_report import receipt_line

    r = _receipt(messages=[_msg("VAL_NUMBER"), _msg("VAL_NEG"), _msg("W", "warning")])
    line = receipt_line(r, catalog)
    assert line.startswith("a.xlsx: Bị từ chối / rejected — đơn vị P_HAI_CHAU (")
    assert line.endswith(
        "kỳ 2025Q3; lỗi đầu tiên / first error: VAL_NUMBER tại Chỉ tiêu!E7: Sai "
        "(+1 lỗi khác / more errors)"
    )
    warned = _receipt(status="accepted_with_warnings", version=2, timeliness="late")
    warned["messages"] = [_msg("W1", "warning", cell=None), _msg("W2", "warning")]
    assert receipt_line(warned).endswith(
        "bản v2, Trễ hạn / late; 2 cảnh báo / warnings, đầu tiên / first: W1 tại Chỉ tiêu: Sai"
    )
    unknown = _receipt(unit="X_Y", period=None, messages=[_msg("F", sheet=None, cell=None)])
    assert receipt_line(unknown, catalog) == (
        "a.xlsx: Bị từ chối / rejected — đơn vị X_Y, kỳ –; lỗi đầu tiên / first error: F: Sai"
    )


def test_headline_and_numbers_in_vietnamese_style():
    from flows.intake_report import EMPTY_INBOX, run_headline

    receipts = [_receipt() for _ in range(1200)] + [_receipt(status="accepted")] * 34
    assert run_headline({"receipts": receipts}) == (
        "1.200/1.234 tệp bị từ chối / 1200 of 1234 files rejected; được chấp nhận / accepted: 34"
    )
    assert run_headline({"receipts": []}) == EMPTY_INBOX


def test_keys_and_groups_per_period():
    from flows.intake_report import artifact_key, by_period
    from tasks.core.periods import Period

    assert artifact_key("intake", "2025Q3") == "intake-2025q3"
    assert artifact_key("intake", "Quý III/2025 ") == "intake-qu-iii-2025"
    q3, q2 = Period.parse("2025Q3"), Period.parse("2025Q2")
    groups = by_period(
        [
            _receipt(file="a", period="2025Q3"),
            _receipt(file="b", period=None),
            _receipt(file="c", period="2025Q2"),
            _receipt(file="d", period="không rõ"),
            _receipt(file="e", period="2025Q4"),  # the running quarter: can receive files
            _receipt(file="f", period="2052Q3"),  # a typo: no artifacts of its own
            _receipt(file="g", period="2020Q1"),  # before the first period
        ],
        default=q3,
    )
    assert list(groups) == [q2, q3, Period.parse("2025Q4")]
    assert [r["file"] for r in groups[q3]] == ["a", "b", "d", "f", "g"]


def test_markdown_cells_do_not_break_the_table():
    from flows.intake_report import summary_markdown
    from tasks.core.periods import Period

    text = summary_markdown(
        Period.parse("2025Q3"),
        [_receipt(file="x|y`.xlsx", messages=[_msg("R", vi="a | b\nc")])],
        None,
    )
    assert "- `x\\|y'.xlsx` (P_HAI_CHAU): R tại Chỉ tiêu!E7: a \\| b c" in text
    assert "Status not available" in text
