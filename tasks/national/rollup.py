"""National roll-up: the warehouses of several provinces (one dxreport workspace each) into one
DuckDB database, for national figures (docs/scale.md).

    python -m tasks.national.rollup --out quoc-gia.duckdb DN=/srv/da-nang/warehouse.duckdb HUE=…

Each province's warehouse is ATTACHed read-only (a province's own intake may keep running: DuckDB
reads the last committed state), its current submissions, values and catalogue snapshot are copied
with the province's code in every row, and it is DETACHed. A province rolled up again replaces its
own rows in one transaction, so the roll-up can run province by province, as files arrive, and
twice without doubling anything. The SQL is schemas/sql/national_*.sql (grains in national_ddl.sql).

A province that cannot ship its DuckDB file (another DuckDB version, a network boundary) can export
Parquet instead (`export_parquet`): the same rows, readable by any tool, rolled up with
`read_parquet` (bench/national.py measures both).
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from tasks.core.warehouse import query, sql

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")


def run_script(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Run every statement of schemas/sql/<name>.sql in order, each with the parameters it uses
    (DuckDB binds parameters for one statement at a time)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql(name).splitlines())
    for statement in (s.strip() for s in code.split(";")):
        if statement:
            used = set(_PARAM.findall(statement))
            con.execute(statement, {k: params[k] for k in used} or None)


def _literal(path: Path) -> str:
    """`path` as a SQL string literal (ATTACH takes no parameter)."""
    return "'" + str(path).replace("'", "''") + "'"


def rollup(out: Path, provinces: dict[str, Path], now: datetime | None = None) -> list[dict]:
    """Roll each province's warehouse into `out`; the per-province row counts."""
    rolled_at = now or datetime.now(UTC)
    con = duckdb.connect(str(out))
    try:
        run_script(con, "national_ddl")
        for code, path in provinces.items():
            if not _CODE.match(code):
                raise ValueError(f"province code {code!r}: A-Z, 0-9, _ (e.g. DN, HUE)")
            if not Path(path).is_file():
                raise FileNotFoundError(f"{code}: no warehouse at {path}")
            con.execute(f"ATTACH {_literal(Path(path).resolve())} AS province (READ_ONLY)")
            try:
                con.execute("BEGIN")
                try:
                    run_script(con, "national_clear_province", province=code)
                    run_script(
                        con,
                        "national_insert_province",
                        province=code,
                        source_path=str(path),
                        rolled_at=rolled_at,
                    )
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            finally:
                con.execute("DETACH province")
        return [
            dict(zip(("province", "submissions", "values"), row, strict=True))
            for row in con.execute(
                'SELECT province, submissions, "values" FROM national_sources ORDER BY province'
            ).fetchall()
        ]
    finally:
        con.close()


def export_parquet(warehouse: Path, out_dir: Path, province: str) -> list[Path]:
    """A province's current submissions and values as Parquet files under
    out_dir/<table>/province=<code>/ (hive partitioning: the national side reads every province's
    folder with one `read_parquet(…, hive_partitioning = true)`)."""
    if not _CODE.match(province):
        raise ValueError(f"province code {province!r}: A-Z, 0-9, _")
    con = duckdb.connect(str(warehouse), read_only=True)
    written = []
    try:
        for table, view in (("submissions", "current_submissions"), ("values", "current_values")):
            target = out_dir / table / f"province={province}" / "data.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT * FROM {view}) TO {_literal(target)} (FORMAT parquet)")
            written.append(target)
    finally:
        con.close()
    return written


def national_totals(db: Path, period_id: str) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return query(con, "national_totals", period_id=period_id)
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="the national DuckDB file")
    ap.add_argument("provinces", nargs="+", help="CODE=path/to/warehouse.duckdb")
    args = ap.parse_args(argv)
    pairs = {}
    for item in args.provinces:
        code, _, path = item.partition("=")
        pairs[code] = Path(path)
    try:
        rows = rollup(args.out, pairs)
    except (ValueError, FileNotFoundError, duckdb.Error) as exc:
        print(f"Không tổng hợp được / roll-up failed: {exc}", file=sys.stderr)
        return 1
    for row in rows:
        print(f"{row['province']}: {row['submissions']} submissions, {row['values']} values")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
