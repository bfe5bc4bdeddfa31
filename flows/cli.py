"""The `dxreport` command: each verb runs its flow, prints a short summary (or --json), exit codes
0 (done; rejected submissions are a normal outcome), 1 (the run failed), 2 (usage error)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """--home/--json/-v go before or after the verb; the verb's copy only overrides when given."""
    default = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument(
        "--home", help="workspace folder (default: $DXREPORT_HOME or ./dxreport-home)", **default
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document", **default)
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show Prefect's logs", **default
    )


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, suppress=True)

    parser = argparse.ArgumentParser(
        prog="dxreport",
        description="Báo cáo quý Đề án truyền thông Chuyển đổi số Đà Nẵng (QĐ 2780/QĐ-UBND).",
    )
    _add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    sub.add_parser(
        "demo", parents=[common], help="build a demo workspace end to end and print the PDFs"
    )
    p = sub.add_parser("template", parents=[common], help="write blank, pre-filled workbooks")
    p.add_argument("--period", required=True)
    p.add_argument("--unit", action="extend", nargs="+", dest="units", metavar="CODE")
    p.add_argument("--out")
    sub.add_parser("intake", parents=[common], help="take every file in inbox/")
    p = sub.add_parser("report", parents=[common], help="render the quarterly PDF report")
    p.add_argument("--period", required=True)
    p.add_argument("--final", action="store_true", help="issue as final and lock the period")
    p = sub.add_parser("status", parents=[common], help="who submitted for a period")
    p.add_argument("--period", required=True)
    cat = sub.add_parser("catalog", parents=[common], help="manage the workspace catalogue")
    cat_sub = cat.add_subparsers(dest="catalog_verb", required=True, metavar="VERB")
    p = cat_sub.add_parser("add-units", parents=[common], help="add or update units from a CSV")
    p.add_argument("file")
    p = sub.add_parser(
        "server", parents=[common], help="start the Prefect server (UI) and serve every deployment"
    )
    p.add_argument("--port", type=int, default=4200)
    return parser


def _quiet(verbose: bool) -> None:
    """Prefect keeps its full logs (the UI and the API get them); the terminal gets only our summary
    and one-sentence errors unless --verbose: no traceback reaches a user."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "true")
    if not verbose:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "CRITICAL"
        os.environ["PREFECT_LOGGING_HANDLERS_DEBUG_LEVEL"] = "CRITICAL"
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed one line of usage + the error
        return int(exc.code or 0) and EXIT_USAGE
    _quiet(args.verbose)
    if args.home:
        os.environ["DXREPORT_HOME"] = str(Path(args.home).resolve())
    import flows  # noqa: F401  (telemetry off before prefect is imported)
    from tasks.core.errors import DxError

    try:
        result, text = _run(args)
    except DxError as exc:
        print(exc.user_message(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu. [EN] Interrupted.", file=sys.stderr)
        return EXIT_FAILED
    except (
        Exception
    ) as exc:  # a failed run: one clear sentence, the details are in the Prefect logs
        print(
            f"Lượt chạy thất bại: {type(exc).__name__}: {exc}\n[EN] The run failed: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)
    return EXIT_OK


def _run(args) -> tuple[object, str]:
    from tasks.core.periods import Period

    home = os.environ.get("DXREPORT_HOME")
    if getattr(args, "period", None):  # a usage error is reported before any flow starts
        args.period = Period.parse(args.period).id
    if args.verb == "demo":
        from flows.demo import demo

        result = demo(home=home or str(Path("dxreport-home").resolve()))
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(result["counts"].items()))
        lines = [
            f"Đã tạo workspace demo / demo workspace: {result['home']}",
            f"Biên nhận / receipts: {counts}",
            f"Mẫu biểu quý tới / next quarter's templates: {result['templates']}",
            "Báo cáo PDF / PDF reports:",
        ] + [f"  {p}" for p in result["reports"]]
        return result, "\n".join(lines)
    if args.verb == "template":
        from flows.make_templates import make_templates

        result = make_templates(period=args.period, units=args.units, out=args.out, home=home)
        return (
            result,
            f"Đã ghi {len(result['files'])} mẫu biểu / templates written: {result['out_dir']}",
        )
    if args.verb == "intake":
        from flows.intake import intake

        result = intake(home=home)
        counts = result["counts"]
        if not result["receipts"]:
            return result, "Hộp thư trống: không có tệp nào. [EN] Inbox empty: no files."
        lines = [
            f"Đã tiếp nhận {len(result['receipts'])} tệp / files taken: "
            + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        ]
        for r in result["receipts"]:
            lines.append(
                f"  {r['status']:<23} {r['file']}  {r['unit'] or '-'} {r['period'] or '-'}"
                + (f" v{r['version']}" if r["version"] else "")
            )
        return result, "\n".join(lines)
    if args.verb == "report":
        from flows.quarterly_report import quarterly_report

        result = quarterly_report(period=args.period, final=args.final, home=home)
        state = (
            "chính thức, đã khóa kỳ / final, period locked"
            if result["final"]
            else "dự thảo / draft"
        )
        return result, f"{result['pdf_path']}\n({result['pages']} trang / pages, {state})"
    if args.verb == "status":
        from flows.common import resolve_period, settings_for
        from flows.status import status_text
        from tasks.core.workspace import workspace_catalog
        from tasks.report.submission_status import period_status

        settings = settings_for(home)
        period = resolve_period(args.period, settings)
        result = period_status(settings, workspace_catalog(settings), period)
        return result, status_text(result)
    if args.verb == "catalog":
        from flows.common import settings_for
        from tasks.catalog.add_units import add_units

        settings = settings_for(home)
        result = add_units(settings, Path(args.file))
        return result, (
            f"Danh mục đã cập nhật / catalogue updated: {result['added']} thêm / added, "
            f"{result['updated']} sửa / updated ({result['catalog_dir']})"
        )
    if args.verb == "server":
        from flows.server import run_server

        run_server(home=home, port=args.port)
        return {}, ""
    raise AssertionError(args.verb)


if __name__ == "__main__":
    sys.exit(main())
