"""Flow `quarterly-report`: query -> view model -> HTML -> PDF -> reports/<P>/, then, for a final
report, the period lock as its own step once the PDF is written."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, pause_flow_run, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NONE, CachePolicy
from prefect.context import TaskRunContext
from prefect.exceptions import FlowPauseTimeout
from prefect.runtime import flow_run

from flows.alerts import notify_failure
from flows.common import as_is, fail_cleanly, report_link, resolve_period, run_name, settings_for
from flows.intake_report import completeness_rows
from flows.logs import register_project_loggers
from flows.params import (
    DocNumber,
    Final,
    ForceRender,
    Home,
    Now,
    PeriodId,
    Signer,
    UnitPagesWanted,
)
from flows.shared import load_catalog, results_dir
from flows.signoff import GivenDecision, SignOffInput, given_decision, sign_off_description
from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.report.cache import current_draft_key
from tasks.report.issue import render_report
from tasks.report.register import describe_issued, lock_period
from tasks.report.result import ReportResult
from tasks.report.signature import resolve_signature
from tasks.report.signoff import Decision, make_decision, record_decision
from tasks.report.submission_status import period_status

SIGN_OFF_POLL_SECONDS = 2  # how soon the paused run notices the reviewer's answer
RENDER_TIMEOUT = (
    1800  # WeasyPrint on a long report on a slow machine; a hang must not hold the lock
)


class DraftCache(CachePolicy):
    """Prefect's cache for the draft: keyed on the report cache key (tasks/report/cache.py: the
    inputs' hashes, catalogue, code, templates, date), so a run with nothing changed ends the task
    in a Cached state without running it. Only while the draft on disk is the one of that key (a
    deleted or modified PDF, or inputs changed and changed back, drop the stale record first);
    never for a final report, a decision, or `force`."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        if inputs.get("final") or inputs.get("decision") is not None or inputs.get("force"):
            return None
        settings, period = inputs["settings"], inputs["period"]
        try:
            state = current_draft_key(settings, period)
        except Exception:  # noqa: BLE001 - no key means no cache, and the task renders
            return None
        if state is None:
            return None
        key, intact = state
        name = f"report-draft-{period.id.lower()}-{key}"
        if not intact:
            (results_dir(settings) / name).unlink(missing_ok=True)
        return name


@task(name="render-report", cache_policy=NONE, timeout_seconds=RENDER_TIMEOUT)
def render(
    settings: Settings,
    catalog: Catalog,
    period: Period,
    final: bool,
    number: str | None = None,
    signer: str | None = None,
    decision: Decision | None = None,
    force: bool = False,
) -> ReportResult:
    return render_report(
        settings,
        catalog,
        period,
        final=final,
        number=number,
        signer=signer,
        decision=decision,
        force=force,
    )


def render_draft(settings: Settings, catalog: Catalog, period: Period, force: bool) -> ReportResult:
    """The draft, from Prefect's cache when its key is unchanged (state Cached), else from
    render_report (which itself reuses an unchanged draft on disk)."""
    cached = render.with_options(
        cache_policy=DraftCache(),
        persist_result=True,
        result_storage=results_dir(settings),
    )
    # as_is(): Prefect would walk every unit of the catalogue (flows/common.py)
    state = cached(settings, as_is(catalog), period, False, force=force, return_state=True)
    draft = state.result()
    if state.name == "Cached":
        draft = replace(draft, reused=True, seconds=0.0)
    return draft


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


@task(name="record-decision", cache_policy=NONE, timeout_seconds=120)
def record(settings: Settings, decision: Decision) -> Decision:
    record_decision(settings, decision)
    return decision


@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="quarterly-report",
    flow_run_name=run_name("report"),
    log_prints=True,
    timeout_seconds=None,
)
@fail_cleanly
def quarterly_report(
    period: PeriodId = None,
    final: Final = False,
    home: Home = None,
    now: Now = None,
    number: DocNumber = None,
    signer: Signer = None,
    unit_pages: UnitPagesWanted = True,
    force: ForceRender = False,
) -> dict:
    """Render the quarterly PDF report of a period as a draft; with `final`, wait for the reviewer's
    sign-off, then issue the final report from the approved draft's data (number from the register,
    period locked). An issued period returns its issued report. A draft whose inputs did not change
    is not rendered again (Prefect's Cached state, or the draft on disk); `force` renders it."""
    register_project_loggers()
    logger = get_run_logger()
    settings = settings_for(home, now)
    p = resolve_period(period, settings)
    with workspace_lock(settings):
        catalog = load_catalog(settings)
        draft = render_draft(settings, catalog, p, force)
    if draft.reused:
        logger.info(
            "Báo cáo không đổi: dùng lại %s (số liệu, danh mục, mẫu và phần mềm như lần trước). / "
            "Report unchanged: reusing %s (use force to render it again).",
            draft.pdf_path,
            draft.pdf_path,
        )
    publish_report(settings, p, draft)
    publish_status(period_status(settings, catalog, p))
    if draft.already_issued:
        logger.info(
            "%s đã ban hành (%s): trả lại báo cáo đã ban hành, không lập lại. / %s was issued "
            "already: returning the issued report unchanged.",
            p.label_vi,
            describe_issued(draft),
            p.id,
        )
        return asdict(draft)
    if not final:
        return asdict(draft)
    # a missing signer or a bad number is said now, not after the reviewer's yes
    resolve_signature(settings, catalog, settings.clock().date(), number, signer, "1")
    decision = sign_off(settings, p, draft)
    if decision is None:
        logger.warning(
            "Hết thời hạn chờ duyệt: %s dừng ở bản dự thảo %s. / No decision within the sign-off "
            "timeout: the report stays a draft.",
            p.label_vi,
            draft.pdf_path,
        )
        return {**asdict(draft), "sign_off": "timeout"}
    record(settings, decision)
    publish_decision(p, decision)
    if not decision.approved:
        logger.warning(
            "Dự thảo %s không được duyệt (%s); giữ bản dự thảo. / The draft was not approved; "
            "it is kept.",
            p.label_vi,
            decision.summary_vi,
        )
        return {**asdict(draft), "sign_off": decision.manifest_entry()}
    with workspace_lock(settings):
        catalog = load_catalog(settings)
        result = render(settings, as_is(catalog), p, True, number, signer, decision)
        if result.final and not result.locked and not result.already_issued:
            result = lock(settings, p, result)
    publish_report(settings, p, result)
    out = {**asdict(result), "sign_off": decision.manifest_entry()}
    if unit_pages and result.final and not result.already_issued:
        from flows.unit_pages import run_unit_pages

        sheets = run_unit_pages(period=p.id, home=str(settings.paths.home), now=now)
        out["unit_pages"] = sheets["dir"]
    return out


def sign_off(settings: Settings, period: Period, draft: ReportResult) -> Decision | None:
    """The reviewer's decision on `draft`: given beforehand on the command line (`given_decision`),
    else asked in the Prefect UI by pausing the run for a `SignOffInput` (None after the timeout)."""
    answer: GivenDecision | SignOffInput | None = given_decision()
    source = "cli"
    if answer is None:
        get_run_logger().info(
            "Chờ người duyệt trả lời trên giao diện Prefect (nút Resume): dự thảo %s. / Waiting "
            "for the reviewer's sign-off in the Prefect UI.",
            draft.pdf_path,
        )
        try:
            answer = pause_flow_run(
                wait_for_input=SignOffInput.with_initial_data(
                    description=sign_off_description(period, draft)
                ),
                timeout=settings.signoff_timeout_seconds,
                poll_interval=SIGN_OFF_POLL_SECONDS,
                key=f"sign-off-{period.id.lower()}",
            )
        except FlowPauseTimeout:
            return None
        source = "ui"
    return make_decision(
        settings,
        period,
        Path(draft.pdf_path),
        draft.data_sha256,
        approved=answer.approve,
        reviewer=answer.reviewer,
        reason=answer.reason,
        source=source,
        flow_run_id=str(flow_run.id or ""),
    )


def publish_report(settings: Settings, period: Period, result: ReportResult) -> None:
    """The report's summary and link artifacts, keyed per period (drafts and finals apart)."""
    kind = "final" if result.final else "draft"
    key = f"report-{period.id.lower()}-{kind}"
    create_markdown_artifact(
        f"# Báo cáo {period.label_vi} ({'chính thức' if result.final else 'dự thảo'})\n\n"
        f"- Tệp: `{Path(result.pdf_path).name}`\n- Số trang: {result.pages}\n"
        f"- Chính thức (khóa kỳ): "
        f"{'có, ' + describe_issued(result) if result.final else 'không (dự thảo)'}\n"
        f"- Mã dữ liệu (sha256 đầu vào): `{result.data_sha256[:16]}`",
        key=key,
        description=f"Quarterly report {period.id} ({kind})",
    )
    create_link_artifact(
        report_link(settings, Path(result.pdf_path)),
        link_text=f"Báo cáo {period.label_vi} ({'chính thức' if result.final else 'dự thảo'})",
        key=f"{key}-pdf",
    )


def publish_decision(period: Period, decision: Decision) -> None:
    create_markdown_artifact(
        f"# Quyết định về dự thảo {period.label_vi}\n\n"
        f"- {'Duyệt' if decision.approved else 'Không duyệt'}: {decision.summary_vi}\n"
        f"- Dự thảo: `{decision.draft_pdf}` (sha256 `{decision.draft_sha256[:16]}`)\n"
        f"- Mã dữ liệu: `{decision.data_sha256[:16]}`",
        key=f"report-{period.id.lower()}-sign-off",
        description=f"Sign-off {period.id}",
    )


def publish_status(status: dict) -> None:
    """The report's own submission-status rows (the same rule as Biểu 03 and `dxreport status`),
    under the same key and columns as the intake's (the latest state, whichever flow wrote it)."""
    rows = completeness_rows(status)
    create_table_artifact(
        rows,
        key=f"submission-status-{status['period'].lower()}",
        description=f"Tình hình gửi báo cáo {status['label']} / submission status",
    )
