"""The points a reviewer found in the reports of the demo (issue 7), each on a warehouse built by hand
with the packaged catalogue (2025 reorganisations and successor links included), checked against
numbers worked out here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from schemas.catalog_model import load_catalog
from tasks.core.formatting import excerpt_sentences, fmt_quantity
from tasks.core.periods import Period, ReportingCalendar, is_working_day, issue_date
from tasks.report.build import build_report_model
from tasks.report.comparison import successor_on
from tasks.report.naming import display_name
from tasks.report.prose import proposals
from tests.builders.report_db import at, create_db

CALENDAR = ReportingCalendar(submission_working_days=2, report_due_day=20)
Q3_24, Q3_25 = Period(2024, 3), Period(2025, 3)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """Q3/2024: five old phường of the future phường Hải Châu, quận Hải Châu (abolished without a
    successor on 01/07/2025) and the Thành đoàn. Q3/2025: the new phường Hải Châu and the Thành
    đoàn; Q1-Q2/2025 of two units for the year to date; a rejected file of an unknown unit."""
    path = tmp_path_factory.mktemp("reviewer") / "warehouse.duckdb"
    w = create_db(path)
    old = ["P_THANH_BINH", "P_THUAN_PHUOC", "P_THACH_THANG", "P_HAI_CHAU_CU", "P_PHUOC_NINH"]
    for i, unit in enumerate(old):
        w.submit(unit, "2024Q3", at("2024-09-16"), {"TIN_BAI": 10 + i, "KINH_PHI": 1.5})
    w.submit("Q_HAI_CHAU", "2024Q3", at("2024-09-16"), {"TIN_BAI": 100, "KINH_PHI": 20.0})
    w.submit("DT_THANH_DOAN", "2024Q3", at("2024-09-16"), {"TIN_BAI": 20, "KINH_PHI": 2.25})
    # 2025: year to date for T4 (LOP_BAO_CAO_VIEN), Q1 by the quận (ended 30/06/2025)
    w.submit("Q_HAI_CHAU", "2025Q1", at("2025-03-17"), {"LOP_BAO_CAO_VIEN": 1})
    w.submit("DT_THANH_DOAN", "2025Q1", at("2025-03-17"), {"LOP_BAO_CAO_VIEN": 1})
    w.submit(
        "P_HAI_CHAU",
        "2025Q3",
        at("2025-09-15"),
        {"TIN_BAI": 66, "KINH_PHI": 6186.0},
        narratives={
            "ket_qua": "Phường đã tổ chức 12 buổi hướng dẫn dịch vụ công trực tuyến cho người dân. "
            "Tổ Công nghệ số cộng đồng hoạt động ở tất cả các tổ dân phố. " * 4
        },
    )
    w.submit(
        "DT_THANH_DOAN",
        "2025Q3",
        at("2025-09-15"),
        {"TIN_BAI": 21, "KINH_PHI": 1877.7, "LOP_BAO_CAO_VIEN": 1},
    )
    # a correction after the deadline (16/09/2025 + ...): the unit stays on time
    w.submit(
        "DT_THANH_DOAN",
        "2025Q3",
        at("2025-09-25"),
        {"TIN_BAI": 22, "KINH_PHI": 1877.7, "LOP_BAO_CAO_VIEN": 1},
        timeliness="late",
    )
    w._arrival("X_KHONG_RO", "2025Q3", at("2025-09-16"), "rejected", None, None)
    w._arrival(None, None, at("2025-09-16"), "rejected", None, None)
    w.con.close()
    return path


@pytest.fixture(scope="module")
def q3(db, catalog):
    return build_report_model(db, catalog, Q3_25, date(2025, 9, 19), calendar=CALENDAR)


def test_the_comparison_with_last_year_maps_old_units_to_their_successor(q3):
    """Point 1: same units, through successor links; the abolished quận is left out and named."""
    c = q3.comparison
    assert c.available and c.groups == 2  # P_HAI_CHAU (5 predecessors) and the Thành đoàn
    row = next(r for r in c.rows if r.element == "TIN_BAI")
    # now: 66 + 22 (the Thành đoàn's newest version); then: 10+11+12+13+14 + 20, the quận's 100 left out
    assert (row.current, row.base) == (88, 80)
    assert row.change_text == "tăng 10,0%"
    assert "5 đơn vị cũ đã sáp nhập được cộng vào đơn vị kế thừa" in c.note
    assert "1 đơn vị đã giải thể không có đơn vị kế thừa (UBND quận Hải Châu" in c.note
    assert "100 tin/bài" in c.note
    # the raw total of Q3/2024 (180) appears nowhere as a comparison base
    assert all(r.base != 180 for r in c.rows)
    assert any("cùng nhóm 2 đơn vị" in s for s in q3.results_summary)


def test_successor_on_follows_links_and_stops_at_abolished_units(catalog):
    assert successor_on(catalog, "P_THANH_BINH", date(2025, 9, 14)) == "P_HAI_CHAU"
    assert successor_on(catalog, "Q_HAI_CHAU", date(2025, 9, 14)) is None
    assert successor_on(catalog, "DT_THANH_DOAN", date(2025, 9, 14)) == "DT_THANH_DOAN"
    # a phường merged on 01/01/2025 and again on 01/07/2025: two links
    assert successor_on(catalog, "P_HAI_CHAU_I", date(2025, 9, 14)) == "P_HAI_CHAU"


def test_coverage_states_the_catalogue_against_the_city(q3, catalog):
    """Point 2: how many units the catalogue holds against the city's, per type, and the gap."""
    cov = q3.coverage
    expected = catalog.expected_units(Q3_25.window_start, Q3_25.window_end)
    px = next(r for r in cov.rows if r.type_code == "phuong_xa")
    assert px.planned == 94
    assert px.in_catalogue == sum(1 for u in expected if u.type == "phuong_xa")
    assert px.missing_from_catalogue == 94 - px.in_catalogue
    assert cov.catalogue_total == len(expected)
    assert f"có {len(expected)} đơn vị phải báo cáo" in cov.statement
    assert f"UBND phường, xã, đặc khu: {94 - px.in_catalogue}/94 đơn vị" in cov.statement
    assert not any(r.type_code == "quan_huyen" for r in cov.rows)  # none planned, none expected


def test_the_merger_rule_is_stated_in_the_method_note(q3):
    """Point 3: a successor reports its whole first window, predecessors included."""
    text = " ".join(q3.method_notes)
    assert "báo cáo số liệu của cả kỳ, gồm cả số liệu của các đơn vị tiền thân" in text
    assert "Đơn vị giải thể không có đơn vị kế thừa" in text


def test_the_template_tells_a_merged_unit_to_report_its_predecessors(catalog):
    from tasks.workbook.instructions import merger_rule

    text = merger_rule(catalog, catalog.unit("P_HAI_CHAU"), Q3_25)
    assert "Đơn vị thành lập ngày 01/07/2025" in text
    assert "từ 15/06/2025 đến 14/09/2025" in text
    assert "UBND phường Thanh Bình" in text


def test_year_to_date_states_its_window_and_counts_coverage_over_the_year(q3):
    """Point 4: the window in dd/mm/yyyy; coverage over every unit expected in a quarter of the year."""
    t4 = next(i for i in q3.indicators if i.code == "T4")
    assert t4.value == 3  # Q1: quận 1 + Thành đoàn 1; Q3: Thành đoàn 1 (its newest version)
    assert t4.scope_text == "Lũy kế năm 2025, từ ngày 15/12/2024 đến ngày 14/09/2025"
    # contributors: the quận (Q1) and the Thành đoàn; N counts the quận although it ended on 30/06
    assert t4.units_reporting == 2
    assert t4.units_expected >= 2 and "đơn vị có số liệu trong năm" in t4.coverage_text
    assert q3.ytd_window_text == "từ ngày 15/12/2024 đến ngày 14/09/2025"


def test_homonyms_are_told_apart_by_their_dates(catalog):
    """Point 5: "UBND phường Hải Châu" before and after 01/07/2025."""
    old, new = display_name(catalog, "P_HAI_CHAU_CU"), display_name(catalog, "P_HAI_CHAU")
    assert old != new
    assert "01/07/2025" in new
    assert display_name(catalog, "DT_THANH_DOAN") == catalog.unit("DT_THANH_DOAN").name


def test_a_corrected_unit_shows_its_first_date_beside_on_time(q3):
    """Point 6: "Đúng hạn" next to the first accepted version's date, the correction's in the note."""
    row = next(r for r in q3.status.rows if r.unit_code == "DT_THANH_DOAN")
    assert row.status_text == "Đúng hạn"
    assert row.first_received_on == "15/09/2025"
    assert "bản lần 2 nhận ngày 25/09/2025" in row.note


def test_money_reads_alike_in_a_column():
    """Point 6: "6.186" beside "1.877,7" in one column."""
    assert fmt_quantity(6186.0, whole=False) == "6.186,0"
    assert fmt_quantity(1877.7, whole=False) == "1.877,7"


def test_highlights_are_whole_sentences(q3):
    """Point 6: no excerpt cut in the middle of a sentence."""
    (e,) = q3.highlights.excerpts
    assert e.text.endswith(".") and "…" not in e.text
    text, cut = excerpt_sentences("Câu một rất ngắn. Câu hai dài hơn một chút nữa. Câu ba.", 30)
    assert text == "Câu một rất ngắn." and cut


def test_the_text_names_activities_as_the_table_does(catalog):
    """Point 6: "hội nghị, hội thảo, cuộc thi, sự kiện" in the text and in the table."""
    from tasks.report.prose import ACTIVITY_PHRASES

    m = next(m for m in catalog.monitoring if m.element == "SU_KIEN")
    assert m.name.lower() in ACTIVITY_PHRASES["SU_KIEN"]


def test_t6_has_no_nested_parentheses_and_no_contradictory_proposal(q3):
    """Point 6: no target in 2025, 2 in 2023; the row, the assessment and the proposal agree."""
    t6 = next(i for i in q3.indicators if i.code == "T6")
    assert t6.target_text == "Chưa có chỉ tiêu năm 2025"
    assert "((" not in t6.target_note and "(" not in t6.target_note
    (proposal,) = proposals(q3.indicators, Q3_25, "Ủy ban nhân dân thành phố")
    assert "giao chỉ tiêu năm 2025 đối với" in proposal


def test_unidentified_rejected_files_are_listed(q3):
    """Point 6: rejected files whose unit could not be identified appear in the quality annex."""
    q = q3.quality
    assert len(q.unidentified) == 2
    assert {u.declared for u in q.unidentified} == {"X_KHONG_RO / 2025Q3", "—"}
    assert "2 tệp bị từ chối không xác định được đơn vị gửi" in q.summary


def test_the_values_annex_shows_the_version_and_date_used(q3):
    """Traceability: per unit, the version and received date of the submission used."""
    table = next(t for t in q3.values_tables if t.key == "b")
    row = next(r for r in table.rows if r.unit_code == "DT_THANH_DOAN")
    assert (row.version_text, row.received_on) == ("2", "25/09/2025")
    tin_bai = [c.element for c in table.columns].index("TIN_BAI")
    assert row.cells[tin_bai] == "22"


def test_issue_dates_are_working_days():
    """Point 7: 20/09/2025 is a Saturday; the report bears Monday 22/09/2025."""
    assert not is_working_day(date(2025, 9, 20))
    assert issue_date(date(2025, 9, 20)) == date(2025, 9, 22)
    assert CALENDAR.report_due(Q3_25) == date(2025, 9, 19)  # due by the 20th: the Friday before
    for year in (2025, 2026):
        for q in (1, 2, 3, 4):
            assert is_working_day(CALENDAR.report_due(Period(year, q)))
