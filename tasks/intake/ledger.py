"""The ledger: one arrival row and one JSON receipt per file received, versions per unit and period.

Per batch of files, in this order, so that a run killed at any moment loses nothing and adds nothing
twice:
1. each file's bytes are archived by content hash (idempotent; tasks/intake/collect.py);
2. ONE transaction records every arrival of the batch, its messages and (if accepted) the loaded
   data and, for a resubmission, what changed from the previous version (tasks/intake/changes.py);
   a kill before the commit leaves nothing of the batch in the warehouse and every file in the inbox;
3. the feedback workbooks, for receipts with messages (tasks/feedback/annotate.py), and the
   receipts are written atomically to feedback/ and receipts/ (one sync per group of files), then
   the group's inbox files are removed;
4. the batch's arrivals are marked finished.
A later run finishes any arrival committed but not marked finished (`finish_unfinished`), before it
reads the inbox: no extra version, no lost file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from schemas.catalog_model import load_catalog
from tasks.core.files import write_all_atomic
from tasks.core.periods import Period
from tasks.core.settings import Settings, WorkspacePaths
from tasks.core.warehouse import execute, execute_columns, query
from tasks.feedback.paths import needs_feedback
from tasks.intake import rules
from tasks.intake.changes import Labels, changes_since_previous, record_changes
from tasks.intake.collect import InboxFile
from tasks.intake.load import Load, insert_submissions, latest_versions
from tasks.intake.submission import Submission

log = logging.getLogger(__name__)

FINISH_GROUP = 100  # receipts and feedback workbooks written (and synced) together


@dataclass(frozen=True)
class Recorded:
    receipt_name: str
    receipt: dict


def receipt_name(arrival_no: int, sha256: str) -> str:
    return f"{arrival_no:06d}-{sha256[:16]}.json"


def received_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The sha256 of every file content already in the ledger."""
    return {row["sha256"] for row in query(con, "ledger_received_hashes")}


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


@dataclass(frozen=True)
class Received:
    """One file of a batch, archived, with what reading and validation made of it."""

    item: InboxFile
    archive_path: Path
    sub: Submission | None  # None: bytes already received (not parsed)


@dataclass
class _Arrival:
    """One arrival being recorded (inside the batch's transaction)."""

    file: Received
    arrival_no: int
    name: str
    status: str
    unit: str | None
    period: str | None
    timeliness: str | None
    duplicate_of: str | None
    messages: list
    version: int | None = None
    changes: list | None = None


def record_arrivals(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    files: list[Received],
    received_at: datetime,
    locked: frozenset[str],
    on_finished: Callable[[str], None] | None = None,
) -> list[Recorded]:
    """Steps 2-4 above for a batch of archived files, in arrival order: ONE transaction records
    every arrival, its messages and the accepted data (one statement per table); after the commit,
    the feedback workbooks and receipts; then the inbox files are removed; then the arrivals are
    marked finished. A file whose earlier copy in this batch could not be archived (it vanished)
    is left in the inbox for the next run."""
    if not files:
        return []
    paths = settings.paths
    con.execute("BEGIN")
    try:
        arrivals = _arrivals(con, settings, files, received_at, locked)
        insert_submissions(
            con,
            [
                Load(
                    a.file.sub,
                    a.version,
                    a.arrival_no,
                    a.file.item.sha256,
                    received_at,
                    a.timeliness or "on_time",
                )
                for a in arrivals
                if a.version is not None and a.file.sub is not None
            ],
        )
        labels: Labels | None = None
        for a in arrivals:  # versions explained (tasks/intake/changes.py); version - 1 is loaded
            sub = a.file.sub
            if a.version is not None and a.version >= 2 and sub and sub.unit_code and sub.period_id:
                labels = labels or _labels(settings)
                a.changes = changes_since_previous(con, sub, a.version, labels)
                record_changes(con, sub.unit_code, sub.period_id, a.version, a.changes)
        texts = {
            a.arrival_no: json.dumps(_receipt(a, received_at), ensure_ascii=False, indent=2)
            for a in arrivals
        }
        execute_columns(
            con,
            "ledger_insert_arrival",
            (_arrival_row(a, texts[a.arrival_no], paths, received_at) for a in arrivals),
        )
        execute_columns(
            con,
            "ledger_insert_message",
            (
                {"arrival_no": a.arrival_no, "seq": i, **m.to_dict()}
                for a in arrivals
                for i, m in enumerate(a.messages)
            ),
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    files_of = {a.name: a.file.item.file_name for a in arrivals}
    _finish(
        paths,
        [
            (a.name, texts[a.arrival_no], Path(a.file.item.path), a.file.archive_path)
            for a in arrivals
        ],
        on_finished=None if on_finished is None else lambda name: on_finished(files_of[name]),
    )
    execute(con, "ledger_mark_finished", arrival_no=[a.arrival_no for a in arrivals])
    return [Recorded(a.name, json.loads(texts[a.arrival_no])) for a in arrivals]


def _arrivals(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    files: list[Received],
    received_at: datetime,
    locked: frozenset[str],
) -> list[_Arrival]:
    """Number, classify and version the batch's files (duplicates of the ledger or of an earlier
    file of the batch; versions after the newest loaded and earlier ones of the batch)."""
    next_no = int(query(con, "ledger_next_arrival_no")[0]["arrival_no"])
    firsts = {
        r["sha256"]: r
        for r in query(con, "ledger_first_arrival", sha256=sorted({f.item.sha256 for f in files}))
    }
    latest = latest_versions(con, (f.sub.unit_code for f in files if f.sub and f.sub.unit_code))
    out = []
    for f in files:
        sha = f.item.sha256
        first = firsts.get(sha)
        name = receipt_name(next_no, sha)
        if first is not None:
            duplicate_of = first["receipt_name"]
            a = _Arrival(
                f,
                next_no,
                name,
                "duplicate",
                first["unit_code"],
                first["period_id"],
                None,
                duplicate_of,
                [rules.message("DUPLICATE_FILE", duplicate_of=duplicate_of)],
            )
        elif f.sub is None:  # its first copy in this batch vanished before it was archived
            log.warning("%s: taken anew by the next run", f.item.file_name)
            continue
        else:
            sub = f.sub
            a = _Arrival(
                f,
                next_no,
                name,
                sub.status,
                sub.unit_code,
                sub.period_id,
                timeliness_of(sub, received_at, locked, settings),
                None,
                list(sub.messages),
            )
            if sub.status != "rejected":
                assert sub.unit_code and sub.period_id, "an accepted submission names both"
                key = (sub.unit_code, sub.period_id)
                a.version = latest[key] = latest.get(key, 0) + 1
        firsts.setdefault(sha, {"receipt_name": name, "unit_code": a.unit, "period_id": a.period})
        out.append(a)
        next_no += 1
    return out


def _receipt(a: _Arrival, received_at: datetime) -> dict:
    receipt = {
        "file": a.file.item.file_name,
        "sha256": a.file.item.sha256,
        "received_at": format_received(received_at),
        "unit": a.unit,
        "period": a.period,
        "version": a.version,
        "status": a.status,
        "timeliness": a.timeliness,
        "duplicate_of": a.duplicate_of,
        "messages": [m.to_dict() for m in a.messages],
    }
    if a.changes is not None:
        receipt["changes"] = [c.to_dict() for c in a.changes]
    return receipt


def _arrival_row(
    a: _Arrival, receipt_text: str, paths: WorkspacePaths, received_at: datetime
) -> dict:
    item = a.file.item
    return {
        "arrival_no": a.arrival_no,
        "receipt_name": a.name,
        "file_name": item.file_name,
        "inbox_mtime_ns": item.mtime_ns,
        "sha256": item.sha256,
        "size_bytes": item.size,
        "archive_path": str(a.file.archive_path.relative_to(paths.home)),
        "received_at": received_at,
        "unit_code": a.unit,
        "period_id": a.period,
        "version": a.version,
        "status": a.status,
        "timeliness": a.timeliness,
        "duplicate_of": a.duplicate_of,
        "receipt_json": receipt_text,
    }


def _labels(settings: Settings) -> Labels:
    """The Vietnamese names a change shows, from the workspace's catalogue."""
    return Labels.from_catalog(load_catalog(settings.paths.catalog))


def _finish(
    paths: WorkspacePaths, done: list[tuple[str, str, Path | None, Path]], on_finished=None
) -> None:
    """Step 3 for committed arrivals (receipt name, receipt text, inbox file or None, archived
    file): their feedback workbooks and receipts, written with one sync per group of files, then
    the inbox files are removed. Groups bound the memory the workbooks take. openpyxl is imported
    only when some receipt has messages (a clean batch, like an empty inbox, needs none)."""
    receipts = [json.loads(text) for _, text, _, _ in done]
    feedback_file: Callable[..., tuple[Path, bytes] | None] | None = None
    if any(needs_feedback(r) for r in receipts):
        from tasks.feedback import annotate  # noqa: PLC0415 - openpyxl

        feedback_file = annotate.feedback_file

    for lo in range(0, len(done), FINISH_GROUP):
        group = done[lo : lo + FINISH_GROUP]
        writes: list[tuple[Path, bytes]] = []
        for (name, text, _, archive_path), receipt in zip(
            group, receipts[lo : lo + FINISH_GROUP], strict=True
        ):
            if feedback_file is not None:  # None for a receipt that needs no workbook
                made = feedback_file(paths, name, receipt, archive_path)  # never raises
                if made is not None:
                    writes.append(made)
            writes.append((paths.receipts / name, text.encode("utf-8")))
        if any(path.parent == paths.feedback for path, _ in writes):
            paths.feedback.mkdir(parents=True, exist_ok=True)
        write_all_atomic(writes)
        for name, _, inbox_path, _ in group:
            if inbox_path is not None:
                try:
                    os.unlink(inbox_path)
                except FileNotFoundError:
                    pass
            if on_finished is not None:
                on_finished(name)


def finish_unfinished(
    con: duckdb.DuckDBPyConnection, settings: Settings, inbox: list[InboxFile]
) -> list[Recorded]:
    """Complete arrivals a killed run committed but did not finish (receipt, inbox removal)."""
    rows = query(con, "ledger_unfinished_arrivals")
    waiting = {(f.file_name, f.sha256): Path(f.path) for f in inbox}
    _finish(
        settings.paths,
        [
            (
                row["receipt_name"],
                row["receipt_json"],
                waiting.get((row["file_name"], row["sha256"])),
                settings.paths.home / row["archive_path"],
            )
            for row in rows
        ],
    )
    done = [Recorded(row["receipt_name"], json.loads(row["receipt_json"])) for row in rows]
    if rows:
        execute(con, "ledger_mark_finished", arrival_no=[r["arrival_no"] for r in rows])
    return done
