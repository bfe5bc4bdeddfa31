"""Benchmark: the city report at scale (issue 7 targets: the model in <= 1 s at 1,000 units, <= 100 ms
a page for the PDF).

    .venv/bin/python bench/report.py [--units 1000] [--keep DIR]

Builds a warehouse with the real schema (schemas/sql/ddl.sql) for the packaged catalogue plus N
synthetic phường/xã (valid from 01/07/2025), each with a submission in every quarter from 2024Q3 to
2025Q3 (the values of a phường: 15 elements, 4 activity lines, 4 narratives), inserted with SQL in
bulk (intake speed is bench/run.py's business). Then times, in this process: building the view model,
rendering the PDF (WeasyPrint, PDF/A-3b with attachments) as dxreport does (a long report in parts
side by side, tasks/report/parts.py), twice, checks the two PDFs are byte-identical, then renders it
once more in one process for comparison. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DO_NOT_TRACK", "1")

import duckdb  # noqa: E402

from schemas import SQL_DIR  # noqa: E402
from schemas.catalog_model import Unit, load_catalog  # noqa: E402
from tasks.core.periods import Period, ReportingCalendar, periods_between  # noqa: E402
from tasks.core.settings import TZ  # noqa: E402

PERIODS = periods_between(Period(2024, 3), Period(2025, 3))
NARRATIVE = (
    "Trong quý, đơn vị đã tổ chức tuyên truyền về dịch vụ công trực tuyến và thanh toán không dùng "
    "tiền mặt. Tổ Công nghệ số cộng đồng hỗ trợ người dân cài đặt ứng dụng. "
)


def synthetic_units(n: int) -> list[Unit]:
    return [
        Unit(
            code=f"X_BENCH_{i:05d}",
            name=f"UBND xã Thử nghiệm {i:05d}",
            type="phuong_xa",
            valid_from=date(2025, 7, 1),
        )
        for i in range(n)
    ]


def build_warehouse(path: Path, catalog, units: list[Unit]) -> int:
    """Bulk-insert one accepted version per unit and period (Arrow-free: executemany on prepared
    statements inside one transaction). Returns the number of submissions."""
    rng = random.Random(7)
    con = duckdb.connect(str(path))
    con.execute((SQL_DIR / "ddl.sql").read_text(encoding="utf-8"))
    elements = [e for e in catalog.data_elements if "phuong_xa" in e.unit_types]
    arrivals, submissions, values, narratives, activities = [], [], [], [], []
    n = 0
    for p in PERIODS:
        # before 01/07/2025 the synthetic units report as the old phường would have: keep them,
        # like-for-like comparisons then map nothing (they are their own base)
        received = datetime.combine(p.window_end + timedelta(days=1), datetime.min.time(), TZ)
        for u in units:
            n += 1
            sha = hashlib.sha256(f"{u.code}-{p.id}".encode()).hexdigest()
            arrivals.append(
                (
                    n,
                    f"{n:06d}-{sha[:16]}.json",
                    f"{u.code}.xlsx",
                    sha,
                    1000,
                    f"archive/{sha}",
                    received,
                    u.code,
                    p.id,
                    1,
                    "accepted",
                    "on_time",
                    "{}",
                    True,
                )
            )
            submissions.append(
                (u.code, p.id, 1, n, sha, received, "on_time", False, received.date())
            )
            for e in elements:
                if e.kind == "yes_no":
                    v = float(rng.random() < 0.9)
                elif e.kind == "money":
                    v = round(rng.uniform(1, 50), 1)
                else:
                    v = float(rng.randint(0, 40))
                values.append((u.code, p.id, 1, e.code, v))
            for s in ("ket_qua", "kho_khan", "de_xuat", "nhiem_vu"):
                narratives.append((u.code, p.id, 1, s, NARRATIVE))
            for k in range(4):
                activities.append(
                    (
                        u.code,
                        p.id,
                        1,
                        7 + k,
                        p.window_start + timedelta(days=k),
                        "tin_bai",
                        "mang_xa_hoi",
                        "Tin bài",
                        1 + k,
                        100.0,
                        0.5,
                    )
                )
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO arrivals (arrival_no, receipt_name, file_name, sha256, size_bytes, archive_path,"
        " received_at, unit_code, period_id, version, status, timeliness, receipt_json, finished)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        arrivals,
    )
    con.executemany(
        "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 'A', '0', 'a@b.vn', ?, 1)",
        submissions,
    )
    con.executemany("INSERT INTO element_values VALUES (?, ?, ?, ?, ?, NULL)", values)
    con.executemany("INSERT INTO narratives VALUES (?, ?, ?, ?, ?)", narratives)
    con.executemany(
        "INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", activities
    )
    con.execute("COMMIT")
    con.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dxreport-bench-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog().with_units(synthetic_units(args.units))
    db = folder / "warehouse.duckdb"
    if db.exists():
        db.unlink()
    started = time.perf_counter()
    n = build_warehouse(db, catalog, [u for u in catalog.units if u.code.startswith("X_BENCH_")])
    print(
        f"warehouse: {args.units} synthetic units, {n} submissions in {time.perf_counter() - started:.1f} s"
    )

    from tasks.report.build import build_report_model
    from tasks.report.render import render_pdf

    calendar = ReportingCalendar(2, 20)
    period = PERIODS[-1]
    timings = []
    for _ in range(2):
        t = time.perf_counter()
        model = build_report_model(db, catalog, period, date(2025, 9, 19), calendar=calendar)
        timings.append(time.perf_counter() - t)
    print(f"model: {timings[0]:.2f} s (first), {timings[1]:.2f} s (again)")
    digests = []
    for i in range(2):
        out = folder / f"bao-cao-{i}.pdf"
        stats = render_pdf(model, out)
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
        print(
            f"render {i + 1}: {stats.pages} pages in {stats.seconds:.2f} s = "
            f"{stats.seconds / stats.pages * 1000:.0f} ms/page ({stats.parts} part(s) side by side)"
        )
    print(f"byte-identical renders: {'yes' if digests[0] == digests[1] else 'NO'}")
    whole = render_pdf(model, folder / "bao-cao-whole.pdf", workers=1)
    print(
        f"render in one process (DXREPORT_REPORT_WORKERS=1): {whole.pages} pages in "
        f"{whole.seconds:.2f} s = {whole.seconds / whole.pages * 1000:.0f} ms/page"
    )
    print(f"files in {folder}")


if __name__ == "__main__":
    main()
