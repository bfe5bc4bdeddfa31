"""Who submitted for a period — the one submission-status rule, used by the report, `dxreport
status` and the run artifacts.
"""

from __future__ import annotations

from collections import Counter

from schemas.catalog_model import Catalog, Unit
from tasks.core.formatting import (
    MISSING,
    fmt_date,
)
from tasks.core.periods import Period, ReportingCalendar
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, locked_periods, query
from tasks.report.model import (
    StatusGroup,
    SubmissionStatus,
    UnitStatusRow,
)
from tasks.report.naming import unit_name, unit_sort_key

STATUSES = ("on_time", "late", "rejected", "missing")
STATUS_TEXT = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "rejected": "Bị từ chối, chưa gửi lại",
    "missing": "Chưa gửi",
}
"""The one vocabulary. A unit is `on_time` or `late` by its first accepted version (a later
correction does not change it; its numbers come from the newest), `rejected` when it sent only
files that were rejected, `missing` when it sent nothing. Unit codes that are not in the catalogue
are not units: their files are rejected at intake and told in their receipts."""


# --- submission status ----------------------------------------------------------------------------
def submission_status(
    con, catalog: Catalog, period: Period, expected: list[Unit], calendar: ReportingCalendar
) -> SubmissionStatus:
    """The status of every expected unit, and of every other catalogue unit that sent something."""
    found = {r["unit_code"]: r for r in query(con, "report_submission_status", period_id=period.id)}
    expected_codes = {u.code for u in expected}
    key = unit_sort_key(catalog)
    rows: list[UnitStatusRow] = []
    lists: dict[str, list[str]] = {
        "on_time": [],
        "late": [],
        "missing": [],
        "rejected": [],
        "corrected": [],
    }
    unexpected = 0
    # files whose unit code is not in the catalogue are the intake's business (receipts), not the report's
    known = {c for c in found if catalog.unit(c) is not None}
    for code in sorted(expected_codes | known, key=key):
        r = found.get(code)
        unit = catalog.unit(code)
        name = unit_name(catalog, code)
        type_name = (
            catalog.type_by_code[unit.type].name
            if unit and unit.type in catalog.type_by_code
            else ""
        )
        is_expected = code in expected_codes
        notes: list[str] = []
        version = None
        received_at = None
        first_received_at = None
        rejected = int(r["rejected_arrivals"]) if r is not None else 0
        if r is not None and r["current_version"] is not None:
            status = "on_time" if r["first_timeliness"] == "on_time" else "late"
            version = int(r["current_version"])
            received_at = r["current_received_at"]
            first_received_at = r["first_received_at"]
            if version > 1:
                notes.append(
                    f"Đã gửi điều chỉnh: số liệu lấy theo bản lần {version} nhận ngày "
                    f"{fmt_date(received_at)}"
                )
                lists["corrected"].append(name)
            if r["rejected_arrivals"]:
                notes.append(f"{r['rejected_arrivals']} tệp bị từ chối")
        elif r is not None and r["rejected_arrivals"]:
            status = "rejected"
            received_at = r["last_rejected_at"]
            first_received_at = received_at
            notes.append(f"{r['rejected_arrivals']} tệp bị từ chối, chưa gửi lại bản hợp lệ")
        else:
            status = "missing"
        if not is_expected:
            unexpected += 1
            notes.append("Không còn trong danh sách đơn vị phải báo cáo tại ngày chốt số liệu")
        elif status in ("missing", "rejected"):
            lists["missing"].append(name)
            if status == "rejected":
                lists["rejected"].append(name)
        else:
            lists[status].append(name)
        rows.append(
            UnitStatusRow(
                unit_code=code,
                unit_name=name,
                unit_type=unit.type if unit else "",
                type_name=type_name,
                status=status,
                status_text=STATUS_TEXT[status],
                version=version,
                version_text=str(version) if version else MISSING,
                received_at=received_at,
                received_on=fmt_date(received_at) if received_at else MISSING,
                first_received_on=fmt_date(first_received_at) if first_received_at else MISSING,
                rejected_arrivals=rejected,
                note="; ".join(notes),
                expected=is_expected,
            )
        )
    n_expected = len(expected_codes)
    submitted = len(lists["on_time"]) + len(lists["late"])
    deadline = calendar.deadline(period)
    if submitted == 0:
        summary = f"Chưa có đơn vị nào trong số {n_expected} đơn vị phải báo cáo gửi báo cáo hợp lệ {period.label_vi}"
    else:
        summary = (
            f"Có {submitted}/{n_expected} đơn vị gửi báo cáo (đúng hạn: {len(lists['on_time'])}, "
            f"trễ hạn: {len(lists['late'])})"
        )
        if lists["missing"]:
            summary += f"; {len(lists['missing'])} đơn vị chưa gửi báo cáo"
    if lists["rejected"]:
        summary += f", trong đó {len(lists['rejected'])} đơn vị đã gửi nhưng tệp bị từ chối và chưa gửi lại"
    if lists["corrected"]:
        summary += f"; {len(lists['corrected'])} đơn vị đã gửi báo cáo điều chỉnh (số liệu lấy theo bản gửi sau cùng)"
    if unexpected:
        summary += f"; ngoài ra có {unexpected} đơn vị đã sắp xếp lại trong kỳ vẫn gửi báo cáo"
    summary += "."
    return SubmissionStatus(
        expected=n_expected,
        submitted=submitted,
        on_time=len(lists["on_time"]),
        late=len(lists["late"]),
        missing=len(lists["missing"]),
        rejected=len(lists["rejected"]),
        corrected=len(lists["corrected"]),
        unexpected=unexpected,
        on_time_units=tuple(lists["on_time"]),
        late_units=tuple(lists["late"]),
        missing_units=tuple(lists["missing"]),
        rejected_units=tuple(lists["rejected"]),
        corrected_units=tuple(lists["corrected"]),
        rows=tuple(rows),
        groups=_status_groups(rows),
        window_text=f"từ ngày {fmt_date(period.window_start)} đến ngày {fmt_date(period.window_end)}",
        deadline_text=fmt_date(deadline),
        summary_text=summary,
    )


def _status_groups(rows: list[UnitStatusRow]) -> tuple[StatusGroup, ...]:
    groups: list[StatusGroup] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i].type_name != rows[start].type_name:
            chunk = tuple(rows[start:i])
            sent = sum(1 for r in chunk if r.version is not None)
            groups.append(
                StatusGroup(
                    type_name=chunk[0].type_name or "Khác",
                    summary_text=f"{len(chunk)} đơn vị, đã gửi {sent}",
                    rows=chunk,
                )
            )
            start = i
    return tuple(groups)


def period_status(settings: Settings, catalog: Catalog, period: Period) -> dict:
    """`dxreport status` (and its --json): the report's own status rows, as plain values."""
    expected = catalog.expected_units(period.window_start, period.window_end)
    with connect(settings.paths.warehouse, read_only=True) as con:
        status = submission_status(con, catalog, period, expected, settings.calendar)
        locked = period.id in locked_periods(con)
    counts = Counter(r.status for r in status.rows if r.expected or r.status != "missing")
    return {
        "period": period.id,
        "label": period.label_vi,
        "locked": locked,
        "deadline": settings.calendar.deadline(period).isoformat(),
        "report_due": settings.calendar.report_due(period).isoformat(),
        "expected": status.expected,
        "counts": dict(counts),
        "units": [
            {
                "unit": r.unit_code,
                "name": r.unit_name,
                "unit_type": r.unit_type,
                "expected": r.expected,
                "status": r.status,
                "version": r.version,
                "received_at": r.received_at.isoformat() if r.received_at else None,
                "rejected_arrivals": r.rejected_arrivals,
            }
            for r in status.rows
        ],
    }
