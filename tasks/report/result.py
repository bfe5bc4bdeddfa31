"""What issuing a report gives back (`ReportResult`) and the names of its files in reports/<P>/.

Shared by the rendering (tasks/report/issue.py), the register of issued reports
(tasks/report/register.py) and the draft cache (tasks/report/cache.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tasks.core.periods import Period


@dataclass(frozen=True)
class ReportResult:
    period_id: str
    pdf_path: str
    manifest_path: str
    pages: int
    seconds: float
    final: bool  # rendered as the final report (asked for, or the period was already issued)
    locked: bool  # the period is locked after this step
    issued_at: str  # ISO date-time of the report's clock
    issued_on: str = ""  # ISO date the report bears (a working day)
    issue_no: int = 1
    doc_number: str = ""  # "Số: 125/BC-SKHCN" for a final report, "" for a draft
    signer: str = ""
    already_issued: bool = False  # the period was issued before: this is the issued file, unchanged
    data_sha256: str = ""
    replaces: str = ""  # the issued report this one replaces (after a reopening)
    reused: bool = (
        False  # a draft whose inputs did not change: the file on disk, not rendered again
    )


def report_file_name(period: Period, issue_no: int = 1, *, final: bool = True) -> str:
    """bao-cao-2025Q3.pdf (final), bao-cao-2025Q3-du-thao.pdf (draft); after a reopening the next
    final report gets a new name (bao-cao-2025Q3-lan-2.pdf) so that no issued report is overwritten."""
    if not final:
        return f"bao-cao-{period.id}-du-thao.pdf"
    return (
        f"bao-cao-{period.id}.pdf" if issue_no == 1 else f"bao-cao-{period.id}-lan-{issue_no}.pdf"
    )


def manifest_file_name(issue_no: int = 1, *, final: bool = True) -> str:
    if not final:
        return "manifest-du-thao.json"
    return "manifest.json" if issue_no == 1 else f"manifest-lan-{issue_no}.json"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
