"""Coverage: how many units the catalogue holds, per unit type, against the number of units the city
has (`planned` in unit_types.yaml), and how many were expected and reported (grain: one row per unit
type present in either)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.catalog_model import Catalog, Unit
from tasks.core.formatting import MISSING, fmt_date, fmt_int
from tasks.core.periods import Period


@dataclass(frozen=True)
class CoverageRow:
    type_code: str
    type_name: str
    planned: int | None  # units of the type in the city on the cut-off date (None: not stated)
    planned_text: str
    source: str
    in_catalogue: int  # units of the type in the catalogue, active on the cut-off date
    reported: int  # of those, units with an accepted submission
    missing_from_catalogue: int | None  # planned - in_catalogue (None: unknown)
    missing_text: str


@dataclass(frozen=True)
class Coverage:
    rows: tuple[CoverageRow, ...]
    planned_total: int
    catalogue_total: int
    reported_total: int
    statement: str  # the sentence of section I.1


def coverage(
    catalog: Catalog, period: Period, expected: list[Unit], submitted: set[str]
) -> Coverage:
    day = period.window_end
    rows = []
    for t in catalog.unit_types:
        in_cat = [u for u in expected if u.type == t.code]
        planned = t.planned_on(day)
        if not in_cat and (planned is None or planned.count == 0):
            continue
        reported = sum(1 for u in in_cat if u.code in submitted)
        count = planned.count if planned else None
        missing = None if count is None else max(count - len(in_cat), 0)
        rows.append(
            CoverageRow(
                type_code=t.code,
                type_name=t.name,
                planned=count,
                planned_text=MISSING if count is None else fmt_int(count),
                source=planned.source if planned else "",
                in_catalogue=len(in_cat),
                reported=reported,
                missing_from_catalogue=missing,
                missing_text=MISSING if missing is None else fmt_int(missing),
            )
        )
    planned_total = sum(r.planned or 0 for r in rows)
    catalogue_total = sum(r.in_catalogue for r in rows)
    reported_total = sum(r.reported for r in rows)
    gaps = [r for r in rows if r.missing_from_catalogue]
    if any(r.planned is not None for r in rows):
        statement = (
            f"Tại ngày chốt số liệu {fmt_date(day)}, danh mục đơn vị báo cáo có {catalogue_total} đơn vị "
            f"phải báo cáo, so với khoảng {planned_total} cơ quan, đơn vị, địa phương của thành phố "
            f"thuộc các loại đơn vị tham gia Đề án; {reported_total} đơn vị đã gửi báo cáo hợp lệ."
        )
    else:
        statement = (
            f"Tại ngày chốt số liệu {fmt_date(day)}, danh mục đơn vị báo cáo có {catalogue_total} đơn vị "
            f"phải báo cáo; {reported_total} đơn vị đã gửi báo cáo hợp lệ. Danh mục loại đơn vị chưa "
            "khai báo số đơn vị của thành phố (unit_types.yaml, mục planned) nên chưa đối chiếu được "
            "phạm vi báo cáo với tổ chức bộ máy."
        )
    if gaps:
        statement += (
            " Chưa có trong danh mục (chưa được giao báo cáo, số liệu của Đề án chưa phản ánh): "
            + "; ".join(f"{r.type_name}: {r.missing_text}/{r.planned_text} đơn vị" for r in gaps)
            + ". Chi tiết tại Biểu số 04."
        )
    return Coverage(tuple(rows), planned_total, catalogue_total, reported_total, statement)
