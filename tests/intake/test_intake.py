"""Intake without Prefect: ledger, versions, duplicates, receipts, timeliness, locks, crash safety."""

import json
import os
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from tasks.core import progress
from tasks.core.errors import WorkspaceBusyError
from tasks.core.workspace import workspace_lock
from tasks.intake import ledger, steps
from tests.builders import build_workbook, write_corrupt_zip

RECEIPT_KEYS = [
    "file",
    "sha256",
    "received_at",
    "unit",
    "period",
    "version",
    "status",
    "timeliness",
    "duplicate_of",
    "messages",
]
MESSAGE_KEYS = ["severity", "rule", "sheet", "cell", "message_vi", "message_en"]


def run(settings, catalog) -> dict:
    batch = steps.collect(settings, catalog)
    subs = steps.parse_batch(settings, batch)
    subs = steps.validate_submissions(settings, catalog, batch, subs)
    return steps.summarize(batch.recovered + steps.record_batch(settings, batch, subs))


def drop(settings, path: Path, name: str | None = None, mtime: int | None = None) -> Path:
    target = settings.paths.inbox / (name or path.name)
    shutil.copyfile(path, target)
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return target


def query(settings, sql, params=()):
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture
def valid_file(tmp_path):
    return build_workbook(
        tmp_path / "src" / "2025Q3_P_HAI_CHAU.xlsx", unit_code="P_HAI_CHAU", period="2025Q3"
    )


def test_accepted_file_is_archived_loaded_and_receipted(make_settings, catalog, valid_file):
    settings = make_settings()
    drop(settings, valid_file)
    result = run(settings, catalog)
    (receipt,) = result["receipts"]
    assert list(receipt) == RECEIPT_KEYS
    assert receipt["status"] in ("accepted", "accepted_with_warnings")
    assert (receipt["unit"], receipt["period"], receipt["version"]) == ("P_HAI_CHAU", "2025Q3", 1)
    assert receipt["timeliness"] == "on_time" and receipt["duplicate_of"] is None
    assert receipt["received_at"] == "2025-09-16T08:00:00+07:00"
    assert not any(m["severity"] == "error" for m in receipt["messages"])
    # inbox empty, bytes archived by hash, receipt on disk equals the returned one
    assert list(settings.paths.inbox.iterdir()) == []
    archived = settings.paths.archive / f"{receipt['sha256']}.xlsx"
    assert archived.read_bytes() == valid_file.read_bytes()
    files = sorted(settings.paths.receipts.iterdir())
    assert [f.name for f in files] == [f"000001-{receipt['sha256'][:16]}.json"]
    assert json.loads(files[0].read_text(encoding="utf-8")) == receipt
    assert result["counts"] == {receipt["status"]: 1}
    n = query(
        settings,
        "SELECT count(*) FROM current_values WHERE unit_code='P_HAI_CHAU' AND period_id='2025Q3'",
    )[0][0]
    assert n == len(catalog.elements_for_type("phuong_xa"))


def test_duplicate_bytes_and_corrected_version(make_settings, catalog, valid_file, tmp_path):
    settings = make_settings()
    drop(settings, valid_file)
    run(settings, catalog)
    drop(settings, valid_file, name="gui-lai.xlsx")
    corrected = build_workbook(
        tmp_path / "src" / "sua.xlsx",
        unit_code="P_HAI_CHAU",
        period="Quý III/2025",
        values={"TIN_BAI": 999},
    )
    drop(settings, corrected)
    result = run(settings, catalog)
    dup, fix = sorted(result["receipts"], key=lambda r: r["file"])
    assert dup["status"] == "duplicate" and dup["duplicate_of"].startswith("000001-")
    assert dup["version"] is None and dup["timeliness"] is None
    assert fix["version"] == 2 and fix["period"] == "2025Q3"
    rows = query(
        settings,
        "SELECT value FROM current_values WHERE unit_code='P_HAI_CHAU' AND element_code='TIN_BAI'",
    )
    assert rows == [(999.0,)]
    # history kept: both versions are in the ledger
    assert query(settings, "SELECT count(*) FROM submissions")[0][0] == 2
    assert len(list(settings.paths.archive.iterdir())) == 2


def test_broken_file_rejected_archived_never_crashes(make_settings, catalog, tmp_path):
    settings = make_settings()
    bad = write_corrupt_zip(tmp_path / "src" / "hong.xlsx")
    drop(settings, bad)
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"] == "rejected"
    assert receipt["unit"] is None and receipt["period"] is None and receipt["version"] is None
    assert any(m["severity"] == "error" for m in receipt["messages"])
    for m in receipt["messages"]:
        assert list(m) == MESSAGE_KEYS and m["message_vi"] and m["message_en"]
    assert (settings.paths.archive / f"{receipt['sha256']}.xlsx").read_bytes() == bad.read_bytes()
    assert list(settings.paths.inbox.iterdir()) == []


def test_arrival_order_and_numbering(make_settings, catalog, tmp_path):
    settings = make_settings()
    a = build_workbook(tmp_path / "src" / "a.xlsx", unit_code="P_AN_HAI", period="2025Q3")
    b = build_workbook(tmp_path / "src" / "b.xlsx", unit_code="P_SON_TRA", period="2025Q3")
    drop(settings, b, mtime=1_700_000_000)
    drop(settings, a, mtime=1_700_000_100)
    receipts = run(settings, catalog)["receipts"]
    assert [r["file"] for r in receipts] == ["b.xlsx", "a.xlsx"]
    names = sorted(p.name for p in settings.paths.receipts.iterdir())
    assert names[0].startswith("000001-") and names[1].startswith("000002-")


def test_late_and_after_lock(make_settings, catalog, valid_file, tmp_path):
    settings = make_settings(now="2025-09-18T09:00:00+07:00")
    drop(settings, valid_file)
    (late,) = run(settings, catalog)["receipts"]
    assert late["timeliness"] == "late" and late["status"] != "rejected"
    con = duckdb.connect(str(settings.paths.warehouse))
    con.execute("INSERT INTO period_locks VALUES ('2025Q3', now(), NULL, 'test')")
    con.close()
    again = build_workbook(
        tmp_path / "src" / "muon.xlsx",
        unit_code="P_HAI_CHAU",
        period="2025Q3",
        values={"TIN_BAI": 5},
    )
    drop(settings, again)
    (locked,) = run(settings, catalog)["receipts"]
    assert locked["timeliness"] == "after_lock" and locked["status"] == "rejected"
    assert locked["version"] is None
    assert query(settings, "SELECT count(*) FROM submissions")[0][0] == 1


def test_period_not_yet_open_is_rejected(make_settings, catalog, tmp_path):
    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    future = build_workbook(tmp_path / "src" / "q4.xlsx", unit_code="P_HAI_CHAU", period="2026Q1")
    drop(settings, future)
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"] == "rejected" and receipt["timeliness"] is None
    assert any(m["rule"] == "PERIOD_NOT_OPEN" for m in receipt["messages"])


def test_rerun_changes_nothing(make_settings, catalog, valid_file):
    settings = make_settings()
    drop(settings, valid_file)
    run(settings, catalog)
    tables = [
        "arrivals",
        "submissions",
        "element_values",
        "activities",
        "narratives",
        "arrival_messages",
    ]
    before = {t: query(settings, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert run(settings, catalog) == {"receipts": [], "counts": {}}
    assert {t: query(settings, f"SELECT count(*) FROM {t}")[0][0] for t in tables} == before


def test_killed_after_commit_is_finished_by_next_run(
    make_settings, catalog, valid_file, monkeypatch
):
    settings = make_settings()
    drop(settings, valid_file)

    def killed(*_a, **_k):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(ledger, "write_all_atomic", killed)
    with pytest.raises(KeyboardInterrupt):
        run(settings, catalog)
    monkeypatch.undo()
    assert [p.name for p in settings.paths.inbox.iterdir()] == [valid_file.name]  # still waiting
    assert list(settings.paths.receipts.iterdir()) == []
    result = run(settings, catalog)
    assert [r["version"] for r in result["receipts"]] == [1]
    assert list(settings.paths.inbox.iterdir()) == []
    assert len(list(settings.paths.receipts.iterdir())) == 1
    assert query(settings, "SELECT count(*), bool_and(finished) FROM arrivals")[0] == (1, True)
    assert query(settings, "SELECT count(*) FROM submissions")[0][0] == 1


def test_killed_inside_the_transaction_loads_nothing(
    make_settings, catalog, valid_file, monkeypatch
):
    settings = make_settings()
    drop(settings, valid_file)

    def killed(*_a, **_k):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(ledger, "insert_submissions", killed)
    with pytest.raises(KeyboardInterrupt):
        run(settings, catalog)
    monkeypatch.undo()
    assert query(settings, "SELECT count(*) FROM arrivals")[0][0] == 0
    assert query(settings, "SELECT count(*) FROM submissions")[0][0] == 0
    result = run(settings, catalog)
    assert [r["version"] for r in result["receipts"]] == [1]
    assert result["receipts"][0]["file"] == valid_file.name


def test_progress_is_announced_per_file(make_settings, catalog, valid_file, tmp_path):
    settings = make_settings()
    drop(settings, valid_file, mtime=1_700_000_000)
    drop(settings, write_corrupt_zip(tmp_path / "src" / "hong.xlsx"), mtime=1_700_000_100)
    drop(settings, valid_file, name="lan-2.xlsx", mtime=1_700_000_200)  # duplicate: not parsed
    events = []

    class Recorder:
        def start(self, stage, total, description):
            events.append(("start", stage, total, description))

        def advance(self, stage, label):
            events.append(("advance", stage, label))

        def finish(self, stage):
            events.append(("finish", stage))

    with progress.listening(Recorder()):
        run(settings, catalog)
    names = [valid_file.name, "hong.xlsx", "lan-2.xlsx"]
    assert events == [
        ("start", "parse", 3, "Đọc tệp / reading files"),
        *[("advance", "parse", name) for name in names],
        ("finish", "parse"),
        ("start", "record", 3, "Lưu trữ, nạp, biên nhận / archive, load, receipt"),
        *[("advance", "record", name) for name in names],
        ("finish", "record"),
    ]


def test_second_writer_waits_for_the_first(make_settings):
    settings = make_settings(lock_timeout_seconds=0.5)
    held, release = threading.Event(), threading.Event()

    def holder():
        with workspace_lock(settings):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(WorkspaceBusyError):
            with workspace_lock(settings):
                pass
    finally:
        release.set()
        thread.join()
    with workspace_lock(settings):  # free again
        pass


def test_every_file_gets_a_receipt_whatever_its_name(make_settings, catalog, tmp_path):
    settings = make_settings()
    for name in (".an.xlsx", "upload.tmp", "KHONG_DUOI", "bao cao (1).XLSX", "ảnh chụp.png"):
        (settings.paths.inbox / name).write_bytes(name.encode() * 10)
    result = run(settings, catalog)
    assert sorted(r["file"] for r in result["receipts"]) == sorted(
        [".an.xlsx", "upload.tmp", "KHONG_DUOI", "bao cao (1).XLSX", "ảnh chụp.png"]
    )
    assert all(r["status"] == "rejected" for r in result["receipts"])
    assert list(settings.paths.inbox.iterdir()) == []


def test_activities_are_loaded_with_their_types(make_settings, catalog, tmp_path):
    from datetime import date

    settings = make_settings()
    rows = [
        {
            "Ngày": date(2025, 7, 2),
            "Loại hoạt động": "tin_bai",
            "Kênh": "bao_dien_tu",
            "Tên, nội dung": "Bài <b>một</b>",
            "Số lượng": 3,
            "Lượt tiếp cận": 1200,
            "Kinh phí (triệu đồng)": 1.5,
            "Đường dẫn minh chứng": "https://danang.gov.vn/a",
        },
        {
            "Ngày": date(2025, 8, 1),
            "Loại hoạt động": "tap_huan",
            "Kênh": "truc_tiep",
            "Tên, nội dung": None,
            "Số lượng": 1,
            "Lượt tiếp cận": None,
            "Kinh phí (triệu đồng)": None,
            "Đường dẫn minh chứng": None,
        },
    ]
    drop(settings, build_workbook(tmp_path / "hd.xlsx", unit_code="P_HAI_CHAU", activities=rows))
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"] != "rejected", receipt["messages"]
    got = query(
        settings,
        "SELECT activity_date, activity_type, channel, title, quantity, reach, cost,"
        " evidence_url FROM activities ORDER BY line_no",
    )
    assert got == [
        (
            date(2025, 7, 2),
            "tin_bai",
            "bao_dien_tu",
            "Bài <b>một</b>",
            3,
            1200.0,
            1.5,
            "https://danang.gov.vn/a",
        ),
        (date(2025, 8, 1), "tap_huan", "truc_tiep", None, 1, None, None, None),
    ]
