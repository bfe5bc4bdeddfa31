"""Flow `make-templates`: the blank, pre-filled workbooks of a period for its units."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from pydantic import Field

from flows.alerts import notify_failure
from flows.common import fail_cleanly, run_name, settings_for
from flows.params import Home, Now, PeriodId, UnitCodes
from schemas.catalog_model import Catalog, Unit
from tasks.core.periods import Period, period_containing
from tasks.core.workspace import workspace_catalog
from tasks.workbook.prefill import StartingValue

OutDir = Annotated[
    str | None, Field(title="Thư mục xuất", description="Để trống: <workspace>/templates/<kỳ>")
]


@task(name="read-starting-values", cache_policy=NONE)
def read_starting(
    warehouse: Path, catalog: Catalog, period: Period, units: list[Unit]
) -> dict[str, dict[str, StartingValue]]:
    """Each unit's last accepted stocks (read-only; none when there is no warehouse yet)."""
    from tasks.workbook.prefill import read_starting_values

    return read_starting_values(warehouse, catalog, units, period)


@task(name="write-templates", cache_policy=NONE)
def write_templates(
    catalog: Catalog,
    period: Period,
    units: list[Unit],
    out_dir: Path,
    working_days: int,
    starting: dict[str, dict[str, StartingValue]] | None = None,
) -> list[str]:
    from tasks.workbook.template import write_template

    return [
        str(
            write_template(
                catalog,
                unit,
                period,
                out_dir,
                working_days=working_days,
                starting=(starting or {}).get(unit.code),
            )
        )
        for unit in units
    ]


@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="make-templates",
    flow_run_name=run_name("templates"),
    log_prints=True,
)
@fail_cleanly
def make_templates(
    period: PeriodId = None,
    units: UnitCodes = None,
    out: OutDir = None,
    home: Home = None,
    now: Now = None,
) -> dict:
    """Write the submission workbooks (SUBMISSION_FORMAT.md) of a period."""
    from tasks.workbook.template import template_units

    settings = settings_for(home, now)
    p = Period.parse(period) if period else period_containing(settings.clock().date())
    catalog = workspace_catalog(settings)
    chosen = template_units(catalog, p, units or None)
    out_dir = Path(out) if out else settings.paths.templates / p.id
    out_dir.mkdir(parents=True, exist_ok=True)
    starting = read_starting(settings.paths.warehouse, catalog, p, chosen)
    files = write_templates(catalog, p, chosen, out_dir, settings.submission_working_days, starting)
    prefilled = sorted(code for code, values in starting.items() if values)
    create_markdown_artifact(
        f"# Mẫu biểu {p.label_vi}\n\n{len(files)} tệp trong `{out_dir}`; "
        f"{len(prefilled)} tệp có số liệu lũy kế quý trước điền sẵn.",
        key="templates",
    )
    return {"period": p.id, "out_dir": str(out_dir), "files": files, "prefilled": prefilled}
