"""The catalogue's cross-entry checks (schemas/catalog_model.py checks each entry's own fields):
unique codes, known references, coherent validity and successor links. A failed check is a
CatalogError naming the file and the entry, in Vietnamese and English."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from schemas.errors import CatalogError

if TYPE_CHECKING:
    from schemas.catalog_model import Catalog


def check_catalog(catalog: Catalog, origin: dict[str, str]) -> None:
    """Cross-entry checks: unique codes, known references, coherent validity and successor links."""
    f_units = origin.get("units", "units.yaml")
    f_elems = origin.get("data_elements", "data_elements.yaml")
    f_ind = origin.get("indicators", "indicators.yaml")
    types = catalog.type_by_code

    def dupes(items, file, label):
        seen = set()
        for item in items:
            if item.code in seen:
                raise CatalogError(
                    file, item.code, f"mã {label} bị trùng.", f"duplicate {label} code."
                )
            seen.add(item.code)

    dupes(catalog.unit_types, origin.get("unit_types", "unit_types.yaml"), "loại đơn vị")
    dupes(catalog.units, f_units, "đơn vị")
    dupes(catalog.data_elements, f_elems, "chỉ tiêu")
    dupes(catalog.indicators, f_ind, "chỉ số")
    dupes(catalog.activity_types, origin.get("activity_types", "codes.yaml"), "loại hoạt động")
    dupes(catalog.channels, origin.get("channels", "codes.yaml"), "kênh")

    units = catalog.unit_by_code
    for unit in catalog.units:
        if unit.type not in types:
            raise CatalogError(
                f_units,
                unit.code,
                f"loại đơn vị '{unit.type}' không có trong unit_types.yaml.",
                f"unknown unit type '{unit.type}'.",
            )
        if unit.valid_to is not None and unit.valid_to < unit.valid_from:
            raise CatalogError(
                f_units, unit.code, "valid_to trước valid_from.", "valid_to is before valid_from."
            )
        for pred_code in unit.successor_of:
            pred = units.get(pred_code)
            if pred is None:
                raise CatalogError(
                    f_units,
                    unit.code,
                    f"successor_of nêu đơn vị '{pred_code}' không có trong danh mục.",
                    f"successor_of names unknown unit '{pred_code}'.",
                )
            if pred.valid_to is None:
                raise CatalogError(
                    f_units,
                    unit.code,
                    f"đơn vị tiền thân '{pred_code}' chưa có valid_to.",
                    f"predecessor '{pred_code}' has no valid_to.",
                )
            if not unit.active_on(pred.valid_to + timedelta(days=1)):
                raise CatalogError(
                    f_units,
                    unit.code,
                    f"đơn vị tiền thân '{pred_code}' kết thúc ngày {pred.valid_to:%d/%m/%Y} nhưng đơn vị này chưa hoạt động vào ngày hôm sau.",
                    f"predecessor '{pred_code}' ends {pred.valid_to:%d/%m/%Y} but this unit is not active the day after.",
                )
    elements = catalog.element_by_code
    for element in catalog.data_elements:
        for t in element.unit_types:
            if t not in types:
                raise CatalogError(
                    f_elems,
                    element.code,
                    f"loại đơn vị '{t}' không tồn tại.",
                    f"unknown unit type '{t}'.",
                )
        if element.not_above:
            total = elements.get(element.not_above)
            if total is None or total.kind != "stock" or element.kind != "stock":
                raise CatalogError(
                    f_elems,
                    element.code,
                    "not_above phải nêu một chỉ tiêu lũy kế.",
                    "not_above must name a stock element.",
                )
    for channel in catalog.channels:
        if channel.element is not None:
            raise CatalogError(
                origin.get("channels", "codes.yaml"),
                channel.code,
                "element: chỉ dùng cho loại hoạt động, không dùng cho kênh.",
                "element: is for activity types, not channels.",
            )
    for activity in catalog.activity_types:
        if activity.element is not None and activity.element not in elements:
            raise CatalogError(
                origin.get("activity_types", "codes.yaml"),
                activity.code,
                f"element: chỉ tiêu '{activity.element}' không có trong danh mục.",
                f"element: unknown data element '{activity.element}'.",
            )
    references: list[tuple[str, list[str]]] = [(i.code, i.elements()) for i in catalog.indicators]
    references += [(m.code, [m.element]) for m in catalog.monitoring]
    for code, refs in references:
        for ref in refs:
            if ref not in elements:
                raise CatalogError(
                    f_ind,
                    code,
                    f"chỉ tiêu '{ref}' không có trong danh mục.",
                    f"unknown data element '{ref}'.",
                )
    for indicator in catalog.indicators:
        for t in indicator.unit_types:
            if t not in types:
                raise CatalogError(
                    f_ind,
                    indicator.code,
                    f"loại đơn vị '{t}' không tồn tại.",
                    f"unknown unit type '{t}'.",
                )
        if indicator.method == "ratio_of_sums" and not (
            indicator.numerator and indicator.denominator
        ):
            raise CatalogError(
                f_ind,
                indicator.code,
                "cần numerator và denominator.",
                "needs numerator and denominator.",
            )
        if indicator.method == "sum" and not indicator.numerator:
            raise CatalogError(f_ind, indicator.code, "cần numerator.", "needs numerator.")
        if indicator.method == "share_of_units" and not indicator.all_of:
            raise CatalogError(f_ind, indicator.code, "cần all_of.", "needs all_of.")
    org_file = origin.get("organisation", "organisation.yaml")
    for issuer in catalog.organisation.issuers:
        if issuer.unit not in units:
            raise CatalogError(
                org_file,
                issuer.name,
                f"đơn vị '{issuer.unit}' không có trong danh mục.",
                f"unknown unit '{issuer.unit}'.",
            )
