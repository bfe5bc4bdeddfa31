"""The demo replayed without Prefect, with the plain step functions the flows call: each period's
rounds before its report, the final report on its due day (numbered from a synthetic register), the
latecomers after it. For tests and the documentation's pictures; `dxreport demo` runs the flows."""

from __future__ import annotations

import shutil
from pathlib import Path

from demo.generator import generate_demo
from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.intake import steps
from tasks.report.issue import issue_report
from tasks.report.result import ReportResult

DEMO_SIGNER = "Trần Văn Minh"  # synthetic: the demo's signer of every final report
DEMO_REVIEWER = "Lê Thị Duyệt"  # synthetic: the reviewer who signs off the demo's drafts
DEMO_REJECTION = "Đề nghị bổ sung số liệu của các đơn vị gửi điều chỉnh trước khi ban hành."


def demo_doc_number(period: Period, index: int) -> str:
    """A plausible number from the clerk's register (synthetic, grows through each year)."""
    return str(40 * period.quarter + 7 * index + 11)


def issue_demo_report(
    settings: Settings, catalog: Catalog, period: Period, index: int
) -> ReportResult:
    """The final report of `period` (the `index`-th period of the demo) as the demo issues it: a
    number from the register and the demo's signer (a final report without them is refused)."""
    return issue_report(
        settings,
        catalog,
        period,
        final=True,
        number=demo_doc_number(period, index),
        signer=DEMO_SIGNER,
    )


def intake_files(settings: Settings, catalog: Catalog, files: list[Path]) -> None:
    ensure_workspace(settings)
    for path in files:
        shutil.copyfile(path, settings.paths.inbox / path.name)
    batch = steps.collect(settings, catalog)
    subs = steps.validate_submissions(settings, catalog, batch, steps.parse_batch(settings, batch))
    steps.record_batch(settings, batch, subs)


def replay_demo(
    catalog: Catalog, periods: list[Period], home: Path, work: Path
) -> dict[str, ReportResult]:
    """Generate the demo's workbooks of `periods` under `work` and replay them into `home`; the
    issued report of each period, by period id."""
    plan = generate_demo(catalog, periods, work)
    reports: dict[str, ReportResult] = {}
    for index, period in enumerate(periods):
        rounds = plan.rounds_for(period.id)
        for rnd in rounds:
            if not rnd.after_report:
                intake_files(Settings(home=home, now=rnd.at.isoformat()), catalog, rnd.files)
        settings = Settings(home=home, now=plan.report_at[period.id].isoformat())
        reports[period.id] = issue_demo_report(settings, catalog, period, index)
        for rnd in rounds:
            if rnd.after_report:
                intake_files(Settings(home=home, now=rnd.at.isoformat()), catalog, rnd.files)
    return reports
