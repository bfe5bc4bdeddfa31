"""Builders of submission workbooks for tests (SUBMISSION_FORMAT.md), written with openpyxl directly
(not with the template writer, so the intake is tested against the contract, not against our own
writer).

    path = build_workbook(tmp_path / "a.xlsx", values={"TIN_BAI": -1, "MO_HINH_MOI": OMIT})

`build_workbook` defaults give a valid 2025Q3 submission of P_HAI_CHAU with every assigned data
element, two activities inside the data window and the four narratives.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from schemas.catalog_model import Catalog, load_catalog
from tasks.core.periods import Period
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)

OMIT = object()  # a `values` / `header_overrides` / `narratives` entry: leave that row out entirely
DATE_FORMAT = "dd/mm/yyyy"

# short keys accepted in `activities` rows, next to the column labels themselves
ACTIVITY_KEYS = {
    "stt": "STT",
    "date": "Ngày",
    "type": "Loại hoạt động",
    "channel": "Kênh",
    "title": "Tên, nội dung",
    "quantity": "Số lượng",
    "reach": "Lượt tiếp cận",
    "cost": "Kinh phí (triệu đồng)",
    "url": "Đường dẫn minh chứng",
}

DEFAULT_NARRATIVES = {
    "ket_qua": "Tổ chức 2 hội nghị phổ biến chuyển đổi số cho cán bộ lãnh đạo.",
    "kho_khan": "Kinh phí còn hạn chế.",
    "de_xuat": "Đề nghị thành phố hỗ trợ tài liệu truyền thông.",
    "nhiem_vu": "Tiếp tục truyền thông về Ngày Chuyển đổi số quốc gia 10/10.",
}


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The packaged catalogue (cached)."""
    return load_catalog()


def _elements_of(unit_code: str):
    unit = catalog().unit(unit_code)
    unit_type = unit.type if unit else "phuong_xa"
    return catalog().elements_for_type(unit_type)


# the reach and cost of `default_activities`, so that the default workbook is plausible
# (LOG_REACH_MISMATCH, LOG_COST_MISMATCH in schemas/rules.yaml)
DEFAULT_LOG_TOTALS = {"LUOT_TIEP_CAN": 2620, "KINH_PHI": 5.5}


def default_values(unit_code: str = "P_HAI_CHAU") -> dict[str, object]:
    """A valid value for every data element assigned to the unit's type (stocks below totals);
    reach and money as the default activity log sums them."""
    out: dict[str, object] = {}
    for element in _elements_of(unit_code):
        if element.code in DEFAULT_LOG_TOTALS:
            out[element.code] = DEFAULT_LOG_TOTALS[element.code]
        elif element.kind == "yes_no":
            out[element.code] = 1
        elif element.kind == "money":
            out[element.code] = 12.5
        elif element.kind == "stock":
            out[element.code] = 8 if element.not_above else 10
        else:
            out[element.code] = 3
    return out


def default_activities(period: str = "2025Q3") -> list[dict]:
    try:
        start = Period.parse(period).window_start
    except Exception:  # noqa: BLE001 - an invalid period in a test: any date will do
        start = date(2025, 6, 15)
    return [
        {
            "stt": 1,
            "date": start + timedelta(days=10),
            "type": "hoi_nghi_hoi_thao",
            "channel": "truc_tiep",
            "title": "Hội nghị phổ biến chuyển đổi số",
            "quantity": 1,
            "reach": 120,
            "cost": 5.5,
            "url": "https://danang.gov.vn/tin/1",
        },
        {
            "stt": 2,
            "date": start + timedelta(days=30),
            "type": "bai_mxh",
            "channel": "zalo",
            "title": "Bài đăng Zalo OA",
            "quantity": 4,
            "reach": 2500,
            "cost": None,
            "url": None,
        },
    ]


def _nfd(text: str, on: bool) -> str:
    return unicodedata.normalize("NFD", text) if on else text


def build_workbook(
    path: Path,
    *,
    unit_code: str | None = "P_HAI_CHAU",
    unit_name: str | None = None,
    period: object = "2025Q3",
    preparer: str | None = "Nguyễn Văn A",
    email: str | None = "a@danang.gov.vn",
    prepared_on: object = date(2025, 9, 15),
    template_version: object = 1,
    values: Mapping[str, object] | None = None,
    notes: Mapping[str, str] | None = None,
    activities: list[dict] | None = None,
    narratives: Mapping[str, object] | None = None,
    drop_sheets: Iterable[str] = (),
    extra_sheets: Iterable[str] = (),
    sheet_order: list[str] | None = None,
    header_overrides: Mapping[str, object] | None = None,
    nfd: bool = False,
    phone: str | None = "0236 3822 123",
    epoch1904: bool = False,
    element_rows: list[list] | None = None,
    element_header: list[str] | None = None,
    activity_header: list[str] | None = None,
    sheet_names: Mapping[str, str] | None = None,
    info_rows: list[list] | None = None,
    narrative_rows: list[list] | None = None,
) -> Path:
    """Write a submission workbook and return its path. See the module doc for the defaults.

    values: code -> cell value (number, text, None = blank), merged into `default_values(unit_code)`
        (changed codes keep their row, new codes are appended); OMIT leaves a code's row out.
    element_rows: full rows for "Chỉ tiêu" instead of `values` (each [code, name, uom, kind, value, note]).
    activities: rows as dicts keyed by column label or short key (date, type, channel, title,
        quantity, reach, cost, url, stt); [] = no rows.
    header_overrides: label (e.g. "Email") -> value; OMIT drops the label row.
    nfd: write sheet names, labels and headers in Unicode NFD (as typed on macOS).
    sheet_names: canonical sheet name -> the name to write (e.g. " thông TIN ").
    info_rows / narrative_rows: the rows of "Thông tin" / "Thuyết minh" written verbatim instead of
        the generated ones (labels in any order, blank rows between, odd spellings).
    """
    path = Path(path)
    cat = catalog()
    unit = cat.unit(unit_code) if unit_code else None
    if unit_name is None:
        unit_name = unit.name if unit else "Đơn vị thử"
    merged = default_values(unit_code or "P_HAI_CHAU")
    for code, value in (values or {}).items():
        if value is OMIT:
            merged.pop(code, None)
        else:
            merged[code] = value
    values = merged
    if activities is None:
        activities = default_activities(str(period))
    narrative_values = dict(DEFAULT_NARRATIVES)
    if narratives is not None:
        narrative_values = dict(narratives)

    wb = openpyxl.Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    wb.remove(wb.active)
    sheets = {}

    # --- Thông tin
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_INFO, SHEET_INFO), nfd))
    sheets[SHEET_INFO] = ws
    ws.append([_nfd("THÔNG TIN BÁO CÁO", nfd)])
    header_values = {
        "unit_code": unit_code,
        "unit_name": unit_name,
        "period": period,
        "preparer": preparer,
        "phone": phone,
        "email": email,
        "prepared_on": prepared_on,
        "template_version": template_version,
    }
    overrides = dict(header_overrides or {})
    for row in info_rows or []:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = DATE_FORMAT
    for key, label in INFO_LABELS.items() if info_rows is None else ():
        value = overrides.pop(label, header_values[key])
        if value is OMIT:
            continue
        ws.append([_nfd(label, nfd), value])
        if isinstance(value, (date, datetime)):
            ws.cell(row=ws.max_row, column=2).number_format = DATE_FORMAT
    for label, value in overrides.items() if info_rows is None else ():  # not in the contract
        if value is not OMIT:
            ws.append([_nfd(label, nfd), value])

    # --- Chỉ tiêu
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_ELEMENTS, SHEET_ELEMENTS), nfd))
    sheets[SHEET_ELEMENTS] = ws
    ws.append([_nfd(c, nfd) for c in (element_header or ELEMENT_COLUMNS)])
    if element_rows is None:
        element_rows = []
        for code, value in values.items():
            element = cat.element_by_code.get(code)
            element_rows.append(
                [
                    code,
                    element.name if element else "",
                    element.uom if element else "",
                    element.kind_label if element else "",
                    value,
                    (notes or {}).get(code),
                ]
            )
    for row in element_rows:
        ws.append(list(row))

    # --- Hoạt động
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_ACTIVITIES, SHEET_ACTIVITIES), nfd))
    sheets[SHEET_ACTIVITIES] = ws
    ws.append([_nfd(c, nfd) for c in (activity_header or ACTIVITY_COLUMNS)])
    for number, activity in enumerate(activities, start=1):
        by_label = {ACTIVITY_KEYS.get(k, k): v for k, v in activity.items()}
        by_label.setdefault("STT", number)
        ws.append(
            [None if by_label.get(c, None) is OMIT else by_label.get(c) for c in ACTIVITY_COLUMNS]
        )
        cell = ws.cell(row=number + 1, column=2)  # not ws.max_row: O(rows) per call
        if isinstance(cell.value, (date, datetime)):
            cell.number_format = DATE_FORMAT

    # --- Thuyết minh
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_NARRATIVE, SHEET_NARRATIVE), nfd))
    sheets[SHEET_NARRATIVE] = ws
    for row in narrative_rows or []:
        ws.append(list(row))
    for key, label in NARRATIVE_LABELS.items() if narrative_rows is None else ():
        text = narrative_values.get(key, "")
        if text is OMIT:
            continue
        ws.append([_nfd(label, nfd), text])

    # --- Danh mục (hidden lists)
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_LISTS, SHEET_LISTS), nfd))
    sheets[SHEET_LISTS] = ws
    for i, code in enumerate(cat.activity_codes, start=1):
        ws.cell(row=i, column=1, value=code)
    for i, code in enumerate(cat.channel_codes, start=1):
        ws.cell(row=i, column=2, value=code)
    ws.sheet_state = "hidden"

    for name in extra_sheets:
        extra = wb.create_sheet(name)
        extra["A1"] = "Ghi chú riêng của đơn vị"
        sheets[name] = extra
    for name in drop_sheets:
        wb.remove(sheets.pop(name))
    if sheet_order is not None:
        ordered = [sheets[n] for n in sheet_order if n in sheets]
        ordered += [ws for n, ws in sheets.items() if n not in sheet_order]
        wb._sheets = ordered  # openpyxl has no public reorder
        wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_pandas_workbook(
    path: Path, unit_code: str = "P_HAI_CHAU", period: str = "2025Q3"
) -> Path:
    """The contract's four sheets written by pandas `DataFrame.to_excel` (openpyxl engine): no
    styles, no hidden sheet, floats for every number (5.0), the report date as text."""
    import pandas as pd  # noqa: PLC0415 - only this builder needs it

    path = Path(path)
    unit = catalog().unit(unit_code)
    info = pd.DataFrame(
        [
            ["Mã đơn vị", unit_code],
            ["Tên đơn vị", unit.name if unit else ""],
            ["Kỳ báo cáo", period],
            ["Người lập báo cáo", "Trần Thị B"],
            ["Điện thoại", "0236 000 000"],
            ["Email", "b@danang.gov.vn"],
            ["Ngày lập báo cáo", "15/09/2025"],
            ["Phiên bản mẫu", 1],
        ]
    )
    rows = []
    for code, value in default_values(unit_code).items():
        element = catalog().element_by_code[code]
        rows.append([code, element.name, element.uom, element.kind_label, float(value), None])
    elements = pd.DataFrame(rows, columns=ELEMENT_COLUMNS)
    acts = []
    for i, a in enumerate(default_activities(period), start=1):
        acts.append(
            [
                i,
                pd.Timestamp(a["date"]),
                a["type"],
                a["channel"],
                a["title"],
                float(a["quantity"]),
                float(a["reach"]) if a["reach"] is not None else None,
                a["cost"],
                a["url"],
            ]
        )
    activities = pd.DataFrame(acts, columns=ACTIVITY_COLUMNS)
    narrative = pd.DataFrame([[NARRATIVE_LABELS[k], v] for k, v in DEFAULT_NARRATIVES.items()])
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        info.to_excel(writer, sheet_name=SHEET_INFO, header=False, index=False)
        elements.to_excel(writer, sheet_name=SHEET_ELEMENTS, index=False)
        activities.to_excel(writer, sheet_name=SHEET_ACTIVITIES, index=False)
        narrative.to_excel(writer, sheet_name=SHEET_NARRATIVE, header=False, index=False)
    return path
