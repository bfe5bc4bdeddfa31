"""The ledger: one arrival row and one JSON receipt per file received, versions per unit and period.

Per file, in this order, so that a run killed at any moment loses nothing and adds nothing twice:
1. the bytes are archived by content hash (idempotent);
2. one transaction records the arrival, its messages and (if accepted) the loaded data;
3. the receipt is written atomically to receipts/;
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

from tasks.core.periods import Period
from tasks.core.settings import Settings, WorkspacePaths
from tasks.intake import rules
from tasks.intake.collect import InboxFile, write_atomic
from tasks.intake.load import insert_submission, next_version
from tasks.intake.submission import Submission


@dataclass(frozen=True)
class Recorded:
    receipt_name: str
    receipt: dict


def receipt_name(arrival_no: int, sha256: str) -> str:
    return f"{arrival_no:06d}-{sha256[:16]}.json"


def first_arrival_of(
    con: duckdb.DuckDBPyConnection, sha256: str
) -> tuple[str, str | None, str | None] | None:
    row = con.execute(
        "SELECT receipt_name, unit_code, period_id FROM arrivals WHERE sha256 = ? ORDER BY arrival_no LIMIT 1",
        [sha256],
    ).fetchone()
    return row


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
        arrival_no = int(
            con.execute("SELECT coalesce(max(arrival_no), 0) + 1 FROM arrivals").fetchone()[0]
        )
        name = receipt_name(arrival_no, item.sha256)
        first = first_arrival_of(con, item.sha256)
        version = None
        if first is not None:
            status, timeliness, duplicate_of = "duplicate", None, first[0]
            unit, period = first[1], first[2]
            messages = [rules.message("DUPLICATE_FILE", duplicate_of=first[0])]
        else:
            assert sub is not None
            status, duplicate_of = sub.status, None
            unit, period = sub.unit_code, sub.period_id
            timeliness = timeliness_of(sub, received_at, locked, settings)
            messages = sub.messages
            if status != "rejected":
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
        receipt_text = json.dumps(receipt, ensure_ascii=False, indent=2)
        con.execute(
            "INSERT INTO arrivals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE)",
            [
                arrival_no,
                name,
                item.file_name,
                item.mtime_ns,
                item.sha256,
                item.size,
                str(archive_path.relative_to(paths.home)),
                received_at,
                unit,
                period,
                version,
                status,
                timeliness,
                duplicate_of,
                receipt_text,
            ],
        )
        if messages:
            con.executemany(
                "INSERT INTO arrival_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (arrival_no, i, m.severity, m.rule, m.sheet, m.cell, m.message_vi, m.message_en)
                    for i, m in enumerate(messages)
                ],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    _finish(con, paths, arrival_no, name, receipt_text, Path(item.path))
    return Recorded(name, receipt)


def _finish(
    con,
    paths: WorkspacePaths,
    arrival_no: int,
    name: str,
    receipt_text: str,
    inbox_path: Path | None,
) -> None:
    write_atomic(paths.receipts / name, receipt_text)
    if inbox_path is not None:
        try:
            os.unlink(inbox_path)
        except FileNotFoundError:
            pass
    con.execute("UPDATE arrivals SET finished = TRUE WHERE arrival_no = ?", [arrival_no])


def finish_unfinished(
    con: duckdb.DuckDBPyConnection, settings: Settings, inbox: list[InboxFile]
) -> list[Recorded]:
    """Complete arrivals a killed run committed but did not finish (receipt, inbox removal)."""
    rows = con.execute(
        "SELECT arrival_no, receipt_name, file_name, sha256, inbox_mtime_ns, receipt_json FROM arrivals "
        "WHERE NOT finished ORDER BY arrival_no"
    ).fetchall()
    done = []
    for arrival_no, name, file_name, sha, _mtime_ns, receipt_text in rows:
        match = next((f for f in inbox if f.file_name == file_name and f.sha256 == sha), None)
        _finish(
            con, settings.paths, arrival_no, name, receipt_text, Path(match.path) if match else None
        )
        done.append(Recorded(name, json.loads(receipt_text)))
    return done
