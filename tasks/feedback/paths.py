"""Whether a receipt gets a feedback workbook and where it lives (no openpyxl: the intake flow
imports this on every run, also with an empty inbox or a batch without a single message)."""

from __future__ import annotations

from pathlib import Path

from tasks.core.settings import WorkspacePaths


def feedback_path(paths: WorkspacePaths, receipt_name: str) -> Path:
    return paths.feedback / (Path(receipt_name).stem + ".xlsx")


def needs_feedback(receipt: dict) -> bool:
    """A receipt with messages or changes gets the unit's workbook back, annotated."""
    return bool(receipt.get("messages") or receipt.get("changes"))
