"""Versions explained: every value of a resubmission that differs from the previous accepted version.

An accepted arrival with version >= 2 carries the list in its receipt (`changes`, INTERFACE.md) and
the ledger keeps it in `submission_changes` (schemas/sql/ddl.sql), written in the load's transaction.
One entry per changed value, in the order a person reads the workbook (Thông tin, Chỉ tiêu, Hoạt
động, Thuyết minh; by row):

    {"sheet": "Chỉ tiêu", "cell": "E7", "field": "TIN_BAI", "label": "<Vietnamese name>",
     "old": 13, "new": 18}

`cell` is where the new value is in the new workbook (None for a value the new version dropped);
`old` / `new` are JSON numbers (whole numbers as integers), strings (dates as dd/mm/yyyy, activity
types and channels by their Vietnamese names) or null.

Activity lines are matched by content before position, so a line inserted near the top does not
make every later line "changed": identical lines are unchanged wherever they moved; the remaining
lines at the same row are compared field by field; what is left is one entry per added or removed
line (its summary as text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from schemas.catalog_model import Catalog
from tasks.core.periods import format_date_vi
from tasks.core.warehouse import execute_many, query
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
    Activity,
    Submission,
)

Json = int | float | str | None

NARRATIVE_CELL_PREFIX = "narrative:"  # as tasks.intake.parse records the narrative cells
HEADER_FIELDS = ("unit_name", "preparer", "phone", "email", "prepared_on")
# activity field -> (column letter in "Hoạt động", column label)
ACTIVITY_FIELDS = {
    "activity_date": ("B", ACTIVITY_COLUMNS[1]),
    "activity_type": ("C", ACTIVITY_COLUMNS[2]),
    "channel": ("D", ACTIVITY_COLUMNS[3]),
    "title": ("E", ACTIVITY_COLUMNS[4]),
    "quantity": ("F", ACTIVITY_COLUMNS[5]),
    "reach": ("G", ACTIVITY_COLUMNS[6]),
    "cost": ("H", ACTIVITY_COLUMNS[7]),
    "evidence_url": ("I", ACTIVITY_COLUMNS[8]),
}
ELEMENT_VALUE_COLUMN, ELEMENT_NOTE_COLUMN = "E", "F"


@dataclass(frozen=True)
class Change:
    sheet: str
    cell: str | None
    field: str
    label: str
    old: Json
    new: Json

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Labels:
    """Vietnamese names of the codes a change shows (data elements, activity types, channels)."""

    elements: Mapping[str, str] = field(default_factory=dict)
    activity_types: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Labels:
        return cls(
            {e.code: e.name for e in catalog.data_elements},
            {a.code: a.name for a in catalog.activity_types},
            {c.code: c.name for c in catalog.channels},
        )


@dataclass(frozen=True)
class StoredVersion:
    """An accepted version as the warehouse holds it (plain values)."""

    header: Mapping[str, Any]  # HEADER_FIELDS -> value
    values: Mapping[str, tuple[float | None, str | None]]  # element -> (value, note)
    activities: Mapping[int, Mapping[str, Any]]  # line_no -> ACTIVITY_FIELDS -> value
    narratives: Mapping[str, str | None]  # section -> body


# --- plain values ---------------------------------------------------------------------------------
def json_value(value: object) -> Json:
    """A value as the receipt shows it: whole numbers as int, dates dd/mm/yyyy, blank text None."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, (int, float)):
        number = float(value)
        return int(number) if number.is_integer() else number
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return format_date_vi(value)
    text = str(value).strip()
    return text or None


def _activity_fields(a: Mapping[str, Any], labels: Labels) -> dict[str, Json]:
    out = {name: json_value(a.get(name)) for name in ACTIVITY_FIELDS}
    for name, names in (("activity_type", labels.activity_types), ("channel", labels.channels)):
        code = out[name]
        if isinstance(code, str):
            out[name] = names.get(code, code)
    return out


def _new_activity(a: Activity) -> dict[str, Any]:
    return {
        "activity_date": a.activity_date,
        "activity_type": a.activity_type,
        "channel": a.channel,
        "title": a.title,
        "quantity": a.quantity,
        "reach": a.reach,
        "cost": a.cost,
        "evidence_url": a.evidence_url,
    }


def _summary(fields: Mapping[str, Json]) -> str:
    """One activity line as text: "15/08/2025; Tin, bài, phóng sự; Báo in; <title>; 3"."""
    return "; ".join(str(v) for v in fields.values() if v is not None)


# --- the comparison -------------------------------------------------------------------------------
def diff(previous: StoredVersion, sub: Submission, labels: Labels) -> list[Change]:
    """Every value of `sub` that differs from `previous`, in reading order."""
    return [
        *_header_changes(previous, sub),
        *_element_changes(previous, sub, labels),
        *_activity_changes(previous, sub, labels),
        *_narrative_changes(previous, sub),
    ]


def _header_changes(previous: StoredVersion, sub: Submission) -> list[Change]:
    out = []
    for key in HEADER_FIELDS:
        old, new = json_value(previous.header.get(key)), json_value(getattr(sub.header, key))
        if old != new:
            cell = sub.header.cells.get(key)
            out.append(Change(SHEET_INFO, cell, key, INFO_LABELS[key], old, new))
    return out


def _element_changes(previous: StoredVersion, sub: Submission, labels: Labels) -> list[Change]:
    out = []
    seen: set[str] = set()
    for v in sub.values:
        if v.code in seen:
            continue
        seen.add(v.code)
        name = labels.elements.get(v.code, v.code)
        old_value, old_note = previous.values.get(v.code, (None, None))
        old, new = json_value(old_value), json_value(v.value)
        if old != new:
            cell = f"{ELEMENT_VALUE_COLUMN}{v.row}"
            out.append(Change(SHEET_ELEMENTS, cell, v.code, name, old, new))
        old, new = json_value(old_note), json_value(v.note)
        if old != new:
            cell = f"{ELEMENT_NOTE_COLUMN}{v.row}"
            out.append(
                Change(SHEET_ELEMENTS, cell, f"{v.code}.note", f"{name} (ghi chú)", old, new)
            )
    for code in sorted(set(previous.values) - seen):
        name = labels.elements.get(code, code)
        old_value, old_note = previous.values[code]
        if json_value(old_value) is not None:
            out.append(Change(SHEET_ELEMENTS, None, code, name, json_value(old_value), None))
        if json_value(old_note) is not None:
            out.append(
                Change(
                    SHEET_ELEMENTS,
                    None,
                    f"{code}.note",
                    f"{name} (ghi chú)",
                    json_value(old_note),
                    None,
                )
            )
    return out


def _activity_changes(previous: StoredVersion, sub: Submission, labels: Labels) -> list[Change]:
    old_lines = {n: _activity_fields(a, labels) for n, a in previous.activities.items()}
    new_lines = {a.row: _activity_fields(_new_activity(a), labels) for a in sub.activities}
    old_left = dict(old_lines)
    new_left = dict(new_lines)
    # 1. identical lines are unchanged, at the same row first, then wherever they moved
    for row in [r for r in new_left if r in old_left and old_left[r] == new_left[r]]:
        del old_left[row], new_left[row]
    by_content: dict[tuple, list[int]] = {}
    for row, fields in old_left.items():
        by_content.setdefault(tuple(fields.items()), []).append(row)
    for row, fields in list(new_left.items()):
        rows = by_content.get(tuple(fields.items()))
        if rows:
            del old_left[rows.pop(0)], new_left[row]
    # 2. what is left at the same row: field by field; 3. the rest: lines added or removed
    out = []
    for row in sorted(new_left):
        new = new_left[row]
        old = old_left.pop(row, None)
        if old is None:
            label = f"Hoạt động dòng {row} (dòng thêm mới)"
            out.append(Change(SHEET_ACTIVITIES, f"A{row}", "activity", label, None, _summary(new)))
            continue
        for name, (column, column_label) in ACTIVITY_FIELDS.items():
            if old[name] != new[name]:
                label = f"Hoạt động dòng {row}: {column_label}"
                out.append(
                    Change(
                        SHEET_ACTIVITIES,
                        f"{column}{row}",
                        f"activity.{name}",
                        label,
                        old[name],
                        new[name],
                    )
                )
    for row in sorted(old_left):
        label = f"Hoạt động dòng {row} của bản trước (dòng đã bỏ)"
        out.append(Change(SHEET_ACTIVITIES, None, "activity", label, _summary(old_left[row]), None))
    return out


def _narrative_changes(previous: StoredVersion, sub: Submission) -> list[Change]:
    out = []
    for key, label in NARRATIVE_LABELS.items():
        old, new = json_value(previous.narratives.get(key)), json_value(sub.narratives.get(key))
        if old != new:
            cell = sub.header.cells.get(NARRATIVE_CELL_PREFIX + key)
            out.append(Change(SHEET_NARRATIVE, cell, key, label, old, new))
    return out


# --- the warehouse --------------------------------------------------------------------------------
def stored_version(
    con: duckdb.DuckDBPyConnection, unit_code: str, period_id: str, version: int
) -> StoredVersion:
    """Version `version` of `unit_code` x `period_id` as loaded (empty when there is none)."""
    key = {"unit_code": unit_code, "period_id": period_id, "version": version}
    header_rows = query(con, "changes_previous_header", **key)
    header = dict(header_rows[0]) if header_rows else {}
    header["unit_name"] = header.pop("unit_name_given", None)
    return StoredVersion(
        header=header,
        values={
            r["element_code"]: (r["value"], r["note"])
            for r in query(con, "changes_previous_values", **key)
        },
        activities={r["line_no"]: r for r in query(con, "changes_previous_activities", **key)},
        narratives={
            r["section"]: r["body"] for r in query(con, "changes_previous_narratives", **key)
        },
    )


def changes_since_previous(
    con: duckdb.DuckDBPyConnection, sub: Submission, version: int, labels: Labels
) -> list[Change]:
    """What `sub` (to be loaded as `version` >= 2) changes from version - 1."""
    assert sub.unit_code and sub.period_id and version >= 2
    previous = stored_version(con, sub.unit_code, sub.period_id, version - 1)
    return diff(previous, sub, labels)


def record_changes(
    con: duckdb.DuckDBPyConnection,
    unit_code: str,
    period_id: str,
    version: int,
    changes: Sequence[Change],
) -> None:
    """Insert the list into submission_changes (inside the caller's transaction)."""
    key = {"unit_code": unit_code, "period_id": period_id, "version": version}
    execute_many(
        con,
        "changes_insert",
        (
            {
                **key,
                "seq": seq,
                "sheet": c.sheet,
                "cell": c.cell,
                "field": c.field,
                "label": c.label,
                "old_json": json.dumps(c.old, ensure_ascii=False),
                "new_json": json.dumps(c.new, ensure_ascii=False),
            }
            for seq, c in enumerate(changes)
        ),
    )


def change_from_row(row: Mapping[str, Any]) -> Change:
    """A submission_changes row back as a Change."""
    return Change(
        row["sheet"],
        row["cell"],
        row["field"],
        row["label"],
        json.loads(row["old_json"]),
        json.loads(row["new_json"]),
    )
