"""`dxreport backfill` (flow `backfill`, issue 8 item 3): a bad range fails at once; a dry run writes
nothing and lists what it would do per period; a real run takes the inbox in once, renders the
drafts in order on each period's own clock, never touches an issued report, and a backfilled draft
is byte for byte the draft rendered at the time."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.backfill import backfill
from flows.cli import main
from flows.quarterly_report import quarterly_report
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.report.backfill import (
    BackfillRangeError,
    backfill_range,
    draft_clock,
    plan_backfill,
    result_text,
)
from tasks.report.issue import issue_report
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run

Q1, Q2, Q3 = Period(2025, 1), Period(2025, 2), Period(2025, 3)
NOW = "2026-01-12T09:00:00+07:00"  # after the drafts of 2025, before the one of 2026Q1
CALENDAR = Settings().calendar


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _tree(home: Path) -> dict[str, str]:
    """Every file of the workspace and its sha256 (Prefect's own files aside)."""
    return {
        str(p.relative_to(home)): _sha(p)
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.relative_to(home).parts[0].startswith(".prefect")
    }


@pytest.fixture(scope="module")
def base(prefect_harness, tmp_path_factory, catalog) -> Path:
    """2025Q2 issued as final (locked); one accepted submission for 2025Q3; nothing for 2025Q1."""
    root = tmp_path_factory.mktemp("backfill")
    home = root / "home"
    at_q2 = Settings(home=home, now="2025-06-20T10:00:00+07:00")
    ensure_workspace(at_q2)
    issued = issue_report(at_q2, catalog, Q2, final=True, number="88", signer="Trần Văn Minh")
    assert issued.locked
    at_q3 = Settings(home=home, now="2025-09-16T08:00:00+07:00")
    drop(at_q3, build_workbook(root / "src" / "q3.xlsx", values={"TIN_BAI": 13}))
    (receipt,) = run(at_q3, catalog)["receipts"]
    assert receipt["status"].startswith("accepted")
    return home


@pytest.fixture
def home(base, tmp_path) -> Path:
    """A copy of the base workspace this test may change."""
    return Path(shutil.copytree(base, tmp_path / "home"))


def _q4_file(tmp_path: Path) -> Path:
    return build_workbook(
        tmp_path / "src" / "q4.xlsx",
        period="2025Q4",
        prepared_on=date(2025, 12, 15),
        values={"TIN_BAI": 21},
    )


def test_the_draft_clock_is_the_scheduled_drafts():
    # the 20th at the schedule's 08:00, or the next working day: Saturday 20/09/2025 -> Monday 22/09
    assert draft_clock(CALENDAR, Q3).isoformat() == "2025-09-22T08:00:00+07:00"
    assert draft_clock(CALENDAR, Q1).isoformat() == "2025-03-20T08:00:00+07:00"
    assert draft_clock(CALENDAR, Period(2025, 4)).isoformat() == "2025-12-22T08:00:00+07:00"


def test_a_dry_run_reads_a_warehouse_of_an_earlier_version_as_it_is(tmp_path):
    """Locks without the register (before issue 7): the lock's file is named, nothing is added."""
    import duckdb

    settings = Settings(home=tmp_path / "home", now=NOW)
    settings.paths.home.mkdir()
    con = duckdb.connect(str(settings.paths.warehouse))
    con.execute(
        "CREATE TABLE period_locks (period_id VARCHAR PRIMARY KEY, locked_at TIMESTAMPTZ NOT NULL, "
        "report_path VARCHAR, locked_by VARCHAR)"
    )
    con.execute(
        "INSERT INTO period_locks VALUES ('2025Q2', TIMESTAMPTZ '2025-06-20 10:00:00+07', "
        "'reports/2025Q2/bao-cao-2025Q2.pdf', 'dxreport report --final')"
    )
    con.close()
    before = _tree(settings.paths.home)
    plan = plan_backfill(settings, backfill_range("2025Q1", "2025Q3"), dry_run=True)
    assert [(s.period, s.action, s.issued) for s in plan.steps] == [
        ("2025Q1", "draft", ""),
        ("2025Q2", "issued", "reports/2025Q2/bao-cao-2025Q2.pdf"),
        ("2025Q3", "draft", ""),
    ]
    assert not plan.run_intake and _tree(settings.paths.home) == before


@pytest.mark.parametrize(
    ("first", "last", "vi", "en"),
    [
        ("2025Q3", "2025Q1", "kỳ đầu 2025Q3 (Quý III/2025) sau kỳ cuối 2025Q1", "Invalid range"),
        ("2025Q9", "2025Q1", "Kỳ báo cáo không hợp lệ: '2025Q9'", "Invalid reporting period"),
        (
            "2021Q1",
            "2025Q1",
            "có trước kỳ đầu tiên của Đề án (2022Q4)",
            "Period 2021Q1 is before the Đề án's",
        ),
    ],
    ids=["reversed", "bad-text", "before-de-an"],
)
def test_a_bad_range_fails_at_once(tmp_path, capsys, first, last, vi, en):
    home = tmp_path / "nowhere"
    code = main(["backfill", "--from", first, "--to", last, "--home", str(home)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert vi in err and f"[EN] {en}" in err and "Traceback" not in err
    assert not home.exists()  # refused before anything started


def test_the_flow_refuses_a_reversed_range_before_any_work(prefect_harness, tmp_path):
    home = tmp_path / "nowhere"
    with pytest.raises(BackfillRangeError) as refused:
        backfill(from_period="2025Q3", to_period="2025Q1", home=str(home))
    assert "Đổi chỗ hai kỳ: --from 2025Q1 --to 2025Q3." in refused.value.hint_vi
    # in the UI: the run is Failed with the Vietnamese and English message, not a traceback
    state = backfill(from_period="2025Q3", to_period="2025Q1", home=str(home), return_state=True)
    assert state.is_failed() and "Traceback" not in (state.message or "")
    assert state.message.startswith("Khoảng kỳ không hợp lệ: kỳ đầu 2025Q3")
    assert "[EN] Invalid range: the first period 2025Q3 is after the last period 2025Q1." in (
        state.message
    )
    assert _run(state).name == "backfill-2025Q3-2025Q1-dry-run"
    assert not home.exists()


def test_a_dry_run_writes_nothing_and_lists_the_periods(home, tmp_path, capsys):
    drop(Settings(home=home), _q4_file(tmp_path))
    before = _tree(home)
    argv = ["backfill", "--from", "2025Q1", "--to", "2026Q1", "--home", str(home), "--now", NOW]
    assert main([*argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert _tree(home) == before  # no receipt, no report, same warehouse bytes, inbox as it was
    assert result["dry_run"] and result["run_intake"] and result["inbox_files"] == 1
    assert [(s["period"], s["action"]) for s in result["steps"]] == [
        ("2025Q1", "draft"),
        ("2025Q2", "issued"),
        ("2025Q3", "draft"),
        ("2025Q4", "draft"),
        ("2026Q1", "not_due"),
    ]
    assert result["steps"][1]["issued"] == "Số: 88/BC-SKHCN, reports/2025Q2/bao-cao-2025Q2.pdf"
    assert result["steps"][2]["clock"] == "2025-09-22T08:00:00+07:00"

    assert main(argv) == 0  # the human summary
    text = capsys.readouterr().out
    assert text.startswith("Chạy thử (không ghi gì): chạy lại 2025Q1–2026Q1 sẽ lập 3 dự thảo")
    assert "Sẽ chạy tiếp nhận một lần (1 tệp trong inbox/)" in text
    assert "2025Q3 (Quý III/2025): lập dự thảo ngày 22/09/2025" in text
    assert "2025Q2 (Quý II/2025): bỏ qua, đã ban hành (Số: 88/BC-SKHCN" in text
    assert "To run it: add --run" in text
    assert _tree(home) == before

    # in the Prefect UI: the same table as the run's markdown artifact, keyed by the range
    state = backfill(
        from_period="2025Q1", to_period="2026Q1", home=str(home), now=NOW, return_state=True
    )
    assert _run(state).name == "backfill-2025Q1-2026Q1-dry-run"
    markdown = _artifact("backfill-2025q1-2026q1", state.state_details.flow_run_id)
    assert "# Chạy lại 2025Q1–2026Q1 / Backfill — chạy thử / dry run" in markdown
    assert "| 2025Q2 (Quý II/2025) | bỏ qua: đã ban hành, kỳ đã khóa" in markdown
    assert "| 2025Q3 (Quý III/2025) | lập dự thảo / render a draft | 22/09/2025 |" in markdown
    assert _tree(home) == before


def _run(state):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def _artifact(key: str, flow_run_id) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
            )
        )
    return str(artifact.data)


def test_a_real_run_renders_the_drafts_in_order_skips_the_issued_period_and_matches_the_draft_of_the_time(
    home, tmp_path
):
    reports = home / "reports"
    # the draft of 2025Q3 as the scheduled run rendered it on its day (the cron's Saturday 20/09
    # or the next working day, Monday 22/09: the same PDF, dated 22/09/2025)
    on_the_20th = quarterly_report(period="2025Q3", home=str(home), now="2025-09-20T08:00:00+07:00")
    pdf_on_the_20th = _sha(Path(on_the_20th["pdf_path"]))
    then = quarterly_report(
        period="2025Q3", home=str(home), now=draft_clock(CALENDAR, Q3).isoformat()
    )
    q3_pdf = Path(then["pdf_path"])
    assert q3_pdf.name == "bao-cao-2025Q3-du-thao.pdf"
    pdf_then, manifest_then = _sha(q3_pdf), (q3_pdf.parent / "manifest-du-thao.json").read_text()
    q3_written = q3_pdf.stat().st_mtime_ns
    assert pdf_then == pdf_on_the_20th
    issued = reports / "2025Q2" / "bao-cao-2025Q2.pdf"
    q2_files = {p.name: (_sha(p), p.stat().st_mtime_ns) for p in issued.parent.iterdir()}
    drop(Settings(home=home), _q4_file(tmp_path))  # a late file waiting in the inbox

    state = backfill(
        from_period="2025Q1",
        to_period="2025Q3",
        dry_run=False,
        home=str(home),
        now=NOW,
        return_state=True,
    )
    result = state.result()
    assert _run(state).name == "backfill-2025Q1-2025Q3"

    assert not result["dry_run"] and result["run_intake"]
    ((status, n),) = result["intake_counts"].items()
    assert status.startswith("accepted") and n == 1
    assert not any((home / "inbox").iterdir())
    assert [(s["period"], s["action"]) for s in result["steps"]] == [
        ("2025Q1", "draft"),
        ("2025Q2", "issued"),
        ("2025Q3", "draft"),
    ]
    q1, _, q3 = result["steps"]
    # byte for byte the draft of the time, and the same manifest
    assert q3["pdf_path"] == str(q3_pdf) and q3["pdf_sha256"] == pdf_then == _sha(q3_pdf)
    assert (q3_pdf.parent / "manifest-du-thao.json").read_text() == manifest_then
    # each on its own date; 2025Q3's inputs did not change (the late file is 2025Q4's): its draft
    # is the file of the time, not rendered again (issue 9)
    q1_pdf = Path(q1["pdf_path"])
    assert q1_pdf == reports / "2025Q1" / "bao-cao-2025Q1-du-thao.pdf"
    assert q3_pdf.stat().st_mtime_ns == q3_written
    q1_text = " ".join(" ".join(p.extract_text() for p in PdfReader(q1_pdf).pages).split())
    assert "ngày 20 tháng 3 năm 2025" in q1_text and "DỰ THẢO" in q1_text
    text = result_text(result)  # what `dxreport backfill --run` prints
    assert text.startswith("Đã chạy lại 2025Q1–2025Q3: lập 2 dự thảo, bỏ qua 1 kỳ.")
    assert f"2025Q3 (Quý III/2025): đã lập dự thảo ngày 22/09/2025: {q3_pdf}" in text
    markdown = _artifact("backfill-2025q1-2025q3", state.state_details.flow_run_id)
    assert f"[bao-cao-2025Q3-du-thao.pdf]({q3_pdf.resolve().as_uri()})" in markdown
    # the issued period: not one file of it written, no draft beside it
    assert {p.name: (_sha(p), p.stat().st_mtime_ns) for p in issued.parent.iterdir()} == q2_files
