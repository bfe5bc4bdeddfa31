"""The demo's LibreOffice-saved workbook (demo/libreoffice.py) is real and not stale."""

from __future__ import annotations

import zipfile

from demo.generator import generate_demo
from demo.libreoffice import LIBREOFFICE_PERIODS, fixture_path
from tasks.core.periods import Period
from tests.demo.support import files_of, read_workbook

STALE = "demo/fixtures/libreoffice is stale: run `python -m scripts.libreoffice_fixture`"


def test_the_demo_sends_a_workbook_saved_by_libreoffice(plan):
    for period_id in LIBREOFFICE_PERIODS:
        exp = plan.expectations[period_id]
        (code,) = exp.libreoffice_units
        path, f = files_of(plan, period_id)[f"{period_id}_{code}.xlsx"]
        assert (f.kind, f.round, f.expect) == ("libreoffice", 1, "accepted")
        assert path.read_bytes() == fixture_path(period_id, code).read_bytes()
        with zipfile.ZipFile(path) as z:
            assert "<Application>LibreOffice" in z.read("docProps/app.xml").decode()


def test_the_fixture_holds_what_the_generator_writes(catalog, tmp_path):
    for period_id in LIBREOFFICE_PERIODS:
        plan = generate_demo(catalog, [Period.parse(period_id)], tmp_path, use_fixtures=False)
        (code,) = plan.expectations[period_id].libreoffice_units
        generated = tmp_path / period_id / "round1" / f"{period_id}_{code}.xlsx"
        saved = fixture_path(period_id, code)
        assert saved.is_file(), STALE
        assert read_workbook(saved) == read_workbook(generated), STALE
