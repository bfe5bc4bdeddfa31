"""Versions explained: a resubmission's receipt and the ledger list every value that changed."""

import json
from datetime import date

import duckdb

from tasks.intake import parse
from tasks.intake.changes import NARRATIVE_CELL_PREFIX, Labels, StoredVersion, diff
from tasks.intake.submission import Activity, ElementValue, Header, Submission
from tests.builders import build_workbook
from tests.builders.workbooks import DEFAULT_NARRATIVES, default_activities
from tests.intake.test_intake import RECEIPT_KEYS, drop, run


def _send(settings, catalog, path, **kw):
    drop(settings, build_workbook(path, unit_code="P_HAI_CHAU", period="2025Q3", **kw))
    (receipt,) = run(settings, catalog)["receipts"]
    return receipt


def _stored_changes(settings, version):
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT sheet, cell, field, label, old_json, new_json FROM submission_changes "
            "WHERE unit_code = 'P_HAI_CHAU' AND period_id = '2025Q3' AND version = ? ORDER BY seq",
            [version],
        ).fetchall()
    finally:
        con.close()
    return [
        {
            "sheet": s,
            "cell": c,
            "field": f,
            "label": lab,
            "old": json.loads(o),
            "new": json.loads(n),
        }
        for s, c, f, lab, o, n in rows
    ]


def test_a_correction_lists_every_changed_value_in_receipt_and_ledger(
    make_settings, catalog, tmp_path
):
    settings = make_settings()
    first = _send(settings, catalog, tmp_path / "v1.xlsx", values={"TIN_BAI": 13})
    assert first["version"] == 1 and list(first) == RECEIPT_KEYS  # no "changes" on a first version
    activities = default_activities()
    activities[1] = {**activities[1], "quantity": 5, "channel": "mang_xa_hoi"}
    narratives = {**DEFAULT_NARRATIVES, "ket_qua": "Đăng 18 tin bài về chuyển đổi số."}
    second = _send(
        settings,
        catalog,
        tmp_path / "v2.xlsx",
        values={"TIN_BAI": 18},
        notes={"TIN_BAI": "Bổ sung 5 tin"},
        preparer="Trần Thị B",
        activities=activities,
        narratives=narratives,
    )
    assert second["status"].startswith("accepted") and second["version"] == 2
    assert list(second) == [*RECEIPT_KEYS, "changes"]
    expected = [
        {
            "sheet": "Thông tin",
            "cell": "B5",
            "field": "preparer",
            "label": "Người lập báo cáo",
            "old": "Nguyễn Văn A",
            "new": "Trần Thị B",
        },
        {
            "sheet": "Chỉ tiêu",
            "cell": "E2",
            "field": "TIN_BAI",
            "label": "Tin, bài, phóng sự về chuyển đổi số",
            "old": 13,
            "new": 18,
        },
        {
            "sheet": "Chỉ tiêu",
            "cell": "F2",
            "field": "TIN_BAI.note",
            "label": "Tin, bài, phóng sự về chuyển đổi số (ghi chú)",
            "old": None,
            "new": "Bổ sung 5 tin",
        },
        {
            "sheet": "Hoạt động",
            "cell": "D3",
            "field": "activity.channel",
            "label": "Hoạt động dòng 3: Kênh",
            "old": "Zalo",
            "new": "Mạng xã hội",
        },
        {
            "sheet": "Hoạt động",
            "cell": "F3",
            "field": "activity.quantity",
            "label": "Hoạt động dòng 3: Số lượng",
            "old": 4,
            "new": 5,
        },
        {
            "sheet": "Thuyết minh",
            "cell": "B1",
            "field": "ket_qua",
            "label": "Kết quả nổi bật",
            "old": DEFAULT_NARRATIVES["ket_qua"],
            "new": "Đăng 18 tin bài về chuyển đổi số.",
        },
    ]
    assert second["changes"] == expected
    assert _stored_changes(settings, 2) == expected
    on_disk = json.loads(
        next(settings.paths.receipts.glob("000002-*.json")).read_text(encoding="utf-8")
    )
    assert on_disk["changes"] == expected
    # the numbers are JSON numbers, not text
    assert isinstance(on_disk["changes"][1]["old"], int)


def test_same_content_in_new_bytes_has_an_empty_list(make_settings, catalog, tmp_path):
    settings = make_settings()
    _send(settings, catalog, tmp_path / "v1.xlsx")
    # other bytes, same loaded values: the STT column is not loaded
    renumbered = [{**a, "stt": 10 + i} for i, a in enumerate(default_activities())]
    second = _send(settings, catalog, tmp_path / "v2.xlsx", activities=renumbered)
    assert second["version"] == 2 and second["changes"] == []
    assert _stored_changes(settings, 2) == []


def test_compared_with_the_previous_accepted_version_not_a_rejected_file(
    make_settings, catalog, tmp_path
):
    settings = make_settings()
    _send(settings, catalog, tmp_path / "v1.xlsx", values={"TIN_BAI": 13})
    rejected = _send(settings, catalog, tmp_path / "bad.xlsx", values={"TIN_BAI": "mười"})
    assert rejected["status"] == "rejected" and "changes" not in rejected
    third = _send(settings, catalog, tmp_path / "v2.xlsx", values={"TIN_BAI": 14})
    assert third["version"] == 2
    assert [(c["field"], c["old"], c["new"]) for c in third["changes"]] == [("TIN_BAI", 13, 14)]


# --- the comparison as a plain function ---------------------------------------------------------
LABELS = Labels(
    elements={"TIN_BAI": "Tin bài", "SU_KIEN": "Sự kiện"},
    activity_types={"tin_bai": "Tin, bài, phóng sự"},
    channels={"bao_in": "Báo in"},
)


def _line(row, title, quantity=1):
    return Activity(
        row=row,
        activity_date=date(2025, 7, 1),
        activity_type="tin_bai",
        channel="bao_in",
        title=title,
        quantity=quantity,
    )


def _stored_line(a: Activity) -> dict:
    return {
        "activity_date": a.activity_date,
        "activity_type": a.activity_type,
        "channel": a.channel,
        "title": a.title,
        "quantity": None if a.quantity is None else int(a.quantity),
        "reach": a.reach,
        "cost": a.cost,
        "evidence_url": a.evidence_url,
    }


def _sub(values, activities, narratives=None):
    return Submission(
        file_name="x.xlsx",
        key="x",
        unit_code="P_HAI_CHAU",
        period_id="2025Q3",
        header=Header(
            preparer="A", cells={"preparer": "B5", NARRATIVE_CELL_PREFIX + "ket_qua": "B1"}
        ),
        values=[ElementValue(row=r, code=c, value=v) for r, (c, v) in enumerate(values, start=2)],
        activities=activities,
        narratives=narratives or {},
    )


def test_an_inserted_activity_line_is_one_change_not_a_shift_of_every_line():
    old_lines = [_line(2 + i, f"Bài {i}") for i in range(5)]
    previous = StoredVersion(
        header={"preparer": "A"},
        values={"TIN_BAI": (3.0, None)},
        activities={a.row: _stored_line(a) for a in old_lines},
        narratives={},
    )
    new_lines = [_line(2, "Bài mới", 2)] + [_line(3 + i, f"Bài {i}") for i in range(5)]
    changes = diff(previous, _sub([("TIN_BAI", 3.0)], new_lines), LABELS)
    assert [c.to_dict() for c in changes] == [
        {
            "sheet": "Hoạt động",
            "cell": "A2",
            "field": "activity",
            "label": "Hoạt động dòng 2 (dòng thêm mới)",
            "old": None,
            "new": "01/07/2025; Tin, bài, phóng sự; Báo in; Bài mới; 2",
        }
    ]


def test_removed_values_and_lines_have_no_cell_and_a_null_new_value():
    line = _line(2, "Bài cũ")
    previous = StoredVersion(
        header={"preparer": "A"},
        values={"TIN_BAI": (3.0, None), "SU_KIEN": (2.5, "ghi chú cũ")},
        activities={2: _stored_line(line)},
        narratives={"ket_qua": "Cũ"},
    )
    changes = diff(previous, _sub([("TIN_BAI", 3.0)], [], {"ket_qua": "  "}), LABELS)
    assert [(c.sheet, c.cell, c.field, c.old, c.new) for c in changes] == [
        ("Chỉ tiêu", None, "SU_KIEN", 2.5, None),
        ("Chỉ tiêu", None, "SU_KIEN.note", "ghi chú cũ", None),
        ("Hoạt động", None, "activity", "01/07/2025; Tin, bài, phóng sự; Báo in; Bài cũ; 1", None),
        ("Thuyết minh", "B1", "ket_qua", "Cũ", None),
    ]


def test_the_narrative_cell_prefix_is_the_readers():
    assert NARRATIVE_CELL_PREFIX == parse.NARRATIVE_CELL_PREFIX
