"""Business rules as data: `schemas/rules.yaml` holds each rule's code, severity, sheet, its
Vietnamese and English message templates (with {placeholders}) and the thresholds its check reads
(`params`); code refers to rules by code only."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from schemas import RULES_FILE
from tasks.intake.submission import Message


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    sheet: str | None
    message_vi: str
    message_en: str
    check: str = ""  # where it is checked: file | parse | gx | python | intake | plausibility
    params: dict[str, Any] = field(default_factory=dict)  # thresholds the check reads


class _Blank(dict):
    def __missing__(self, key):  # a missing placeholder prints as '?' rather than raising
        return "?"


# libyaml's parser where PyYAML was built with it (the same documents, 10x faster: 36 KB of
# rules.yaml in 4 ms instead of 38 ms), else the pure-Python one
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4)
def rules_document(path: Path = RULES_FILE) -> dict:
    """rules.yaml parsed once: its `rules:` (here) and `expectations:` (tasks/intake/expectations.py)
    sections. Read-only: callers copy what they keep."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_FILE) -> dict[str, Rule]:
    data = rules_document(path)
    rules = {}
    for item in copy.deepcopy(data["rules"]):
        rule = Rule(**item)
        if rule.severity not in ("error", "warning"):
            raise ValueError(f"{path.name}: rule {rule.code}: severity must be error or warning")
        if rule.code in rules:
            raise ValueError(f"{path.name}: duplicate rule {rule.code}")
        rules[rule.code] = rule
    return rules


def message(code: str, *, sheet: str | None = None, cell: str | None = None, **params) -> Message:
    """Build the message of rule `code`; `sheet` defaults to the rule's sheet."""
    rule = load_rules()[code]
    sheet = sheet if sheet is not None else rule.sheet
    values = _Blank(params, cell=cell or "", sheet=sheet or "")
    return Message(
        severity=rule.severity,  # type: ignore[arg-type]
        rule=code,
        sheet=sheet,
        cell=cell,
        message_vi=rule.message_vi.format_map(values),
        message_en=rule.message_en.format_map(values),
    )
