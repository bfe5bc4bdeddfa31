"""`dxreport reopen` (flow `reopen-period`): who, when and why are recorded; files refused as
`after_lock` count when sent again; the next report replaces the issued one under a new name."""

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
import yaml
from pypdf import PdfReader

from flows.cli import main
from tasks.core.periods import Period
from tasks.report.issue import issue_report
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run

ROOT = Path(__file__).resolve().parents[2]
Q3 = Period.parse("2025Q3")


def _rows(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reopen(home: Path, *extra: str, now: str = "2025-09-25T09:00:00+07:00") -> list[str]:
    return ["reopen", "--period", "2025Q3", "--home", str(home), "--now", now, *extra]


def test_reopen_then_the_after_lock_file_counts_and_the_report_replaces_the_issued_one(
    prefect_harness, make_settings, catalog, tmp_path, capsys
):
    src = tmp_path / "src"
    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(settings, build_workbook(src / "v1.xlsx", values={"TIN_BAI": 13}))
    assert run(settings, catalog)["receipts"][0]["version"] == 1
    # the final report is issued on 19/09/2025: the period is locked
    issued = issue_report(
        make_settings(now="2025-09-19T10:00:00+07:00"),
        catalog,
        Q3,
        final=True,
        number="125",
        signer="Trần Văn Minh",
    )
    first_pdf = Path(issued.pdf_path)
    assert first_pdf.name == "bao-cao-2025Q3.pdf" and issued.locked
    first_sha, first_manifest = _sha(first_pdf), (first_pdf.parent / "manifest.json").read_text()
    # a correction sent after the lock is refused as after_lock
    fix = build_workbook(src / "sua.xlsx", values={"TIN_BAI": 18})
    late = make_settings(now="2025-09-22T08:00:00+07:00")
    drop(late, fix)
    (refused,) = run(late, catalog)["receipts"]
    assert (refused["status"], refused["timeliness"], refused["version"]) == (
        "rejected",
        "after_lock",
        None,
    )
    drop(late, fix, name="sua-lan-2.xlsx")  # sent again while locked: still the same refusal
    assert run(late, catalog)["receipts"][0]["status"] == "duplicate"

    home = settings.paths.home
    reason = "Đơn vị P_HAI_CHAU sửa số tin bài"
    code = main(_reopen(home, "--reason", reason, "--by", "Lê Văn Duyệt", "--json"))
    out = capsys.readouterr().out
    assert code == 0, out
    result = json.loads(out)
    assert result["by"] == "Lê Văn Duyệt" and result["reason"] == reason
    assert result["reopened_at"] == "2025-09-25T09:00:00+07:00"
    assert result["report"] == "reports/2025Q3/bao-cao-2025Q3.pdf"
    assert _rows(home, "SELECT period_id FROM period_locks") == []
    ((by, why, at),) = _rows(
        home,
        "SELECT reopened_by, reason, strftime(reopened_at, '%d/%m/%Y %H:%M') FROM period_reopens",
    )
    assert (by, why, at) == ("Lê Văn Duyệt", reason, "25/09/2025 09:00")

    # the same bytes again: processed anew (not a duplicate of the after_lock receipt), version 2
    again = make_settings(now="2025-09-26T08:00:00+07:00")
    drop(again, fix, name="sua-sau-mo-lai.xlsx")
    (taken,) = run(again, catalog)["receipts"]
    assert taken["status"].startswith("accepted") and taken["version"] == 2
    assert taken["timeliness"] == "late" and taken["duplicate_of"] is None
    assert [(c["field"], c["old"], c["new"]) for c in taken["changes"]] == [("TIN_BAI", 13, 18)]
    drop(again, fix, name="lan-nua.xlsx")  # and once more: a duplicate of the accepted one
    (dup,) = run(again, catalog)["receipts"]
    assert (
        dup["status"] == "duplicate"
        and dup["duplicate_of"] == f"000004-{taken['sha256'][:16]}.json"
    )

    # the next final report: a new file that names the one it replaces; the issued one untouched
    second = issue_report(
        make_settings(now="2025-09-29T10:00:00+07:00"),
        catalog,
        Q3,
        final=True,
        number="131",
        signer="Trần Văn Minh",
    )
    second_pdf = Path(second.pdf_path)
    assert second_pdf.name == "bao-cao-2025Q3-lan-2.pdf" and second.locked
    assert _sha(first_pdf) == first_sha
    assert (first_pdf.parent / "manifest.json").read_text() == first_manifest
    text = _pdf_text(second_pdf)
    assert (
        "Báo cáo này thay thế Báo cáo số 125/BC-SKHCN ngày 19/09/2025 (tệp bao-cao-2025Q3.pdf)"
        in text
    )
    assert reason in text
    assert "thay thế" not in _pdf_text(first_pdf)
    manifest = json.loads((first_pdf.parent / "manifest-lan-2.json").read_text(encoding="utf-8"))
    assert manifest["replaces"]["pdf"] == "bao-cao-2025Q3.pdf" and manifest["final"] is True
    assert {
        "unit": "P_HAI_CHAU",
        "version": 2,
        "sha256": taken["sha256"],
        "received_at": "2025-09-26T08:00:00+07:00",
    } in manifest["inputs"]
    assert _rows(home, "SELECT report_path FROM period_locks") == [
        ("reports/2025Q3/bao-cao-2025Q3-lan-2.pdf",)
    ]


def test_reopening_an_open_period_is_refused(prefect_harness, make_settings, capsys):
    home = make_settings().paths.home
    code = main(_reopen(home, "--reason", "thử", "--by", "A"))
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "Không mở lại được Quý III/2025 (2025Q3): kỳ này chưa bị khóa" in err
    assert "[EN] Cannot reopen 2025Q3: the period is not locked" in err
    assert "Traceback" not in err
    assert _rows(home, "SELECT count(*) FROM period_reopens") == [(0,)]


def test_a_blank_reason_is_a_usage_error(prefect_harness, make_settings, capsys):
    home = make_settings().paths.home
    code = main(_reopen(home, "--reason", "  ", "--by", "A"))
    err = capsys.readouterr().err
    assert code == 2 and "Thiếu lý do mở lại (--reason)." in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["reopen", "--reason", "r", "--by", "A"],
        ["reopen", "--period", "2025Q3", "--by", "A"],
        ["reopen", "--period", "2025Q3", "--reason", "r"],
        ["reopen", "--period", "2025Q9", "--reason", "r", "--by", "A"],
    ],
)
def test_reopen_usage_errors_exit_2(argv, tmp_path, capsys):
    assert main([*argv, "--home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err


def test_the_deployment_has_the_same_form():
    from flows.reopen import reopen_period

    (deployment,) = [
        d
        for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
        if d["name"] == "reopen-period"
    ]
    assert deployment["entrypoint"] == "flows/reopen.py:reopen_period"
    assert not deployment.get("schedules")  # run by hand only
    form = reopen_period.parameters.model_dump()["properties"]
    assert {
        name: prop["title"] for name, prop in form.items() if name in ("period", "reason", "by")
    } == {
        "period": "Kỳ báo cáo cần mở lại (vd 2025Q3)",
        "reason": "Lý do mở lại",
        "by": "Người mở lại (họ tên)",
    }
