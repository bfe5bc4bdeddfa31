"""End to end under one session-scoped Prefect test harness: the demo through the `dxreport`
command, then the PDFs' text (pypdf) against numbers computed here independently from DuckDB."""

import json
import re
from pathlib import Path

import duckdb
from pypdf import PdfReader

from flows.cli import main
from tasks.core.periods import Period
from tests.builders import build_workbook
from tests.intake.test_intake import RECEIPT_KEYS

DEMO_PERIODS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3"]


def vi_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def db(home: Path):
    return duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)


def pdf_text(path: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_demo_writes_one_final_report_per_quarter(demo_result, demo_home):
    assert [Path(p).parent.name for p in demo_result["reports"]] == DEMO_PERIODS
    templates = sorted(Path(demo_result["templates"]).glob("2025Q4_*.xlsx"))
    assert len(templates) == 31  # the units expected on 14/12/2025
    for path in demo_result["reports"]:
        assert Path(path).exists() and Path(path).read_bytes()[:5] == b"%PDF-"
        manifest = json.loads((Path(path).parent / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["final"] is True and manifest["inputs"]
    con = db(demo_home)
    assert (
        sorted(r[0] for r in con.execute("SELECT period_id FROM period_locks").fetchall())
        == DEMO_PERIODS
    )
    con.close()
    counts = demo_result["counts"]
    assert counts["rejected"] >= len(DEMO_PERIODS) and counts["accepted"] > 300
    assert counts["duplicate"] == len(DEMO_PERIODS)  # one unchanged resend per quarter


def test_latecomers_after_the_report_are_after_lock(demo_result, demo_home):
    con = db(demo_home)
    rows = con.execute(
        "SELECT a.period_id, a.status, a.received_at > l.locked_at FROM arrivals a"
        " JOIN period_locks l USING (period_id) WHERE a.timeliness = 'after_lock'"
    ).fetchall()
    con.close()
    assert rows and all(status == "rejected" and after for _, status, after in rows)


def test_every_file_archived_and_receipted(demo_result, demo_home):
    assert list((demo_home / "inbox").iterdir()) == []
    receipts = sorted((demo_home / "receipts").glob("*.json"))
    con = db(demo_home)
    n_arrivals, n_sha = con.execute(
        "SELECT count(*), count(DISTINCT sha256) FROM arrivals"
    ).fetchone()
    con.close()
    assert len(receipts) == n_arrivals == sum(demo_result["counts"].values())
    assert (
        len([p for p in (demo_home / "archive").iterdir() if not p.name.startswith(".")]) == n_sha
    )
    for i, path in enumerate(receipts, start=1):
        receipt = json.loads(path.read_text(encoding="utf-8"))
        assert list(receipt) == RECEIPT_KEYS + ["changes"] * ((receipt["version"] or 0) >= 2)
        assert path.name == f"{i:06d}-{receipt['sha256'][:16]}.json"
        errors = [m for m in receipt["messages"] if m["severity"] == "error"]
        if receipt["status"] == "rejected":
            assert errors and receipt["version"] is None
        else:
            assert not errors
        archived = next((demo_home / "archive").glob(receipt["sha256"] + "*"))
        import hashlib

        assert hashlib.sha256(archived.read_bytes()).hexdigest() == receipt["sha256"]


def test_versions_and_timeliness(demo_result, demo_home):
    con = db(demo_home)
    corrected = con.execute("SELECT count(*) FROM submissions WHERE version = 2").fetchone()[0]
    late = con.execute(
        "SELECT count(*) FROM current_submissions WHERE timeliness = 'late'"
    ).fetchone()[0]
    con.close()
    assert corrected == len(DEMO_PERIODS)  # one corrected resubmission per quarter
    assert late > 0


def test_report_numbers_match_the_database(demo_result, demo_home):
    period = Period.parse("2025Q3")
    text = pdf_text(demo_result["reports"][-1])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "Quý III/2025" in text and "Kính gửi" in text
    con = db(demo_home)
    # independently of the report's own SQL: the newest accepted version per unit, then sums
    latest = """
        WITH latest AS (
            SELECT unit_code, period_id, max(version) AS version FROM submissions GROUP BY ALL)
        SELECT v.unit_code, v.period_id, v.element_code, v.value
        FROM element_values v JOIN latest USING (unit_code, period_id, version)"""
    rows = con.execute(latest).fetchall()
    con.close()
    values = {}
    for unit, pid, code, value in rows:
        values.setdefault((pid, code), {})[unit] = value

    def total(pid, code):
        return sum(v for v in values.get((pid, code), {}).values() if v is not None)

    # T1: ratio of sums over units that reported both
    briefed, leaders = (
        values[(period.id, "LANH_DAO_DA_PHO_BIEN")],
        values[(period.id, "LANH_DAO_TONG")],
    )
    both = [u for u in briefed if briefed[u] is not None and leaders.get(u) is not None]
    num, den = sum(briefed[u] for u in both), sum(leaders[u] for u in both)
    assert f"{vi_number(100 * num / den, 1)}%" in text
    assert f"({vi_number(num)}/{vi_number(den)} người)" in text
    # T4: year to date sum of classes for báo cáo viên
    t4 = sum(total(p, "LOP_BAO_CAO_VIEN") for p in ("2025Q1", "2025Q2", "2025Q3"))
    assert re.search(rf"\b{vi_number(t4)} lớp\b", text)
    # monitoring: articles this quarter
    assert f"đăng {vi_number(total(period.id, 'TIN_BAI'))} tin, bài" in text


def test_issuer_follows_the_reorganisation(demo_result):
    first = PdfReader(demo_result["reports"][0]).pages[0].extract_text()  # 2024Q1
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in first and "BC-STTTT" in first
    page_two = PdfReader(demo_result["reports"][0]).pages[1].extract_text()
    assert "2" in page_two.splitlines()  # page numbers from page 2 on ...
    assert "1" not in first.splitlines()  # ... none on page 1


def test_status_lists_missing_units(demo_result, demo_home, capsys):
    capsys.readouterr()
    assert main(["status", "--period", "2025Q3", "--home", str(demo_home), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["locked"] is True
    assert status["counts"].get("missing", 0) >= 1
    assert {u["status"] for u in status["units"]} <= {"on_time", "late", "missing", "rejected"}


def test_file_for_a_locked_period_changes_nothing(
    demo_result, demo_home, tmp_path, monkeypatch, capsys
):
    con = db(demo_home)
    before = con.execute("SELECT count(*) FROM submissions").fetchone()[0]
    con.close()
    build_workbook(
        demo_home / "inbox" / "tre.xlsx",
        unit_code="P_HAI_CHAU",
        period="2025Q3",
        values={"TIN_BAI": 77},
    )
    monkeypatch.setenv("DXREPORT_NOW", "2025-10-01T09:00:00+07:00")
    capsys.readouterr()
    assert main(["intake", "--home", str(demo_home), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (receipt,) = result["receipts"]
    assert receipt["timeliness"] == "after_lock" and receipt["status"] == "rejected"
    assert result["counts"] == {"rejected": 1}
    con = db(demo_home)
    assert con.execute("SELECT count(*) FROM submissions").fetchone()[0] == before
    con.close()
    # running again with an empty inbox changes nothing
    assert main(["intake", "--home", str(demo_home), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"receipts": [], "counts": {}}


def test_template_verb(prefect_harness, tmp_path, capsys):
    out = tmp_path / "mau"
    assert (
        main(
            [
                "template",
                "--period",
                "Quý III/2025",
                "--unit",
                "P_HAI_CHAU",
                "--unit",
                "DT_MTTQ",
                "--out",
                str(out),
                "--home",
                str(tmp_path / "ws"),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "2025Q3_DT_MTTQ.xlsx",
        "2025Q3_P_HAI_CHAU.xlsx",
    ]
    assert (
        main(
            ["template", "--period", "2025Q3", "--unit", "KHONG_CO", "--home", str(tmp_path / "ws")]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "KHONG_CO" in err and "Traceback" not in err


def test_a_failed_run_exits_1_with_one_clear_message(prefect_harness, tmp_path, capsys):
    home = tmp_path / "hong"
    home.mkdir()
    (home / "warehouse.duckdb").write_bytes(b"this is not a DuckDB database file" * 100)
    capsys.readouterr()
    assert main(["report", "--period", "2025Q3", "--home", str(home)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "[EN]" in err


def test_report_on_an_empty_workspace_still_renders(prefect_harness, tmp_path, capsys):
    home = tmp_path / "empty"
    capsys.readouterr()
    assert main(["report", "--period", "2025Q3", "--home", str(home), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["final"] is False and Path(result["pdf_path"]).exists()
    assert "DỰ THẢO" in pdf_text(result["pdf_path"])


def test_intake_cli_mixed_batch(prefect_harness, tmp_path, capsys):
    from tests.builders import write_corrupt_zip

    home = tmp_path / "ws"
    (home / "inbox").mkdir(parents=True)
    build_workbook(home / "inbox" / "ok.xlsx", unit_code="P_AN_HAI", period="2025Q3")
    write_corrupt_zip(home / "inbox" / "hong.xlsx")
    (home / "inbox" / "ghi-chu.txt").write_text("không phải bảng tính", encoding="utf-8")
    capsys.readouterr()
    import os

    os.environ["DXREPORT_NOW"] = "2025-09-16T10:00:00+07:00"
    try:
        assert main(["intake", "--home", str(home), "--json"]) == 0
    finally:
        del os.environ["DXREPORT_NOW"]
    result = json.loads(capsys.readouterr().out)
    assert result["counts"] == {"accepted": 1, "rejected": 2}
    assert {r["file"]: r["status"] for r in result["receipts"]} == {
        "ok.xlsx": "accepted",
        "hong.xlsx": "rejected",
        "ghi-chu.txt": "rejected",
    }
    assert len(list((home / "receipts").iterdir())) == 3 and not list((home / "inbox").iterdir())
