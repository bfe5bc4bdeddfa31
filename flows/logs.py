"""Our own loggers in the Prefect UI: the project's modules log with the standard library
(`logging.getLogger(__name__)`); this gives the `tasks`, `demo` and `flows` loggers the handlers of
Prefect's `prefect.extra` logger (the API handler that ships records of a flow or task run to the
server, and the console handler), as `PREFECT_LOGGING_EXTRA_LOGGERS` would, whichever way the
process started (command line, worker, tests)."""

from __future__ import annotations

import logging

PROJECT_LOGGERS = ("tasks", "demo", "flows")
ENGINE_EXIT = "Engine execution exited with unexpected exception"


class ExpectedErrorFilter(logging.Filter):
    """A DxError ends a run Failed with its Vietnamese and English message, logged once by the flow
    (flows.common.fail_cleanly). Prefect's worker process then re-raises the failed state's error and
    logs it again with a traceback ("Engine execution exited…"): drop that record, and never attach
    a traceback to an expected error."""

    def filter(self, record: logging.LogRecord) -> bool:
        from schemas.errors import DxError

        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DxError):
            if record.msg == ENGINE_EXIT:
                return False
            record.exc_info = None
            record.exc_text = None
        return True


_FILTER = ExpectedErrorFilter()


def register_project_loggers() -> None:
    """Idempotent: handlers already attached are not attached twice."""
    for name in ("prefect.flow_runs", "prefect.flow_engine", "prefect.engine"):
        engine = logging.getLogger(name)
        if _FILTER not in engine.filters:
            engine.addFilter(_FILTER)
    extra = logging.getLogger("prefect.extra")
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
        for handler in extra.handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)
        logger.propagate = False  # the handlers above already print and ship each record
