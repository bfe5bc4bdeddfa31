"""Benchmark: national scale in simulation (issue 9, docs/scale.md) — P provinces' warehouses
rolled up into one national database.

    .venv/bin/python bench/national.py [--provinces 34] [--units 300] [--keep DIR]

Each province is a warehouse with the real schema (schemas/sql/ddl.sql) holding U synthetic
phường/xã with one accepted submission in each quarter 2024Q3–2025Q3 (a phường's 15 data elements),
generated in SQL (intake speed is bench/scale.py's business). Then, timed: the roll-up by ATTACH
(tasks/national/rollup.py, every province), rolling one province up again (a province resends),
the Parquet route (each province exports, the nation reads all with one read_parquet) and the
national figures of a quarter. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")

import duckdb  # noqa: E402

from schemas import SQL_DIR  # noqa: E402
from schemas.catalog_model import load_catalog  # noqa: E402
from tasks.national.rollup import export_parquet, national_totals, rollup  # noqa: E402

PERIODS = ["2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3"]


def build_province(path: Path, code: str, units: int, elements: list[str]) -> int:
    """A province warehouse with `units` units x the periods; returns its number of values."""
    con = duckdb.connect(str(path))
    try:
        con.execute((SQL_DIR / "ddl.sql").read_text(encoding="utf-8"))
        con.execute(
            "INSERT INTO catalog_units SELECT $p || '_X' || lpad(i::VARCHAR, 5, '0'), "
            "'UBND xã ' || i, 'phuong_xa', DATE '2025-07-01', NULL FROM range($n) t(i)",
            {"p": code, "n": units},
        )
        con.execute(
            "INSERT INTO submissions SELECT c.unit_code, p.period_id, 1, "
            "row_number() OVER (), sha256(c.unit_code || p.period_id), "
            "TIMESTAMPTZ '2025-09-15 10:00:00+07', 'on_time', FALSE, NULL, 'A', '0', 'a@b.vn', "
            "DATE '2025-09-12', 1 FROM catalog_units c, (SELECT unnest($periods) AS period_id) p",
            {"periods": PERIODS},
        )
        con.execute(
            "INSERT INTO element_values SELECT s.unit_code, s.period_id, 1, e.element_code, "
            "floor(random() * 40), NULL FROM submissions s, "
            "(SELECT unnest($elements) AS element_code) e",
            {"elements": elements},
        )
        return con.execute("SELECT count(*) FROM element_values").fetchone()[0]
    finally:
        con.close()


def timed(label: str, rows: list, fn):
    start = time.perf_counter()
    result = fn()
    rows.append((label, time.perf_counter() - start))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--provinces", type=int, default=34)
    ap.add_argument("--units", type=int, default=300, help="units per province")
    ap.add_argument("--keep", help="build in this folder and keep it")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dxreport-national-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    elements = [e.code for e in load_catalog().data_elements if "phuong_xa" in e.unit_types]
    rows: list[tuple[str, float]] = []
    codes = [f"T{i:02d}" for i in range(args.provinces)]
    paths = {c: work / f"{c}.duckdb" for c in codes}
    n_values = timed(
        f"build {args.provinces} province warehouses (SQL)",
        rows,
        lambda: sum(build_province(paths[c], c, args.units, elements) for c in codes),
    )
    out = work / "quoc-gia.duckdb"
    timed(f"roll-up by ATTACH, {args.provinces} provinces", rows, lambda: rollup(out, paths))
    timed("one province rolled up again", rows, lambda: rollup(out, {codes[0]: paths[codes[0]]}))
    totals = timed(
        "national figures of 2025Q3 (ATTACH route)", rows, lambda: national_totals(out, "2025Q3")
    )
    pq = work / "parquet"
    timed(
        f"Parquet export, {args.provinces} provinces",
        rows,
        lambda: [export_parquet(paths[c], pq, c) for c in codes],
    )
    glob = str(pq / "values" / "*" / "*.parquet")
    via_parquet = timed(
        "national figures of 2025Q3 (read_parquet)",
        rows,
        lambda: duckdb.sql(
            f"SELECT element_code, sum(value) FROM read_parquet('{glob}', hive_partitioning = true)"
            " WHERE period_id = '2025Q3' GROUP BY element_code ORDER BY element_code"
        ).fetchall(),
    )
    same = [(t["element_code"], t["total"]) for t in totals] == via_parquet
    size = sum(p.stat().st_size for p in paths.values()) / 2**20
    print(
        f"\nnational simulation — {args.provinces} provinces x {args.units} units = "
        f"{args.provinces * args.units:,} units, {len(PERIODS)} quarters, {n_values:,} values; "
        f"province files {size:.0f} MiB, national {out.stat().st_size / 2**20:.0f} MiB; "
        f"{os.cpu_count()} cores\n"
    )
    print(f"{'step':<48} {'seconds':>8}")
    for label, seconds in rows:
        print(f"{label:<48} {seconds:>8.2f}")
    print(f"\nthe two routes give the same national figures: {'yes' if same else 'NO'}")
    print(f"units reporting 2025Q3 (national): {totals[0]['units_reporting']:,}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
