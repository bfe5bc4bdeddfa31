"""A duplicate's feedback workbook from the skeleton is byte for byte the real writer's."""

from __future__ import annotations

from datetime import datetime

import pytest

from tasks.feedback import duplicate_skeleton
from tasks.feedback.annotate import results_only_bytes, written_results_only
from tasks.intake import rules

WHEN = datetime(2025, 9, 15, 10, 0)


def duplicate(file: str, unit: str | None, period: str | None, n: int) -> tuple[str, dict]:
    first = f"{n:06d}-{'ab' * 8}.json"
    return f"{n + 1000:06d}-{'cd' * 8}.json", {
        "file": file,
        "sha256": "0" * 64,
        "received_at": "2025-09-15T10:00:00+07:00",
        "unit": unit,
        "period": period,
        "version": None,
        "status": "duplicate",
        "timeliness": None,
        "duplicate_of": first,
        "messages": [rules.message("DUPLICATE_FILE", duplicate_of=first).to_dict()],
    }


CASES = [
    ("2025Q3_P_HAI_CHAU.xlsx", "P_HAI_CHAU", "2025Q3", 1),
    ("Báo cáo quý 3 & <bản cuối>.xlsx", "X_BENCH_00001", "2025Q3", 2),  # XML escapes
    ("lan 2.xlsx", "S_KHCN", "2024Q4", 3),
    ("  khoảng trắng.xlsx ", "P_AN_HAI", "2025Q3", 4),  # falls back (surrounding spaces)
    ("hong.xlsx", None, None, 5),  # a broken file sent twice: falls back
    ("P_HAI_CHAU", "P_HAI_CHAU", "2025Q3", 6),  # two equal texts: falls back
    ("=cmd|' /C calc'!A0.xlsx", "P_HAI_CHAU", "2025Q3", 7),
    ("x_x0041_y.xlsx", "P_HAI_CHAU", "2025Q3", 8),  # Excel's escape look-alike: falls back
    ("lạ\u0007.xlsx", "P_HAI_CHAU", "2025Q3", 9),  # a control character: falls back
    ("2025Q3.xlsx", "P_HAI_CHAU", "khong-phai-ky", 10),  # a period that is not one
]


@pytest.mark.parametrize("file, unit, period, n", CASES)
def test_same_bytes_as_the_real_writer(file, unit, period, n):
    name, receipt = duplicate(file, unit, period, n)
    assert results_only_bytes(name, receipt, WHEN) == written_results_only(name, receipt, WHEN)


def test_the_skeleton_is_used_for_plain_duplicates_and_not_otherwise():
    plain = [duplicate(f"{i}.xlsx", f"X_{i}", "2025Q3", i) for i in range(1, 4)]
    for name, receipt in plain:
        assert duplicate_skeleton.skeleton_bytes(name, receipt, WHEN, written_results_only)
    for file, unit, period, n in [CASES[3], CASES[4], CASES[5], CASES[7], CASES[8]]:
        name, receipt = duplicate(file, unit, period, n)
        assert duplicate_skeleton.skeleton_bytes(name, receipt, WHEN, written_results_only) is None
    name, receipt = duplicate("a.xlsx", "X", "2025Q3", 1)
    rejected = {**receipt, "status": "rejected"}
    assert duplicate_skeleton.skeleton_bytes(name, rejected, WHEN, written_results_only) is None


def test_the_zip_is_patched_only_where_it_can_be():
    """The skeleton's zip with its own sheet put back is the same bytes; a zip this does not
    know how to patch (a comment, a sheet stored or deflated at another level) is not patched."""
    import io
    import zipfile

    name, receipt = duplicate("a.xlsx", "X", "2025Q3", 1)
    data = written_results_only(name, receipt, WHEN)
    skeleton = duplicate_skeleton._SkeletonZip.of(data)
    assert skeleton is not None
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i, zf.read(i.filename)) for i in zf.infolist()]
    sheet = dict((i.filename, b) for i, b in members)[duplicate_skeleton.SHEET]
    assert skeleton.with_sheet(sheet) == data

    def rezipped(**change) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, body in members:
                if info.filename == duplicate_skeleton.SHEET:
                    zf.writestr(info, body, **change)
                else:
                    zf.writestr(info, body)
        return buffer.getvalue()

    assert duplicate_skeleton._SkeletonZip.of(rezipped()) is not None
    assert duplicate_skeleton._SkeletonZip.of(rezipped(compress_type=zipfile.ZIP_STORED)) is None
    assert duplicate_skeleton._SkeletonZip.of(rezipped(compresslevel=1)) is None
    commented = io.BytesIO(data)
    with zipfile.ZipFile(commented, "a") as zf:
        zf.comment = b"x"
    assert duplicate_skeleton._SkeletonZip.of(commented.getvalue()) is None
