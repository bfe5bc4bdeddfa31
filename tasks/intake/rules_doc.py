"""The reference page of the validation rules, docs/rules.md, generated from schemas/rules.yaml.

    python -m tasks.intake.rules_doc          # rewrite docs/rules.md
    python -m tasks.intake.rules_doc --check  # exit 1 when docs/rules.md is stale

tests/intake/test_rules_doc.py fails when the page on disk differs from `render()`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import yaml

from schemas import SCHEMAS_DIR
from tasks.intake.rules import Rule, load_rules

DOC_FILE = SCHEMAS_DIR.parent / "docs" / "rules.md"

SEVERITY = {
    "error": "lỗi: tệp bị từ chối / error: the file is rejected",
    "warning": "cảnh báo: tệp vẫn được nhận / warning: the file is still accepted",
}
CHECKS = {
    "file": "the file itself, before it is opened (tasks/intake/file_checks.py, xml_scan.py)",
    "parse": "reading the sheets (tasks/intake/parse.py)",
    "python": 'plain Python ("Thông tin": header_checks.py; "Thuyết minh": validate.py)',
    "gx": "Great Expectations, one run per batch (frames.py, expectations.py; the "
    "`expectations:` section of rules.yaml)",
    "intake": "the intake's ledger (tasks/intake/ledger.py)",
    "plausibility": "what a reviewer would question: against the activity log, the narrative, "
    "the unit's own history and its peers (tasks/intake/plausibility.py, narrative_numbers.py); "
    "run on files without errors, warnings only",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _params(params: Mapping) -> list[str]:
    text = yaml.safe_dump(dict(params), allow_unicode=True, sort_keys=False, width=100)
    return [
        "- Tham số / params:",
        "",
        "  ```yaml",
        *[f"  {line}" for line in text.splitlines()],
        "  ```",
    ]


def render(rules: Mapping[str, Rule] | None = None) -> str:
    """The page, from the rules in file order."""
    rules = rules if rules is not None else load_rules()
    lines = [
        "# Quy tắc kiểm tra / Validation rules",
        "",
        "<!-- Generated from schemas/rules.yaml by `python -m tasks.intake.rules_doc`; do not edit."
        " A test fails when this page is stale. -->",
        "",
        "Every rule the intake applies to a submitted workbook: its code, severity, sheet, where it is",
        "checked, the message the unit reads (Vietnamese) and the operator's line (English), and the",
        "thresholds it reads (`params`). `{placeholders}` are filled in per message; `{sheet}` and",
        "`{cell}` name where the problem is.",
        "",
        "Where a rule is checked:",
        "",
        *[f"- `{check}`: {text}" for check, text in CHECKS.items()],
        "",
        "| Mã / code | Mức độ / severity | Trang / sheet | Kiểm tra / check |",
        "|---|---|---|---|",
    ]
    for rule in rules.values():
        sheet = _cell(rule.sheet) if rule.sheet else "(tệp / file)"
        lines.append(
            f"| [{rule.code}](#{rule.code.lower()}) | {rule.severity} | {sheet} | {rule.check} |"
        )
    for rule in rules.values():
        lines += [
            "",
            f"## {rule.code}",
            "",
            f"- Mức độ / severity: {rule.severity} ({SEVERITY[rule.severity]})",
            f"- Trang / sheet: {rule.sheet or '(tệp / file)'}",
            f"- Kiểm tra / check: {rule.check}",
            f"- Thông báo / message (vi): {rule.message_vi}",
            f"- Message (en): {rule.message_en}",
        ]
        if rule.params:
            lines += _params(rule.params)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = DOC_FILE.read_text(encoding="utf-8") if DOC_FILE.exists() else ""
        if current != text:
            print(f"{DOC_FILE} is stale: run python -m tasks.intake.rules_doc", file=sys.stderr)
            return 1
        return 0
    DOC_FILE.parent.mkdir(parents=True, exist_ok=True)
    DOC_FILE.write_text(text, encoding="utf-8")
    print(DOC_FILE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
