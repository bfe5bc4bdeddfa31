"""Reviewer sign-off of `quarterly-report` with `final`: the run renders the draft, pauses for a
`SignOffInput` (answered here through the API, as the UI's form or `POST .../resume` would), and on
approval issues the final report from the approved draft's data with the register's next number.
Rejections keep the draft and store the reason; changed data while paused is refused."""

import json
import threading
import time
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.flow_runs import resume_flow_run
from pypdf import PdfReader

from flows.quarterly_report import quarterly_report
from flows.signoff import SignOffInput, decision_given
from tasks.report.signoff import DecisionInvalidError, DraftOutdatedError
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run

NOW = "2025-09-19T10:00:00+07:00"


def _rows(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


@pytest.fixture
def loaded(make_settings, catalog, tmp_path):
    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(settings, build_workbook(tmp_path / "src" / "v1.xlsx", values={"TIN_BAI": 13}))
    assert run(settings, catalog)["receipts"][0]["version"] == 1
    return settings.paths.home


def _report(home: Path, **kw):
    return quarterly_report(
        period="2025Q3",
        final=True,
        home=str(home),
        now=NOW,
        signer="Trần Văn Minh",
        unit_pages=False,
        **kw,
    )


def test_approval_on_the_command_line_issues_the_final_with_the_next_number(
    prefect_harness, loaded
):
    with decision_given(approve=True, reviewer="Lê Thị Duyệt", reason=None):
        out = _report(loaded)
    assert out["final"] and out["locked"]
    assert out["doc_number"].startswith("Số: 1/BC-")  # the register was empty: the first number
    pdf = Path(out["pdf_path"])
    assert pdf.name == "bao-cao-2025Q3.pdf"
    draft = pdf.parent / "bao-cao-2025Q3-du-thao.pdf"
    assert draft.exists() and "DỰ THẢO" in _text(draft)
    assert "DỰ THẢO" not in _text(pdf)
    manifest = json.loads(Path(out["manifest_path"]).read_text(encoding="utf-8"))
    sign = manifest["sign_off"]
    assert (sign["reviewer"], sign["approved"], sign["source"]) == ("Lê Thị Duyệt", True, "cli")
    assert sign["data_sha256"] == manifest["data_sha256"]
    assert sign["draft_pdf"] == "reports/2025Q3/bao-cao-2025Q3-du-thao.pdf"
    stored = _rows(loaded, "SELECT reviewer, approved, reason, source FROM report_decisions")
    assert stored == [("Lê Thị Duyệt", True, None, "cli")]
    assert _rows(loaded, "SELECT period_id FROM period_locks") == [("2025Q3",)]


def test_rejection_keeps_the_draft_and_stores_the_reason(prefect_harness, loaded):
    reason = "Số liệu tin bài của phường Hải Châu cần kiểm tra lại"
    with decision_given(approve=False, reviewer="Lê Thị Duyệt", reason=reason):
        out = _report(loaded)
    assert not out["final"] and not out["locked"]
    assert out["sign_off"]["reason"] == reason
    folder = loaded / "reports" / "2025Q3"
    assert sorted(p.name for p in folder.glob("*.pdf")) == ["bao-cao-2025Q3-du-thao.pdf"]
    assert _rows(loaded, "SELECT approved, reason FROM report_decisions") == [(False, reason)]
    assert _rows(loaded, "SELECT count(*) FROM period_locks") == [(0,)]


def test_a_rejection_without_reason_is_refused(prefect_harness, loaded):
    with (
        decision_given(approve=False, reviewer="Lê Thị Duyệt", reason=" "),
        pytest.raises(DecisionInvalidError, match="reason") as caught,
    ):
        _report(loaded)
    assert "lý do" in caught.value.message_vi
    assert _rows(loaded, "SELECT count(*) FROM report_decisions") == [(0,)]


def test_the_form_has_exactly_the_three_fields_titled_in_vietnamese():
    schema = SignOffInput.model_json_schema()
    assert set(schema["properties"]) == {"approve", "reviewer", "reason"}
    assert schema["properties"]["approve"]["title"] == "Duyệt ban hành"
    assert schema["properties"]["reviewer"]["title"] == "Người duyệt (họ tên)"
    assert schema["required"] == ["reviewer"]
    assert schema["then"]["required"] == ["reason"]  # the server's own check of a rejection
    with pytest.raises(ValueError, match="lý do"):
        SignOffInput(approve=False, reviewer="A")


async def _paused_run(name_prefix: str, timeout: float = 120):
    async with get_client() as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_=name_prefix))
            )
            paused = [r for r in runs if r.state and r.state.is_paused()]
            if paused:
                return paused[0]
            time.sleep(0.5)
    raise AssertionError("the report run never paused for sign-off")


def _in_thread(fn):
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, box


@pytest.mark.slow
def test_the_run_pauses_for_the_reviewers_form_and_resumes_on_approval(
    prefect_harness, loaded, anyio_backend_name="asyncio"
):
    import anyio

    thread, box = _in_thread(lambda: _report(loaded))
    paused = anyio.run(_paused_run, "report-2025Q3-final%")
    assert paused.name == "report-2025Q3-final"
    keyset = paused.state.state_details.run_input_keyset
    assert keyset  # the UI shows the form stored under this keyset
    anyio.run(
        lambda: resume_flow_run(paused.id, run_input={"approve": True, "reviewer": "Lê Thị Duyệt"})
    )
    thread.join(180)
    assert "error" not in box, box.get("error")
    out = box["result"]
    assert out["final"] and out["locked"] and out["sign_off"]["source"] == "ui"
    assert out["sign_off"]["flow_run_id"] == str(paused.id)


@pytest.mark.slow
def test_data_changed_while_paused_refuses_the_final(
    prefect_harness, loaded, make_settings, catalog, tmp_path
):
    import anyio

    thread, box = _in_thread(lambda: _report(loaded))
    paused = anyio.run(_paused_run, "report-2025Q3-final%")
    # a correction arrives while the reviewer reads the draft
    late = make_settings(now="2025-09-17T08:00:00+07:00")
    drop(late, build_workbook(tmp_path / "src" / "v2.xlsx", values={"TIN_BAI": 21}))
    assert run(late, catalog)["receipts"][0]["version"] == 2
    anyio.run(
        lambda: resume_flow_run(paused.id, run_input={"approve": True, "reviewer": "Lê Thị Duyệt"})
    )
    thread.join(180)
    assert isinstance(box.get("error"), DraftOutdatedError)
    assert not (loaded / "reports" / "2025Q3" / "bao-cao-2025Q3.pdf").exists()
    assert _rows(loaded, "SELECT count(*) FROM period_locks") == [(0,)]
    assert _rows(loaded, "SELECT approved FROM report_decisions") == [(True,)]  # recorded anyway


@pytest.mark.slow
def test_no_decision_within_the_timeout_ends_with_the_draft(prefect_harness, loaded, monkeypatch):
    monkeypatch.setenv("DXREPORT_SIGNOFF_TIMEOUT_SECONDS", "3")
    out = _report(loaded)
    assert out["sign_off"] == "timeout" and not out["final"] and not out["locked"]
    assert (loaded / "reports" / "2025Q3" / "bao-cao-2025Q3-du-thao.pdf").exists()
    assert _rows(loaded, "SELECT count(*) FROM report_decisions") == [(0,)]


def test_a_final_without_signer_is_refused_before_the_sign_off(prefect_harness, loaded):
    from tasks.report.signature import IssueRefusedError

    with (
        decision_given(approve=True, reviewer="Lê Thị Duyệt", reason=None),
        pytest.raises(IssueRefusedError, match="signer"),
    ):
        quarterly_report(period="2025Q3", final=True, home=str(loaded), now=NOW, unit_pages=False)
    assert _rows(loaded, "SELECT count(*) FROM report_decisions") == [(0,)]
