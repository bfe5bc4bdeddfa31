"""Caching by content (issue 9): a draft whose inputs did not change is returned as it is, without
building the view model or rendering; a new submission version, a catalogue change, another date,
a modified PDF or `force` render it again."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tasks.report.build
import tasks.report.render
from tasks.core.periods import Period
from tasks.report.cache import current_draft_key
from tasks.report.issue import render_report
from tests.builders import build_workbook
from tests.intake.test_intake import drop, run

Q3 = Period.parse("2025Q3")
THURSDAY = "2025-09-18T10:00:00+07:00"
ROOT = Path(__file__).resolve().parents[2]


def _sha(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def loaded(make_settings, catalog, tmp_path):
    """A workspace with one accepted submission for 2025Q3 and its draft rendered once."""
    settings = make_settings(now="2025-09-16T08:00:00+07:00")
    drop(settings, build_workbook(tmp_path / "src" / "v1.xlsx", values={"TIN_BAI": 13}))
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"].startswith("accepted")
    first = render_report(make_settings(now=THURSDAY), catalog, Q3)
    assert not first.reused
    return settings, first


@pytest.fixture
def no_rendering(monkeypatch):
    """Building the view model or rendering a PDF fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered although nothing changed")

    monkeypatch.setattr(tasks.report.build, "build_report_model", refuse)
    monkeypatch.setattr(tasks.report.render, "render_pdf", refuse)


def test_an_unchanged_draft_is_returned_without_rendering(
    loaded, make_settings, catalog, no_rendering
):
    settings, first = loaded
    pdf = Path(first.pdf_path)
    sha, mtime = _sha(pdf), pdf.stat().st_mtime_ns
    manifest = json.loads(Path(first.manifest_path).read_text(encoding="utf-8"))
    assert len(manifest["cache_key"]) == 64
    again = render_report(make_settings(now="2025-09-18T16:30:00+07:00"), catalog, Q3)
    assert again.reused and again.pdf_path == first.pdf_path
    assert (_sha(pdf), pdf.stat().st_mtime_ns) == (sha, mtime)
    assert (again.pages, again.data_sha256, again.issued_on) == (
        first.pages,
        first.data_sha256,
        first.issued_on,
    )
    assert current_draft_key(make_settings(now=THURSDAY), Q3) == (manifest["cache_key"], True)


def test_force_renders_again(loaded, make_settings, catalog):
    _, first = loaded
    forced = render_report(make_settings(now=THURSDAY), catalog, Q3, force=True)
    assert not forced.reused and forced.seconds > 0
    assert _sha(forced.pdf_path) == _sha(first.pdf_path)  # the same inputs, the same bytes


def test_a_new_submission_version_renders_again(loaded, make_settings, catalog, tmp_path):
    settings, first = loaded
    drop(settings, build_workbook(tmp_path / "src" / "v2.xlsx", values={"TIN_BAI": 14}))
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["version"] == 2
    again = render_report(make_settings(now=THURSDAY), catalog, Q3)
    assert not again.reused and again.data_sha256 != first.data_sha256


def test_a_duplicate_or_a_later_quarter_changes_nothing(
    loaded, make_settings, catalog, tmp_path, no_rendering
):
    settings, first = loaded
    drop(settings, tmp_path / "src" / "v1.xlsx", "again.xlsx")  # the same bytes again
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"] == "duplicate"
    assert render_report(make_settings(now=THURSDAY), catalog, Q3).reused
    # nor does a later quarter's file (a report reads its own and earlier quarters)
    drop(settings, build_workbook(tmp_path / "src" / "q4.xlsx", period="2025Q4"))
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["period"] == "2025Q4"
    assert render_report(make_settings(now=THURSDAY), catalog, Q3).reused


def test_a_rejected_file_of_the_period_renders_again(loaded, make_settings, catalog, tmp_path):
    settings, _ = loaded
    drop(settings, build_workbook(tmp_path / "src" / "bad.xlsx", values={"TIN_BAI": -5}))
    (receipt,) = run(settings, catalog)["receipts"]
    assert receipt["status"] == "rejected"  # the report's submission status counts it
    assert not render_report(make_settings(now=THURSDAY), catalog, Q3).reused


def test_a_catalogue_change_renders_again(loaded, make_settings, catalog):
    settings, _ = loaded
    (first_yaml, *_) = sorted(settings.paths.catalog.glob("*.yaml"))
    with first_yaml.open("a", encoding="utf-8") as f:
        f.write("\n# sửa danh mục\n")
    assert not render_report(make_settings(now=THURSDAY), catalog, Q3).reused


def test_another_date_renders_again(loaded, make_settings, catalog):
    _, first = loaded
    later = render_report(make_settings(now="2025-09-23T09:00:00+07:00"), catalog, Q3)
    assert not later.reused and later.issued_on == "2025-09-23" != first.issued_on


def test_a_modified_or_missing_pdf_renders_again(loaded, make_settings, catalog):
    _, first = loaded
    pdf = Path(first.pdf_path)
    sha = _sha(pdf)
    pdf.write_bytes(pdf.read_bytes() + b"%")
    assert current_draft_key(make_settings(now=THURSDAY), Q3)[1] is False  # type: ignore[index]
    assert not render_report(make_settings(now=THURSDAY), catalog, Q3).reused
    assert _sha(pdf) == sha
    pdf.unlink()
    assert not render_report(make_settings(now=THURSDAY), catalog, Q3).reused
    assert _sha(pdf) == sha


def test_a_reused_draft_imports_neither_weasyprint_nor_pandas(loaded, tmp_path):
    settings, first = loaded
    script = (
        "import sys\n"
        "from schemas.catalog_model import load_catalog\n"
        "from tasks.core.periods import Period\n"
        "from tasks.core.settings import Settings\n"
        "from tasks.report.issue import render_report\n"
        f"s = Settings(home={str(settings.paths.home)!r}, now={THURSDAY!r})\n"
        "r = render_report(s, load_catalog(), Period.parse('2025Q3'))\n"
        "heavy = sorted(m for m in ('weasyprint', 'pandas', 'matplotlib', 'openpyxl',\n"
        "    'great_expectations', 'dask') if m in sys.modules)\n"
        "print(r.reused, heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True []"


def test_the_command_knows_ahead_whether_the_report_will_render(loaded, make_settings, catalog):
    """What `dxreport report` imports while it waits for its temporary API depends on this
    (flows/cli/prefetch.py): nothing for a draft reused as it is."""
    from flows.cli.verbs import _report_will_render  # noqa: PLC0415

    settings = make_settings(now=THURSDAY)
    assert not _report_will_render({"period": "2025Q3"}, settings)
    assert _report_will_render({"period": "2025Q3", "force": True}, settings)
    assert _report_will_render({"period": "2025Q3", "final": True}, settings)
    assert _report_will_render({"period": "2025Q2"}, settings)  # never rendered
    assert _report_will_render({"period": "2025Q3"}, make_settings(now="2025-09-25T10:00:00+07:00"))
    Path(loaded[1].pdf_path).unlink()
    assert _report_will_render({"period": "2025Q3"}, settings)
