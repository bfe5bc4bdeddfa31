"""Flow `quarterly-report`: query -> view model -> HTML -> PDF -> reports/<P>/, then, for a final
report, the period lock as its own step once the PDF is written."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NONE

from flows.common import resolve_period, settings_for
from flows.logs import register_project_loggers
from flows.params import DocNumber, Final, Home, Now, PeriodId, Signer, UnitPagesWanted
from flows.shared import load_catalog
from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.report.issue import ReportResult, describe_issued, lock_period, render_report
from tasks.report.submission_status import STATUS_TEXT, period_status

RENDER_TIMEOUT = (
    1800  # WeasyPrint on a long report on a slow machine; a hang must not hold the lock
)


@task(name="render-report", cache_policy=NONE, timeout_seconds=RENDER_TIMEOUT)
def render(
    settings: Settings,
    catalog: Catalog,
    period: Period,
    final: bool,
    number: str | None = None,
    signer: str | None = None,
) -> ReportResult:
    return render_report(settings, catalog, period, final=final, number=number, signer=signer)


@task(name="lock-period", cache_policy=NONE, timeout_seconds=120)
def lock(settings: Settings, period: Period, result: ReportResult) -> ReportResult:
    """Irreversible: from now on files for this period are archived as after_lock."""
    locked = lock_period(settings, period, result)
    get_run_logger().info(
        "Đã khóa kỳ %s (báo cáo chính thức %s). / Period %s locked.",
        period.label_vi,
        result.pdf_path,
        period.id,
    )
    return locked


@flow(name="quarterly-report", log_prints=True)
def quarterly_report(
    period: PeriodId = None,
    final: Final = False,
    home: Home = None,
    now: Now = None,
    number: DocNumber = None,
    signer: Signer = None,
    unit_pages: UnitPagesWanted = True,
) -> dict:
    """Render the quarterly PDF progress report of a period from what is loaded (a draft), or issue
    it as final (number and signer required); an issued period returns its issued report."""
    register_project_loggers()
    settings = settings_for(home, now)
    p = resolve_period(period, settings)
    with workspace_lock(settings):
        catalog = load_catalog(settings)
        result = render(settings, catalog, p, final, number, signer)
        if result.already_issued:
            get_run_logger().info(
                "%s đã ban hành (%s): trả lại báo cáo đã ban hành, không lập lại. / %s was issued "
                "already: returning the issued report unchanged.",
                p.label_vi,
                describe_issued(result),
                p.id,
            )
        elif result.final and not result.locked:
            result = lock(settings, p, result)
    create_markdown_artifact(
        f"# Báo cáo {p.label_vi}\n\n- Tệp: `{result.pdf_path}`\n- Số trang: {result.pages}\n"
        f"- Chính thức (khóa kỳ): {'có, ' + describe_issued(result) if result.final else 'không (dự thảo)'}",
        key="quarterly-report",
        description="Quarterly report",
    )
    create_link_artifact(
        f"file://{result.pdf_path}", link_text=f"Báo cáo {p.label_vi}", key="quarterly-report-pdf"
    )
    publish_status(period_status(settings, catalog, p))
    out = asdict(result)
    if unit_pages and result.final and not result.already_issued:
        from flows.unit_pages import run_unit_pages

        sheets = run_unit_pages(period=p.id, home=str(settings.paths.home), now=now)
        out["unit_pages"] = sheets["dir"]
    return out


def publish_status(status: dict) -> None:
    """The report's own submission-status rows (the same rule as Biểu 03 and `dxreport status`)."""
    rows = [
        {
            "mã đơn vị": u["unit"],
            "đơn vị": u["name"],
            "trạng thái": STATUS_TEXT[u["status"]],
            "phiên bản": u["version"],
            "ngày nhận": u["received_at"],
            "tệp bị từ chối": u["rejected_arrivals"],
            "phải báo cáo": "có" if u["expected"] else "không",
        }
        for u in status["units"]
    ]
    create_table_artifact(
        rows,
        key="submission-status",
        description=f"Tình hình gửi báo cáo {status['label']} / submission status",
    )
