"""The pieces of a reminder round without a mail server: which period and round by default, the
catalogue's e-mail column, a locked period, and the command line's usage errors."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
import yaml

from flows.cli import main
from schemas.errors import CatalogError
from tasks.catalog.add_units import add_units
from tasks.core.errors import UsageError
from tasks.core.periods import Period
from tasks.core.workspace import workspace_catalog
from tasks.remind.missing import reminder_period
from tasks.remind.round import check_round, default_round, write_round
from tests.remind.conftest import AFTER, BEFORE

Q3 = Period.parse("2025Q3")


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2025, 9, 11), "2025Q3"),  # 3 working days before the deadline (Tue 16/09/2025)
        (date(2025, 9, 17), "2025Q3"),  # the first working day after it
        (date(2025, 10, 20), "2025Q3"),  # in the middle of the next quarter: the last closed one
        (date(2025, 12, 10), "2025Q4"),  # Q4 closes on 14/12
        (date(2026, 1, 5), "2025Q4"),
    ],
)
def test_the_default_period_is_the_one_whose_deadline_is_near(today, period):
    assert reminder_period(today).id == period


def test_the_scheduled_reminders_remind_their_own_period(make_settings):
    """Every reminder date of the schedule (tasks/core/run_calendar.py) defaults to the period it is
    scheduled for, in the right round."""
    from datetime import datetime

    from tasks.core.periods import TZ
    from tasks.core.run_calendar import reminder_days

    calendar = make_settings().calendar
    p = Period.parse("2025Q1")
    for _ in range(12):
        before, after = reminder_days(p, calendar)
        assert reminder_period(before) == p and reminder_period(after) == p, p
        for day, expected in ((before, "truoc-han"), (after, "sau-han")):
            when = datetime.combine(day, datetime.min.time(), TZ).replace(hour=8).isoformat()
            assert default_round(p, make_settings(now=when)) == expected
        p = p.next()


def test_the_default_round_is_before_or_after_the_deadline(make_settings):
    assert default_round(Q3, make_settings(now="2025-09-16T17:00:00+07:00")) == "truoc-han"
    assert default_round(Q3, make_settings(now="2025-09-17T08:00:00+07:00")) == "sau-han"
    assert check_round("lan-3") == "lan-3"
    with pytest.raises(UsageError) as refused:
        check_round("Lần 3")
    assert "Tên đợt nhắc không hợp lệ" in refused.value.message_vi


def test_catalogue_units_take_an_email_column(make_settings, tmp_path):
    settings = make_settings()
    csv = tmp_path / "units.csv"
    csv.write_text(
        "code,name,type,valid_from,valid_to,successor_of,email\n"
        "P_MOI,UBND phường Mới,phuong_xa,2025-07-01,,,mới@danang.gov.vn; p.moi@danang.gov.vn\n",
        encoding="utf-8",
    )
    assert add_units(settings, csv)["added"] == 1
    unit = workspace_catalog(settings).unit("P_MOI")
    assert unit is not None
    assert unit.emails == ("mới@danang.gov.vn", "p.moi@danang.gov.vn")
    line = next(
        x
        for x in (settings.paths.catalog / "units.yaml").read_text(encoding="utf-8").splitlines()
        if "P_MOI" in x
    )
    assert yaml.safe_load(line.strip()[2:])["email"] == "mới@danang.gov.vn; p.moi@danang.gov.vn"
    # an update without the column keeps the address
    csv.write_text(
        "code,name,type,valid_from,valid_to,successor_of\n"
        "P_MOI,UBND phường Mới (sửa),phuong_xa,2025-07-01,,\n",
        encoding="utf-8",
    )
    assert add_units(settings, csv)["updated"] == 1
    unit = workspace_catalog(settings).unit("P_MOI")
    assert unit is not None and unit.name.endswith("(sửa)") and len(unit.emails) == 2
    csv.write_text(
        "code,name,type,valid_from,valid_to,successor_of,email\n"
        "P_MOI,UBND phường Mới,phuong_xa,2025-07-01,,,không phải địa chỉ\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="email"):
        add_units(settings, csv)


def test_a_locked_period_reminds_nobody(workspace):
    settings = workspace(now=AFTER)
    con = duckdb.connect(str(settings.paths.warehouse))
    con.execute("INSERT INTO period_locks VALUES ('2025Q3', now(), NULL, 'test')")
    con.close()
    plan = write_round(settings, workspace_catalog(settings), Q3, "sau-han")
    assert plan.locked and plan.reminders == ()
    assert not settings.paths.outbox.exists()


def test_units_with_only_rejected_files_are_told_why_after_the_deadline(workspace):
    settings = workspace(now=AFTER)
    plan = write_round(settings, workspace_catalog(settings), Q3, "sau-han")
    (r,) = [r for r in plan.reminders if r.unit_code == "DT_THANH_DOAN"]
    assert r.cause == "rejected"
    assert r.reason.startswith("thanh-doan-q3.xlsx: HEADER_PERIOD [trang Thông tin chung, ô C5]")
    text = (settings.paths.home / r.eml_path).read_bytes().decode("utf-8")
    assert "Đề nghị quý cơ quan sửa các lỗi nêu trên và gửi lại tệp báo cáo ngay." in text
    assert "Hạn gửi: 16/09/2025 (đã quá hạn)." in text


def test_the_command_refuses_a_bad_round_before_any_run(tmp_path, capsys):
    code = main(["remind", "--round", "Lần 3", "--home", str(tmp_path), "--now", BEFORE])
    assert code == 2
    err = capsys.readouterr().err
    assert "Tên đợt nhắc không hợp lệ" in err and "Invalid reminder round" in err
    assert "Traceback" not in err


def test_a_dry_run_reads_a_warehouse_of_an_earlier_version(workspace):
    settings = workspace(now=AFTER)
    con = duckdb.connect(str(settings.paths.warehouse))
    con.execute("DROP TABLE reminders")  # a warehouse from before reminders existed
    con.close()
    plan = write_round(settings, workspace_catalog(settings), Q3, "sau-han", dry_run=True)
    assert len(plan.reminders) == 4 and {r.status for r in plan.reminders} == {"dry_run"}
