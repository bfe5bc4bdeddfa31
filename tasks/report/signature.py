"""Who signs and which number: a final report's number and signer come from the parameters, else
the settings, else the catalogue (signer) and the register's next number; without a signer the
report is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from schemas.catalog_model import Catalog
from tasks.core.errors import UsageError
from tasks.core.settings import Settings


class IssueRefusedError(UsageError):
    """A final report cannot be issued as asked (missing number or signer)."""


@dataclass(frozen=True)
class Signature:
    number: str  # "125"
    signer: str


def resolve_signature(
    settings: Settings,
    catalog: Catalog,
    on: date,
    number: str | None,
    signer: str | None,
    next_number: str | None = None,
) -> Signature:
    """The number and signer of a final report: parameters, else settings, else the issuer's
    signer_name in the catalogue and `next_number` (the register's next). Refuses, with a clear
    message, when either is missing or the number is not a number."""
    number = " ".join(str(number or settings.report_number or next_number or "").split())
    signer = " ".join(
        (signer or settings.report_signer or catalog.issuer_on(on).signer_name or "").split()
    )
    missing_vi, missing_en = [], []
    if not number:
        missing_vi.append("số văn bản (--number, hoặc DXREPORT_REPORT_NUMBER)")
        missing_en.append("the document number (--number, or DXREPORT_REPORT_NUMBER)")
    elif not number.isdigit() or len(number) > 6:
        raise IssueRefusedError(
            f"Số văn bản '{number}' không hợp lệ: chỉ gồm chữ số (vd 125).",
            f"Document number '{number}' is not valid: digits only (e.g. 125).",
            "Ghi số văn bản do văn thư cấp, không kèm ký hiệu (ký hiệu BC-... tự thêm).",
            "Give the number the clerk assigned, without the suffix (BC-... is added).",
        )
    if not signer:
        missing_vi.append(
            "người ký (--signer, DXREPORT_REPORT_SIGNER, hoặc signer_name trong organisation.yaml)"
        )
        missing_en.append(
            "the signer (--signer, DXREPORT_REPORT_SIGNER, or signer_name in organisation.yaml)"
        )
    if missing_vi:
        raise IssueRefusedError(
            "Không ban hành được báo cáo chính thức: thiếu " + "; ".join(missing_vi) + ".",
            "Cannot issue the final report: missing " + "; ".join(missing_en) + ".",
            "Ví dụ: dxreport report --period 2025Q3 --final --number 125 --signer 'Nguyễn Văn A'. "
            "Không có --final, báo cáo được lập dưới dạng dự thảo.",
            "For example: dxreport report --period 2025Q3 --final --number 125 --signer 'Nguyen Van A'. "
            "Without --final the report is rendered as a draft.",
        )
    return Signature(number, signer)
