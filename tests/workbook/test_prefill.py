"""Next quarter's template pre-filled with the unit's last accepted stocks (tasks.workbook.prefill):
what the warehouse gives after real intakes, what the template shows, and that the intake takes a
pre-filled template, its starting values left as they are, as the unit's figures."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from demo.fill import element_rows, header_row, label_rows
from tasks.core.errors import WorkspaceBusyError
from tasks.core.periods import Period
from tasks.core.warehouse import connect
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
)
from tasks.workbook.cell_text import put_text
from tasks.workbook.instructions import SHEET_GUIDE
from tasks.workbook.prefill import read_starting_values, starting_values
from tasks.workbook.styles import STARTING_FILL
from tasks.workbook.template import VALUE_COLUMN, write_template
from tests.builders import build_workbook
from tests.intake.test_intake import drop, query, run

Q3, Q4 = Period(2025, 3), Period(2025, 4)
STOCKS_PX = ["LANH_DAO_TONG", "LANH_DAO_DA_PHO_BIEN", "TO_CNSCD_TONG", "TO_CNSCD_DA_TAP_HUAN"]


def submit(settings, catalog, tmp_path: Path, unit: str, period: str, **values) -> dict:
    """One workbook of `unit` for `period` through the real intake; its receipt (accepted)."""
    path = build_workbook(
        tmp_path / "src" / f"{period}_{unit}_{len(list(tmp_path.glob('src/*')))}.xlsx",
        unit_code=unit,
        period=period,
        values=values,
    )
    drop(settings, path)
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"] in ("accepted", "accepted_with_warnings"), receipt["messages"]
    return receipt


def starting(settings, catalog, unit: str, period: Period):
    with connect(settings.paths.warehouse, read_only=True) as con:
        return starting_values(con, catalog, catalog.unit(unit), period)


def test_own_last_accepted_stocks_of_the_newest_version(make_settings, catalog, tmp_path):
    settings = make_settings("2025-09-16T08:00:00+07:00")
    submit(settings, catalog, tmp_path, "P_HAI_CHAU", "2025Q3", LANH_DAO_TONG=30)
    settings = make_settings("2025-09-17T09:30:00+07:00")
    submit(settings, catalog, tmp_path, "P_HAI_CHAU", "2025Q3", LANH_DAO_TONG=31, TO_CNSCD_TONG=14)

    got = starting(settings, catalog, "P_HAI_CHAU", Q4)
    assert sorted(got) == sorted(STOCKS_PX)  # stocks only: flows, money, yes/no stay blank
    assert got["LANH_DAO_TONG"].value == 31 and got["TO_CNSCD_TONG"].value == 14
    assert got["LANH_DAO_DA_PHO_BIEN"].value == 8  # the builder's default, unchanged in v2
    assert got["LANH_DAO_TONG"].source_vi == (
        "Số liệu Quý III/2025 của đơn vị (phiên bản 2, nhận ngày 17/09/2025). "
        "Hãy kiểm tra, sửa nếu đã thay đổi."
    )
    assert (
        "2025Q3" in got["LANH_DAO_TONG"].source_en and "version 2" in got["LANH_DAO_TONG"].source_en
    )
    # the period itself and later ones never start a template of an earlier period
    assert starting(settings, catalog, "P_HAI_CHAU", Q3) == {}


def test_a_blank_in_the_last_quarter_falls_back_to_the_quarter_before(
    make_settings, catalog, tmp_path
):
    settings = make_settings()
    submit(settings, catalog, tmp_path, "P_THANH_BINH", "2025Q1", TO_CNSCD_TONG=9)
    submit(settings, catalog, tmp_path, "P_THANH_BINH", "2025Q2", TO_CNSCD_TONG=None)
    got = starting(settings, catalog, "P_THANH_BINH", Q3)
    assert got["TO_CNSCD_TONG"].value == 9
    assert got["TO_CNSCD_TONG"].source_vi.startswith("Số liệu Quý I/2025 của đơn vị (phiên bản 1")
    assert got["LANH_DAO_TONG"].source_vi.startswith("Số liệu Quý II/2025 của đơn vị")


def test_successor_without_history_starts_from_the_sum_of_its_predecessors(
    make_settings, catalog, tmp_path
):
    settings = make_settings()
    # P_HAI_CHAU (from 01/07/2025) took over five wards; four reported Quý II/2025
    totals = {"P_THANH_BINH": 12, "P_THUAN_PHUOC": 10, "P_THACH_THANG": 9, "P_PHUOC_NINH": 11}
    for unit, total in totals.items():
        submit(settings, catalog, tmp_path, unit, "2025Q2", LANH_DAO_TONG=total, TO_CNSCD_TONG=9)
    got = starting(settings, catalog, "P_HAI_CHAU", Q3)
    assert got["LANH_DAO_TONG"].value == 42 and got["TO_CNSCD_TONG"].value == 36
    assert got["LANH_DAO_DA_PHO_BIEN"].value == 32  # 4 x the builder's 8
    note = got["LANH_DAO_TONG"].source_vi
    assert note.startswith("Tổng số liệu Quý II/2025 của các đơn vị trước sáp nhập: ")
    for unit, total in totals.items():
        assert f"{catalog.unit(unit).name}: {total}" in note
    assert "Hải Châu" not in note  # P_HAI_CHAU_CU sent nothing
    assert note.endswith("Hãy kiểm tra, sửa nếu đã thay đổi.")
    assert "units it took over" in got["LANH_DAO_TONG"].source_en


def test_merger_chains_are_followed_and_mixed_quarters_named(make_settings, catalog, tmp_path):
    settings = make_settings()
    # P_HAI_CHAU <- P_HAI_CHAU_CU (2025) <- P_HAI_CHAU_I, P_HAI_CHAU_II (to 31/12/2024)
    submit(
        settings,
        catalog,
        tmp_path,
        "P_HAI_CHAU_I",
        "2024Q4",
        LANH_DAO_TONG=6,
        LANH_DAO_DA_PHO_BIEN=4,
    )
    submit(
        settings,
        catalog,
        tmp_path,
        "P_HAI_CHAU_II",
        "2024Q4",
        LANH_DAO_TONG=5,
        LANH_DAO_DA_PHO_BIEN=4,
    )
    submit(settings, catalog, tmp_path, "P_THANH_BINH", "2025Q2", LANH_DAO_TONG=12)
    got = starting(settings, catalog, "P_HAI_CHAU", Q3)["LANH_DAO_TONG"]
    assert got.value == 23
    assert got.source_vi.startswith("Tổng số liệu gần nhất của các đơn vị trước sáp nhập: ")
    assert "UBND phường Hải Châu I: 6 (Quý IV/2024)" in got.source_vi
    assert "UBND phường Thanh Bình: 12 (Quý II/2025)" in got.source_vi
    # once P_HAI_CHAU_CU reported, its figure (at 14/03/2025, after the merger) replaces theirs
    submit(settings, catalog, tmp_path, "P_HAI_CHAU_CU", "2025Q1", LANH_DAO_TONG=13)
    got = starting(settings, catalog, "P_HAI_CHAU", Q3)["LANH_DAO_TONG"]
    assert got.value == 25 and "Hải Châu I:" not in got.source_vi


def test_own_figure_from_before_a_merger_adds_the_merged_units(make_settings, catalog, tmp_path):
    settings = make_settings()
    # Sở TT&TT merged into Sở KH&CN on 01/03/2025; both reported Quý IV/2024 (cut-off 14/12/2024)
    submit(settings, catalog, tmp_path, "S_KHCN", "2024Q4", LANH_DAO_TONG=20)
    submit(settings, catalog, tmp_path, "S_TTTT", "2024Q4", LANH_DAO_TONG=15)
    got = starting(settings, catalog, "S_KHCN", Period(2025, 1))
    assert sorted(got) == ["LANH_DAO_DA_PHO_BIEN", "LANH_DAO_TONG"]
    assert got["LANH_DAO_TONG"].value == 35
    assert got["LANH_DAO_TONG"].source_vi.startswith(
        "Tổng số liệu Quý IV/2024 của đơn vị và các đơn vị sáp nhập vào: "
        "Sở Khoa học và Công nghệ (đơn vị): 20; Sở Thông tin và Truyền thông: 15."
    )
    # Quý I/2025 is counted at 14/03/2025, after the merger: the unit's own figure includes it
    submit(settings, catalog, tmp_path, "S_TTTT", "2025Q1", LANH_DAO_TONG=15)
    submit(settings, catalog, tmp_path, "S_KHCN", "2025Q1", LANH_DAO_TONG=36)
    got = starting(settings, catalog, "S_KHCN", Period(2025, 2))
    assert got["LANH_DAO_TONG"].value == 36
    assert got["LANH_DAO_TONG"].source_vi.startswith("Số liệu Quý I/2025 của đơn vị")


def test_no_warehouse_or_no_schema_gives_no_starting_values(catalog, tmp_path):
    unit = catalog.unit("P_HAI_CHAU")
    missing = tmp_path / "none.duckdb"
    assert read_starting_values(missing, catalog, [unit], Q4) == {}
    assert not missing.exists()  # reading never creates a warehouse
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()
    assert read_starting_values(bare, catalog, [unit], Q4) == {}


def test_a_warehouse_being_written_is_reported_busy(make_settings, catalog):
    settings = make_settings()
    with connect(settings.paths.warehouse):  # the schema, as the first intake leaves it
        pass
    writer = subprocess.Popen(  # another process holding the warehouse open to write (an intake)
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " sys.stdin.read()",
            str(settings.paths.warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        with pytest.raises(WorkspaceBusyError) as caught:
            read_starting_values(
                settings.paths.warehouse, catalog, [catalog.unit("P_HAI_CHAU")], Q4
            )
        assert "đang ghi vào kho" in caught.value.user_message()
    finally:
        writer.communicate("", timeout=30)


def _fill_as_a_unit(path: Path, catalog, unit_code: str) -> dict[str, float]:
    """Fill a template the way a clerk does, leaving the pre-filled starting values as they are;
    the values typed (flows, money, yes/no)."""
    wb = openpyxl.load_workbook(path)
    info = wb[SHEET_INFO]
    rows = label_rows(info)
    put_text(info.cell(rows[INFO_LABELS["preparer"]], 2), "Trần Thị B")
    put_text(info.cell(rows[INFO_LABELS["phone"]], 2), "0236 3822 999")
    put_text(info.cell(rows[INFO_LABELS["email"]], 2), "b@danang.gov.vn")
    info.cell(rows[INFO_LABELS["prepared_on"]], 2).value = date(2025, 12, 15)
    ws = wb[SHEET_ELEMENTS]
    typed: dict[str, float] = {}
    for code, r in element_rows(ws).items():
        kind = catalog.element_by_code[code].kind
        if kind == "stock":
            continue
        typed[code] = {"yes_no": 1, "money": 0}.get(kind, 0)
        ws[f"{VALUE_COLUMN}{r}"].value = typed[code]
    acts = wb[SHEET_ACTIVITIES]
    assert header_row(acts, ACTIVITY_COLUMNS[0])  # the log stays empty: nothing done this quarter
    narrative = wb[SHEET_NARRATIVE]
    for key, r in label_rows(narrative).items():
        if key == NARRATIVE_LABELS["ket_qua"]:
            put_text(narrative.cell(r, 2), "Duy trì hoạt động của các Tổ Công nghệ số cộng đồng.")
    wb.save(path)
    return typed


def test_a_prefilled_template_left_as_is_is_taken_as_the_units_figures(
    make_settings, catalog, tmp_path
):
    settings = make_settings("2025-09-16T08:00:00+07:00")
    submit(
        settings,
        catalog,
        tmp_path,
        "P_HAI_CHAU",
        "2025Q3",
        LANH_DAO_TONG=31,
        LANH_DAO_DA_PHO_BIEN=29,
        TO_CNSCD_TONG=14,
        TO_CNSCD_DA_TAP_HUAN=None,  # left blank: stays blank in the next template
    )
    unit = catalog.unit("P_HAI_CHAU")
    start = read_starting_values(settings.paths.warehouse, catalog, [unit], Q4)["P_HAI_CHAU"]
    assert {c: v.value for c, v in start.items()} == {
        "LANH_DAO_TONG": 31,
        "LANH_DAO_DA_PHO_BIEN": 29,
        "TO_CNSCD_TONG": 14,
    }
    path = write_template(catalog, unit, Q4, tmp_path / "mau", working_days=2, starting=start)

    # what the clerk sees: the figures in green with the comment, the rest blank, the guide line
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_ELEMENTS]
    for code, r in element_rows(ws).items():
        cell = ws[f"{VALUE_COLUMN}{r}"]
        if code in start:
            assert cell.value == start[code].value and cell.data_type == "n"
            assert cell.fill.fgColor.rgb == STARTING_FILL.fgColor.rgb
            assert cell.comment is not None and start[code].source_vi in cell.comment.text
        else:
            assert cell.value is None and cell.comment is None
    guide = "\n".join(
        str(c.value) for row in wb[SHEET_GUIDE].iter_rows() for c in row if c.value is not None
    )
    assert "Số lũy kế quý trước của đơn vị, điền sẵn" in guide

    typed = _fill_as_a_unit(path, catalog, "P_HAI_CHAU")
    settings = make_settings("2025-12-15T10:00:00+07:00")
    drop(settings, path)
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"] in ("accepted", "accepted_with_warnings"), receipt["messages"]
    assert (receipt["unit"], receipt["period"], receipt["version"]) == ("P_HAI_CHAU", "2025Q4", 1)
    assert not [m for m in receipt["messages"] if m["severity"] == "error"]
    loaded = dict(
        query(
            settings,
            "SELECT element_code, value FROM current_values "
            "WHERE unit_code = 'P_HAI_CHAU' AND period_id = '2025Q4'",
        )
    )
    assert loaded == {
        **{c: float(v) for c, v in typed.items()},
        "LANH_DAO_TONG": 31.0,
        "LANH_DAO_DA_PHO_BIEN": 29.0,
        "TO_CNSCD_TONG": 14.0,
        "TO_CNSCD_DA_TAP_HUAN": None,
    }


def test_the_template_command_prefills_from_the_workspace(
    prefect_harness, make_settings, catalog, tmp_path, capsys
):
    from flows.cli import main

    settings = make_settings()
    submit(settings, catalog, tmp_path, "P_HAI_CHAU", "2025Q3", LANH_DAO_TONG=31)
    home = str(settings.paths.home)
    argv = ["template", "--period", "2025Q4", "--unit", "P_HAI_CHAU", "--unit", "DT_MTTQ"]
    assert main([*argv, "--home", home]) == 0
    out = capsys.readouterr().out
    assert "2 mẫu có số liệu lũy kế quý trước điền sẵn" not in out  # DT_MTTQ never reported
    assert "1 mẫu có số liệu lũy kế quý trước điền sẵn" in out
    path = settings.paths.templates / "2025Q4" / "2025Q4_P_HAI_CHAU.xlsx"
    ws = openpyxl.load_workbook(path)[SHEET_ELEMENTS]
    cell = ws[f"{VALUE_COLUMN}{element_rows(ws)['LANH_DAO_TONG']}"]
    assert cell.value == 31 and "Số liệu Quý III/2025 của đơn vị" in cell.comment.text
    ws = openpyxl.load_workbook(path.with_name("2025Q4_DT_MTTQ.xlsx"))[SHEET_ELEMENTS]
    assert ws[f"{VALUE_COLUMN}{element_rows(ws)['LANH_DAO_TONG']}"].value is None
    # a workspace without a warehouse writes blank templates
    fresh = str(tmp_path / "moi")
    assert main([*argv, "--home", fresh, "--json"]) == 0
    assert '"prefilled": []' in capsys.readouterr().out
