"""The one settings object (prefix DXREPORT_), built at a flow's entry; nothing is read at import."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tasks.core.periods import TZ, TZ_NAME, ReportingCalendar

__all__ = ["TZ", "TZ_NAME", "Settings", "WorkspacePaths", "load_settings"]


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as DXREPORT_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="DXREPORT_", extra="ignore", frozen=True)

    home: Path = Field(default=Path("dxreport-home"), description="workspace directory")
    now: datetime | None = Field(default=None, description="clock override (ISO with offset)")
    max_file_bytes: int = 10 * 1024 * 1024
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    max_compression_ratio: float = 100.0
    submission_working_days: int = Field(
        default=2, ge=0, le=30, description="units submit within N working days after the cut-off"
    )
    report_due_day: int = Field(
        default=20,
        ge=15,
        le=28,  # every quarter-end month has the day
        description="the consolidated report is due on this day of the quarter's last month",
    )
    narrative_max_chars: int = 4000
    load_batch_files: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="files recorded and loaded in one warehouse transaction at intake (a kill "
        "loses at most this batch's work, which the next run redoes)",
    )
    lock_timeout_seconds: float = 600.0
    report_signer: str | None = Field(
        default=None,
        description="who signs the final report (default: signer_name of the issuer in the "
        "catalogue's organisation.yaml); a final report is refused without one",
    )
    report_number: str | None = Field(
        default=None,
        description="the document number (số văn bản) the clerk gave the final report, e.g. 125; "
        "usually given per report with `dxreport report --final --number N`",
    )

    report_number_start: int = Field(
        default=1,
        ge=1,
        description="the first document number of a year when the register (issued_reports) has "
        "none yet; later reports take the next number",
    )
    signoff_timeout_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=1,
        description="how long a final report waits for the reviewer's decision in the Prefect UI "
        "before the run ends with the draft only",
    )

    dask_address: str | None = Field(
        default=None,
        description="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786; "
        "empty: a local cluster",
    )
    fanout_min_files: int = Field(
        default=0,
        ge=0,
        description="the intake parses and validates its new files in parallel on Dask (the "
        "local cluster or dask_address) from this many files on; fewer are read in the flow's "
        "own process, without Dask; 0 (default): never (on 2 cores Dask did not win even at "
        "3,000 files; set e.g. 1000 with 4+ free cores or a Dask cluster)",
    )
    fanout_workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="worker processes of the intake's local Dask cluster; default: the CPU cores, "
        "at most 4 (with dask_address, the chunks are cut for this many workers)",
    )
    parse_workers: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="processes the intake reads its new files with, from 200 new files on "
        "(tasks/intake/parse_pool.py); default: the cores, at most 4; 1: in the flow's own process",
    )
    report_workers: int | None = Field(
        default=None,
        ge=1,
        le=16,
        description="the cores a long city report is rendered on, in parts side by side "
        "(tasks/report/parts.py); default: 2 on a machine with two or more (the same PDF bytes on "
        "any machine); 1: one process; more: faster on more cores, another cut of the parts",
    )

    files_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="port of the file server `dxreport server` starts for reports/, feedback/ and "
        "outbox/ (http links in the Prefect UI); default: the Prefect API's port + 1 (4201); "
        "0: no file server (file:// links)",
    )
    public_host: str | None = Field(
        default=None,
        description="host name that other machines use in the links `dxreport server` gives "
        "(UI, files); default: the address it listens on, or this machine's name when it listens "
        "on every address (0.0.0.0)",
    )

    # --- reminders by mail (flow remind-missing): no smtp_host, letters are only written to outbox/
    operator_emails: str | None = Field(
        default=None,
        description="operators told by mail when a run fails (addresses separated by ';'); the "
        "alert is also written to outbox/van-hanh/",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for reminders; empty: letters only in outbox/"
    )
    smtp_port: int | None = Field(
        default=None, ge=1, le=65535, description="default: 587 (starttls), 465 (ssl), 25 (none)"
    )
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="STARTTLS, implicit TLS (ssl) or none (a local relay)"
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="CA certificates (PEM) that sign the SMTP server's certificate, e.g. an "
        "internal CA; default: the system's",
    )
    smtp_user: str | None = Field(default=None, description="SMTP login; empty: no login")
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password (or smtp_password_block)"
    )
    smtp_password_block: str | None = Field(
        default=None, description="name of a Prefect Secret block holding the SMTP password"
    )
    smtp_sender: str | None = Field(
        default=None,
        description="From: address of reminders; default: the issuer's contact e-mail "
        "(organisation.yaml)",
    )
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    smtp_attempts: int = Field(default=3, ge=1, le=10, description="tries per letter")
    smtp_retry_delay_seconds: float = Field(
        default=5.0, ge=0, description="wait before the 2nd try; doubled before each next one"
    )

    def clock(self) -> datetime:
        """The current time, aware, in Asia/Ho_Chi_Minh (DXREPORT_NOW when set)."""
        if self.now is not None:
            now = self.now if self.now.tzinfo else self.now.replace(tzinfo=TZ)
            return now.astimezone(TZ)
        return datetime.now(TZ)

    @property
    def calendar(self) -> ReportingCalendar:
        """Deadlines and the report's due date, as configured (the one source for every step)."""
        return ReportingCalendar(self.submission_working_days, self.report_due_day)

    @cached_property
    def paths(self) -> WorkspacePaths:
        return WorkspacePaths(self.home.resolve())


class WorkspacePaths:
    """The workspace layout of INTERFACE.md."""

    def __init__(self, home: Path):
        self.home = home
        self.catalog = home / "catalog"
        self.inbox = home / "inbox"
        self.archive = home / "archive"
        self.receipts = home / "receipts"
        self.reports = home / "reports"
        self.templates = home / "templates"
        self.feedback = home / "feedback"
        self.outbox = home / "outbox"
        self.warehouse = home / "warehouse.duckdb"
        self.lock = home / ".dxreport.lock"

    def report_dir(self, period_id: str) -> Path:
        return self.reports / period_id

    def __repr__(self) -> str:
        return f"WorkspacePaths({self.home})"


def load_settings(**overrides) -> Settings:
    """Build settings from the environment, with explicit overrides (e.g. from the command line)."""
    from pydantic import ValidationError

    from tasks.core.errors import UsageError

    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "DXREPORT_" + "_".join(str(p) for p in err["loc"]).upper()
        raise UsageError(
            f"Cấu hình không hợp lệ: {name} = {err.get('input')!r} ({err['msg']}).",
            f"Invalid setting: {name} = {err.get('input')!r} ({err['msg']}).",
            "Sửa biến môi trường này (thời điểm dạng ISO có múi giờ, vd 2025-09-16T08:00:00+07:00).",
            "Fix this environment variable (date-times in ISO form with offset, e.g. 2025-09-16T08:00:00+07:00).",
        ) from None
