"""tasks/core/deferred_imports.py: a deferred submodule runs at its first use, not at its import;
Great Expectations validates without running scipy.stats."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _fresh(code: str, *args: str, cwd: Path = ROOT) -> list[str]:
    """Runs `code` in a fresh interpreter (its own sys.modules); returns its stdout's lines."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


@pytest.fixture
def package(tmp_path) -> Path:
    """A package whose submodule `heavy` says when it runs."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "heavy.py").write_text("print('RUN')\nVALUE = 42\n")
    return tmp_path


def test_a_deferred_submodule_runs_at_its_first_use(package):
    code = f"""
        import sys
        sys.path.insert(0, {str(package)!r}); sys.path.insert(1, {str(ROOT)!r})
        from tasks.core import deferred_imports as d
        print(d.defer("pkg.heavy"), d.is_loaded("pkg.heavy"))
        from pkg import heavy  # bound, not run
        print("BOUND", d.is_loaded("pkg.heavy"))
        print(heavy.VALUE, d.is_loaded("pkg.heavy"))  # runs here
        import pkg.heavy
        print(pkg.heavy is heavy, sys.modules["pkg.heavy"] is heavy, d.defer("pkg.heavy"))
    """
    assert _fresh(code) == [
        *("True", "False"),
        *("BOUND", "False"),
        *("RUN", "42", "True"),
        *("True", "True", "False"),
    ]


def test_a_plain_import_of_a_deferred_submodule_runs_it_once(package):
    code = f"""
        import sys
        sys.path.insert(0, {str(package)!r}); sys.path.insert(1, {str(ROOT)!r})
        from tasks.core import deferred_imports as d
        d.defer("pkg.heavy")
        import pkg.heavy
        print(pkg.heavy.VALUE, d.is_loaded("pkg.heavy"))
        from pkg import heavy
        print(heavy.VALUE)
    """
    assert _fresh(code) == ["RUN", "42", "True", "42"]


def test_what_is_imported_or_missing_is_left_as_it_is(package):
    code = f"""
        import sys
        sys.path.insert(0, {str(package)!r}); sys.path.insert(1, {str(ROOT)!r})
        from tasks.core import deferred_imports as d
        import pkg.heavy
        print(d.defer("pkg.heavy"), d.is_loaded("pkg.heavy"))
        print(d.defer("pkg.absent"), d.defer("nopkg.heavy"), "pkg.absent" in sys.modules)
    """
    assert _fresh(code) == ["RUN", "False", "True", "False", "False", "False"]
    from tasks.core import deferred_imports

    with pytest.raises(ValueError, match="submodule"):
        deferred_imports.defer("json")


def test_great_expectations_validates_without_running_scipy_stats(tmp_path):
    """A batch validated in a fresh interpreter: Great Expectations finds the negative value, and
    scipy.stats, which it imports for expectations dxreport never uses, has not run; it still
    works when something asks for it."""
    code = """
        import sys
        from datetime import datetime
        from schemas.catalog_model import load_catalog
        from tasks.core.deferred_imports import is_loaded
        from tasks.core.settings import TZ, Settings
        from tasks.intake.parse import read_submission
        from tasks.intake.validate import ValidationContext, validate_batch
        from tests import builders as b

        values = b.default_values("P_HAI_CHAU")
        values["TIN_BAI"] = -1
        path = b.build_workbook(__import__("pathlib").Path(sys.argv[1]) / "neg.xlsx", values=values)
        sub = read_submission(path, path.name, "neg", Settings())
        report = validate_batch([sub], load_catalog(), ValidationContext(now=datetime(2025, 9, 16, tzinfo=TZ)))
        print(sorted({m.rule for m in report.apply(sub).messages}))
        print("great_expectations" in sys.modules, is_loaded("scipy.stats"))
        from scipy import stats
        print(stats.norm.cdf(0.0), is_loaded("scipy.stats"))
    """
    assert _fresh(code, str(tmp_path)) == ["['VALUE_NEGATIVE']", "True", "False", "0.5", "True"]
