"""Who submitted for a period: on time, late, missing, rejected; one row per unit."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, locked_periods, sql

STATUS_VI = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "missing": "Chưa gửi",
    "rejected": "Bị từ chối (chưa có bản hợp lệ)",
}


@dataclass(frozen=True)
class UnitStatus:
    unit: str
    name: str
    unit_type: str
    expected: bool
    status: str  # on_time | late | missing | rejected
    version: int | None
    received_at: str | None
    rejected_arrivals: int


def period_status(settings: Settings, catalog: Catalog, period: Period) -> dict:
    with connect(settings.paths.warehouse) as con:
        rows = con.execute(sql("status_arrivals"), {"period": period.id}).fetchall()
        locked = period.id in locked_periods(con)
    by_unit = {r[0]: r for r in rows}
    expected = {u.code for u in catalog.expected_units(period.window_start, period.window_end)}
    units = []
    for code in sorted(expected | set(by_unit)):
        unit = catalog.unit(code)
        row = by_unit.get(code)
        if row is None:
            status, version, received, rejected = "missing", None, None, 0
        elif row[1] is None:
            status, version, received, rejected = "rejected", None, None, row[4]
        else:
            status, version, received, rejected = row[2], row[1], row[3], row[4]
        units.append(
            UnitStatus(
                unit=code,
                name=unit.name if unit else code,
                unit_type=unit.type if unit else "?",
                expected=code in expected,
                status=status,
                version=version,
                received_at=received.isoformat() if received else None,
                rejected_arrivals=int(rejected),
            )
        )
    counts = Counter(u.status for u in units if u.expected or u.status != "missing")
    return {
        "period": period.id,
        "label": period.label_vi,
        "locked": locked,
        "deadline": period.deadline(settings.submission_working_days).isoformat(),
        "expected": len(expected),
        "counts": dict(counts),
        "units": [asdict(u) for u in units],
    }
