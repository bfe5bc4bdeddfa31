"""Text of `dxreport history`: a header line, a table of arrivals (one row each) and, for every
accepted version >= 2, what changed from the version before (old → new). The data comes from
tasks.intake.history.unit_history."""

from __future__ import annotations

import io
import shutil
import sys

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tasks.core.formatting import fmt_number

MISSING = "–"
BLANK = "(trống)"
MAX_TEXT = 60  # characters of a changed text shown (the JSON has it whole)


def value_text(value: object) -> str:
    """A changed value the Vietnamese way: 1.234,5; text in quotes (shortened); blank as (trống)."""
    if value is None:
        return BLANK
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return fmt_number(value, 0 if float(value).is_integer() else 3, trim=True)
    text = " ".join(str(value).split())
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return f"“{text}”"


def header_line(result: dict) -> str:
    name = f" — {result['unit_name']}" if result["unit_name"] else ""
    return (
        f"{result['unit']}{name}, {result['label']} ({result['period']}): "
        f"{len(result['arrivals'])} lần nhận tệp / arrivals, {result['versions']} phiên bản được "
        "chấp nhận / accepted versions"
        + ("; KỲ ĐÃ KHÓA / period locked" if result["locked"] else "")
    )


def arrivals_table(result: dict) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    # two-line headers (Vietnamese, English): the columns stay narrow enough for a terminal
    table.add_column("Lần\nNo.", justify="right", no_wrap=True)
    table.add_column("Tệp\nFile", overflow="fold")
    table.add_column("Nhận lúc\nReceived", overflow="fold")
    table.add_column("Tình trạng\nStatus", overflow="fold")
    table.add_column("Bản\nVer.", justify="right", no_wrap=True)
    table.add_column("Thời hạn\nTimeliness", overflow="fold")
    table.add_column("Thông báo\nMessages", justify="right", no_wrap=True)
    for a in result["arrivals"]:
        cells = (
            str(a["arrival_no"]),
            a["file"],
            a["received_text"],
            f"{a['status_text']} ({a['status']})",
            f"v{a['version']}" if a["version"] else MISSING,
            f"{a['timeliness_text']} ({a['timeliness']})" if a["timeliness"] else MISSING,
            str(a["messages"]),
        )
        table.add_row(*(Text(c) for c in cells))  # plain text: no rich markup in file names
    return table


def change_lines(result: dict) -> list[str]:
    lines = []
    for a in result["arrivals"]:
        if a["changes"] is None:
            continue
        version = a["version"]
        head = (
            f"Phiên bản {version} (lần nhận {a['arrival_no']}, {a['received_text']}) so với phiên "
            f"bản {version - 1} / version {version} against {version - 1}:"
        )
        lines.append(head)
        if not a["changes"]:
            lines.append("  không có giá trị nào thay đổi / no value changed")
        for c in a["changes"]:
            where = f"{c['sheet']}!{c['cell']}" if c["cell"] else c["sheet"]
            lines.append(f"  {where} {c['label']}: {value_text(c['old'])} → {value_text(c['new'])}")
    for r in result["reopens"]:
        by = f" bởi / by {r['by']}" if r["by"] else ""
        lines.append(
            f"Kỳ được mở lại / period reopened {r['reopened_text']}{by} "
            f"(sau lần nhận / after arrival {r['after_arrival_no']}): {r['reason']}"
        )
    return lines


def history_text(result: dict, width: int | None = None) -> str:
    """The header line, the table and the changes as plain text, `width` columns wide (default:
    the terminal's width at a terminal, else 140)."""
    if width is None:
        width = shutil.get_terminal_size((140, 24)).columns if sys.stdout.isatty() else 140
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, highlight=False, emoji=False)
    console.print(header_line(result), soft_wrap=True, markup=False)
    if result["arrivals"]:
        console.print(arrivals_table(result))
    else:
        console.print("Chưa nhận tệp nào. / No file received.", markup=False)
    for line in change_lines(result):
        console.print(line, soft_wrap=True, markup=False)
    return out.getvalue().rstrip("\n")
