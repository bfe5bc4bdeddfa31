"""The report's view model, checked against numbers worked out by hand (tests/builders/report_db.py)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from schemas import SQL_DIR
from tasks.core.errors import NoDataError, WorkspaceBusyError
from tasks.core.formatting import (
    fmt_change,
    fmt_date,
    fmt_fraction,
    fmt_number,
    fmt_percent,
    truncate_text,
)
from tasks.core.periods import Period, ReportingCalendar
from tasks.report.build import build_report_model
from tests.builders.report_db import LONG_TEXT, XSS_TEXT, build_report_db, small_catalog

CALENDAR = ReportingCalendar(submission_working_days=2, report_due_day=20)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_report_db(tmp_path_factory.mktemp("report") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def catalog():
    return small_catalog()


@pytest.fixture(scope="module")
def q2(db, catalog):
    return build_report_model(db, catalog, Period(2025, 2), date(2025, 6, 20), calendar=CALENDAR)


def ind(model, code):
    return next(i for i in model.indicators if i.code == code)


def mon(model, element):
    return next(m for m in model.monitoring if m.element == element)


# --- indicators -----------------------------------------------------------------------------------
def test_t1_is_a_ratio_of_sums_over_the_newest_versions(q2):
    t1 = ind(q2, "T1")
    # Σ briefed = 10 + 2 (VP_UBND v2, not v1's 1) + 41 + 3 + 5; Σ leaders = 10 + 4 + 50 + 6 + 5
    assert (t1.numerator, t1.denominator) == (61, 75)
    assert t1.value == pytest.approx(61 / 75)
    average_of_ratios = (10 / 10 + 2 / 4 + 41 / 50 + 3 / 6 + 5 / 5) / 5
    assert t1.value != pytest.approx(average_of_ratios)
    assert t1.value_text == "81,3%"
    assert t1.fraction_text == "61/75"
    # S_KHCN, VP_UBND, Q_HAI_CHAU, P_THANH_BINH, DT_THANH_DOAN out of the 7 expected units of the
    # types reporting leaders (so_nganh, quan_huyen, phuong_xa, doan_the)
    assert (t1.units_reporting, t1.units_expected) == (5, 7)
    assert t1.coverage_text == "5/7 đơn vị báo cáo"
    assert t1.target_text == "100%"
    assert t1.assessment == "Đang thực hiện"  # below target before Q4


def test_share_of_units_indicators(q2):
    t2 = ind(q2, "T2")  # Q_HAI_CHAU has plan + funding; P_THANH_BINH plan without funding
    assert (t2.numerator, t2.denominator, t2.value_text) == (1, 2, "50,0%")
    assert t2.coverage_text == "2/3 đơn vị báo cáo"  # P_THUAN_PHUOC (rejected only) has no data
    t3 = ind(q2, "T3")
    assert (t3.numerator, t3.denominator, t3.value_text) == (1, 1, "100,0%")
    assert t3.coverage_text == "1/2 đơn vị báo cáo"
    assert t3.assessment == "Đạt"


def test_t5_ratio(q2):
    t5 = ind(q2, "T5")
    assert (t5.numerator, t5.denominator, t5.value_text) == (7, 8, "87,5%")


def test_year_to_date_sums(q2):
    t4 = ind(q2, "T4")  # Q1: S_KHCN 1; Q2: S_KHCN 1 + Q_HAI_CHAU 1
    assert t4.value == 3
    assert t4.value_text == "3 lớp"
    assert t4.target_text == "2 lớp"
    assert t4.assessment == "Đạt"
    t6 = ind(q2, "T6")  # Q_HAI_CHAU 1 in Q1 and 1 in Q2; S_KHCN reported 0
    assert t6.value == 2
    assert t6.target is None
    assert t6.target_text == "Chưa có chỉ tiêu năm 2025"
    # no 2025 target: compared with the latest earlier one (2 in 2023), and said so
    assert t6.assessment == "Đạt mức năm trước"
    assert t6.reference_text == "đã đạt mức chỉ tiêu năm 2023 (2 mô hình)"


def test_year_to_date_count_below_target_before_q4_is_in_progress(db, catalog):
    q1 = build_report_model(db, catalog, Period(2025, 1), date(2025, 3, 20), calendar=CALENDAR)
    assert ind(q1, "T4").value == 1
    assert ind(q1, "T4").assessment == "Đang thực hiện"


def test_no_target_year_says_so(db, catalog):
    m = build_report_model(db, catalog, Period(2024, 4), date(2024, 12, 20), calendar=CALENDAR)
    t1 = ind(m, "T1")
    assert t1.value_text == "60,0%"
    assert t1.target_text == "Chưa có chỉ tiêu năm 2024"
    assert t1.assessment == "—"
    t4 = ind(m, "T4")  # 2024 target 2 classes, 1 held by Q4: not met
    assert t4.assessment == "Chưa đạt"
    assert m.header.issuer_name == "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    assert m.header.doc_number.endswith("/BC-STTTT")
    assert m.closing.recipients[-1] == "- Lưu: VT, STTTT."


# --- monitoring -----------------------------------------------------------------------------------
def test_monitoring_quarter_year_to_date_and_previous_year(q2):
    tin = mon(q2, "TIN_BAI")
    assert tin.quarter == 450  # 20 + 5 (VP_UBND v2, not 500) + 100 + 10 + 15 + 300
    assert tin.year_to_date == 517  # + Q1: 10 + 50 + 7
    assert tin.previous_year == 200  # Q2/2024
    assert tin.change_text == "tăng 125,0%"
    assert q2.has_previous_year and q2.previous_period_label == "Quý II/2024"
    money = mon(q2, "KINH_PHI")
    assert money.quarter == pytest.approx(42.5)
    assert money.quarter_text == "42,5"
    assert mon(q2, "CHUONG_TRINH_PTTH").quarter_text == "—"  # nobody reported it: not 0


def test_breakdown_by_unit_type(q2):
    names = [c.code for c in q2.by_type.columns]
    assert names == ["so_nganh", "quan_huyen", "phuong_xa", "doan_the", "bao_chi"]
    row = next(r for r in q2.by_type.rows if r.name.startswith("Tin, bài"))
    assert row.cells == ("25", "100", "10", "15", "300")
    assert row.total_text == "450"
    ttcs = next(r for r in q2.by_type.rows if r.name.startswith("Lượt phát"))
    assert ttcs.cells[0] == ""  # sở/ngành do not report loudspeaker broadcasts
    assert [c.coverage_text for c in q2.by_type.columns] == ["2/2", "1/1", "1/2", "1/2", "1/1"]


def test_generated_summary_sentence(q2):
    assert q2.results_summary[0].startswith(
        "Trong Quý II/2025 (từ ngày 15/03/2025 đến ngày 14/06/2025), các đơn vị đã đăng 450 tin, "
        "bài, phóng sự"
    )
    assert "265.000 lượt tiếp cận" in q2.results_summary[0]


# --- submission status ----------------------------------------------------------------------------
def test_submission_status(q2):
    s = q2.status
    assert (s.expected, s.submitted, s.on_time, s.late) == (8, 6, 5, 1)
    assert (s.missing, s.rejected, s.corrected, s.unexpected) == (2, 1, 1, 0)
    assert s.rejected_units == ("UBND phường Thuận Phước",)
    assert set(s.missing_units) == {"UBND phường Thuận Phước", "Hội Liên hiệp Phụ nữ thành phố"}
    assert s.late_units == ("UBND phường Thanh Bình",)
    assert s.deadline_text == "17/06/2025"
    rows = {r.unit_code: r for r in s.rows}
    vp = rows["VP_UBND"]
    assert (vp.status, vp.version, vp.received_on) == ("on_time", 2, "20/06/2025")
    assert rows["P_THUAN_PHUOC"].status == "rejected"
    assert rows["DT_HOI_LHPN"].status_text == "Chưa gửi"
    assert rows["B_BAO_DA_NANG"].type_name == "Cơ quan báo chí"
    assert [g.type_name for g in s.groups] == [
        "Sở, ban, ngành",
        "UBND quận, huyện",
        "UBND phường, xã, đặc khu",
        "Mặt trận Tổ quốc và các đoàn thể",
        "Cơ quan báo chí",
    ]
    assert sum(len(g.rows) for g in s.groups) == len(s.rows)
    assert s.groups[2].summary_text == "2 đơn vị, đã gửi 1"


def test_unit_that_ended_before_cut_off_but_submitted(db, catalog):
    q1 = build_report_model(db, catalog, Period(2025, 1), date(2025, 3, 20), calendar=CALENDAR)
    row = next(r for r in q1.status.rows if r.unit_code == "S_TTTT")
    assert not row.expected and row.status == "on_time"
    assert q1.status.unexpected == 1
    assert mon(q1, "TIN_BAI").quarter == 67
    assert ind(q1, "T1").value is None and ind(q1, "T1").value_text == "—"


# --- narratives -----------------------------------------------------------------------------------
def test_narratives_newest_version_truncated_untrusted_text_kept_verbatim(q2):
    texts = [
        e.text
        for s in (q2.highlights, q2.difficulties, q2.proposals, q2.next_tasks_units)
        for e in s.excerpts
    ]
    assert not any("PHIÊN BẢN CŨ" in t for t in texts)
    assert XSS_TEXT in texts  # kept as plain text; escaping is the template's job
    long = next(e for e in q2.highlights.excerpts if e.unit_name == "UBND phường Thanh Bình")
    # one sentence of 420 characters: kept whole (issue 7: never cut in the middle of a sentence)
    assert long.text == " ".join(LONG_TEXT.split()) and not long.truncated


def test_excerpts_are_bounded(db, catalog):
    m = build_report_model(
        db, catalog, Period(2025, 2), date(2025, 6, 20), excerpts_per_section=1, calendar=CALENDAR
    )
    assert len(m.highlights.excerpts) == 1
    assert m.highlights.units_count == 3
    assert m.highlights.excerpts[0].unit_name == "UBND phường Thanh Bình"  # the most substantial


# --- header, closing, periods without data --------------------------------------------------------
def test_header_and_closing(q2):
    h = q2.header
    assert h.issuer_name == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    assert h.place_date == "Đà Nẵng, ngày 20 tháng 6 năm 2025"
    assert h.summary == (
        "Kết quả thực hiện Đề án truyền thông Chuyển đổi số tại thành phố Đà Nẵng giai đoạn 2022 - 2025, Quý II/2025"
    )
    assert h.addressee == "Kính gửi: Ủy ban nhân dân thành phố"
    assert re.fullmatch(r"Số:\s+/BC-SKHCN", h.doc_number)
    assert h.draft and h.draft_label == "DỰ THẢO"
    assert q2.closing.recipients[0] == "- Như trên;"
    assert q2.closing.recipients[-1] == "- Lưu: VT, SKHCN."
    assert q2.closing.signer_title == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert q2.meta.created == "2025-06-20"


def test_final_report_has_no_draft_flag(db, catalog):
    m = build_report_model(
        db, catalog, Period(2025, 2), date(2025, 6, 20), final=True, calendar=CALENDAR
    )
    assert not m.header.draft and m.header.draft_label == ""


def test_period_without_any_submission_still_reports(db, catalog):
    m = build_report_model(db, catalog, Period(2025, 3), date(2025, 9, 20), calendar=CALENDAR)
    assert not m.has_data
    assert "chưa có đơn vị nào" in m.no_data_text
    assert m.status.submitted == 0 and m.status.missing == m.status.expected
    assert ind(m, "T1").value is None and ind(m, "T1").coverage_text.startswith("0/")


def test_missing_warehouse_raises_no_data(tmp_path, catalog):
    with pytest.raises(NoDataError) as err:
        build_report_model(
            tmp_path / "none.duckdb", catalog, Period(2025, 2), date(2025, 6, 20), calendar=CALENDAR
        )
    assert "kho dữ liệu" in err.value.message_vi


def test_connection_is_closed_after_building(db, catalog, q2):
    # DuckDB refuses a read-write open of a file this process still holds read-only ...
    held = duckdb.connect(str(db), read_only=True)
    try:
        with pytest.raises(duckdb.ConnectionException):
            duckdb.connect(str(db))
    finally:
        held.close()
    # ... so after building (the q2 fixture), writing works only if the model closed its connection
    con = duckdb.connect(str(db))
    try:
        con.execute("CREATE TABLE probe (x INTEGER)")
        con.execute("INSERT INTO probe VALUES (1)")
        assert con.execute("SELECT count(*) FROM probe").fetchone() == (1,)
    finally:
        con.close()


def test_warehouse_open_for_writing_gives_a_clear_error(db, catalog):
    con = duckdb.connect(str(db))
    try:
        with pytest.raises(WorkspaceBusyError) as err:
            build_report_model(db, catalog, Period(2025, 2), date(2025, 6, 20), calendar=CALENDAR)
        assert "đang ghi" in err.value.message_vi
    finally:
        con.close()


def test_every_report_query_states_its_grain():
    files = sorted(SQL_DIR.glob("report_*.sql"))
    assert files
    for path in files:
        assert path.read_text(encoding="utf-8").startswith("-- Grain:"), path.name


# --- formatting -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1.234,5"),
        (1234, 0, "1.234"),
        (1234567.891, 2, "1.234.567,89"),
        (0.05, 1, "0,1"),
        (-1500, 0, "-1.500"),
        (-0.01, 1, "0,0"),
        (999.95, 1, "1.000,0"),
    ],
)
def test_fmt_number(value, decimals, expected):
    assert fmt_number(value, decimals) == expected


def test_other_formats():
    assert fmt_percent(0.853) == "85,3%"
    assert fmt_percent(0.8125) == "81,3%"  # half-up, not banker's rounding
    assert fmt_percent(None) == "—"
    assert fmt_number(42.0, 1, trim=True) == "42"
    assert fmt_fraction(1234, 1500) == "1.234/1.500"
    assert fmt_change(450, 200) == "tăng 125,0%"
    assert fmt_change(90, 100) == "giảm 10,0%"
    assert fmt_change(5, 0) == "—"
    assert fmt_date(date(2025, 3, 5)) == "05/03/2025"
    text, cut = truncate_text("một  hai\nba " * 50, 40)
    assert cut and len(text) <= 41 and "\n" not in text


def test_unknown_unit_codes_stay_out_of_the_report(tmp_path, catalog):
    from tests.builders.report_db import at, create_db

    path = tmp_path / "warehouse.duckdb"
    db = create_db(path)
    db.reject("PHAI_VAN", "2025Q2", at("2025-06-16"))  # a typo in Mã đơn vị: rejected at intake
    db.con.close()
    model = build_report_model(path, catalog, Period(2025, 2), date(2025, 6, 20), calendar=CALENDAR)
    assert "PHAI_VAN" not in {row.unit_code for row in model.status.rows}
    assert model.status.unexpected == 0
