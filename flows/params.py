"""Flow parameters: flat, typed, with Vietnamese titles for the Prefect UI form."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Home = Annotated[
    str | None,
    Field(
        title="Thư mục làm việc (workspace)",
        description="Để trống: DXREPORT_HOME hoặc ./dxreport-home",
    ),
]
Now = Annotated[
    str | None,
    Field(
        title="Thời điểm giả lập (ISO, có múi giờ)",
        description="Để trống: đồng hồ thật (hoặc DXREPORT_NOW). Dùng khi chạy lại một quý đã qua.",
    ),
]
PeriodId = Annotated[
    str | None,
    Field(title="Kỳ báo cáo (vd 2025Q3)", description="Để trống: quý vừa chốt số liệu gần nhất."),
]
Final = Annotated[
    bool,
    Field(
        title="Ban hành chính thức (khóa kỳ)",
        description="Bật: báo cáo chính thức, kỳ bị khóa, không nhận thêm số liệu.",
    ),
]
UnitCodes = Annotated[
    list[str] | None,
    Field(title="Mã đơn vị", description="Để trống: mọi đơn vị phải báo cáo trong kỳ."),
]
