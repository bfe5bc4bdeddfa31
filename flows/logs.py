"""Our own loggers in the Prefect UI: the project's modules log with the standard library
(`logging.getLogger(__name__)`); this gives the `tasks`, `demo` and `flows` loggers the handlers of
Prefect's `prefect.extra` logger (the API handler that ships records of a flow or task run to the
server, and the console handler), as `PREFECT_LOGGING_EXTRA_LOGGERS` would, whichever way the
process started (command line, worker, tests)."""

from __future__ import annotations

import logging

PROJECT_LOGGERS = ("tasks", "demo", "flows")


def register_project_loggers() -> None:
    """Idempotent: handlers already attached are not attached twice."""
    extra = logging.getLogger("prefect.extra")
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
        for handler in extra.handlers:
            if handler not in logger.handlers:
                logger.addHandler(handler)
        logger.propagate = False  # the handlers above already print and ship each record
