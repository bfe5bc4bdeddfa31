"""Where a receipt's feedback workbook lives (no openpyxl: the intake flow imports this on every run,
also with an empty inbox)."""

from __future__ import annotations

from pathlib import Path

from tasks.core.settings import WorkspacePaths


def feedback_path(paths: WorkspacePaths, receipt_name: str) -> Path:
    return paths.feedback / (Path(receipt_name).stem + ".xlsx")
