"""`dxreport history`: every arrival of one unit and period, with what each accepted version changed.

Read-only (like `dxreport status`): the arrivals, their message counts and the changes of every
version >= 2 (tasks/intake/changes.py) as plain values; flows/history.py turns them into text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb

from schemas.catalog_model import Catalog
from tasks.core.errors import UsageError
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, locked_periods, query
from tasks.intake.changes import change_from_row

ARRIVAL_STATUS_TEXT = {
    "accepted": "Được chấp nhận",
    "accepted_with_warnings": "Được chấp nhận, có cảnh báo",
    "rejected": "Bị từ chối",
    "duplicate": "Trùng tệp đã nhận",
}
TIMELINESS_TEXT = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "after_lock": "Sau khi khóa kỳ",
}


def received_text(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM (the warehouse's time zone, Asia/Ho_Chi_Minh)."""
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def unit_history(settings: Settings, catalog: Catalog, unit_code: str, period: Period) -> dict:
    """The history of `unit_code` x `period` as a JSON-able dict (see the keys below).

    A code that is neither in the catalogue nor in the ledger is a usage error.
    """
    code = unit_code.strip().upper()
    with connect(settings.paths.warehouse, read_only=True) as con:
        key = {"unit_code": code, "period_id": period.id}
        arrivals = query(con, "history_arrivals", **key)
        changes = _changes(_newer(con, "history_changes", **key))
        reopens = _newer(con, "period_reopens", period_id=period.id)
        locked = period.id in locked_periods(con)
    unit = catalog.unit(code)
    if unit is None and not arrivals:
        raise UsageError(
            f"Không có đơn vị mã {code!r} trong danh mục, và chưa nhận tệp nào của mã này.",
            f"No unit {code!r} in the catalogue, and no file with this code has been received.",
            "Xem mã đơn vị trong catalog/units.yaml của workspace.",
            "See the unit codes in the workspace's catalog/units.yaml.",
        )
    versions = [a["version"] for a in arrivals if a["version"] is not None]
    return {
        "unit": code,
        "unit_name": unit.name if unit else None,
        "period": period.id,
        "label": period.label_vi,
        "locked": locked,
        "versions": max(versions, default=0),
        "arrivals": [_arrival(a, changes) for a in arrivals],
        "reopens": [
            {
                "reopened_at": r["reopened_at"].isoformat(),
                "reopened_text": received_text(r["reopened_at"]),
                "by": r["reopened_by"],
                "reason": r["reason"],
                "after_arrival_no": r["last_arrival_no"],
            }
            for r in reopens
        ],
    }


def _newer(con: duckdb.DuckDBPyConnection, name: str, **params: str) -> list[dict[str, Any]]:
    """A query of tables or columns added by the resubmission and reopen features: none in a
    warehouse no intake has upgraded yet (this connection is read-only: the DDL does not run)."""
    try:
        return query(con, name, **params)
    except (duckdb.CatalogException, duckdb.BinderException):
        return []


def _changes(rows: list[dict[str, Any]]) -> dict[int, list[dict]]:
    """version -> its changes, in the receipt's order."""
    out: dict[int, list[dict]] = {}
    for row in rows:
        out.setdefault(row["version"], []).append(change_from_row(row).to_dict())
    return out


def _arrival(row: Mapping[str, Any], changes: Mapping[int, list[dict]]) -> dict:
    version = row["version"]
    return {
        "arrival_no": row["arrival_no"],
        "receipt": row["receipt_name"],
        "file": row["file_name"],
        "received_at": row["received_at"].isoformat(),
        "received_text": received_text(row["received_at"]),
        "status": row["status"],
        "status_text": ARRIVAL_STATUS_TEXT.get(row["status"], row["status"]),
        "version": version,
        "timeliness": row["timeliness"],
        "timeliness_text": TIMELINESS_TEXT.get(row["timeliness"] or "", ""),
        "messages": row["messages"],
        "duplicate_of": row["duplicate_of"],
        "changes": changes.get(version, []) if version is not None and version >= 2 else None,
    }
