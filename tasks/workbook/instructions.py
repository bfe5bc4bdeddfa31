"""The first sheet of the template, "Hướng dẫn": what to fill in each sheet, the period's data window
and deadline, how to send the file and whom to call (the consolidating department of the
catalogue's organisation data, `Issuer.contact`, settings the operator edits).

The intake ignores this sheet (an extra sheet, SUBMISSION_FORMAT.md).
"""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from schemas.catalog_model import Catalog, Unit
from tasks.core.periods import Period, format_date_vi
from tasks.intake.submission import SHEET_ACTIVITIES, SHEET_ELEMENTS, SHEET_INFO, SHEET_NARRATIVE
from tasks.workbook.print_layout import TABLE_ROW, page_setup, title_block
from tasks.workbook.styles import (
    BOLD,
    BORDER,
    INPUT_FILL,
    INPUT_FILL_VI,
    STARTING_FILL,
    STARTING_FILL_VI,
    WRAP_TOP,
    protect,
    wrapped_height,
    write,
)

SHEET_GUIDE = "Hướng dẫn"
_SECTION_FONT = Font(bold=True, size=12)
_IMPORTANT = Font(bold=True, color="C00000")
_LABEL_WIDTH, _TEXT_WIDTH = 22, 80


def merger_rule(catalog: Catalog, unit: Unit | None, period: Period) -> str:
    """The rule at a reorganisation (the report's method note says the same): a unit formed by a
    merger reports its whole first window, its predecessors' activity before the merger included;
    the predecessors send nothing for that period. Named for `unit` when it applies to it."""
    rule = (
        "Đơn vị được thành lập do sắp xếp, sáp nhập trong kỳ báo cáo số liệu của cả kỳ (từ "
        f"{format_date_vi(period.window_start)}), gồm cả số liệu của các đơn vị tiền thân từ đầu kỳ đến "
        "trước ngày sáp nhập; đơn vị tiền thân không gửi báo cáo riêng cho kỳ đó."
    )
    if unit is None:
        return rule
    predecessors = [
        p
        for code in unit.successor_of
        if (p := catalog.unit(code)) is not None
        and p.valid_to is not None
        and period.window_start <= p.valid_to <= period.window_end
    ]
    if predecessors and period.window_start < unit.valid_from <= period.window_end:
        names = ", ".join(p.name for p in predecessors)
        rule = (
            f"Đơn vị thành lập ngày {format_date_vi(unit.valid_from)}: báo cáo số liệu của cả kỳ, từ "
            f"{format_date_vi(period.window_start)} đến {format_date_vi(period.window_end)}, gồm cả "
            f"số liệu từ {format_date_vi(period.window_start)} đến trước ngày thành lập của: {names}. "
            + rule
        )
    return rule


def _lines(
    catalog: Catalog,
    period: Period,
    working_days: int,
    has_starting: bool,
    unit: Unit | None = None,
):
    """(section, [(label, text, font of the text), ...]) in the order they are shown."""
    deadline = period.deadline(working_days)
    start, cutoff = format_date_vi(period.window_start), format_date_vi(period.window_end)
    issuer = catalog.issuer_on(deadline)
    contact = issuer.contact
    department = contact.department if contact else issuer.name
    colours = [
        (
            "Ô cần điền",
            f"Chỉ điền vào các ô {INPUT_FILL_VI}. Các ô khác được khóa để tránh sửa nhầm (không cần "
            "mật khẩu). Không đổi tên trang, không thêm, xóa hay đổi thứ tự các cột.",
            None,
        )
    ]
    if has_starting:
        colours.append(
            (
                f"Ô {STARTING_FILL_VI}",
                "Số lũy kế quý trước của đơn vị, điền sẵn làm giá trị ban đầu (ghi chú trong ô cho "
                f"biết nguồn). Hãy kiểm tra và sửa nếu số liệu tại ngày {cutoff} đã thay đổi.",
                None,
            )
        )
    send = (
        contact.send_vi
        if contact and contact.send_vi
        else f"Gửi tệp Excel (.xlsx) đã điền tới {department}."
    )
    call = [("Đơn vị tổng hợp", department, None)]
    if contact:
        call += [
            (label, value, None)
            for label, value in (
                ("Người liên hệ", contact.person),
                ("Điện thoại", contact.phone),
                ("Thư điện tử", contact.email),
            )
            if value
        ]
    return [
        (
            "1. Kỳ báo cáo và thời hạn",
            [
                ("Kỳ báo cáo", f"{period.label_vi} (mã {period.id})", None),
                (
                    "Số liệu tính",
                    f"Từ {start} đến {cutoff}. Số lũy kế và chỉ tiêu Có/Không: tình trạng tại "
                    f"ngày {cutoff}.",
                    None,
                ),
                ("Hạn gửi", format_date_vi(deadline), _IMPORTANT),
                ("Đơn vị sắp xếp lại", merger_rule(catalog, unit, period), None),
            ],
        ),
        (
            "2. Cách điền",
            [
                *colours,
                (
                    f'Trang "{SHEET_INFO}"',
                    "Điền Người lập báo cáo, Điện thoại, Email và Ngày lập báo cáo (dd/mm/yyyy). "
                    "Không sửa mã đơn vị, tên đơn vị, kỳ báo cáo và phiên bản mẫu.",
                    None,
                ),
                (
                    f'Trang "{SHEET_ELEMENTS}"',
                    "Nhập cột “Giá trị kỳ này” cho từng chỉ tiêu: Số lượng và Số tiền (triệu đồng) "
                    f"là số phát sinh từ {start} đến {cutoff}; Lũy kế là số tại ngày {cutoff}; "
                    "Có/Không chọn 1 (có) hoặc 0 (không). Nhập 0 nếu không phát sinh; để trống "
                    "nghĩa là chưa báo cáo. Trang này in kèm chỗ ký của người lập biểu và thủ "
                    "trưởng đơn vị.",
                    None,
                ),
                (
                    f'Trang "{SHEET_ACTIVITIES}"',
                    "Mỗi hoạt động truyền thông một dòng: ngày (dd/mm/yyyy, trong kỳ báo cáo); "
                    "chọn Loại hoạt động và Kênh trong danh sách thả xuống; tên, nội dung; số "
                    "lượng; lượt tiếp cận; kinh phí (triệu đồng); đường dẫn minh chứng (bắt đầu "
                    "bằng http:// hoặc https://). Để trống trang nếu không có hoạt động.",
                    None,
                ),
                (
                    f'Trang "{SHEET_NARRATIVE}"',
                    "Viết ngắn gọn từng mục: kết quả nổi bật; khó khăn, vướng mắc; đề xuất, kiến "
                    "nghị; nhiệm vụ quý tới.",
                    None,
                ),
            ],
        ),
        (
            "3. Gửi báo cáo",
            [
                ("Cách gửi", send, None),
                (
                    "Lưu ý",
                    "Giữ tệp dạng .xlsx (điền bằng Excel, LibreOffice Calc hay WPS đều được; không "
                    "lưu thành .xls, .ods hay PDF) và không đặt mật khẩu. Cần sửa thì gửi lại cả "
                    "tệp trước khi kỳ báo cáo khóa sổ: bản nhận sau cùng được dùng.",
                    None,
                ),
            ],
        ),
        ("4. Liên hệ khi cần hỗ trợ", call),
    ]


def fill_instructions(
    ws: Worksheet,
    catalog: Catalog,
    unit: Unit,
    period: Period,
    working_days: int,
    *,
    has_starting: bool = False,
) -> None:
    title_block(
        ws,
        unit,
        period,
        last_col=2,
        split=1,
        part_vi=catalog.organisation.de_an.title,
        title_vi="HƯỚNG DẪN ĐIỀN BIỂU BÁO CÁO",
    )
    row = TABLE_ROW
    for section, lines in _lines(catalog, period, working_days, has_starting, unit):
        write(ws, row, 1, section, font=_SECTION_FONT)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        row += 1
        for label, text, font in lines:
            write(ws, row, 1, label, font=BOLD, alignment=WRAP_TOP, border=BORDER)
            write(ws, row, 2, text, font=font, alignment=WRAP_TOP, border=BORDER)
            ws.row_dimensions[row].height = wrapped_height(
                (label, _LABEL_WIDTH), (text, _TEXT_WIDTH)
            )
            if label.startswith("Ô "):  # the colour it explains
                fill = STARTING_FILL if label.endswith(STARTING_FILL_VI) else INPUT_FILL
                ws.cell(row, 1).fill = fill
            row += 1
        row += 1  # a blank line between sections
    ws.column_dimensions["A"].width = _LABEL_WIDTH
    ws.column_dimensions["B"].width = _TEXT_WIDTH
    page_setup(ws, landscape=False, print_area=f"A1:B{row - 2}")
    protect(ws)
