"""Flow parameters: flat, typed, with Vietnamese titles for the Prefect UI form."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, JsonValue


def form(title: str, description: str | None = None) -> Any:
    """A parameter's title and description for the form: pydantic's Field, with both also in
    `json_schema_extra`, the only part of an annotated Field that reaches Prefect's schema (Prefect
    3.9 gives every parameter its own Field titled with the parameter's name)."""
    extra: dict[str, JsonValue] = {"title": title}
    if description:
        extra["description"] = description
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
    form(title="Kỳ báo cáo (vd 2025Q3)", description="Để trống: quý vừa chốt số liệu gần nhất."),
]
Final = Annotated[
    bool,
    form(
        title="Ban hành chính thức (khóa kỳ)",
        description="Bật: báo cáo chính thức, kỳ bị khóa, không nhận thêm số liệu.",
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
        description="Kỳ đã ban hành báo cáo chính thức (đã khóa). Bắt buộc.",
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
        description="Số do văn thư cấp, vd 125 (ký hiệu BC-... tự thêm). Bắt buộc khi ban hành "
        "chính thức, trừ khi đặt DXREPORT_REPORT_NUMBER.",
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
Workers = Annotated[
    int | None,
    form(
        title="Số tiến trình Dask",
        description="Để trống: số lõi CPU (tối đa 4) của cụm Dask cục bộ; bỏ qua khi đặt "
        "DXREPORT_DASK_ADDRESS.",
    ),
]
