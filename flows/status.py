"""Text of `dxreport status`: a header line and a table, one row per unit (the data comes from
tasks.report.submission_status.period_status)."""

from __future__ import annotations

import io
import shutil
import sys
from datetime import datetime

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tasks.report.submission_status import STATUS_TEXT

MISSING = "–"


def status_label(status: str) -> str:
    """Vietnamese label and code, e.g. `Đúng hạn (on_time)`."""
    return f"{STATUS_TEXT.get(status, status)} ({status})"


def header_line(result: dict) -> str:
    counts = result["counts"]
    return (
        f"{result['label']} ({result['period']}): {result['expected']} đơn vị phải báo cáo "
        "/ units expected; "
        + ", ".join(f"{status_label(k)}: {v}" for k, v in sorted(counts.items()))
        + ("; KỲ ĐÃ KHÓA / period locked" if result["locked"] else "")
    )


def _received(value: str | None) -> str:
    if not value:
        return MISSING
    try:
        return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return value


def status_table(result: dict) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("Đơn vị / Unit", no_wrap=True)
    table.add_column("Tên / Name", overflow="fold")
    table.add_column("Tình trạng / Status", overflow="fold")
    table.add_column("Bản / Ver.", justify="right", no_wrap=True)
    table.add_column("Nhận lúc / Received", overflow="fold")
    table.add_column("Tệp bị từ chối / Rejected", justify="right", overflow="fold")
    for u in result["units"]:
        name = u["name"]
        if not u["expected"]:
            name += " (ngoài diện báo cáo / not expected)"
        cells = (
            u["unit"],
            name,
            status_label(u["status"]),
            f"v{u['version']}" if u["version"] else MISSING,
            _received(u["received_at"]),
            str(u["rejected_arrivals"]) if u["rejected_arrivals"] else "",
        )
        table.add_row(*(Text(c) for c in cells))  # plain text: no rich markup in unit names
    return table


def status_text(result: dict, width: int | None = None) -> str:
    """The header line and the table as plain text, `width` columns wide (default: the terminal's
    width at a terminal, else 140)."""
    if width is None:
        width = shutil.get_terminal_size((140, 24)).columns if sys.stdout.isatty() else 140
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, highlight=False, emoji=False)
    console.print(header_line(result), soft_wrap=True, markup=False)
    console.print(status_table(result))
    return out.getvalue().rstrip("\n")
