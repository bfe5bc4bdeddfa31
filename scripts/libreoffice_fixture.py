"""Write the demo's LibreOffice-saved workbooks again (demo/libreoffice.py).

    python -m scripts.libreoffice_fixture

For each period of LIBREOFFICE_PERIODS: generate that period's demo files without fixtures, take
the `libreoffice_unit`'s on-time workbook, open and save it with the real LibreOffice Calc
(`soffice --headless --convert-to xlsx`, installed by tests/libreoffice.py when missing) and commit
the result under demo/fixtures/libreoffice/. Run it after the generator or the template changes;
tests/demo/test_libreoffice_fixture.py says when it is due.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from demo.generator import generate_demo
from demo.libreoffice import FIXTURE_DIR, LIBREOFFICE_PERIODS, fixture_path
from schemas.catalog_model import load_catalog
from tasks.core.periods import Period
from tests.libreoffice import convert


def main() -> None:
    catalog = load_catalog()
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    for old in FIXTURE_DIR.glob("*.xlsx"):
        old.unlink()
    for period_id in LIBREOFFICE_PERIODS:
        with tempfile.TemporaryDirectory(prefix="dxreport-lo-fixture-") as tmp:
            plan = generate_demo(catalog, [Period.parse(period_id)], Path(tmp), use_fixtures=False)
            exp = plan.expectations[period_id]
            code = next(iter(exp.libreoffice_units))
            generated = Path(tmp) / period_id / "round1" / f"{period_id}_{code}.xlsx"
            saved = convert(generated, "xlsx:Calc MS Excel 2007 XML", Path(tmp) / "saved")
            target = fixture_path(period_id, code)
            shutil.copyfile(saved, target)
            print(f"{target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
