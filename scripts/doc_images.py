"""The images in docs/, made from the real code and printed by the real LibreOffice.

    .venv/bin/python -m scripts.doc_images             # every image
    .venv/bin/python -m scripts.doc_images template    # only docs/template-page.png
    .venv/bin/python -m scripts.doc_images feedback    # only docs/feedback-sheet.png
    .venv/bin/python -m scripts.doc_images report      # docs/report-page1.png, report-charts.png
    .venv/bin/python -m scripts.doc_images unit        # docs/unit-page.png

One function per image: it writes `docs/<name>.png` and returns its path. `pdf_page_png` turns one
page of a PDF into a PNG (poppler's pdftoppm). Needs LibreOffice (installed by
tests/libreoffice.py when missing) and pdftoppm (Debian package poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from schemas.catalog_model import load_catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.intake.submission import SHEET_ELEMENTS
from tasks.workbook.template import write_template
from tests.libreoffice import convert

DOCS = Path(__file__).resolve().parent.parent / "docs"
MAX_BYTES = 250 * 1024


def find_page(pdf: Path, needle: str) -> int:
    """The 1-based number of the first page whose text holds `needle` (e.g. a footer)."""
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        if needle in page.extract_text():
            return number
    raise LookupError(f"no page of {pdf.name} shows {needle!r}")


def pdf_page_png(pdf: Path, page: int, out: Path, *, dpi: int = 80) -> Path:
    """Page `page` of `pdf` as the PNG `out` (smaller resolutions until it is at most MAX_BYTES)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for resolution in (dpi, dpi * 3 // 4, dpi // 2):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(resolution),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf),
                str(out.with_suffix("")),
            ],
            check=True,
        )
        if out.stat().st_size <= MAX_BYTES:
            break
    return out


def template_page(out_dir: Path = DOCS) -> Path:
    """docs/template-page.png: the printed "Chỉ tiêu" page of a phường's template for Quý III/2025."""
    catalog = load_catalog()
    unit = catalog.unit("P_HAI_CHAU")
    assert unit is not None
    with tempfile.TemporaryDirectory(prefix="doc-images-") as tmp:
        work = Path(tmp)
        xlsx = write_template(
            catalog,
            unit,
            Period(2025, 3),
            work,
            working_days=Settings().submission_working_days,
        )
        pdf = convert(xlsx, "pdf", work)
        page = find_page(pdf, f"{SHEET_ELEMENTS} - Trang")
        return pdf_page_png(pdf, page, out_dir / "template-page.png")


def sample_feedback(work: Path) -> Path:
    """A realistic feedback workbook: a phường's corrected Quý III/2025 workbook (version 2) whose
    activity log no longer adds up to its figures, taken in by the real intake."""
    import shutil  # noqa: PLC0415

    from tasks.core.workspace import workspace_catalog  # noqa: PLC0415
    from tasks.intake import steps  # noqa: PLC0415
    from tests.builders import build_workbook  # noqa: PLC0415

    settings = Settings(home=work / "home", now="2025-09-16T08:00:00+07:00")
    catalog = workspace_catalog(settings)
    sent = {
        "v1": {"TIN_BAI": 13, "LUOT_TIEP_CAN": 2620},
        "v2": {"TIN_BAI": 18, "LUOT_TIEP_CAN": 12620, "KINH_PHI": 55, "LOP_TAP_HUAN": 2},
    }
    for name, values in sent.items():
        src = build_workbook(work / f"P_HAI_CHAU-2025Q3-{name}.xlsx", values=values)
        shutil.copyfile(src, settings.paths.inbox / src.name)
        batch = steps.collect(settings, catalog)
        subs = steps.validate_submissions(
            settings, catalog, batch, steps.parse_batch(settings, batch)
        )
        steps.record_batch(settings, batch, subs)
    return max(settings.paths.feedback.glob("*.xlsx"))


def feedback_sheet(out_dir: Path = DOCS) -> Path:
    """docs/feedback-sheet.png: the printed "Kết quả kiểm tra" page of a feedback workbook."""
    with tempfile.TemporaryDirectory(prefix="doc-images-") as tmp:
        work = Path(tmp)
        pdf = convert(sample_feedback(work), "pdf", work)
        return pdf_page_png(pdf, 1, out_dir / "feedback-sheet.png")


def demo_report(work: Path) -> Path:
    """The issued 2025Q3 report of the demo (2024Q3-2025Q3 replayed without Prefect)."""
    from demo.replay import replay_demo
    from tasks.core.periods import periods_between

    home = work / "home"
    reports = replay_demo(
        load_catalog(), periods_between(Period(2024, 3), Period(2025, 3)), home, work / "src"
    )
    return Path(reports["2025Q3"].pdf_path)


def report_pages(out_dir: Path = DOCS) -> list[Path]:
    """docs/report-page1.png (the first page of the 2025Q3 report) and docs/report-charts.png
    (its page with the targets chart)."""
    with tempfile.TemporaryDirectory(prefix="doc-images-") as tmp:
        pdf = demo_report(Path(tmp))
        return [
            pdf_page_png(pdf, 1, out_dir / "report-page1.png"),
            pdf_page_png(pdf, find_page(pdf, "Hình 2."), out_dir / "report-charts.png"),
        ]


def unit_page(out_dir: Path = DOCS) -> Path:
    """docs/unit-page.png: the one-page PDF of a unit (phường Hải Châu, 2025Q3) of the demo."""
    from tasks.core.settings import Settings
    from tasks.unit_pages.render import render_unit_pages

    with tempfile.TemporaryDirectory(prefix="doc-images-") as tmp:
        pdf = demo_report(Path(tmp))
        settings = Settings(home=Path(tmp) / "home", now="2025-09-19T15:00:00+07:00")
        catalog = load_catalog(settings.paths.catalog)
        render_unit_pages(settings, catalog, Period(2025, 3), date(2025, 9, 19), workers=2)
        page = pdf.parent / "don-vi" / "P_HAI_CHAU.pdf"
        return pdf_page_png(page, 1, out_dir / "unit-page.png")


IMAGES: dict[str, Callable[[], Path | list[Path]]] = {
    "template": template_page,
    "feedback": feedback_sheet,
    "report": report_pages,
    "unit": unit_page,
}


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(IMAGES)
    unknown = [n for n in names if n not in IMAGES]
    if unknown:
        print(f"unknown image(s): {', '.join(unknown)}; known: {', '.join(IMAGES)}")
        return 2
    for name in names:
        made = IMAGES[name]()
        for path in made if isinstance(made, list) else [made]:
            print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
