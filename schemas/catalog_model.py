"""The catalogue: units (with validity and successors), data elements, indicators, codes.

The data lives in YAML under `schemas/catalog/` (the packaged default) and is copied into each
workspace's `catalog/` on first use, where operators edit it. `load_catalog` checks everything (the
cross-entry checks are in schemas/catalog_checks.py) and fails with a CatalogError naming the file
and the entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas import CATALOG_DIR
from schemas.catalog_checks import check_catalog
from schemas.errors import CatalogError

DEFAULT_CATALOG_DIR = CATALOG_DIR
CATALOG_FILES = (
    "unit_types.yaml",
    "units.yaml",
    "data_elements.yaml",
    "indicators.yaml",
    "codes.yaml",
    "organisation.yaml",
)

ElementKind = Literal["flow", "stock", "yes_no", "money"]
KIND_LABEL_VI = {"flow": "Số lượng", "stock": "Lũy kế", "yes_no": "Có/Không", "money": "Số tiền"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlannedCount(_Model):
    """How many units of a type exist in the city from a date on (the organisation, not the
    catalogue): the report compares the catalogue with it and says what is missing."""

    valid_from: date
    count: int = Field(ge=0)
    source: str = ""


class UnitType(_Model):
    code: str
    name: str
    local_government: bool = False
    planned: tuple[PlannedCount, ...] = ()

    def planned_on(self, day: date) -> PlannedCount | None:
        """The planned count in force on `day` (None: not stated)."""
        current = None
        for p in sorted(self.planned, key=lambda p: p.valid_from):
            if p.valid_from <= day:
                current = p
        return current


class Unit(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str = Field(min_length=1)
    type: str
    valid_from: date
    valid_to: date | None = None
    successor_of: tuple[str, ...] = ()
    # where reminders go (flow remind-missing); several addresses separated by ',' or ';'
    email: str | None = Field(
        default=None, pattern=r"^\s*[^@\s,;]+@[^@\s,;]+(\s*[,;]\s*[^@\s,;]+@[^@\s,;]+)*\s*$"
    )

    @property
    def emails(self) -> tuple[str, ...]:
        """The unit's addresses (none: reminders stay in outbox/)."""
        return tuple(a.strip() for a in re.split(r"[,;]", self.email or "") if a.strip())

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, start: date, end: date) -> bool:
        return self.valid_from <= end and (self.valid_to is None or start <= self.valid_to)


class DataElement(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str
    kind: ElementKind
    uom: str
    unit_types: tuple[str, ...]
    not_above: str | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABEL_VI[self.kind]

    @property
    def whole_number(self) -> bool:
        return self.kind in ("flow", "stock", "yes_no")


class Indicator(_Model):
    code: str
    name: str
    method: Literal["ratio_of_sums", "share_of_units", "sum"]
    numerator: str | None = None
    denominator: str | None = None
    all_of: tuple[str, ...] = ()
    unit_types: tuple[str, ...] = ()
    scope: Literal["cutoff", "year_to_date"]
    display: Literal["percent", "count"]
    targets: dict[int, float | None] = {}
    target_note: str = ""

    def target_for(self, year: int) -> float | None:
        return self.targets.get(year)

    def elements(self) -> list[str]:
        return [e for e in (self.numerator, self.denominator, *self.all_of) if e]


class Monitoring(_Model):
    code: str
    name: str
    element: str


class Code(_Model):
    """An activity type ("Loại hoạt động") or a channel ("Kênh"). `element`, of activity types
    only: the data element the type's quantities back (None: none)."""

    code: str
    name: str
    element: str | None = None


class Contact(_Model):
    """Where units send their workbook and whom they call (operator settings, organisation.yaml)."""

    department: str
    person: str = ""
    phone: str = ""
    email: str = ""
    send_vi: str = ""  # how to send the filled workbook, as the "Hướng dẫn" sheet says it


class Issuer(_Model):
    valid_from: date
    valid_to: date | None = None
    unit: str
    name: str
    doc_suffix: str
    archive_code: str
    signer_title: tuple[str, ...]
    signer_name: str = ""
    contact: Contact | None = None


class DeAn(_Model):
    decision: str
    title: str


class Organisation(_Model):
    parent_body: tuple[str, ...]
    place: str
    addressee: str
    de_an: DeAn
    issuers: tuple[Issuer, ...]
    recipients: tuple[str, ...]


class Catalog(_Model):
    unit_types: tuple[UnitType, ...]
    units: tuple[Unit, ...]
    data_elements: tuple[DataElement, ...]
    indicators: tuple[Indicator, ...]
    monitoring: tuple[Monitoring, ...]
    activity_types: tuple[Code, ...]
    channels: tuple[Code, ...]
    organisation: Organisation

    # --- look-ups ----------------------------------------------------------------------------
    @cached_property
    def unit_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def element_by_code(self) -> dict[str, DataElement]:
        return {e.code: e for e in self.data_elements}

    @cached_property
    def type_by_code(self) -> dict[str, UnitType]:
        return {t.code: t for t in self.unit_types}

    def unit(self, code: str) -> Unit | None:
        return self.unit_by_code.get(code)

    def elements_for_type(self, unit_type: str) -> list[DataElement]:
        return [e for e in self.data_elements if unit_type in e.unit_types]

    def expected_units(self, window_start: date, window_end: date) -> list[Unit]:
        """Units expected to report for a period: active on its cut-off date."""
        return [u for u in self.units if u.active_on(window_end)]

    def may_submit(self, unit: Unit, window_start: date, window_end: date) -> bool:
        """A unit may submit for a period when it existed during part of the data window."""
        return unit.overlaps(window_start, window_end)

    def successors(self, code: str) -> list[str]:
        return [u.code for u in self.units if code in u.successor_of]

    def current_successor(self, code: str, on: date) -> str:
        """Follow successor links until a unit active on `on` (like-for-like trends)."""
        seen, current = set(), code
        while current not in seen:
            seen.add(current)
            unit = self.unit_by_code[current]
            if unit.active_on(on) or unit.valid_to is None or unit.valid_to >= on:
                return current
            nxt = self.successors(current)
            if not nxt:
                return current
            current = nxt[0]
        return current

    def issuer_on(self, day: date) -> Issuer:
        for issuer in self.organisation.issuers:
            if issuer.valid_from <= day and (issuer.valid_to is None or day <= issuer.valid_to):
                return issuer
        return self.organisation.issuers[-1]

    @property
    def activity_codes(self) -> list[str]:
        return [a.code for a in self.activity_types]

    @property
    def channel_codes(self) -> list[str]:
        return [c.code for c in self.channels]

    def with_units(self, units: Iterable[Unit]) -> Catalog:
        """A copy where `units` replace same-code units and the rest are appended (then re-checked)."""
        merged = dict(self.unit_by_code)
        for unit in units:
            merged[unit.code] = unit
        data = self.model_dump()
        data["units"] = [u.model_dump() for u in merged.values()]
        catalog = Catalog.model_validate(data)
        check_catalog(catalog, {"units": "units.yaml"})
        return catalog


# --- loading ------------------------------------------------------------------------------------
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML with dates left as text: pydantic parses them and names the entry on error.
    libyaml's parser where PyYAML has it (a 1,000-unit units.yaml: 0.04 s instead of 0.23 s)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (safe loader)
    except FileNotFoundError:
        raise CatalogError(path.name, "(tệp)", "không tìm thấy tệp.", "file not found.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}" if mark else "?"
        where_en = f"line {mark.line + 1}" if mark else "?"
        raise CatalogError(
            path.name, where, f"YAML không đọc được ({where}).", f"unreadable YAML ({where_en})."
        ) from None
    if not isinstance(data, dict):
        raise CatalogError(
            path.name,
            "(tệp)",
            "nội dung phải là một bảng khóa: giá trị.",
            "content must be a mapping.",
        )
    return data


def _entry_name(raw: dict, section: str, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == section and isinstance(loc[1], int):
        items = raw.get(section) or []
        item = items[loc[1]] if loc[1] < len(items) else None
        code = item.get("code") if isinstance(item, dict) else None
        return f"{section}[{loc[1]}]" + (f" ({code})" if code else "")
    return ".".join(str(p) for p in loc)


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and check the catalogue in `directory` (default: the packaged one)."""
    directory = Path(directory) if directory else DEFAULT_CATALOG_DIR
    raw: dict = {}
    origin: dict[str, str] = {}
    for name in CATALOG_FILES:
        content = _read_yaml(directory / name)
        if name == "organisation.yaml":
            content = {"organisation": content}
        for key, value in content.items():
            raw[key] = value
            origin[key] = name
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        section = str(loc[0]) if loc else "?"
        file = origin.get(section, "?")
        entry = _entry_name(raw, section, loc)
        field = ".".join(str(p) for p in loc[2:]) or section
        raise CatalogError(
            file, entry, f"trường '{field}': {err['msg']}.", f"field '{field}': {err['msg']}."
        ) from None
    check_catalog(catalog, origin)
    return catalog
