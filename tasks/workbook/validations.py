"""The data validations of the template: what each input cell accepts and the message it shows."""

from __future__ import annotations

from datetime import date, timedelta

from openpyxl.worksheet.datavalidation import DataValidation

from tasks.core.periods import Period, format_date_vi
from tasks.workbook.cell_text import excel_text


def validation(
    kind: str,
    *,
    operator: str | None = None,
    formula1: str | None = None,
    formula2: str | None = None,
    title: str,
    prompt: str,
    error: str,
) -> DataValidation:
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=formula1,
        formula2=formula2,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop",
        promptTitle=excel_text(title[:32]),
        prompt=excel_text(prompt[:255]),
        errorTitle="Giá trị không hợp lệ",
        error=excel_text(error[:255]),
    )


def excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def date_validation(period: Period, *, title: str, prompt: str) -> DataValidation:
    """A date within a year around the period's window (the intake checks the window itself)."""
    return validation(
        "date",
        operator="between",
        formula1=str(excel_serial(period.window_start - timedelta(days=366))),
        formula2=str(excel_serial(period.window_end + timedelta(days=366))),
        title=title,
        prompt=prompt,
        error="Ngày không hợp lệ. Nhập ngày dạng dd/mm/yyyy.",
    )


# element kind -> (validation type, title, prompt, error); {window} / {cutoff} filled per period
KIND_VALIDATION = {
    "flow": (
        "whole",
        "Số lượng trong kỳ",
        "Số phát sinh trong kỳ ({window}). Số nguyên, không âm. Nhập 0 nếu không phát sinh; "
        "để trống nghĩa là chưa báo cáo.",
        "Chỉ nhập số nguyên không âm (0, 1, 2, ...).",
    ),
    "stock": (
        "whole",
        "Số lũy kế",
        "Số lũy kế tại ngày {cutoff}. Số nguyên, không âm; số đã phổ biến/tập huấn không lớn "
        "hơn tổng số.",
        "Chỉ nhập số nguyên không âm (0, 1, 2, ...).",
    ),
    "yes_no": (
        "list",
        "Có/Không",
        "Chọn 1 (có) hoặc 0 (không): tình trạng tại ngày {cutoff}.",
        "Chỉ chọn 1 (có) hoặc 0 (không).",
    ),
    "money": (
        "decimal",
        "Số tiền (triệu đồng)",
        "Kinh phí chi trong kỳ ({window}), đơn vị triệu đồng; có thể có phần thập phân. "
        "Nhập 0 nếu không chi.",
        "Chỉ nhập số không âm (triệu đồng).",
    ),
}


def element_validation(kind: str, period: Period, yes_no_range: str) -> DataValidation:
    vtype, title, prompt, error = KIND_VALIDATION[kind]
    prompt = prompt.format(
        window=f"{format_date_vi(period.window_start)} - {format_date_vi(period.window_end)}",
        cutoff=format_date_vi(period.window_end),
    )
    if vtype == "list":
        return validation("list", formula1=yes_no_range, title=title, prompt=prompt, error=error)
    return validation(
        vtype, operator="greaterThanOrEqual", formula1="0", title=title, prompt=prompt, error=error
    )


def activity_validations(period: Period, ranges: dict[str, str]) -> dict[str, DataValidation]:
    """Column of "Hoạt động" -> its validation. The lists offer the catalogue's Vietnamese names."""
    window = f"{format_date_vi(period.window_start)} - {format_date_vi(period.window_end)}"
    return {
        "Ngày": date_validation(
            period,
            title="Ngày",
            prompt=f"Ngày diễn ra hoạt động, dạng dd/mm/yyyy, trong kỳ báo cáo ({window}).",
        ),
        "Loại hoạt động": validation(
            "list",
            formula1=ranges["activity"],
            title="Loại hoạt động",
            prompt="Chọn loại hoạt động trong danh sách thả xuống.",
            error="Chỉ chọn loại hoạt động có trong danh sách.",
        ),
        "Kênh": validation(
            "list",
            formula1=ranges["channel"],
            title="Kênh",
            prompt="Chọn kênh truyền thông trong danh sách thả xuống.",
            error="Chỉ chọn kênh có trong danh sách.",
        ),
        "Số lượng": validation(
            "whole",
            operator="greaterThanOrEqual",
            formula1="1",
            title="Số lượng",
            prompt="Số lượng (tin, bài, lượt, lớp, sự kiện...): số nguyên từ 1 trở lên.",
            error="Chỉ nhập số nguyên từ 1 trở lên.",
        ),
        "Lượt tiếp cận": validation(
            "whole",
            operator="greaterThanOrEqual",
            formula1="0",
            title="Lượt tiếp cận",
            prompt="Số lượt tiếp cận, xem, tham dự (số nguyên không âm); có thể để trống.",
            error="Chỉ nhập số nguyên không âm.",
        ),
        "Kinh phí (triệu đồng)": validation(
            "decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            title="Kinh phí",
            prompt="Kinh phí của hoạt động, đơn vị triệu đồng (số không âm); có thể để trống.",
            error="Chỉ nhập số không âm (triệu đồng).",
        ),
    }
