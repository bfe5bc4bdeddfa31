"""Typed errors. Every message a person reads is Vietnamese, with an English line for operators.

The base (`DxError`) and `CatalogError` live in `schemas.errors` (the catalogue loader raises it).
"""

from __future__ import annotations

from schemas.errors import CatalogError, DxError

__all__ = [
    "CatalogError",
    "DxError",
    "NoDataError",
    "PeriodError",
    "UsageError",
    "WorkspaceBusyError",
]


class UsageError(DxError):
    """The command was called wrongly (exit code 2)."""

    exit_code = 2


class PeriodError(UsageError):
    """A period id that cannot be read, or a period outside the Đề án."""

    def __init__(self, text: str, reason_vi: str = "", reason_en: str = ""):
        self.text = text
        super().__init__(
            f"Kỳ báo cáo không hợp lệ: {text!r}. {reason_vi}".strip(),
            f"Invalid reporting period: {text!r}. {reason_en}".strip(),
            "Dùng dạng 2025Q3 (hoặc Q3/2025, Quý III/2025).",
            "Use the form 2025Q3 (or Q3/2025, Quý III/2025).",
        )


class WorkspaceBusyError(DxError):
    """Another run holds the workspace lock for too long."""


class NoDataError(DxError):
    """Nothing to work on (e.g. a report for a period without any loaded submission)."""
