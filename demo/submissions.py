"""The files of one period: who sends nothing, who is late, who corrects, who sends a broken file.

- about 8% of the expected units send nothing (missing), about 10% send after the deadline (late);
- exactly one unit per period sends a corrected workbook later (`<period>_<UNIT>_sua.xlsx`);
- the period's broken files (demo/broken.py). The rejected ones are sent by units that also sent
  a valid workbook on time, so the on-time / late / missing sets are not affected by them;
  `text_numbers_nfd` is a late unit's only workbook (valid, with warnings);
- in the periods of demo/libreoffice.py, one on-time unit's workbook as LibreOffice Calc saved it;
- in the periods of demo/plausibility.py, a few on-time units' workbooks carry a mistake a reviewer
  would catch (accepted with warnings: the log does not add up, a stale narrative figure, a flow
  typed ten times too big, a stock lower than last quarter's);
- one unit resends its on-time file unchanged (a duplicate), and, when more than one unit is
  missing, one of them sends its workbook after the report (round 3, the period is locked).

Every draw comes from a `random.Random` seeded by (seed, period, unit, purpose), so a file never
depends on which other periods or files are generated. Files go to `<out_dir>/<period>/round<k>/`.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import Workbook

from demo import text
from demo.broken import (
    BROKEN_FILE_NAMES,
    BROKEN_RULES,
    break_workbook,
    broken_kinds,
    corrupt_zip_bytes,
    legacy_xls_bytes,
    make_text_numbers_nfd,
)
from demo.fill import Templates, fill
from demo.libreoffice import LIBREOFFICE_PERIODS, libreoffice_fixture
from demo.plan import DemoFile, PeriodExpectation, RoundTimes
from demo.plausibility import Plant, plants
from demo.series import Series
from demo.words import words
from schemas.catalog_model import Catalog, DataElement
from tasks.core.periods import Period
from tasks.workbook.template import template_units, workbook_bytes

MISSING_SHARE = 0.08
LATE_SHARE = 0.10
ROUNDS = (1, 2, 3)


@dataclass(frozen=True)
class Cast:
    """Who does what in a period (unit codes)."""

    expected: list[str]
    missing: list[str]
    late: list[str]
    on_time: list[str]
    corrected: str
    rejecting: list[str]  # the period's broken kinds that are rejected ...
    broken_senders: list[str]  # ... and who sends each of them
    nfd_unit: str | None  # the late unit whose workbook is `text_numbers_nfd`
    libreoffice_unit: str | None  # the on-time unit whose workbook was saved by LibreOffice
    planted: dict[str, Plant] = field(default_factory=dict)  # on-time unit -> its mistake


def cast(
    codes: list[str],
    period: Period,
    seed: int,
    planting: Callable[[list[str]], dict[str, Plant]] | None = None,
) -> Cast:
    """Who does what; `planting` picks, among the on-time units left free, who sends a workbook
    with a plausibility mistake (demo/plausibility.py)."""
    rng = random.Random(f"{seed}:{period.id}:plan")
    shuffled = codes[:]
    rng.shuffle(shuffled)
    n_missing = max(1, round(MISSING_SHARE * len(codes)))
    n_late = max(1, round(LATE_SHARE * len(codes)))
    missing = sorted(shuffled[:n_missing])
    late = sorted(shuffled[n_missing : n_missing + n_late])
    on_time = sorted(shuffled[n_missing + n_late :])
    corrected = rng.choice(on_time)
    kinds = broken_kinds(period)
    rejecting = [k for k in kinds if k != "text_numbers_nfd"]
    broken_senders = rng.sample([c for c in on_time if c != corrected], len(rejecting))
    nfd_unit = rng.choice(late) if "text_numbers_nfd" in kinds else None
    plain = [c for c in on_time if c != corrected and c not in broken_senders]
    libreoffice_unit = rng.choice(plain) if period.id in LIBREOFFICE_PERIODS and plain else None
    free = [c for c in plain if c != libreoffice_unit]
    return Cast(
        codes,
        missing,
        late,
        on_time,
        corrected,
        rejecting,
        broken_senders,
        nfd_unit,
        libreoffice_unit,
        planting(free) if planting else {},
    )


class PeriodWriter:
    """Builds the period's workbooks and writes each file into its round folder (emptied first)."""

    def __init__(
        self,
        catalog: Catalog,
        series: Series,
        templates: Templates,
        period: Period,
        out_dir: Path,
        seed: int,
        use_fixtures: bool = True,
    ):
        self.catalog, self.series, self.templates = catalog, series, templates
        self.period, self.seed, self.use_fixtures = period, seed, use_fixtures
        self.round_dirs = {k: out_dir / period.id / f"round{k}" for k in ROUNDS}
        for d in self.round_dirs.values():
            if d.exists():
                shutil.rmtree(d)
            d.mkdir(parents=True)
        self.files: list[DemoFile] = []
        self.paths: dict[int, list[Path]] = {k: [] for k in ROUNDS}

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def emit(
        self,
        name: str,
        data: bytes,
        rnd: int,
        sender: str,
        kind: str,
        expect: str,
        rule: str | None = None,
    ) -> None:
        if any(f.name == name for f in self.files):
            raise AssertionError(f"duplicate demo file name {name}")
        path = self.round_dirs[rnd] / name
        path.write_bytes(data)
        self.paths[rnd].append(path)
        self.files.append(DemoFile(name, rnd, sender, kind, expect, rule))

    def build(
        self,
        code: str,
        prepared_on: date,
        *,
        values_override: dict | None = None,
        notes: dict | None = None,
        planted: Plant | None = None,
    ) -> tuple[Workbook, list[DataElement]]:
        """The unit's filled workbook (values, preparer, activities, narrative); `planted`: the
        figures of a workbook with a mistake a reviewer would catch (demo/plausibility.py)."""
        period = self.period
        unit = self.catalog.unit_by_code[code]
        urng = self._rng(code, period.id, "content")
        values = dict(self.series.values(unit, period))
        header = text.header(self._rng(code, "person"), unit)
        drawn = text.activities(urng, self.catalog, unit, period, values)
        if values_override:  # a correction: its log and its narrative tell the corrected figures
            values.update(values_override)
        log_values = narrative_values = values
        if planted is not None:
            values, log_values, narrative_values = (
                planted.values,
                planted.log_values,
                planted.narrative_values,
            )
        activities = text.reconcile(
            self._rng(code, period.id, "log"), self.catalog, unit, period, drawn, log_values
        )
        narrative = text.narrative(urng, unit, period, narrative_values)
        elements = self.catalog.elements_for_type(unit.type)
        wb = self.templates.workbook(unit, period)
        fill(wb, values, header, prepared_on, activities, narrative, notes or {})
        return wb, elements

    def saved(self, wb: Workbook, day: date, code: str) -> bytes:
        """The workbook's bytes, saved at a time of `day` drawn for the unit (office hours)."""
        minute = self._rng(code, self.period.id, day).randint(0, 8 * 60)
        return workbook_bytes(wb, datetime.combine(day, time(8, 0)) + timedelta(minutes=minute))

    def prepared_day(self, code: str, lo: date, hi: date) -> date:
        r = self._rng(code, self.period.id, "prepared")
        return lo + timedelta(days=r.randint(0, max(0, (hi - lo).days)))

    def expectation(self, who: Cast) -> PeriodExpectation:
        return PeriodExpectation(
            period_id=self.period.id,
            expected_units=tuple(who.expected),
            on_time=frozenset(who.on_time),
            late=frozenset(who.late),
            missing=frozenset(who.missing),
            corrected=frozenset({who.corrected}),
            files=tuple(sorted(self.files, key=lambda f: (f.round, f.name))),
            libreoffice_units=frozenset([who.libreoffice_unit] if who.libreoffice_unit else []),
            warned={code: p.rule for code, p in who.planted.items()},
        )


def generate_period(
    catalog: Catalog,
    series: Series,
    templates: Templates,
    period: Period,
    out_dir: Path,
    seed: int,
    times: RoundTimes,
    use_fixtures: bool = True,
) -> tuple[PeriodExpectation, dict[int, tuple[Path, ...]]]:
    """Write the period's files; return what the intake should find and the files of each round.

    `use_fixtures=False` writes the generated workbook where a committed LibreOffice-saved one
    would go (demo/libreoffice.py), which is how that fixture is made."""
    units = sorted(template_units(catalog, period, None), key=lambda u: u.code)
    who = cast(
        [u.code for u in units],
        period,
        seed,
        lambda free: plants(catalog, series, period, free, seed),
    )
    out = PeriodWriter(catalog, series, templates, period, out_dir, seed, use_fixtures)
    second_day = times.second.date()
    valid = _on_time(out, who, times)
    _late(out, who, times)
    _correction(out, who, second_day)
    _broken(out, who, valid, second_day)
    _copy_and_latecomer(out, who, valid, times)
    return out.expectation(who), {k: tuple(sorted(v)) for k, v in out.paths.items()}


def _on_time(out: PeriodWriter, who: Cast, times: RoundTimes) -> dict[str, bytes]:
    """Round 1: every on-time unit's workbook; returns unit -> its bytes."""
    pid = out.period.id
    valid: dict[str, bytes] = {}
    for code in who.on_time:
        day = out.prepared_day(code, out.period.window_end - timedelta(days=1), times.deadline)
        planted = who.planted.get(code)
        wb, _ = out.build(code, day, planted=planted)
        valid[code] = out.saved(wb, day, code)
        kind, expect, rule = "submission", "accepted", None
        if planted is not None:
            kind, expect, rule = "plausibility", "accepted_with_warnings", planted.rule
        if code == who.libreoffice_unit and out.use_fixtures:
            saved = libreoffice_fixture(pid, code, out.seed)
            if saved is not None:  # the same workbook, opened and saved again in LibreOffice Calc
                valid[code], kind = saved, "libreoffice"
        out.emit(f"{pid}_{code}.xlsx", valid[code], 1, code, kind, expect, rule)
    return valid


def _late(out: PeriodWriter, who: Cast, times: RoundTimes) -> None:
    """Round 2: the late units' workbooks, one of them typed the `text_numbers_nfd` way."""
    pid = out.period.id
    for code in who.late:
        day = out.prepared_day(code, times.deadline + timedelta(days=1), times.second.date())
        wb, elements = out.build(code, day)
        if code == who.nfd_unit:
            make_text_numbers_nfd(wb, out.period, elements)
            kind, expect = "text_numbers_nfd", "accepted_with_warnings"
            rule = BROKEN_RULES[kind]
        else:
            kind, expect, rule = "submission", "accepted", None
        out.emit(f"{pid}_{code}.xlsx", out.saved(wb, day, code), 2, code, kind, expect, rule)


def _correction(out: PeriodWriter, who: Cast, day: date) -> None:
    """Round 2: one more article found after sending (flows only, so stocks stay monotone)."""
    catalog, code = out.catalog, who.corrected
    unit = catalog.unit_by_code[code]
    original = out.series.values(unit, out.period)
    element = (
        "TIN_BAI"
        if "TIN_BAI" in original
        else next(e.code for e in catalog.elements_for_type(unit.type) if e.kind == "flow")
    )
    delta = random.Random(f"{out.seed}:{out.period.id}:correction").randint(1, 5)
    note = words().correction_note.format(delta=delta, uom=catalog.element_by_code[element].uom)
    wb, _ = out.build(
        code, day, values_override={element: original[element] + delta}, notes={element: note}
    )
    name = f"{out.period.id}_{code}_sua.xlsx"
    out.emit(name, out.saved(wb, day, code), 2, code, "correction", "accepted")


def _broken(out: PeriodWriter, who: Cast, valid: dict[str, bytes], day: date) -> None:
    """Round 2: the rejected broken files, each from an on-time unit (whose valid file counts)."""
    pid = out.period.id
    for kind, code in zip(who.rejecting, who.broken_senders, strict=True):
        krng = random.Random(f"{out.seed}:{pid}:{kind}")
        if kind == "legacy_xls":
            data = legacy_xls_bytes(krng)
        elif kind == "corrupt_zip":
            data = corrupt_zip_bytes(valid[code])
        else:
            wb, _ = out.build(code, day)
            break_workbook(wb, kind, out.catalog, code, krng)
            data = out.saved(wb, day, code)
        name = BROKEN_FILE_NAMES[kind].format(pid=pid, code=code)
        out.emit(name, data, 2, code, kind, "rejected", BROKEN_RULES[kind])


def _copy_and_latecomer(
    out: PeriodWriter, who: Cast, valid: dict[str, bytes], times: RoundTimes
) -> None:
    """Round 2: a unit resends its on-time file unchanged (same bytes: nothing recorded twice).
    Round 3: a missing unit sends its workbook after the report was issued (after_lock)."""
    pid = out.period.id
    drng = random.Random(f"{out.seed}:{pid}:duplicate")
    resender = drng.choice([c for c in who.on_time if c != who.corrected])
    name = f"{pid}_{resender}_ban_sao.xlsx"
    out.emit(name, valid[resender], 2, resender, "duplicate", "duplicate")
    if len(who.missing) > 1:
        latecomer = drng.choice(who.missing)
        day = times.after_report.date()
        wb, _ = out.build(latecomer, day)
        data = out.saved(wb, day, latecomer)
        out.emit(
            f"{pid}_{latecomer}.xlsx", data, 3, latecomer, "after_lock", "rejected", "PERIOD_LOCKED"
        )
