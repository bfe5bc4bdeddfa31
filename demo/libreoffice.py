"""Workbooks as LibreOffice Calc saves them: real files, committed, for the demo to send.

Many offices fill the workbook in LibreOffice Calc, which rewrites the whole file on saving (its own
styles, shared strings, drop-downs and dates). The demo sends one such file per period listed in
LIBREOFFICE_PERIODS: the workbook the generator builds for that period's `libreoffice_unit`
(demo/submissions.py), opened and saved again with `soffice --headless --convert-to xlsx`. The file
is committed under demo/fixtures/libreoffice/ because the demo must run where LibreOffice is not
installed; `python -m scripts.libreoffice_fixture` writes it again after the generator or the
template changes, and tests/demo/test_libreoffice_fixture.py fails while it is stale.
"""

from __future__ import annotations

from pathlib import Path

from demo.series import DEFAULT_SEED

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "libreoffice"
LIBREOFFICE_PERIODS = ("2025Q3",)


def fixture_path(period_id: str, unit_code: str) -> Path:
    return FIXTURE_DIR / f"{period_id}_{unit_code}.xlsx"


def libreoffice_fixture(period_id: str, unit_code: str, seed: int) -> bytes | None:
    """The LibreOffice-saved workbook of that unit and period, when one is committed for `seed`."""
    path = fixture_path(period_id, unit_code)
    if seed != DEFAULT_SEED or not path.is_file():
        return None
    return path.read_bytes()
