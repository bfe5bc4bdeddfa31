"""Flow `quarterly-report`: query -> view model -> HTML -> PDF -> reports/<P>/ (+ lock when final)."""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NONE

from flows.common import resolve_period, settings_for
from flows.params import Final, Home, Now, PeriodId
from tasks.core.workspace import workspace_catalog, workspace_lock
from tasks.report.issue import issue_report


@task(name="render-report", cache_policy=NONE)
def render(settings, catalog, period, final):
    return issue_report(settings, catalog, period, final=final)


@flow(name="quarterly-report", log_prints=True)
def quarterly_report(
    period: PeriodId = None, final: Final = False, home: Home = None, now: Now = None
) -> dict:
    """Render the quarterly PDF progress report of a period from what is loaded."""
    settings = settings_for(home, now)
    p = resolve_period(period, settings)
    with workspace_lock(settings):
        catalog = workspace_catalog(settings)
        result = render(settings, catalog, p, final)
    create_markdown_artifact(
        f"# Báo cáo {p.label_vi}\n\n- Tệp: `{result.pdf_path}`\n- Số trang: {result.pages}\n"
        f"- Chính thức (khóa kỳ): {'có' if result.final else 'không (dự thảo)'}",
        key="quarterly-report",
        description="Quarterly report",
    )
    create_link_artifact(
        f"file://{result.pdf_path}", link_text=f"Báo cáo {p.label_vi}", key="quarterly-report-pdf"
    )
    return asdict(result)
