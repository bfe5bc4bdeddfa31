"""Usage errors as one clear message, Vietnamese first, then English (click's own wording, with
typer's suggestion of the verb meant: `dxreport reprot` -> "Did you mean 'report'?")."""

from __future__ import annotations

import re

VERBS = "demo, template, intake, report, status, history, reopen, catalog add-units, server"

# click's English message -> the Vietnamese sentence (named groups are carried over)
_VI = [
    (
        r"No such command '(?P<name>.+?)'\.(?: Did you mean (?P<hint>.+)\?)?$",
        "Không có lệnh '{name}'.{hint_vi}",
    ),
    (
        r"No such option: (?P<name>\S+)(?: \(Possible options: (?P<hint>.+)\))?",
        "Không có tùy chọn {name}.{hint_vi}",
    ),
    (r"Missing command; the commands are: (?P<name>.+)\.", "Thiếu lệnh; các lệnh: {name}."),
    (r"Missing option '(?P<name>.+?)'", "Thiếu tùy chọn {name}."),
    (r"Missing argument '(?P<name>.+?)'", "Thiếu tham số {name}."),
    (r"Option '(?P<name>.+?)' requires an argument", "Tùy chọn {name} cần một giá trị."),
    (
        r"Invalid value for (?P<name>.+?): (?P<detail>.*)",
        "Giá trị không hợp lệ cho {name}: {detail}",
    ),
    (r"Got unexpected extra arguments? \((?P<name>.+)\)", "Thừa tham số: {name}."),
]


def _vietnamese(message: str) -> str:
    for pattern, template in _VI:
        m = re.match(pattern, message)
        if m:
            groups = {k: v or "" for k, v in m.groupdict().items()}
            hint = groups.get("hint")
            groups["hint_vi"] = f" Có phải ý bạn là {hint}?" if hint else ""
            return template.format(**groups)
    return "Sai cách dùng lệnh."


def usage_message(exc) -> str:
    """One message for a typer/click exception (`exc.format_message()` is click's English)."""
    english = exc.format_message().strip()
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "dxreport"
    if english.startswith("Missing command"):
        verbs = ", ".join(getattr(getattr(ctx, "command", None), "commands", None) or [VERBS])
        english = f"Missing command; the commands are: {verbs}."
    if not english.endswith((".", "?", ")")):
        english += "."
    if getattr(exc, "exit_code", 2) != 2:  # e.g. a file click could not open
        return f"Lỗi: {english}\n[EN] Error: {english}"
    return (
        f"{_vietnamese(english)} Xem `{command} --help`.\n"
        f"[EN] Usage error: {english} See `{command} --help`."
    )
