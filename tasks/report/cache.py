"""Caching by content (issue 9): a draft report is not rendered again when nothing it is made from
changed.

The report cache key is one sha256 of
- the warehouse's state as far as a report of the period can read it (`report_cache_state.sql`, the
  periods up to this one and the files without a readable period: every non-duplicate arrival with
  its sha256, status, unit, period and version; the submission versions; the fact tables' row
  counts; locks, reopenings and the register), so a new submission version, a rejected file or a
  reopening changes it, and re-sent duplicates or a later quarter's files do not;
- the catalogue digest (the workspace's catalog/*.yaml), the template digest, the code version and
  the versions of the renderer (WeasyPrint, pydyf, matplotlib);
- what the caller chose: the period, the date the report bears, draft or final, number, signer,
  issue number, the report it replaces, and the calendar settings.
Computing it takes SQL and file digests only: no view model, no pandas, no WeasyPrint.

Where it lives: in the draft's manifest on disk (`manifest-du-thao.json`, field `cache_key`, not in
the copy attached to the PDF, so the PDF's bytes do not depend on it). A draft is reused when its
manifest has the same key and the PDF's bytes still have the manifest's `pdf_sha256`. Final reports
are never taken from this cache: an issued report is returned from the register (register.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from tasks.core.periods import Period, issue_date
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, locked_periods, query
from tasks.report.inputs import catalog_digest, code_version, template_digest
from tasks.report.reopen import ReplacedReport, replaced_report
from tasks.report.result import manifest_file_name, report_file_name

CACHE_KEY_FIELD = "cache_key"
RENDERER_PACKAGES = ("weasyprint", "pydyf", "matplotlib", "fonttools")


@cache
def renderer_versions() -> dict[str, str]:
    """The versions of the packages that turn the view model into PDF bytes (metadata only: nothing
    is imported)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in RENDERER_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = ""
    return found


def warehouse_state(con, period: Period) -> dict[str, Any]:
    """The fingerprint of the warehouse as a report of `period` reads it (report_cache_state.sql:
    every period up to `period`, and the files without a readable period)."""
    return query(con, "report_cache_state", period_id=period.id)[0]


def report_cache_key(
    con,
    settings: Settings,
    period: Period,
    on: date,
    *,
    final: bool = False,
    doc_number: str = "",
    signer: str = "",
    issue_no: int = 1,
    replaces: dict[str, str] | None = None,
) -> str:
    """The report cache key (module docstring): equal keys, equal report."""
    calendar = settings.calendar
    parts = {
        "warehouse": warehouse_state(con, period),
        "catalog_sha256": catalog_digest(settings.paths.catalog),
        "template_sha256": template_digest(),
        "code_version": code_version(),
        "renderer": renderer_versions(),
        "period": period.id,
        "issued_on": on.isoformat(),
        "final": final,
        "doc_number": doc_number,
        "signer": signer,
        "issue_no": issue_no,
        "replaces": replaces or {},
        "calendar": [calendar.submission_working_days, calendar.report_due_day],
    }
    return hashlib.sha256(
        json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def reusable_draft(pdf_path: Path, manifest_path: Path, key: str) -> dict | None:
    """The draft's manifest when the draft on disk was rendered for `key` and its PDF is intact,
    else None (missing, other inputs, or the PDF's bytes changed since)."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get(CACHE_KEY_FIELD) != key:
        return None
    if manifest.get("pdf") != pdf_path.name or manifest.get("final"):
        return None
    try:
        pdf_sha256 = hashlib.sha256(pdf_path.read_bytes()).hexdigest()
    except OSError:
        return None
    return manifest if pdf_sha256 == manifest.get("pdf_sha256") else None


def replaced_fields(replaced: ReplacedReport | None) -> dict[str, str] | None:
    """What a report says about the report it replaces, as plain strings (for the cache key)."""
    if replaced is None:
        return None
    return {
        "file_name": replaced.file_name,
        "sentence": replaced.sentence,
        "issued_at": replaced.issued_at.isoformat(),
        "reopened_at": replaced.reopened_at.isoformat(),
        "reason": replaced.reason,
    }


def draft_cache_key(con, settings: Settings, period: Period, on: date) -> str | None:
    """The cache key of the draft of `period` bearing the date `on`; None for a locked period (its
    issued report is returned from the register, never a draft)."""
    if period.id in locked_periods(con):
        return None
    replaced = replaced_report(con, period)
    return report_cache_key(
        con,
        settings,
        period,
        on,
        issue_no=replaced.issue_no if replaced else 1,
        replaces=replaced_fields(replaced),
    )


def draft_paths(settings: Settings, period: Period, issue_no: int = 1) -> tuple[Path, Path]:
    """The draft PDF of `period` and its manifest (tasks/report/result.py's names)."""
    folder = settings.paths.report_dir(period.id)
    return (
        folder / report_file_name(period, issue_no, final=False),
        folder / manifest_file_name(issue_no, final=False),
    )


def current_draft_key(settings: Settings, period: Period) -> tuple[str, bool] | None:
    """(the draft's cache key now, whether the draft on disk was rendered for it and is intact);
    None when there is no warehouse yet or the period is locked. Read-only, SQL and digests only."""
    if not settings.paths.warehouse.is_file():
        return None
    with connect(settings.paths.warehouse, read_only=True) as con:
        key = draft_cache_key(con, settings, period, issue_date(settings.clock().date()))
        replaced = replaced_report(con, period) if key is not None else None
    if key is None:
        return None
    pdf_path, manifest_path = draft_paths(settings, period, replaced.issue_no if replaced else 1)
    return key, reusable_draft(pdf_path, manifest_path, key) is not None
