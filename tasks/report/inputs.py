"""What a report is made from, as digests and data: the catalogue, template and code digests of
its manifest, and the period's values as the CSV attached to the PDF (grain: unit x element)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from functools import cache
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import TZ
from tasks.core.warehouse import query

ROOT = Path(__file__).resolve().parents[2]


def digest_files(paths: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def catalog_digest(folder: Path) -> str:
    return digest_files(list(Path(folder).glob("*.yaml")), Path(folder))


@cache
def template_digest() -> str:
    """sha256 of the report templates (HTML, CSS) as shipped."""
    folder = ROOT / "report_templates"
    return digest_files([p for p in folder.iterdir() if p.is_file()], folder)


@cache
def code_version() -> str:
    """The package version and a digest of the code that computes the report's figures."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("dxreport")
    except PackageNotFoundError:
        package = "0"
    files = [*ROOT.joinpath("tasks").rglob("*.py"), *ROOT.joinpath("schemas").rglob("*.sql")]
    return f"dxreport {package} ({digest_files(files, ROOT)[:16]})"


def manifest_inputs(con, period: Period) -> list[dict]:
    """The submissions a report of `period` is made from (grain: unit, newest accepted version):
    unit, version, sha256 of the file and when it was received."""
    return [
        {
            "unit": r["unit_code"],
            "version": r["version"],
            "sha256": r["sha256"],
            "received_at": r["received_at"].astimezone(TZ).replace(microsecond=0).isoformat(),
        }
        for r in query(con, "report_inputs", period_id=period.id)
    ]


def data_digest(inputs: list[dict], catalog_sha256: str) -> str:
    """One digest of everything a report's figures and text depend on: the submissions used, the
    catalogue, the templates and the code. Two reports with the same digest say the same thing."""
    return hashlib.sha256(
        json.dumps(
            {
                "inputs": inputs,
                "catalog_sha256": catalog_sha256,
                "template_sha256": template_digest(),
                "code_version": code_version(),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()


def current_data_digest(con, catalog_folder: Path, period: Period) -> str:
    """The data digest a report of `period` rendered now would have."""
    return data_digest(manifest_inputs(con, period), catalog_digest(catalog_folder))


def values_csv(con, catalog: Catalog, period: Period) -> bytes:
    """The period's values as loaded (grain: unit x element, newest accepted version), UTF-8 CSV
    with a header; the report's annexes and figures are computed from exactly these rows."""
    rows = query(con, "report_values_export", period_id=period.id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "period",
            "unit_code",
            "unit_name",
            "unit_type",
            "version",
            "received_at",
            "sha256",
            "element_code",
            "element_name",
            "value",
        ]
    )
    for r in rows:
        unit = catalog.unit(r["unit_code"])
        element = catalog.element_by_code.get(r["element_code"])
        value = r["value"]
        writer.writerow(
            [
                period.id,
                r["unit_code"],
                unit.name if unit else "",
                unit.type if unit else "",
                r["version"],
                r["received_at"].astimezone(TZ).replace(microsecond=0).isoformat(),
                r["sha256"],
                r["element_code"],
                element.name if element else "",
                "" if value is None else repr(float(value)),
            ]
        )
    return out.getvalue().encode("utf-8")
