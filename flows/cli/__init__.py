"""The `dxreport` command: each verb runs its flow, prints a short summary (or --json), exit codes
0 (done; rejected submissions are a normal outcome), 1 (the run failed), 2 (usage error).

Parsing (flows.cli.app) imports only typer; Prefect and the flows are imported when a verb runs.
"""

from __future__ import annotations

import json
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_collector_paused = False  # main() turned the garbage collector off until imports_done()


def main(argv: list[str] | None = None) -> int:
    """The console script (`argv` None: sys.argv; the process ends after it) or, with `argv`, the
    entry for tests and other programs (returns the exit code). The command runs on a roomy frame
    stack (tasks/core/roomy_stack.py: CPython 3.11 maps and unmaps stack chunks in deep loops)."""
    import gc

    from tasks.core import roomy_stack

    global _collector_paused
    if argv is None and gc.isenabled():  # the command's process: no collection while it imports
        gc.disable()
        _collector_paused = True
    try:
        code = roomy_stack.call(_main, argv)
    finally:
        if argv is None:
            # The process ends now: spare the final garbage collection its walk over every object
            # of Prefect & co. (~0.4 s); exit handlers and module clean-up still run as usual.
            gc.freeze()
            if _collector_paused:  # a usage error or --help: before any imports_done
                _collector_paused = False
                gc.enable()
    return code


def imports_done() -> None:
    """Called once a verb has imported what it runs with (Prefect, the flow, the prefetched
    modules). Until then the console script runs without the garbage collector: importing creates
    objects by the hundred thousand, few of them garbage, and each collection walked them all
    (0.08 s of Prefect's and a flow's imports). They are then frozen (never walked again: the
    flow's own collections are cheaper too) and collection resumes. Nothing is done when the
    collector was not paused by `main` (a program that called `main(argv)`)."""
    import gc

    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


def _main(argv: list[str] | None) -> int:
    import typer

    from flows.cli.app import Invocation, parse
    from flows.cli.usage import usage_message

    args = sys.argv[1:] if argv is None else list(argv)
    try:
        parsed = parse(args)
    except typer.TyperException as exc:  # click's usage errors (exit 2) and file errors
        print(usage_message(exc), file=sys.stderr)
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("Đã dừng theo yêu cầu. [EN] Interrupted.", file=sys.stderr)
        return EXIT_FAILED
    if not isinstance(parsed, Invocation):
        return parsed  # --help
    return execute(parsed)


def execute(inv) -> int:
    import flows  # noqa: F401  (telemetry off before prefect is imported)
    from flows.cli.verbs import FLOW_VERBS, command_env, quiet, run, scoped_env
    from tasks.core.errors import DxError

    quiet(inv.verbose)
    try:
        with scoped_env(command_env(inv)):
            if inv.verb in FLOW_VERBS:  # run by the warm host of a running server, if it can
                from flows.cli.host_client import delegate

                code = delegate(inv.verbose)
                if code is not None:
                    return code
            result, text = run(inv)
    except DxError as exc:
        print(exc.user_message(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu. [EN] Interrupted.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a failed run: one clear sentence, the details are in Prefect's logs
        print(
            f"Lượt chạy thất bại: {type(exc).__name__}: {exc}\n"
            f"[EN] The run failed: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if inv.json_out:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    elif text:
        print(text)
    return EXIT_OK
