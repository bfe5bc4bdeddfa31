"""Validate a batch of read submissions against the contract (SUBMISSION_FORMAT.md) and the catalogue.

`validate_batch` returns a `ValidationReport` and leaves its input alone: per readable submission,
the rule findings (schemas/rules.yaml) and the cleaned data: activity types/channels typed as their
catalogue name become codes, unsafe evidence links are dropped, narratives are cut to the limit.
`ValidationReport.apply(sub)` builds the validated submission (a new `Submission`).

- "Thông tin" (header) rules are plain Python (tasks/intake/header_checks.py).
- "Chỉ tiêu" and "Hoạt động" rules run in Great Expectations, one run for the whole batch
  (tasks/intake/frames.py builds the frames and maps failures back to messages;
  tasks/intake/expectations.py runs the suite).
- "Thuyết minh" (length limit) is plain Python (here).
- Plausibility warnings (tasks/intake/plausibility.py) run last, on the submissions without errors,
  when the context carries the batch's history and peers (`ValidationContext.plausibility`; the
  intake always gives it, steps.validate_submissions).

When the header is unusable (unit missing/unknown or period unreadable), the rules that need the
unit's type (assignment, missing elements) and the period (activity dates in the window) are
skipped; the other findings are still reported. A sheet that is missing or has a broken header row
(reported by tasks/intake/parse.py) is not checked further.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from schemas.catalog_model import Catalog
from tasks.core.settings import TZ
from tasks.intake.cells import norm
from tasks.intake.frames import run_gx
from tasks.intake.header_checks import SubmissionState, check_header, period_of
from tasks.intake.parse import NARRATIVE_CELL_PREFIX
from tasks.intake.plausibility import PlausibilityContext, check_batch
from tasks.intake.rules import message
from tasks.intake.submission import (
    NARRATIVE_LABELS,
    SHEET_INFO,
    Activity,
    Message,
    Submission,
)

STRUCTURE_RULES = {"SHEET_MISSING", "COLUMN_MISSING"}


@dataclass(frozen=True)
class ValidationContext:
    now: datetime
    locked_periods: frozenset[str] = frozenset()
    narrative_max_chars: int = 4000
    plausibility: PlausibilityContext | None = None  # None: no plausibility checks


@dataclass(frozen=True)
class Findings:
    """What validation found for one submission."""

    messages: tuple[Message, ...]  # in report order, after the reader's own messages
    activities: tuple[Activity, ...]  # codes normalised, unsafe evidence links dropped
    narratives: dict[str, str]  # cut to the length limit


@dataclass(frozen=True)
class ValidationReport:
    """The findings of one batch, by `Submission.key` (readable submissions only)."""

    findings: dict[str, Findings]

    def apply(self, sub: Submission) -> Submission:
        """`sub` as validated: a new Submission with the findings (`sub` itself when it was not
        validated, e.g. unreadable)."""
        found = self.findings.get(sub.key)
        if found is None:
            return sub
        return replace(
            sub,
            messages=[*sub.messages, *found.messages],
            activities=[replace(a) for a in found.activities],
            narratives=dict(found.narratives),
        )


def validate_batch(
    subs: list[Submission], catalog: Catalog, ctx: ValidationContext
) -> ValidationReport:
    """The rule findings of every readable submission of the batch; `subs` is not changed."""
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=TZ)
    states: list[SubmissionState] = []
    keys: set[str] = set()
    for sub in subs:
        if not sub.readable:
            continue
        if sub.key in keys:
            raise ValueError(f"two submissions of one batch share the key {sub.key!r}")
        keys.add(sub.key)
        state = SubmissionState(
            sub,
            activities=[replace(a) for a in sub.activities],
            narratives=dict(sub.narratives),
            broken={m.sheet for m in sub.messages if m.rule in STRUCTURE_RULES and m.sheet},
        )
        if SHEET_INFO not in state.broken:
            check_header(state, catalog, now, ctx.locked_periods)
        else:
            state.unit = catalog.unit(sub.unit_code) if sub.unit_code else None
            state.period = period_of(sub.period_id)
        _normalise_activity_codes(state.activities, catalog)
        states.append(state)
    if states:
        run_gx(states, catalog)
    for state in states:
        _check_narratives(state, ctx.narrative_max_chars)
    if ctx.plausibility is not None:
        check_batch(states, catalog, ctx.plausibility)
    return ValidationReport(
        {s.sub.key: Findings(tuple(s.messages), tuple(s.activities), s.narratives) for s in states}
    )


# --- activity codes typed as names ------------------------------------------------------------------
def _match_code(text: str | None, codes: dict[str, str], names: dict[str, str]) -> str | None:
    if text is None:
        return None
    key = norm(text)
    if key in codes:
        return codes[key]
    if key in names:
        return names[key]
    head = re.split(r"\s+[-–:]\s+|\s*:\s*", key, maxsplit=1)[0]  # "tin_bai - Tin, bài, phóng sự"
    if head in codes:
        return codes[head]
    tail = re.search(r"\(([^()]+)\)\s*$", key)  # "Tin, bài, phóng sự (tin_bai)"
    if tail and tail.group(1).strip() in codes:
        return codes[tail.group(1).strip()]
    return text


def _normalise_activity_codes(activities: list[Activity], catalog: Catalog) -> None:
    """Replace, in these (copied) activities, a type or channel typed as its name by its code."""
    types = (
        {c.code.casefold(): c.code for c in catalog.activity_types},
        {norm(c.name): c.code for c in catalog.activity_types},
    )
    channels = (
        {c.code.casefold(): c.code for c in catalog.channels},
        {norm(c.name): c.code for c in catalog.channels},
    )
    for activity in activities:
        activity.activity_type = _match_code(activity.activity_type, *types)
        activity.channel = _match_code(activity.channel, *channels)


# --- narrative ("Thuyết minh") ----------------------------------------------------------------------
def _check_narratives(state: SubmissionState, limit: int) -> None:
    sub = state.sub
    for key, text in list(state.narratives.items()):
        if text is not None and len(text) > limit:
            state.narratives[key] = text[:limit]
            state.messages.append(
                message(
                    "NARRATIVE_TOO_LONG",
                    cell=sub.header.cells.get(NARRATIVE_CELL_PREFIX + key),
                    label=NARRATIVE_LABELS.get(key, key),
                    length=str(len(text)),
                    limit=str(limit),
                )
            )


__all__ = ["Findings", "ValidationContext", "ValidationReport", "validate_batch"]
