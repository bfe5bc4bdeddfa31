"""The ledger: one arrival row and one JSON receipt per file received, versions per unit and period.

Per file, in this order, so that a run killed at any moment loses nothing and adds nothing twice:
1. the bytes are archived by content hash (idempotent);
2. one transaction records the arrival, its messages and (if accepted) the loaded data and, for
   a resubmission, what changed from the previous version (tasks/intake/changes.py);
3. the feedback workbook, if the receipt has messages (tasks/feedback/annotate.py), then the
   receipt, are written atomically to feedback/ and receipts/;
4. the inbox file is removed;
5. the arrival is marked finished.
A later run finishes any arrival committed but not marked finished (`finish_unfinished`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from schemas.catalog_model import load_catalog
from tasks.core.files import write_atomic
from tasks.core.periods import Period
from tasks.core.settings import Settings, WorkspacePaths
from tasks.core.warehouse import execute, execute_many, query
from tasks.intake import rules
from tasks.intake.changes import Labels, changes_since_previous, record_changes
from tasks.intake.collect import InboxFile
from tasks.intake.load import insert_submission, next_version
from tasks.intake.submission import Submission


@dataclass(frozen=True)
class Recorded:
    receipt_name: str
    receipt: dict


def receipt_name(arrival_no: int, sha256: str) -> str:
    return f"{arrival_no:06d}-{sha256[:16]}.json"


def received_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The sha256 of every file content already in the ledger."""
    return {row["sha256"] for row in query(con, "ledger_received_hashes")}


def first_arrival_of(con: duckdb.DuckDBPyConnection, sha256: str) -> dict | None:
    """The first arrival of these bytes (receipt_name, unit_code, period_id), or None."""
    rows = query(con, "ledger_first_arrival", sha256=sha256)
    return rows[0] if rows else None


def log_run(con: duckdb.DuckDBPyConnection, started_at: datetime, flow: str, detail: str) -> None:
    execute(con, "ledger_log_run", started_at=started_at, flow=flow, detail=detail)


def timeliness_of(
    sub: Submission, received_at: datetime, locked: frozenset[str], settings: Settings
) -> str | None:
    """on_time | late | after_lock, or None where the period is unknown or not (yet) open."""
    if not sub.period_id:
        return None
    period = Period.parse(sub.period_id)
    if not period.in_de_an or received_at < period.opens_at():
        return None
    if period.id in locked:
        return "after_lock"
    return period.timeliness(received_at, settings.submission_working_days)


def format_received(received_at: datetime) -> str:
    return received_at.replace(microsecond=0).isoformat()


def record_arrival(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    item: InboxFile,
    archive_path: Path,
    sub: Submission | None,
    received_at: datetime,
    locked: frozenset[str],
) -> Recorded:
    """Steps 2-5 above for one file. `sub` is None for a duplicate (not parsed)."""
    paths = settings.paths
    con.execute("BEGIN")
    try:
        arrival_no = int(query(con, "ledger_next_arrival_no")[0]["arrival_no"])
        name = receipt_name(arrival_no, item.sha256)
        first = first_arrival_of(con, item.sha256)
        version = None
        changes = None
        if first is not None:
            status, timeliness, duplicate_of = "duplicate", None, first["receipt_name"]
            unit, period = first["unit_code"], first["period_id"]
            messages = [rules.message("DUPLICATE_FILE", duplicate_of=duplicate_of)]
        else:
            assert sub is not None
            status, duplicate_of = sub.status, None
            unit, period = sub.unit_code, sub.period_id
            timeliness = timeliness_of(sub, received_at, locked, settings)
            messages = sub.messages
            if status != "rejected":
                assert sub.unit_code and sub.period_id, "an accepted submission names both"
                version = next_version(con, sub.unit_code, sub.period_id)
                insert_submission(
                    con,
                    sub,
                    version=version,
                    arrival_no=arrival_no,
                    sha256=item.sha256,
                    received_at=received_at,
                    timeliness=timeliness or "on_time",
                )
                if version >= 2:  # versions explained (tasks/intake/changes.py)
                    changes = changes_since_previous(con, sub, version, _labels(settings))
                    record_changes(con, sub.unit_code, sub.period_id, version, changes)
        receipt = {
            "file": item.file_name,
            "sha256": item.sha256,
            "received_at": format_received(received_at),
            "unit": unit,
            "period": period,
            "version": version,
            "status": status,
            "timeliness": timeliness,
            "duplicate_of": duplicate_of,
            "messages": [m.to_dict() for m in messages],
        }
        if changes is not None:
            receipt["changes"] = [c.to_dict() for c in changes]
        receipt_text = json.dumps(receipt, ensure_ascii=False, indent=2)
        execute(
            con,
            "ledger_insert_arrival",
            arrival_no=arrival_no,
            receipt_name=name,
            file_name=item.file_name,
            inbox_mtime_ns=item.mtime_ns,
            sha256=item.sha256,
            size_bytes=item.size,
            archive_path=str(archive_path.relative_to(paths.home)),
            received_at=received_at,
            unit_code=unit,
            period_id=period,
            version=version,
            status=status,
            timeliness=timeliness,
            duplicate_of=duplicate_of,
            receipt_json=receipt_text,
        )
        execute_many(
            con,
            "ledger_insert_message",
            ({"arrival_no": arrival_no, "seq": i, **m.to_dict()} for i, m in enumerate(messages)),
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    _finish(con, paths, arrival_no, name, receipt_text, Path(item.path), archive_path)
    return Recorded(name, receipt)


def _labels(settings: Settings) -> Labels:
    """The Vietnamese names a change shows, from the workspace's catalogue."""
    return Labels.from_catalog(load_catalog(settings.paths.catalog))


def _finish(
    con,
    paths: WorkspacePaths,
    arrival_no: int,
    name: str,
    receipt_text: str,
    inbox_path: Path | None,
    archive_path: Path,
) -> None:
    from tasks.feedback.annotate import write_feedback  # noqa: PLC0415 - openpyxl on first use

    write_feedback(paths, name, json.loads(receipt_text), archive_path)  # never raises
    write_atomic(paths.receipts / name, receipt_text)
    if inbox_path is not None:
        try:
            os.unlink(inbox_path)
        except FileNotFoundError:
            pass
    execute(con, "ledger_mark_finished", arrival_no=arrival_no)


def finish_unfinished(
    con: duckdb.DuckDBPyConnection, settings: Settings, inbox: list[InboxFile]
) -> list[Recorded]:
    """Complete arrivals a killed run committed but did not finish (receipt, inbox removal)."""
    done = []
    for row in query(con, "ledger_unfinished_arrivals"):
        match = next(
            (f for f in inbox if f.file_name == row["file_name"] and f.sha256 == row["sha256"]),
            None,
        )
        _finish(
            con,
            settings.paths,
            row["arrival_no"],
            row["receipt_name"],
            row["receipt_json"],
            Path(match.path) if match else None,
            settings.paths.home / row["archive_path"],
        )
        done.append(Recorded(row["receipt_name"], json.loads(row["receipt_json"])))
    return done
