"""What each verb does once its command line is parsed: check the input (usage errors before any
flow starts), choose the Prefect API, run the flow in-process, and summarise the result."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from datetime import datetime
from pathlib import Path

from flows.cli import imports_done
from flows.cli.app import Invocation
from tasks.core.errors import UsageError

FLOW_VERBS = ("demo", "template", "intake", "report", "reopen", "backfill", "remind")


def quiet(verbose: bool, env: MutableMapping[str, str] = os.environ) -> None:
    """Prefect keeps its full logs (the UI and the API get them); the terminal gets only our summary
    and one-sentence errors unless --verbose: no traceback reaches a user. Prefect reads these
    settings when it is imported."""
    env.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    env.setdefault("PREFECT_LOGGING_LOG_PRINTS", "true")
    if not verbose:
        env["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "CRITICAL"
        env["PREFECT_LOGGING_HANDLERS_DEBUG_LEVEL"] = "CRITICAL"
        env.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)


@contextlib.contextmanager
def scoped_env(values: dict[str, str]) -> Iterator[None]:
    """Set DXREPORT_* variables for this command only (a caller's environment is left as found)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def check_now(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"Thời điểm --now không hợp lệ: {value!r}.",
            f"Invalid --now date-time: {value!r}.",
            "Dùng dạng ISO có múi giờ, vd 2025-09-16T08:00:00+07:00.",
            "Use ISO form with an offset, e.g. 2025-09-16T08:00:00+07:00.",
        ) from None
    return value


def command_env(inv: Invocation) -> dict[str, str]:
    env = {}
    if inv.home:
        env["DXREPORT_HOME"] = str(Path(inv.home).resolve())
    if inv.now:
        env["DXREPORT_NOW"] = check_now(inv.now)
    return env


def run(inv: Invocation) -> tuple[object, str]:
    """Run the verb; returns (the JSON result, the human summary)."""
    from flows.common import settings_for
    from tasks.core.periods import Period

    settings = settings_for()  # DXREPORT_HOME / DXREPORT_NOW checked before anything starts
    params = dict(inv.params)
    if params.get("period"):
        params["period"] = Period.parse(params["period"]).id
    if inv.verb == "backfill":  # a bad range is refused before Prefect starts
        from tasks.report.backfill import backfill_range

        periods = backfill_range(params["from_period"], params["to_period"])
        params["from_period"], params["to_period"] = periods[0].id, periods[-1].id
    if inv.verb == "remind":  # a bad round name is refused before Prefect starts
        from tasks.remind.round import check_round

        check_round(params.get("round"))
    if inv.verb in FLOW_VERBS:
        return _run_flow(inv, params, settings)
    imports_done()
    if inv.verb == "status":
        return _status(params, settings)
    if inv.verb == "history":
        return _history(params, settings)
    if inv.verb == "catalog add-units":
        from tasks.catalog.add_units import add_units

        result = add_units(settings, Path(params["file"]))
        return result, (
            f"Danh mục đã cập nhật / catalogue updated: {result['added']} thêm / added, "
            f"{result['updated']} sửa / updated ({result['catalog_dir']})"
        )
    if inv.verb == "server":
        from flows.server import run_server

        run_server(home=str(settings.paths.home), port=params["port"], host=params.get("host"))
        return {}, ""
    raise AssertionError(inv.verb)


def _status(params: dict, settings) -> tuple[object, str]:
    from flows.common import resolve_period
    from flows.status import status_text
    from tasks.core.workspace import workspace_catalog
    from tasks.report.submission_status import period_status

    period = resolve_period(params.get("period"), settings)
    result = period_status(settings, workspace_catalog(settings), period)
    return result, status_text(result)


def _history(params: dict, settings) -> tuple[object, str]:
    from flows.history import history_text
    from tasks.core.periods import Period
    from tasks.core.workspace import workspace_catalog
    from tasks.intake.history import unit_history

    period = Period.parse(params["period"])
    result = unit_history(settings, workspace_catalog(settings), params["unit"], period)
    return result, history_text(result)


def _report_will_render(params: dict, settings) -> bool:
    """Whether `report` is going to render: not when the draft on disk is the one of the inputs now
    (the flow's cache, flows/quarterly_report.py) and nothing asks for more than that draft."""
    if params.get("final") or params.get("force") or not params.get("period"):
        return True
    from tasks.core.periods import Period  # noqa: PLC0415
    from tasks.report.cache import current_draft_key  # noqa: PLC0415

    state = current_draft_key(settings, Period.parse(params["period"]))
    return state is None or not state[1]


def _report_laid_out_here(settings) -> bool:
    """Whether `report` will lay its PDF out in this process (WeasyPrint imported here), not in a
    long report's worker processes (tasks/report/parts.py: likely_split, as render_in decides).
    The catalogue is read as it is on disk (not through the flow's Prefect task, which would start
    an API of its own here); a workspace without one yet gets a short report."""
    from schemas.catalog_model import load_catalog  # noqa: PLC0415
    from tasks.report import parts  # noqa: PLC0415

    try:
        units = len(load_catalog(settings.paths.catalog).units)
    except Exception:  # noqa: BLE001 - the run itself says what is wrong with the catalogue
        return True
    return not parts.likely_split(units, parts.planned_workers(settings.report_workers))


def _run_flow(inv: Invocation, params: dict, settings) -> tuple[object, str]:
    from flows.cli import prefetch
    from flows.cli.api import choose_api, explain_runtime_error
    from flows.cli.progress_bars import progress_bars, wanted

    choice = choose_api(settings.paths.home)  # before Prefect is imported
    choice.verbose = inv.verbose
    choice.start()
    flow, summarize = _flow(inv.verb)  # imports Prefect and the flow
    # while the temporary API starts: the imports the run will need (flows/cli/prefetch.py)
    ahead = prefetch.start(
        inv.verb,
        choice.waits_for_api(),
        settings.paths.inbox,
        lambda: _report_will_render(params, settings),
        settings.paths.archive,
        lambda: _report_laid_out_here(settings),
        settings.clock().year,
    )
    choice.connect()
    prefetch.finish(ahead)
    imports_done()
    if inv.verbose:
        print(choice.describe(), file=sys.stderr)
    # the run shows the clock it used, also when it came from DXREPORT_NOW
    when = inv.now or (settings.now.isoformat() if settings.now else None)
    now = {"now": when} if when and inv.verb != "demo" else {}
    home = str(settings.paths.home)
    sign_off = _sign_off(inv, params)
    try:
        with progress_bars(wanted(inv.json_out)), sign_off, without_heartbeats():
            result = flow(home=home, **params, **now)
    except RuntimeError as exc:  # Prefect could not start its own temporary API
        known = explain_runtime_error(exc, settings.paths.home)
        if known is None:
            raise
        raise known from None
    return result, summarize(result)


@contextlib.contextmanager
def without_heartbeats() -> Iterator[None]:
    """The command's flow run sends no Prefect heartbeats, unless the operator has set
    `PREFECT_FLOWS_HEARTBEAT_FREQUENCY` (environment or Prefect profile).

    A heartbeat is an event every 3 minutes that only an automation reads (one that marks a run
    Crashed when they stop: "zombie" runs); dxreport defines none, and a command's run is in the
    command's own process, which records Crashed or Cancelled itself when it is interrupted. Yet
    each run ends by waiting for the heartbeat thread to wake from its 1-second sleep: 0.5-1 s of
    every command (0.8 s of the 2.3 s an intake with an empty inbox takes against a server).
    Runs started from deployments (a worker's) keep Prefect's default."""
    from prefect.context import SettingsContext

    current = SettingsContext.get()
    if current is None or "heartbeat_frequency" in current.settings.flows.model_fields_set:
        yield
        return
    flows = current.settings.flows.model_copy(update={"heartbeat_frequency": None})
    settings = current.settings.model_copy(update={"flows": flows})
    with SettingsContext(profile=current.profile, settings=settings):
        yield


def _sign_off(inv: Invocation, params: dict) -> contextlib.AbstractContextManager:
    """`report --final` takes the reviewer's decision from --reviewer, --approve/--reject and
    --reason (asked for on a terminal when missing); the run records it instead of pausing for the
    Prefect UI's form. Without --final these options are refused."""
    if inv.verb != "report":
        return contextlib.nullcontext()
    decision = {k: params.pop(k, None) for k in ("reviewer", "approve", "reason")}
    if not params.get("final"):
        if any(v is not None for v in decision.values()):
            raise UsageError(
                "--reviewer, --approve/--reject, --reason chỉ dùng cùng --final.",
                "--reviewer, --approve/--reject and --reason go with --final only.",
            )
        return contextlib.nullcontext()
    if sys.stdin.isatty() and not inv.json_out:
        import typer

        if decision["approve"] is None:
            decision["approve"] = typer.confirm("Duyệt ban hành dự thảo? / Approve the draft?")
        if not decision["reviewer"]:
            decision["reviewer"] = typer.prompt("Người duyệt (họ tên) / reviewer")
        if decision["approve"] is False and not decision["reason"]:
            decision["reason"] = typer.prompt("Lý do không duyệt / reason")
    from flows.signoff import decision_given
    from tasks.core.periods import Period
    from tasks.report.signoff import check_decision

    if params.get("period"):  # checked before the draft is rendered (else inside the run)
        check_decision(
            Period.parse(params["period"]),
            decision["approve"],
            decision["reviewer"],
            decision["reason"],
        )
    return decision_given(decision["approve"], decision["reviewer"], decision["reason"])


def _flow(verb: str) -> tuple[Callable[..., dict], Callable[[dict], str]]:
    if verb == "demo":
        from flows.demo import demo

        return demo, _demo_text
    if verb == "template":
        from flows.make_templates import make_templates

        return make_templates, _template_text
    if verb == "intake":
        from flows.intake import intake

        return intake, _intake_text
    if verb == "reopen":
        from flows.reopen import reopen_period

        return reopen_period, _reopen_text
    if verb == "backfill":
        from flows.backfill import backfill
        from tasks.report.backfill import result_text

        return backfill, result_text
    if verb == "remind":
        from flows.remind import remind_missing, result_text

        return remind_missing, result_text
    from flows.quarterly_report import quarterly_report

    return quarterly_report, _report_text


def _demo_text(result: dict) -> str:
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(result["counts"].items()))
    lines = [
        f"Đã tạo workspace demo / demo workspace: {result['home']}",
        f"Biên nhận / receipts: {counts}",
        f"Mẫu biểu quý tới / next quarter's templates: {result['templates']}",
        "Báo cáo PDF / PDF reports:",
    ] + [f"  {p}" for p in result["reports"]]
    if result.get("reminders"):
        r = result["reminders"]
        lines.append(
            f"Nhắc gửi báo cáo {r['period']} (đợt {r['round']}): {r['units']} đơn vị / reminders: "
            f"{r['outbox']}"
        )
    if result.get("backfill_dry_run"):
        lines.append("Chạy lại toàn bộ (thử, không ghi) / backfill dry run:")
        lines += [f"  {line}" for line in result["backfill_dry_run"]]
    return "\n".join(lines)


def _template_text(result: dict) -> str:
    lines = [f"Đã ghi {len(result['files'])} mẫu biểu / templates written: {result['out_dir']}"]
    if result.get("prefilled"):
        lines.append(
            f"{len(result['prefilled'])} mẫu có số liệu lũy kế quý trước điền sẵn / "
            "pre-filled with last quarter's stocks"
        )
    return "\n".join(lines)


def _intake_text(result: dict) -> str:
    if not result["receipts"]:
        return "Hộp thư trống: không có tệp nào. [EN] Inbox empty: no files."
    lines = [
        f"Đã tiếp nhận {len(result['receipts'])} tệp / files taken: "
        + ", ".join(f"{k}: {v}" for k, v in sorted(result["counts"].items()))
    ]
    for r in result["receipts"]:
        lines.append(
            f"  {r['status']:<23} {r['file']}  {r['unit'] or '-'} {r['period'] or '-'}"
            + (f" v{r['version']}" if r["version"] else "")
        )
    return "\n".join(lines)


def _reopen_text(result: dict) -> str:
    at = datetime.fromisoformat(result["reopened_at"]).strftime("%d/%m/%Y %H:%M")
    return (
        f"Đã mở lại {result['label']} ({result['period']}) lúc {at}, người mở: "
        f"{result['by']}; lý do: {result['reason']}. Báo cáo đã ban hành {result['report']} được "
        "giữ nguyên; báo cáo kế tiếp của kỳ sẽ thay thế nó.\n"
        f"[EN] Period {result['period']} reopened at {result['reopened_at']} by {result['by']}. "
        f"The issued report {result['report']} is kept; the next report of the period replaces it."
    )


def _report_text(result: dict) -> str:
    if result.get("already_issued"):
        state = (
            f"đã ban hành trước đây ({result['doc_number']}, ngày "
            f"{datetime.fromisoformat(result['issued_on']).strftime('%d/%m/%Y')}), không lập lại / "
            "issued before, returned unchanged"
        )
    elif result["final"]:
        state = (
            f"chính thức, {result['doc_number']}, người ký {result['signer']}, đã khóa kỳ / "
            "final, period locked"
        )
    else:
        state = "dự thảo / draft"
    text = f"{result['pdf_path']}\n({result['pages']} trang / pages, {state})"
    if result.get("reused"):
        text += (
            "\nBáo cáo không đổi: dùng lại bản dự thảo đã lập (số liệu, danh mục, mẫu và phần mềm "
            "như lần trước; --force để lập lại).\n[EN] Report unchanged: the existing draft is "
            "reused (same inputs, catalogue, templates and code; --force renders it again)."
        )
    sign = result.get("sign_off")
    if isinstance(sign, dict) and not sign.get("approved"):
        text += (
            f"\nKhông duyệt / rejected: {sign['reviewer']}: {sign['reason']} "
            "(giữ bản dự thảo / the draft is kept)"
        )
    if result.get("unit_pages"):
        text += f"\nPhiếu kết quả từng đơn vị / unit sheets: {result['unit_pages']}"
    return text
