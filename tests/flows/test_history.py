"""`dxreport history` through the real command: every arrival of a unit and period, and what each
accepted version changed (text and --json). Read-only, like `dxreport status`: no Prefect."""

import json
import shutil

import pytest

from flows.cli import main
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run


@pytest.fixture
def home(make_settings, catalog, tmp_path):
    """P_HAI_CHAU 2025Q3: v1 on time, a rejected file, v2 late (TIN_BAI 13 -> 18), v2 resent."""
    src = tmp_path / "src"
    v1 = build_workbook(src / "v1.xlsx", values={"TIN_BAI": 13})
    bad = build_workbook(src / "sai.xlsx", values={"TIN_BAI": "mười ba"})
    v2 = build_workbook(src / "v2.xlsx", values={"TIN_BAI": 18}, preparer="Trần Thị B")
    for now, path, name in [
        ("2025-09-16T08:00:00+07:00", v1, "bao-cao-quy-3.xlsx"),
        ("2025-09-16T09:30:00+07:00", bad, "sai.xlsx"),
        ("2025-09-22T14:05:00+07:00", v2, "bao-cao-quy-3-sua.xlsx"),
        ("2025-09-23T10:00:00+07:00", v2, "gui-lai.xlsx"),
    ]:
        settings = make_settings(now=now)
        drop(settings, path, name=name)
        run(settings, catalog)
    # another unit and another period: not part of the history asked for
    other = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(other, build_workbook(src / "st.xlsx", unit_code="P_SON_TRA"))
    drop(other, build_workbook(src / "q2.xlsx", period="2025Q2"), name="q2.xlsx")
    run(other, catalog)
    return other.paths.home


def _cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_history_json_lists_every_arrival_with_the_changes(home, capsys):
    code, out, _ = _cli(
        ["history", "--unit", "p_hai_chau", "--period", "Q3/2025", "--home", str(home), "--json"],
        capsys,
    )
    assert code == 0
    result = json.loads(out)
    assert (result["unit"], result["period"], result["versions"]) == ("P_HAI_CHAU", "2025Q3", 2)
    assert result["unit_name"] == "UBND phường Hải Châu"
    rows = [
        (a["file"], a["received_text"], a["status"], a["version"], a["timeliness"])
        for a in result["arrivals"]
    ]
    assert rows == [
        ("bao-cao-quy-3.xlsx", "16/09/2025 08:00", "accepted_with_warnings", 1, "on_time"),
        ("sai.xlsx", "16/09/2025 09:30", "rejected", None, "on_time"),
        ("bao-cao-quy-3-sua.xlsx", "22/09/2025 14:05", "accepted_with_warnings", 2, "late"),
        ("gui-lai.xlsx", "23/09/2025 10:00", "duplicate", None, None),
    ]
    first, rejected, second, duplicate = result["arrivals"]
    assert rejected["messages"] == 1 and rejected["status_text"] == "Bị từ chối"
    assert first["messages"] == 1  # TIN_BAI against the activity log: a warning
    assert duplicate["duplicate_of"] == second["receipt"]
    assert first["changes"] is None and rejected["changes"] is None
    assert [(c["field"], c["old"], c["new"]) for c in second["changes"]] == [
        ("preparer", "Nguyễn Văn A", "Trần Thị B"),
        ("TIN_BAI", 13, 18),
    ]
    # the same list as the receipt of that arrival
    receipt = json.loads((home / "receipts" / second["receipt"]).read_text(encoding="utf-8"))
    assert receipt["changes"] == second["changes"]


def test_history_text_in_vietnamese_and_english(home, capsys):
    code, out, _ = _cli(
        ["history", "--unit", "P_HAI_CHAU", "--period", "2025Q3", "--home", str(home)], capsys
    )
    assert code == 0
    assert out.startswith("P_HAI_CHAU — UBND phường Hải Châu, Quý III/2025 (2025Q3): 4 lần nhận")
    for text in (
        "Nhận lúc",
        "Received",
        "16/09/2025 08:00",
        "22/09/2025 14:05",
        "Được chấp nhận, có cảnh báo",
        "Bị từ chối (rejected)",
        "Trùng tệp đã nhận (duplicate)",
        "Đúng hạn (on_time)",
        "Trễ hạn (late)",
        "Phiên bản 2 (lần nhận 3, 22/09/2025 14:05) so với phiên bản 1",
        "Thông tin!B5 Người lập báo cáo: “Nguyễn Văn A” → “Trần Thị B”",
        "Chỉ tiêu!E2 Tin, bài, phóng sự về chuyển đổi số: 13 → 18",
    ):
        assert text in out, text
    assert "P_SON_TRA" not in out and "q2.xlsx" not in out


def test_history_of_a_unit_without_files_and_of_an_unknown_code(home, capsys):
    code, out, _ = _cli(
        ["history", "--unit", "P_SON_TRA", "--period", "2025Q2", "--home", str(home)], capsys
    )
    assert code == 0 and "Chưa nhận tệp nào. / No file received." in out
    code, out, err = _cli(
        ["history", "--unit", "KHONG_CO", "--period", "2025Q3", "--home", str(home)], capsys
    )
    assert code == 2 and out == ""
    assert "Không có đơn vị mã 'KHONG_CO'" in err and "[EN] No unit 'KHONG_CO'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "--period", "2025Q3"],
        ["history", "--unit", "P_HAI_CHAU"],
        ["history", "--unit", "P_HAI_CHAU", "--period", "2025Q9"],
    ],
)
def test_history_usage_errors_exit_2(argv, tmp_path, capsys):
    code, _, err = _cli([*argv, "--home", str(tmp_path)], capsys)
    assert code == 2 and err.strip() and "Traceback" not in err


def test_history_of_a_warehouse_before_changes_existed(home, capsys):
    """A warehouse written before this feature (no submission_changes) still has a history."""
    import duckdb

    copy = home.parent / "old-home"
    shutil.copytree(home, copy)
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    con.execute("DROP TABLE submission_changes")
    con.close()
    code, out, _ = _cli(
        ["history", "--unit", "P_HAI_CHAU", "--period", "2025Q3", "--home", str(copy), "--json"],
        capsys,
    )
    assert code == 0
    assert [a["changes"] for a in json.loads(out)["arrivals"]] == [None, None, [], None]
