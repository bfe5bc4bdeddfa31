"""The demo's reports read as a reviewer reads them (issue 7): 2024Q4, 2025Q1 and 2025Q3 as
`dxreport demo` issues them (rounds before the report, the final report on its due day, the
latecomers after it, through the real flows), then every number the body shows checked
against an independent query of the warehouse, and the like-for-like base, the coverage statement,
the year-to-date windows, the names, immutability and determinism.

It reads the workspace of the `dxreport demo` run the flow tests share (tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from demo.replay import DEMO_SIGNER
from tasks.core.formatting import fmt_change, fmt_date, fmt_number, fmt_quantity
from tasks.core.periods import Period, is_working_day
from tasks.core.settings import Settings
from tasks.report.issue import issue_report

CHECKED = ("2024Q4", "2025Q1", "2025Q3")


@dataclass(frozen=True)
class Issued:
    pdf_path: str
    issued_on: str
    doc_number: str


@pytest.fixture(scope="module")
def demo(demo_home, demo_result):
    """The workspace of `dxreport demo` (shared with tests/flows) and its issued reports."""
    reports = {}
    for pdf in demo_result["reports"]:
        manifest = json.loads((Path(pdf).parent / "manifest.json").read_text(encoding="utf-8"))
        reports[manifest["period"]] = Issued(pdf, manifest["issued_on"], manifest["doc_number"])
    return Path(demo_home), reports


def _text(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def _body(text: str) -> str:
    return text[: text.index("Biểu số 01. Kết quả")]


def _sql(home: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _totals(home: Path, period_ids: list[str]) -> dict[str, float]:
    """Σ per element over the newest accepted version of each unit (written here, not the app's)."""
    rows = _sql(
        home,
        """
        SELECT v.element_code, sum(v.value)
        FROM element_values v
        JOIN (SELECT unit_code, period_id, max(version) AS version FROM submissions
              GROUP BY unit_code, period_id) s USING (unit_code, period_id, version)
        WHERE list_contains(?, v.period_id) AND v.value IS NOT NULL
        GROUP BY v.element_code
        """,
        [period_ids],
    )
    return dict(rows)


def _per_unit(home: Path, period_id: str, element: str) -> dict[str, float]:
    rows = _sql(
        home,
        """
        SELECT v.unit_code, v.value FROM element_values v
        JOIN (SELECT unit_code, period_id, max(version) AS version FROM submissions
              GROUP BY unit_code, period_id) s USING (unit_code, period_id, version)
        WHERE v.period_id = ? AND v.element_code = ? AND v.value IS NOT NULL
        """,
        [period_id, element],
    )
    return dict(rows)


def _carrier(catalog, code: str, day: date) -> str | None:
    """Independent of tasks.report.comparison: walk successor_of backwards by brute force."""
    while True:
        unit = catalog.unit(code)
        if unit.valid_from <= day and (unit.valid_to is None or day <= unit.valid_to):
            return code
        nxt = [u.code for u in catalog.units if code in u.successor_of]
        if not nxt or unit.valid_from > day:
            return None
        code = nxt[0]


@pytest.mark.parametrize("period_id", CHECKED)
def test_every_quarter_total_in_the_body_matches_an_independent_query(demo, catalog, period_id):
    home, reports = demo
    period = Period.parse(period_id)
    text = _text(reports[period_id].pdf_path)
    body = _body(text)
    quarter = _totals(home, [period_id])
    ytd = _totals(home, [p.id for p in period.quarters_of_year_to_date()])
    for m in catalog.monitoring:
        whole = catalog.element_by_code[m.element].whole_number
        # the monitoring table: name, uom, quarter, year to date
        row = f"{m.name} {catalog.element_by_code[m.element].uom} " + (
            f"{fmt_quantity(quarter.get(m.element), whole)} {fmt_quantity(ytd.get(m.element), whole)}"
        )
        assert row in body, (period_id, row)
    first = period.quarters_of_year_to_date()[0]
    window = f"từ ngày {fmt_date(first.window_start)} đến ngày {fmt_date(period.window_end)}"
    assert f"Lũy kế năm {period.year} ({window})" in body or period.quarter == 1


@pytest.mark.parametrize("period_id", CHECKED)
def test_indicator_fractions_match_an_independent_query(demo, catalog, period_id):
    home, reports = demo
    body = _body(_text(reports[period_id].pdf_path))
    for ind in catalog.indicators:
        if ind.method != "ratio_of_sums":
            continue
        types = set(ind.unit_types) or {
            t
            for t in catalog.element_by_code[ind.numerator].unit_types
            if t in catalog.element_by_code[ind.denominator].unit_types
        }
        num = _per_unit(home, period_id, ind.numerator)
        den = _per_unit(home, period_id, ind.denominator)
        units = [u for u in num if u in den and catalog.unit(u).type in types]
        fraction = (
            f"{fmt_number(sum(num[u] for u in units), 1, trim=True)}/"
            f"{fmt_number(sum(den[u] for u in units), 1, trim=True)}"
        )
        assert f"({fraction} " in body, (period_id, ind.code, fraction)


def test_the_comparison_with_last_year_is_like_for_like(demo, catalog):
    home, reports = demo
    body = _body(_text(reports["2025Q3"].pdf_path))
    day = Period(2025, 3).window_end
    now = _per_unit(home, "2025Q3", "TIN_BAI")
    before = _per_unit(home, "2024Q3", "TIN_BAI")
    groups_now: dict[str, float] = defaultdict(float)
    groups_before: dict[str, float] = defaultdict(float)
    for u, v in now.items():
        if (c := _carrier(catalog, u, day)) is not None:
            groups_now[c] += v
    dropped = 0.0
    for u, v in before.items():
        c = _carrier(catalog, u, day)
        if c is None:
            dropped += v
        else:
            groups_before[c] += v
    common = set(groups_now) & set(groups_before)
    cur, base = sum(groups_now[g] for g in common), sum(groups_before[g] for g in common)
    row = f"Tin, bài, phóng sự tin/bài {fmt_quantity(cur)} {fmt_quantity(base)} {fmt_change(cur, base)}"
    assert row in body
    assert f"tin, bài, phóng sự: {fmt_quantity(dropped)} tin/bài" in body  # the abolished quận
    assert dropped > 0 and sum(before.values()) != base  # the raw base would differ
    assert f"cùng nhóm {len(common)} đơn vị" in body


def test_coverage_and_method_are_stated(demo, catalog):
    _, reports = demo
    body = _body(_text(reports["2025Q3"].pdf_path))
    expected = catalog.expected_units(date(2025, 6, 15), date(2025, 9, 14))
    assert f"danh mục đơn vị báo cáo có {len(expected)} đơn vị phải báo cáo" in body
    assert "UBND phường, xã, đặc khu: " in body and "/94 đơn vị" in body
    text = _text(reports["2025Q3"].pdf_path)
    assert "báo cáo số liệu của cả kỳ, gồm cả số liệu của các đơn vị tiền thân" in text


def test_homonyms_are_told_apart_in_the_annexes(demo):
    _, reports = demo
    text = _text(reports["2025Q3"].pdf_path)
    assert "UBND phường Hải Châu (từ 01/07/2025)" in text


def test_issue_dates_are_working_days_and_the_final_report_is_numbered(demo):
    _, reports = demo
    for period_id in CHECKED:
        r = reports[period_id]
        assert is_working_day(date.fromisoformat(r.issued_on))
        text = _text(r.pdf_path)
        assert r.doc_number in text and DEMO_SIGNER in text and "DỰ THẢO" not in text


def test_asking_again_returns_the_issued_report(demo, catalog):
    home, reports = demo
    issued = reports["2025Q3"]
    sha = hashlib.sha256(Path(issued.pdf_path).read_bytes()).hexdigest()
    again = issue_report(
        Settings(home=home, now="2025-12-01T09:00:00+07:00"), catalog, Period(2025, 3)
    )
    assert again.already_issued and again.pdf_path == issued.pdf_path
    assert hashlib.sha256(Path(issued.pdf_path).read_bytes()).hexdigest() == sha


def test_the_quality_annex_lists_the_open_warnings_and_unidentified_files(demo):
    home, reports = demo
    text = _text(reports["2025Q3"].pdf_path)
    annex = text[text.index("Biểu số 06. Chất lượng số liệu") :]
    ((warnings, units),) = _sql(
        home,
        """
        SELECT count(*), count(DISTINCT s.unit_code)
        FROM submissions s
        JOIN (SELECT unit_code, period_id, max(version) AS version FROM submissions
              GROUP BY unit_code, period_id) c USING (unit_code, period_id, version)
        JOIN arrival_messages m ON m.arrival_no = s.arrival_no
        WHERE s.period_id = '2025Q3' AND m.severity = 'warning'
        """,
    )
    assert warnings > 0
    assert f"còn {warnings} cảnh báo của {units} đơn vị" in annex
    compact = "".join(annex.split())  # a long rule code may wrap inside its narrow column
    for rule in ("LOG_QUANTITY_MISMATCH", "STOCK_DECREASED"):  # planted by the demo
        assert rule in compact


def test_the_final_report_of_the_demo_comes_with_one_sheet_per_unit(demo, catalog):
    home, reports = demo
    folder = Path(reports["2025Q3"].pdf_path).parent / "don-vi"
    expected = catalog.expected_units(date(2025, 6, 15), date(2025, 9, 14))
    sheets = {p.stem for p in folder.glob("*.pdf")}
    assert {u.code for u in expected} <= sheets
    for path in folder.glob("*.pdf"):
        assert len(PdfReader(path).pages) == 1, path.name


@pytest.mark.parametrize("period_id", CHECKED)
def test_the_demo_reports_html_is_read_by_the_fast_parser_as_html5_reads_it(demo, period_id):
    """Real units' texts go through tasks/report/fast_html.py: not refused, and the same tree."""
    from tasks.core.workspace import workspace_catalog
    from tasks.report.build import build_report_model
    from tasks.report.render import render_html
    from tests.report.test_fast_html import assert_same_tree

    home, reports = demo
    settings = Settings(home=home)
    model = build_report_model(
        settings.paths.warehouse,
        workspace_catalog(settings),
        Period.parse(period_id),
        date.fromisoformat(reports[period_id].issued_on),
        calendar=settings.calendar,
    )
    assert_same_tree(render_html(model))
