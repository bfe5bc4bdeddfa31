"""Two provinces' real warehouses (filled by intake) rolled up: national sums are the provinces'
sums, a province rolled up again replaces its rows, Parquet exports carry the same values."""

from __future__ import annotations

import duckdb
import pytest

from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace, workspace_catalog
from tasks.national.rollup import export_parquet, main, national_totals, rollup
from tests.builders import build_workbook
from tests.builders.intake import take_in


def province(tmp_path, name: str, tin_bai: float):
    settings = Settings(home=tmp_path / name, now="2025-09-16T08:00:00+07:00")
    ensure_workspace(settings)
    src = build_workbook(tmp_path / f"{name}.xlsx", values={"TIN_BAI": tin_bai})
    [recorded] = take_in(settings, workspace_catalog(settings), [src])
    assert recorded.receipt["status"].startswith("accepted")
    return settings.paths.warehouse


def values(db, sql_text):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql_text).fetchall()
    finally:
        con.close()


def test_national_figures_are_the_provinces_figures(tmp_path):
    dn, hue = province(tmp_path, "da-nang", 12), province(tmp_path, "hue", 30)
    out = tmp_path / "quoc-gia.duckdb"
    rows = rollup(out, {"DN": dn, "HUE": hue})
    assert [r["province"] for r in rows] == ["DN", "HUE"]
    assert all(r["submissions"] == 1 for r in rows)
    totals = {r["element_code"]: r for r in national_totals(out, "2025Q3")}
    assert totals["TIN_BAI"]["total"] == 42 and totals["TIN_BAI"]["provinces"] == 2
    for element, row in totals.items():  # every element: the sum of the two provinces' values
        own = [
            values(db, f"SELECT sum(value) FROM current_values WHERE element_code = '{element}'")
            for db in (dn, hue)
        ]
        assert row["total"] == pytest.approx(sum(v[0][0] or 0 for v in own))
    # rolled up again (a province resent its file): replaced, not doubled
    rollup(out, {"DN": dn})
    assert national_totals(out, "2025Q3")[0]["units_reporting"] == 2
    assert values(out, "SELECT count(*) FROM national_submissions") == [(2,)]
    # the units of both catalogue snapshots, with their province
    assert values(out, "SELECT count(DISTINCT province) FROM national_units") == [(2,)]


def test_parquet_export_carries_the_current_values(tmp_path):
    dn = province(tmp_path, "da-nang", 12)
    files = export_parquet(dn, tmp_path / "xuat", "DN")
    assert [f.parent.name for f in files] == ["province=DN", "province=DN"]
    glob = str(tmp_path / "xuat" / "values" / "*" / "*.parquet")
    got = duckdb.sql(
        f"SELECT province, sum(value) FROM read_parquet('{glob}', hive_partitioning = true) "
        "WHERE element_code = 'TIN_BAI' GROUP BY province"
    ).fetchall()
    assert got == [("DN", 12.0)]


def test_bad_arguments_give_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "q.duckdb"), f"dn={tmp_path}/x.duckdb"]) == 1
    assert "Không tổng hợp được" in capsys.readouterr().err
    assert main(["--out", str(tmp_path / "q.duckdb"), f"DN={tmp_path}/khong-co.duckdb"]) == 1
