"""Deterministic synthetic submissions for demos and tests: real templates, filled like units do.

`generate_demo(catalog, periods, out_dir)` writes, for every unit expected in each period, the
workbook the unit would send back, plus the mess of real life, and returns a `DemoPlan` that says
when each batch of files "arrives" and what the intake should make of each file. Same arguments,
same files, byte for byte. The parts:

- demo/plan.py         the returned plan (DemoPlan, DemoRound, PeriodExpectation, DemoFile) and
                       the arrival rounds of a period (`round_times`);
- demo/series.py       the values of every unit and period, a pure function of (seed, unit, period);
- demo/text.py         the preparer, the activity log backing the counts, the narrative,
                       drawn from the word lists of demo/words.yaml (demo/words.py);
- demo/fill.py         the real templates (tasks.workbook.template), filled as a unit does;
- demo/broken.py       the broken kinds, their expected rules, and how each broken file is made;
- demo/submissions.py  one period: who is missing, late, corrects, sends a broken file or a copy.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from demo.broken import BROKEN_KINDS, BROKEN_RULES
from demo.fill import Templates
from demo.plan import DemoFile, DemoPlan, DemoRound, PeriodExpectation, round_times
from demo.series import DEFAULT_SEED, Series, unit_values
from demo.submissions import generate_period
from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings

__all__ = [
    "BROKEN_KINDS",
    "BROKEN_RULES",
    "DEFAULT_SEED",
    "DemoFile",
    "DemoPlan",
    "DemoRound",
    "PeriodExpectation",
    "generate_demo",
    "unit_values",
]

# The reporting calendar's defaults are the settings' own (callers pass the configured values).
DEFAULT_WORKING_DAYS: int = Settings.model_fields["submission_working_days"].default
DEFAULT_REPORT_DAY: int = Settings.model_fields["report_due_day"].default


def generate_demo(
    catalog: Catalog,
    periods: list[Period],
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    working_days: int = DEFAULT_WORKING_DAYS,
    *,
    report_day: int = DEFAULT_REPORT_DAY,
    use_fixtures: bool = True,
) -> DemoPlan:
    """Write the demo submissions of `periods` under `out_dir` and return the plan (see module doc).

    `working_days` and `report_day` are the configured `Settings.submission_working_days` and
    `Settings.report_due_day`: the deadline in the templates, the arrival rounds and the report
    time all follow them. The period folders `<out_dir>/<period id>/round1|round2|round3` are
    emptied first, so a re-run with the same arguments gives the same files, byte for byte.
    `use_fixtures=False` leaves out the committed LibreOffice-saved workbooks (demo/libreoffice.py).
    """
    out_dir = Path(out_dir)
    periods = sorted({Period.parse(p) for p in periods})
    series = Series(catalog, seed)
    rounds: list[DemoRound] = []
    report_at: dict[str, datetime] = {}
    expectations: dict[str, PeriodExpectation] = {}
    with tempfile.TemporaryDirectory(prefix="dxreport-demo-") as tmp:
        templates = Templates(catalog, working_days, Path(tmp))
        for period in periods:
            times = round_times(period, working_days, report_day)
            report_at[period.id] = times.report_at
            expectations[period.id], files = generate_period(
                catalog, series, templates, period, out_dir, seed, times, use_fixtures
            )
            rounds.append(DemoRound(period.id, times.first, files[1]))
            rounds.append(DemoRound(period.id, times.second, files[2]))
            if files[3]:
                rounds.append(DemoRound(period.id, times.after_report, files[3], after_report=True))
    rounds.sort(key=lambda r: r.at)
    return DemoPlan(seed, out_dir, tuple(rounds), report_at, expectations)
