"""`dxreport catalog add-units FILE.csv`: add or update units in the workspace catalogue.

CSV columns: code,name,type,valid_from,valid_to,successor_of (dates yyyy-mm-dd or dd/mm/yyyy;
successor_of: codes separated by ';', '|' or spaces), and optionally email (the unit's addresses for
reminders, several separated by ';'; an empty cell keeps the address the catalogue has). The merged catalogue is checked like the rest
before anything is written; units.yaml is then rewritten in place for updated codes and appended to
for new ones, keeping the operator's comments.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from schemas.catalog_model import Unit
from tasks.core.errors import CatalogError, UsageError
from tasks.core.files import write_atomic
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_catalog, workspace_lock

COLUMNS = ["code", "name", "type", "valid_from", "valid_to", "successor_of"]
OPTIONAL_COLUMNS = ["email"]


def _date(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"'{text}' is not a date (yyyy-mm-dd or dd/mm/yyyy)")


def read_units_csv(path: Path) -> list[Unit]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(
            f"Không tìm thấy tệp {path}.",
            f"File not found: {path}.",
            "Kiểm tra lại đường dẫn tệp CSV.",
            "Check the path of the CSV file.",
        ) from None
    except UnicodeDecodeError:
        raise CatalogError(
            name, "(tệp)", "tệp phải mã hóa UTF-8.", "the file must be UTF-8."
        ) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CatalogError(
            name,
            "dòng 1",
            f"thiếu cột {', '.join(missing)}; cần: {','.join(COLUMNS)}.",
            f"missing column(s) {', '.join(missing)}; expected: {','.join(COLUMNS)}.",
        )
    units = []
    for lineno, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        entry = f"dòng {lineno} ({row.get('code') or '?'})"
        try:
            units.append(
                Unit(
                    code=row["code"],
                    name=row["name"],
                    type=row["type"],
                    valid_from=_date(row["valid_from"]),
                    valid_to=_date(row["valid_to"]),
                    successor_of=tuple(c for c in re.split(r"[;|\s]+", row["successor_of"]) if c),
                    email=row.get("email") or None,
                )
            )
        except (ValueError, ValidationError) as exc:
            detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            field = (
                ".".join(str(p) for p in exc.errors()[0]["loc"])
                if isinstance(exc, ValidationError)
                else ""
            )
            raise CatalogError(
                name, entry, f"{field} {detail}".strip() + ".", f"{field} {detail}".strip() + "."
            ) from None
    return units


def _keep_email(existing: Unit | None, unit: Unit) -> Unit:
    """An update without an e-mail address keeps the one the catalogue has."""
    if unit.email or existing is None or not existing.email:
        return unit
    return unit.model_copy(update={"email": existing.email})


def _yaml_line(unit: Unit) -> str:
    data = {"code": unit.code, "name": unit.name, "type": unit.type, "valid_from": unit.valid_from}
    if unit.valid_to:
        data["valid_to"] = unit.valid_to
    if unit.successor_of:
        data["successor_of"] = list(unit.successor_of)
    if unit.email:
        data["email"] = unit.email
    body = yaml.safe_dump(
        data, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10_000
    ).strip()
    return f"  - {body}"


def add_units(settings: Settings, csv_path: Path) -> dict:
    with workspace_lock(settings):
        catalog = workspace_catalog(settings)
        units = [_keep_email(catalog.unit(u.code), u) for u in read_units_csv(csv_path)]
        try:
            catalog.with_units(units)  # checks the merged catalogue; raises CatalogError
        except CatalogError as exc:
            raise CatalogError(csv_path.name, exc.entry, exc.message_vi, exc.message_en) from None
        path = settings.paths.catalog / "units.yaml"
        lines = path.read_text(encoding="utf-8").splitlines()
        added = updated = 0
        new_lines = []
        for unit in units:
            pattern = re.compile(rf"^\s*-\s*\{{\s*code:\s*{re.escape(unit.code)}\s*,")
            idx = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
            if idx is not None:
                lines[idx] = _yaml_line(unit)
                updated += 1
            elif unit.code in catalog.unit_by_code:  # defined in a form we do not rewrite in place
                raise CatalogError(
                    path.name,
                    unit.code,
                    "mục này không ở dạng một dòng, hãy sửa trực tiếp trong tệp.",
                    "this entry is not a one-line mapping; edit it in the file directly.",
                )
            else:
                new_lines.append(_yaml_line(unit))
                added += 1
        if new_lines:
            lines.append(f"# added from {csv_path.name} on {settings.clock():%d/%m/%Y}")
            lines.extend(new_lines)
        write_atomic(path, "\n".join(lines) + "\n")
        workspace_catalog(settings)  # re-read from disk: what was written loads and checks
    return {"added": added, "updated": updated, "catalog_dir": str(settings.paths.catalog)}
