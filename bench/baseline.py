"""The straightforward pipeline of issue 9, the baseline dxreport is measured against.

    .venv/bin/python bench/baseline.py --corpus DIR [--home DIR] [--json]

Same corpus as bench/scale.py (bench/corpus.py: units.csv + files/*.xlsx). What a developer would
write first, done honestly:
- read: each workbook with openpyxl (`load_workbook(data_only=True)`), the cells taken by the
  sheets' labels and header rows, as the template lays them out;
- validate: one Great Expectations run per file (GX Core 1.x: an ephemeral context, a pandas
  datasource, a whole-dataframe batch per table, one suite per table) with expectations mirroring
  our rules: values non-null, numeric and >= 0, element codes in the unit type's set, unique and all
  present; activity dates inside the period's window, type and channel in the catalogue's sets,
  quantity >= 1, reach and cost >= 0; narrative sections present, at most 4,000 characters;
- load: row-by-row INSERTs (one `execute` per row) into a DuckDB file with OUR schema
  (schemas/sql/ddl.sql: arrivals, submissions, element_values, activities, narratives), one
  transaction per file;
- report: our own renderer (tasks.report.issue.issue_report, the draft of 2025Q3) over that
  warehouse, so the report is the same document with the same template and engine (WeasyPrint,
  LeanHTML), rendered as a straightforward pipeline would: in one process (DXREPORT_REPORT_WORKERS=1;
  dxreport's own runs render a long report in parts on the cores, tasks/report/parts.py).
The units are added to the workspace catalogue as `dxreport catalog add-units` does (not timed).
Prints the stage times (with --json, one JSON line last).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import os
import sys
import time
import warnings
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from bench.corpus import PERIOD_ID, RECEIVED_AT, corpus_files  # noqa: E402


def read_workbook(path: Path, type_codes: dict[str, str], channel_codes: dict[str, str]) -> dict:
    """The workbook's header, values, activities and narrative, with openpyxl."""
    from openpyxl import load_workbook
    from openpyxl.utils.escape import unescape

    from demo.fill import element_rows, header_row, label_rows
    from tasks.intake.submission import (
        ACTIVITY_COLUMNS,
        INFO_LABELS,
        NARRATIVE_LABELS,
        SHEET_ACTIVITIES,
        SHEET_ELEMENTS,
        SHEET_INFO,
        SHEET_NARRATIVE,
    )
    from tasks.workbook.template import NOTE_COLUMN, VALUE_COLUMN

    def text(v) -> str | None:
        return None if v is None else unescape(str(v)).strip()

    wb = load_workbook(path, data_only=True)
    info = wb[SHEET_INFO]
    rows = label_rows(info)
    header = {key: info.cell(rows[label], 2).value for key, label in INFO_LABELS.items()}
    ws = wb[SHEET_ELEMENTS]
    values = [
        (code, ws[f"{VALUE_COLUMN}{r}"].value, text(ws[f"{NOTE_COLUMN}{r}"].value))
        for code, r in element_rows(ws).items()
    ]
    acts = wb[SHEET_ACTIVITIES]
    top = header_row(acts, ACTIVITY_COLUMNS[0])
    activities = []
    for r in range(top + 1, acts.max_row + 1):
        cells = [acts.cell(r, c).value for c in range(1, 10)]
        if all(v is None for v in cells[1:]):
            continue
        day = cells[1].date() if isinstance(cells[1], datetime) else cells[1]
        activities.append(
            {
                "line_no": r,
                "activity_date": day,
                "activity_type": type_codes.get(text(cells[2]) or "", text(cells[2])),
                "channel": channel_codes.get(text(cells[3]) or "", text(cells[3])),
                "title": text(cells[4]),
                "quantity": cells[5],
                "reach": cells[6],
                "cost": cells[7],
                "evidence_url": text(cells[8]),
            }
        )
    narr = wb[SHEET_NARRATIVE]
    narr_rows = label_rows(narr)
    narrative = {
        key: text(narr.cell(narr_rows[label], 2).value) for key, label in NARRATIVE_LABELS.items()
    }
    wb.close()
    return {"header": header, "values": values, "activities": activities, "narrative": narrative}


def _gx():
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
    return gx


def validate_file(gx, data: dict, element_codes: list[str], catalog, period) -> bool:
    """One GX run over one file's tables (ephemeral context); True when every expectation passes."""
    import pandas as pd
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    values = pd.DataFrame(data["values"], columns=["element_code", "value", "note"])
    values["value"] = pd.to_numeric(values["value"], errors="coerce")
    acts = pd.DataFrame(data["activities"])
    if acts.empty:
        acts = pd.DataFrame(columns=["activity_date", "activity_type", "channel", "quantity"])
    acts["activity_date"] = pd.to_datetime(acts["activity_date"])
    narr = pd.DataFrame(
        [(k, v) for k, v in data["narrative"].items()], columns=["section", "body"]
    ).astype({"body": "string"})

    E = gx.expectations
    start = pd.Timestamp(period.window_start)
    end = pd.Timestamp(period.window_end)
    suites = {
        "values": [
            E.ExpectTableRowCountToEqual(value=len(element_codes)),
            E.ExpectColumnValuesToNotBeNull(column="value"),
            E.ExpectColumnValuesToBeBetween(column="value", min_value=0),
            E.ExpectColumnValuesToBeInSet(column="element_code", value_set=element_codes),
            E.ExpectColumnValuesToBeUnique(column="element_code"),
        ],
        "activities": [
            E.ExpectColumnValuesToNotBeNull(column="activity_date"),
            E.ExpectColumnValuesToBeBetween(column="activity_date", min_value=start, max_value=end),
            E.ExpectColumnValuesToBeInSet(
                column="activity_type", value_set=[a.code for a in catalog.activity_types]
            ),
            E.ExpectColumnValuesToBeInSet(
                column="channel", value_set=[c.code for c in catalog.channels]
            ),
            E.ExpectColumnValuesToNotBeNull(column="quantity"),
            E.ExpectColumnValuesToBeBetween(column="quantity", min_value=1),
            E.ExpectColumnValuesToBeBetween(column="reach", min_value=0),
            E.ExpectColumnValuesToBeBetween(column="cost", min_value=0),
        ],
        "narratives": [
            E.ExpectTableRowCountToEqual(value=4),
            E.ExpectColumnValuesToNotBeNull(column="body"),
            E.ExpectColumnValueLengthsToBeBetween(column="body", min_value=1, max_value=4000),
        ],
    }
    frames = {"values": values, "activities": acts, "narratives": narr}
    ok = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = gx.get_context(
            mode="ephemeral",
            project_config=DataContextConfig(
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            ),
        )
        source = context.data_sources.add_pandas("file")
        for name, expectations in suites.items():
            if name == "activities" and acts.empty:
                continue
            batch_definition = source.add_dataframe_asset(
                name
            ).add_batch_definition_whole_dataframe("whole")
            suite = gx.ExpectationSuite(name=name)
            for expectation in expectations:
                suite.add_expectation(expectation)
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frames[name]})
            result = batch.validate(suite)
            ok = ok and bool(result.success)
    return ok


def load_file(con, arrival_no: int, path: Path, data: dict, received: datetime) -> None:
    """Row-by-row INSERTs, one transaction per file."""
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    h = data["header"]
    unit, period_id = str(h["unit_code"]).strip(), str(h["period"]).strip()
    prepared = h["prepared_on"]
    prepared = prepared.date() if isinstance(prepared, datetime) else prepared
    receipt = {"file": path.name, "sha256": sha, "unit": unit, "period": period_id}
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO arrivals (arrival_no, receipt_name, file_name, sha256, size_bytes, archive_path,"
        " received_at, unit_code, period_id, version, status, timeliness, receipt_json, finished)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'accepted', 'on_time', ?, TRUE)",
        [
            arrival_no,
            f"{arrival_no:06d}-{sha[:16]}.json",
            path.name,
            sha,
            len(raw),
            f"archive/{sha}",
            received,
            unit,
            period_id,
            json.dumps(receipt, ensure_ascii=False),
        ],
    )
    con.execute(
        "INSERT INTO submissions VALUES (?, ?, 1, ?, ?, ?, 'on_time', FALSE, ?, ?, ?, ?, ?, ?)",
        [
            unit,
            period_id,
            arrival_no,
            sha,
            received,
            h["unit_name"],
            h["preparer"],
            None if h["phone"] is None else str(h["phone"]),
            h["email"],
            prepared if isinstance(prepared, date) else None,
            int(h["template_version"] or 2),
        ],
    )
    for code, value, note in data["values"]:
        con.execute(
            "INSERT INTO element_values VALUES (?, ?, 1, ?, ?, ?)",
            [unit, period_id, code, value, note],
        )
    for a in data["activities"]:
        con.execute(
            "INSERT INTO activities VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                unit,
                period_id,
                a["line_no"],
                a["activity_date"],
                a["activity_type"],
                a["channel"],
                a["title"],
                a["quantity"],
                a["reach"],
                a["cost"],
                a["evidence_url"],
            ],
        )
    for section, body in data["narrative"].items():
        con.execute(
            "INSERT INTO narratives VALUES (?, ?, 1, ?, ?)", [unit, period_id, section, body]
        )
    con.execute("COMMIT")


def run(corpus: Path, home: Path) -> dict:
    import duckdb

    from schemas import SQL_DIR
    from tasks.catalog.add_units import add_units
    from tasks.core.periods import Period
    from tasks.core.settings import Settings
    from tasks.core.workspace import ensure_workspace, workspace_catalog

    settings = Settings(home=home, now=datetime.fromisoformat(RECEIVED_AT), report_workers=1)
    ensure_workspace(settings)
    add_units(settings, corpus / "units.csv")  # the operator's set-up, as `catalog add-units`
    catalog = workspace_catalog(settings)
    period = Period.parse(PERIOD_ID)
    received = settings.clock()
    with (corpus / "units.csv").open(encoding="utf-8") as fh:
        n_units = sum(1 for _ in csv.DictReader(fh))
    files = corpus_files(corpus)
    type_codes = {a.name: a.code for a in catalog.activity_types}
    channel_codes = {c.name: c.code for c in catalog.channels}
    element_codes = [e.code for e in catalog.elements_for_type("phuong_xa")]
    times = {"read_seconds": 0.0, "validate_seconds": 0.0, "load_seconds": 0.0}

    started = time.perf_counter()
    t = time.perf_counter()
    gx = _gx()
    times["import_gx_seconds"] = time.perf_counter() - t
    con = duckdb.connect(str(settings.paths.warehouse))
    con.execute((SQL_DIR / "ddl.sql").read_text(encoding="utf-8"))
    valid = 0
    for arrival_no, path in enumerate(files, start=1):
        t0 = time.perf_counter()
        data = read_workbook(path, type_codes, channel_codes)
        t1 = time.perf_counter()
        ok = validate_file(gx, data, element_codes, catalog, period)
        t2 = time.perf_counter()
        if ok:
            load_file(con, arrival_no, path, data, received)
            valid += 1
        t3 = time.perf_counter()
        times["read_seconds"] += t1 - t0
        times["validate_seconds"] += t2 - t1
        times["load_seconds"] += t3 - t2
    con.close()
    times["intake_seconds"] = time.perf_counter() - started

    from tasks.report.issue import issue_report

    t = time.perf_counter()
    result = issue_report(settings, catalog, period, final=False)
    times["report_seconds"] = time.perf_counter() - t
    return {**times, "files": len(files), "units": n_units, "valid": valid, "pages": result.pages}


def main() -> None:
    process_start = time.perf_counter()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="a folder of bench/corpus.py")
    ap.add_argument("--home", type=Path, default=None, help="workspace (default: a new temp dir)")
    ap.add_argument("--json", action="store_true", help="print one JSON line last")
    args = ap.parse_args()
    import tempfile

    home = args.home or Path(tempfile.mkdtemp(prefix="dxreport-baseline-"))
    if home.exists() and any(home.iterdir()):
        raise SystemExit(f"{home} is not empty: the baseline needs a fresh workspace")
    result = run(args.corpus, home)
    result["process_seconds"] = time.perf_counter() - process_start
    n = max(result["files"], 1)
    print(f"straightforward pipeline: {result['files']} files, workspace {home}")
    for key in ("read", "validate", "load"):
        s = result[f"{key}_seconds"]
        print(f"  {key:<10} {s:8.1f} s  ({s / n * 1000:.1f} ms a file)")
    print(
        f"  {'intake':<10} {result['intake_seconds']:8.1f} s  (GX import {result['import_gx_seconds']:.1f} s)"
    )
    print(f"  {'report':<10} {result['report_seconds']:8.1f} s  ({result['pages']} pages)")
    print(f"  valid by GX: {result['valid']} of {result['files']}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
