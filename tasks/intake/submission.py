"""The data contract between the intake steps: read (file checks + parse) -> validate -> load.

A `Submission` is what one arrived file became. `read_submission` (tasks/intake/parse.py) fills it from the
workbook and never raises on bad input: problems become `Message`s. `validate_batch`
(tasks/intake/validate.py) returns the rule findings of a whole batch, from which the validated
submissions are built as new objects. `insert_submission` (tasks/intake/load.py) writes an accepted
one. Only plain, picklable values live here (Prefect passes them between tasks).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal

Severity = Literal["error", "warning"]

SHEET_INFO = "Thông tin"
SHEET_ELEMENTS = "Chỉ tiêu"
SHEET_ACTIVITIES = "Hoạt động"
SHEET_NARRATIVE = "Thuyết minh"
SHEET_LISTS = "Danh mục"

INFO_LABELS = {
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên đơn vị",
    "period": "Kỳ báo cáo",
    "preparer": "Người lập báo cáo",
    "phone": "Điện thoại",
    "email": "Email",
    "prepared_on": "Ngày lập báo cáo",
    "template_version": "Phiên bản mẫu",
}
ELEMENT_COLUMNS = [
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Đơn vị tính",
    "Loại",
    "Giá trị kỳ này",
    "Ghi chú",
]
ACTIVITY_COLUMNS = [
    "STT",
    "Ngày",
    "Loại hoạt động",
    "Kênh",
    "Tên, nội dung",
    "Số lượng",
    "Lượt tiếp cận",
    "Kinh phí (triệu đồng)",
    "Đường dẫn minh chứng",
]
NARRATIVE_LABELS = {
    "ket_qua": "Kết quả nổi bật",
    "kho_khan": "Khó khăn, vướng mắc",
    "de_xuat": "Đề xuất, kiến nghị",
    "nhiem_vu": "Nhiệm vụ quý tới",
}
# Every template version ever issued; the intake reads them all. 1: header rows in row 1;
# 2: a title block above the tables, a "Hướng dẫn" sheet (the intake finds header rows by text).
TEMPLATE_VERSIONS = (1, 2)
CURRENT_TEMPLATE_VERSION = 2


@dataclass
class Message:
    severity: Severity
    rule: str
    sheet: str | None
    cell: str | None
    message_vi: str
    message_en: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ElementValue:
    """One row of "Chỉ tiêu". `raw` is the cell as read; `value` the number (None = blank/unreadable)."""

    row: int  # Excel row number (1-based)
    code: str
    raw: object = None
    value: float | None = None
    value_was_text: bool = False  # a number typed as text (warning)
    note: str | None = None


@dataclass
class Activity:
    """One row of "Hoạt động" (typed fields are None where the cell could not be read)."""

    row: int
    activity_date: date | None = None
    activity_type: str | None = None
    channel: str | None = None
    title: str | None = None
    quantity: float | None = None
    reach: float | None = None
    cost: float | None = None
    evidence_url: str | None = None
    raw: dict = field(default_factory=dict)  # column name -> cell value as read


@dataclass
class Header:
    unit_name: str | None = None
    preparer: str | None = None
    phone: str | None = None
    email: str | None = None
    prepared_on: date | None = None
    raw: dict = field(default_factory=dict)  # label key (INFO_LABELS) -> value as read
    cells: dict = field(default_factory=dict)  # label key -> "B3" (where the value is)


@dataclass
class Submission:
    file_name: str
    key: str  # unique within a batch (the receipt name)
    unit_code: str | None = None
    period_id: str | None = None
    template_version: int | None = None
    header: Header = field(default_factory=Header)
    values: list[ElementValue] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    narratives: dict[str, str] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    readable: bool = True  # False: file-level rejection, sheets not read

    @property
    def has_errors(self) -> bool:
        return any(m.severity == "error" for m in self.messages)

    @property
    def status(self) -> str:
        if self.has_errors:
            return "rejected"
        if self.messages:
            return "accepted_with_warnings"
        return "accepted"
