"""Flow parameters: flat, typed, with Vietnamese titles for the Prefect UI form."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, JsonValue

PERIOD_PATTERN = r"^\d{4}Q[1-4]$"


def form(title: str, description: str | None = None, pattern: str | None = None) -> Any:
    """A parameter's title, description and (for text) pattern for the form: pydantic's Field, with
    all three also in `json_schema_extra`, the only part of an annotated Field that reaches Prefect's
    schema (Prefect 3.9 gives every parameter its own Field titled with the parameter's name). With
    `enforce_parameter_schema` the server refuses a run whose text does not match the pattern."""
    extra: dict[str, JsonValue] = {"title": title}
    if description:
        extra["description"] = description
    if pattern:
        extra["pattern"] = pattern
    # the pattern only in the stored schema: a run that gets past the server (direct calls) meets
    # Period.parse, whose message is the command line's Vietnamese and English one
    return Field(title=title, description=description, json_schema_extra=extra)


Home = Annotated[
    str | None,
    form(
        title="Thư mục làm việc (workspace)",
        description="Để trống: DXREPORT_HOME hoặc ./dxreport-home",
    ),
]
Now = Annotated[
    str | None,
    form(
        title="Thời điểm giả lập (ISO, có múi giờ)",
        description="Để trống: đồng hồ thật (hoặc DXREPORT_NOW). Dùng khi chạy lại một quý đã qua.",
    ),
]
PeriodId = Annotated[
    str | None,
    form(
        title="Kỳ báo cáo (vd 2025Q3)",
        description="Dạng NămQQuý, vd 2025Q3. Để trống: quý vừa chốt số liệu gần nhất.",
        pattern=PERIOD_PATTERN,
    ),
]
Final = Annotated[
    bool,
    form(
        title="Ban hành chính thức (khóa kỳ)",
        description="Bật: lập dự thảo rồi chờ người duyệt trả lời trên giao diện (Duyệt/Không "
        "duyệt); khi được duyệt, ban hành báo cáo chính thức, cấp số và khóa kỳ.",
    ),
]
UnitCodes = Annotated[
    list[str] | None,
    form(title="Mã đơn vị", description="Để trống: mọi đơn vị phải báo cáo trong kỳ."),
]
ReopenPeriodId = Annotated[
    str | None,
    form(
        title="Kỳ báo cáo cần mở lại (vd 2025Q3)",
        description="Kỳ đã ban hành báo cáo chính thức (đã khóa), dạng 2025Q3. Bắt buộc.",
        pattern=PERIOD_PATTERN,
    ),
]
ReopenReason = Annotated[
    str | None,
    form(
        title="Lý do mở lại",
        description="Bắt buộc; được ghi lại và nêu trong báo cáo thay thế.",
    ),
]
ReopenedBy = Annotated[
    str | None,
    form(title="Người mở lại (họ tên)", description="Bắt buộc; được ghi lại cùng thời điểm mở."),
]
DocNumber = Annotated[
    str | None,
    form(
        title="Số văn bản (báo cáo chính thức)",
        description="Để trống: số kế tiếp trong sổ đăng ký báo cáo đã ban hành của năm. Ghi số "
        "khi văn thư cấp số khác, vd 125 (ký hiệu BC-... tự thêm).",
    ),
]
Signer = Annotated[
    str | None,
    form(
        title="Người ký",
        description="Họ tên người ký báo cáo chính thức. Để trống: DXREPORT_REPORT_SIGNER hoặc "
        "signer_name trong organisation.yaml.",
    ),
]
UnitPagesWanted = Annotated[
    bool,
    form(
        title="Lập phiếu kết quả từng đơn vị",
        description="Bật: khi ban hành báo cáo chính thức, lập thêm phiếu kết quả một trang cho "
        "từng đơn vị (reports/<kỳ>/don-vi/), song song trên Dask.",
    ),
]
ForceRender = Annotated[
    bool,
    form(
        title="Lập lại dù số liệu không đổi",
        description="Bật: lập lại bản dự thảo PDF ngay cả khi số liệu, danh mục, mẫu và phần mềm "
        "không đổi (mặc định dùng lại bản dự thảo đã có).",
    ),
]
Workers = Annotated[
    int | None,
    form(
        title="Số tiến trình Dask",
        description="Để trống: số lõi CPU (tối đa 4) của cụm Dask cục bộ; bỏ qua khi đặt "
        "DXREPORT_DASK_ADDRESS.",
    ),
]
# --- backfill ---------------------------------------------------------------------------------
BackfillFrom = Annotated[
    str,
    form(
        title="Từ kỳ (vd 2024Q3)",
        description="Kỳ đầu của khoảng chạy lại (dạng 2024Q3), tính cả kỳ này. Bắt buộc.",
        pattern=PERIOD_PATTERN,
    ),
]
BackfillTo = Annotated[
    str,
    form(
        title="Đến kỳ (vd 2025Q2)",
        description="Kỳ cuối của khoảng chạy lại (dạng 2025Q2), tính cả kỳ này; không trước kỳ "
        "đầu. Bắt buộc.",
        pattern=PERIOD_PATTERN,
    ),
]
DryRun = Annotated[
    bool,
    form(
        title="Chạy thử (không ghi gì)",
        description="Bật (mặc định): chỉ liệt kê việc sẽ làm cho từng kỳ. Tắt: chạy tiếp nhận một "
        "lần rồi lập dự thảo báo cáo từng kỳ theo thứ tự; kỳ đã ban hành (đã khóa) được giữ "
        "nguyên.",
    ),
]
# --- reminders (remind-missing) -----------------------------------------------------------------
RemindPeriodId = Annotated[
    str | None,
    form(
        title="Kỳ báo cáo cần nhắc (vd 2025Q3)",
        description="Dạng NămQQuý, vd 2025Q3. Để trống: kỳ sắp hết hạn số liệu (từ 10 ngày trước "
        "ngày chốt), nếu không thì quý vừa chốt số liệu gần nhất.",
        pattern=PERIOD_PATTERN,
    ),
]
ReminderRound = Annotated[
    str | None,
    form(
        title="Đợt nhắc",
        description="Mỗi đơn vị nhận tối đa một thư mỗi đợt (chạy lại không gửi trùng). Để trống: "
        "truoc-han đến hết hạn gửi, sau-han sau hạn. Đặt tên khác (vd lan-3) để nhắc thêm một đợt.",
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
    ),
]
RemindDryRun = Annotated[
    bool,
    form(
        title="Chạy thử (không ghi, không gửi)",
        description="Bật: chỉ liệt kê đơn vị sẽ được nhắc. Tắt (mặc định): ghi thư vào outbox/ và "
        "gửi khi đã cấu hình máy chủ thư (DXREPORT_SMTP_HOST).",
    ),
]
