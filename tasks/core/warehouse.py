"""The DuckDB warehouse: connections, schema, and the small ledger queries the flows need.

Connections are opened inside each step and closed at its end (never passed between tasks). Writers
hold the workspace lock (tasks.workspace.workspace_lock); each load is one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb

from schemas import SQL_DIR
from schemas.catalog_model import Catalog


@cache
def sql(name: str) -> str:
    """The text of schemas/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@contextlib.contextmanager
def connect(db_path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if read_only and not Path(db_path).exists():
        read_only = False  # create it (with the schema) on first use
    con = duckdb.connect(str(db_path), read_only=read_only)
    try:
        if not read_only:
            con.execute(sql("ddl"))
        con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
        yield con
    finally:
        con.close()


def locked_periods(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    return frozenset(r[0] for r in con.execute("SELECT period_id FROM period_locks").fetchall())


def snapshot_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Replace the catalogue snapshot tables (grain: one row per unit / per element)."""
    con.execute("BEGIN")
    con.execute("DELETE FROM catalog_units")
    con.executemany(
        "INSERT INTO catalog_units VALUES (?, ?, ?, ?, ?)",
        [(u.code, u.name, u.type, u.valid_from, u.valid_to) for u in catalog.units],
    )
    con.execute("DELETE FROM catalog_elements")
    con.executemany(
        "INSERT INTO catalog_elements VALUES (?, ?, ?, ?)",
        [(e.code, e.name, e.kind, e.uom) for e in catalog.data_elements],
    )
    con.execute("COMMIT")
