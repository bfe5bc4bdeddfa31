"""Feedback workbooks: the unit's own workbook annotated with its receipt (INTERFACE.md `feedback/`).

`write_feedback` writes `feedback/<receipt name without .json>.xlsx` for every receipt with messages
(or, for a resubmission, a list of changes):
- a first sheet "Kết quả kiểm tra" (tasks/feedback/results_sheet.py): status, version, timeliness,
  received date, one row per message with an internal link to its cell, and the changes old → new;
- a copy of the unit's sheets in which every cell a message names is filled red (error) or amber
  (warning) and carries a comment with the Vietnamese message(s); a changed value is filled blue
  with a comment "old → new".

Safety. The archived bytes are read, never written. A file rejected at the file level (not a zip,
zip bomb, DTD, macros, encrypted, oversized sheet, unreadable...) or a duplicate is never opened: its
feedback is the results sheet alone. A copy is opened with cached values only (no formulas), without
external links; defined names, hyperlinks leaving the workbook and data connections are dropped, and
every text cell is written back as a string cell exactly as stored, so nothing from a submission
becomes a formula or a live link. Text dxreport adds goes through `put_text`. Bytes are deterministic (document and zip times = the receipt's received time) and the
file appears atomically. A failure never reaches intake: it is logged and the results-only workbook
(or nothing) is written instead.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.worksheet import Worksheet

from tasks.core.files import write_atomic_bytes
from tasks.core.settings import WorkspacePaths
from tasks.feedback.duplicate_skeleton import skeleton_bytes
from tasks.feedback.paths import feedback_path, needs_feedback
from tasks.feedback.results_sheet import FILLS, RESULTS_SHEET, fill_results, value_text
from tasks.intake.cells import norm
from tasks.intake.rules import load_rules
from tasks.workbook.template import workbook_bytes

log = logging.getLogger(__name__)

AUTHOR = "dxreport"
UNOPENED_NOTE = (
    "Tệp này không mở được để đánh dấu từng ô (xem nội dung bên dưới). Hãy sửa theo hướng dẫn rồi "
    "gửi lại tệp .xlsx lập từ biểu mẫu đã được cấp."
)
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_ROW = re.compile(r"^(?:row\s*|dòng\s*)?(\d{1,7})$", re.IGNORECASE)


def file_level_codes() -> frozenset[str]:
    """Rules after which the bytes must not be opened: the file checks and an unreadable workbook."""
    rules = load_rules()
    return frozenset(code for code, r in rules.items() if r.check == "file") | {"FILE_UNREADABLE"}


def opens_safely(receipt: dict) -> bool:
    """False when the receipt says the bytes are not a workbook we may open (or were not parsed)."""
    if receipt.get("status") == "duplicate":
        return False
    blocked = file_level_codes()
    return not any(m.get("rule") in blocked for m in receipt.get("messages") or [])


def write_feedback(
    paths: WorkspacePaths, receipt_name: str, receipt: dict, archive_path: Path | None
) -> Path | None:
    """Write the feedback workbook of one receipt; None when the receipt needs none. Never raises."""
    made = feedback_file(paths, receipt_name, receipt, archive_path)
    if made is None:
        return None
    target, data = made
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic_bytes(target, data)
    except Exception:  # noqa: BLE001
        log.warning("feedback: could not write %s", target, exc_info=True)
        return None
    return target


def feedback_file(
    paths: WorkspacePaths, receipt_name: str, receipt: dict, archive_path: Path | None
) -> tuple[Path, bytes] | None:
    """Where the feedback workbook of one receipt goes and its bytes (for a batch's writes); None
    when the receipt needs none or it could not be made. Never raises."""
    if not needs_feedback(receipt):
        return None
    target = feedback_path(paths, receipt_name)
    when = _when(receipt)
    data: bytes | None = None
    if archive_path is not None and opens_safely(receipt):
        try:
            data = annotated_bytes(archive_path.read_bytes(), receipt_name, receipt, when)
        except Exception:  # noqa: BLE001 - feedback must never break intake
            log.warning(
                "feedback: could not annotate %s; results only", receipt_name, exc_info=True
            )
    try:
        if data is None:
            data = results_only_bytes(receipt_name, receipt, when)
    except Exception:  # noqa: BLE001
        log.warning("feedback: could not make %s", target, exc_info=True)
        return None
    return target, data


def results_only_bytes(receipt_name: str, receipt: dict, when: datetime) -> bytes:
    """The results sheet alone (a file never opened, or a duplicate: from a cached skeleton, the
    same bytes; tasks/feedback/duplicate_skeleton.py)."""
    fast = skeleton_bytes(receipt_name, receipt, when, written_results_only)
    return fast if fast is not None else written_results_only(receipt_name, receipt, when)


def written_results_only(receipt_name: str, receipt: dict, when: datetime) -> bytes:
    wb = Workbook()
    note = None if opens_safely(receipt) else UNOPENED_NOTE
    if receipt.get("status") == "duplicate":
        note = "Tệp này trùng với một tệp đã nhận; hệ thống không ghi nhận thêm."
    fill_results(wb.active, receipt_name, receipt, {}, note)
    return workbook_bytes(wb, when)


def annotated_bytes(data: bytes, receipt_name: str, receipt: dict, when: datetime) -> bytes:
    """The annotated copy of the workbook `data` (see module doc)."""
    wb = load_workbook(BytesIO(data), data_only=True, keep_links=False, keep_vba=False)
    _sanitise(wb)
    by_norm = {norm(ws.title): ws for ws in wb.worksheets}
    clash = by_norm.get(norm(RESULTS_SHEET))
    if clash is not None:
        clash.title = RESULTS_SHEET + " (đơn vị)"
    notes: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (sheet, cell) -> [(kind, text)]
    links: dict[int, str] = {}
    for index, msg in enumerate(receipt.get("messages") or []):
        place = _locate(by_norm, msg.get("sheet"), msg.get("cell"))
        if place is None:
            continue
        ws, ref = place
        notes.setdefault((ws.title, ref), []).append(
            (msg.get("severity") or "warning", str(msg.get("message_vi") or ""))
        )
        links[index] = "'{}'!{}".format(ws.title.replace("'", "''"), ref)  # quotes doubled
    for change in receipt.get("changes") or []:
        if not change.get("cell"):  # a removed value or line: listed on the results sheet only
            continue
        place = _locate(by_norm, change.get("sheet"), change.get("cell"))
        if place is None:
            continue
        ws, ref = place
        old, new = value_text(change.get("old")), value_text(change.get("new"))
        text = f"Đã sửa so với phiên bản trước: {old} → {new}."
        notes.setdefault((ws.title, ref), []).append(("change", text))
    for (title, ref), items in notes.items():
        _annotate(wb[title], ref, items)
    results = wb.create_sheet(RESULTS_SHEET, 0)
    fill_results(results, receipt_name, receipt, links)
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is results
    return workbook_bytes(wb, when)


def _annotate(ws: Worksheet, ref: str, items: list[tuple[str, str]]) -> None:
    cell = ws[ref]
    kinds = {kind for kind, _ in items}
    kind = "error" if "error" in kinds else "warning" if "warning" in kinds else "change"
    cell.fill = FILLS[kind]
    text = "\n".join(t for _, t in items)
    comment = Comment(text, AUTHOR)
    comment.width, comment.height = 360, max(100, 18 * (len(text) // 45 + len(items) + 1))
    cell.comment = comment


def _sanitise(wb: Workbook) -> None:
    """Drop what could act: defined names, outside links, connections; rewrite texts as plain data."""
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb._external_links = []
    for ws in wb.worksheets:
        for name in list(ws.defined_names):
            del ws.defined_names[name]
        for cell in list(ws._cells.values()):  # the cells present (iter_rows walks the whole
            link = cell.hyperlink  # dimension, which a file may declare as A1:XFD1048576)
            if link is not None and (link.target or link.id or not link.location):
                cell.hyperlink = None
            if isinstance(cell.value, str):  # as stored (openpyxl keeps `_xHHHH_` escapes raw)
                cell.data_type = "s"  # a string cell is written as a string, never a formula
            elif cell.data_type == "f":  # a formula without a cached value
                cell.value = None


def _locate(
    by_norm: dict[str, Worksheet], sheet: object, cell: object
) -> tuple[Worksheet, str] | None:
    """The worksheet and A1 cell a message names; a row number means the row's first cell; a
    message about a sheet but no cell points at A1. None when the sheet is not in the workbook."""
    if not sheet:
        return None
    ws = by_norm.get(norm(sheet))
    if ws is None:
        return None
    text = str(cell or "").strip()
    ref = "A1"
    match = _CELL.match(text)
    row = _ROW.match(text)
    if match:
        ref = f"{match.group(1).upper()}{int(match.group(2))}"
    elif row and int(row.group(1)) > 0:
        ref = f"A{int(row.group(1))}"
    for merged in ws.merged_cells.ranges:  # a merged area shows (and keeps) its first cell only
        if ref in merged:
            return ws, merged.start_cell.coordinate
    return ws, ref


def _when(receipt: dict) -> datetime:
    try:
        return datetime.fromisoformat(str(receipt.get("received_at")))
    except ValueError:
        return datetime(2000, 1, 1)
