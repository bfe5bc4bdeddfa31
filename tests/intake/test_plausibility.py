"""Plausibility warnings (tasks/intake/plausibility.py, narrative_numbers.py; rules in
schemas/rules.yaml, check: plausibility): each fires on a crafted case and stays silent on the
near-miss. Across sheets and the narrative are checked on real workbooks in one validated batch;
history and peers through the real intake into a real DuckDB warehouse."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from schemas import CATALOG_DIR
from schemas.catalog_model import load_catalog
from schemas.errors import CatalogError
from tasks.core import warehouse
from tasks.core.periods import Period
from tasks.core.settings import TZ, Settings
from tasks.intake import steps
from tasks.intake.parse import read_submission
from tasks.intake.plausibility import PlausibilityContext
from tasks.intake.rules import load_rules
from tasks.intake.submission import Submission
from tasks.intake.validate import ValidationContext, validate_batch
from tests import builders as b

NOW = datetime(2025, 9, 16, 9, 0, tzinfo=TZ)
W, EL, NAR = "warning", "Chỉ tiêu", "Thuyết minh"
PLAUSIBILITY = {c for c, r in load_rules().items() if r.check == "plausibility"}
# the rules each test below makes fire (and keeps silent on its near-miss)
TESTED = {
    "LOG_QUANTITY_MISMATCH",  # test_log_quantity_against_element
    "LOG_REACH_MISMATCH",  # test_log_reach_and_cost_against_elements
    "LOG_COST_MISMATCH",  # test_log_reach_and_cost_against_elements
    "NARRATIVE_NUMBER_MISMATCH",  # test_narrative_number_against_reported_value
    "STOCK_DECREASED",  # test_stock_that_shrinks_..., test_successor_starts_from_...
    "FLOW_UNUSUAL_CHANGE",  # test_flow_far_from_the_units_median
    "VALUE_OUTSIDE_PEERS",  # test_value_outside_the_peers_range, test_batch_files_are_...
}


def row_of(code: str, unit: str = "P_HAI_CHAU") -> str:
    return f"E{list(b.default_values(unit)).index(code) + 2}"


def tin_bai(quantity: int, period: str = "2025Q3") -> dict:
    return {
        "date": Period.parse(period).window_start + timedelta(days=5),
        "type": "tin_bai",
        "channel": "bao_dien_tu",
        "title": "Loạt tin về chuyển đổi số",
        "quantity": quantity,
    }


def log(*extra: dict, period: str = "2025Q3") -> list[dict]:
    return b.default_activities(period) + list(extra)


def found(sub: Submission) -> list[tuple]:
    return [(m.rule, m.cell) for m in sub.messages if m.rule in PLAUSIBILITY]


# --- across sheets and the narrative: one batch, no history --------------------------------------
CASES: dict[str, dict[str, Any]] = {
    "plausible": {},
    "quantity-gap": {"values": {"TIN_BAI": 18}, "activities": log(tin_bai(10))},
    "quantity-near-miss": {"values": {"TIN_BAI": 13}, "activities": log(tin_bai(10))},
    "reach-gap": {"values": {"LUOT_TIEP_CAN": 1234567}},
    "reach-near-miss": {"values": {"LUOT_TIEP_CAN": 2620 + 262}},
    "cost-gap": {"values": {"KINH_PHI": 12.5}},
    "cost-near-miss": {"values": {"KINH_PHI": 6.5}},
    "empty-log": {"activities": [], "values": {"TIN_BAI": 50}},
    "narrative-gap": {
        "values": {"TIN_BAI": 18},
        "activities": log(tin_bai(18)),
        "narratives": {"ket_qua": "Trong quý, phường đã đăng 13 Tin Bài về chuyển đổi số."},
    },
    "narrative-near-miss": {
        "values": {"TIN_BAI": 18},
        "activities": log(tin_bai(18)),
        "narratives": {
            "ket_qua": "Đăng 18 tin, bài; hơn 10 tin bài được chia sẻ lại; ngày 10/10/2025; "
            "100% cán bộ lãnh đạo; 3 lượt người"  # NGUOI_TAP_HUAN = 3
        },
    },
    "rejected-no-plausibility": {"values": {"TIN_BAI": 18, "KINH_PHI": -1}},
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict[str, Submission]:
    tmp = tmp_path_factory.mktemp("plausibility")
    settings = Settings()
    subs = []
    for key, kwargs in CASES.items():
        path = b.build_workbook(tmp / f"{key}.xlsx", **kwargs)
        subs.append(read_submission(path, path.name, key, settings))
    ctx = ValidationContext(now=NOW, plausibility=PlausibilityContext())
    report = validate_batch(subs, load_catalog(), ctx)
    return {s.key: report.apply(s) for s in subs}


def test_plausible_workbook_has_no_warning(batch):
    assert batch["plausible"].messages == []
    assert batch["plausible"].status == "accepted"


def test_log_quantity_against_element(batch):
    sub = batch["quantity-gap"]
    assert found(sub) == [("LOG_QUANTITY_MISMATCH", "E2")]
    msg = sub.messages[0]
    assert msg.severity == "warning" and msg.sheet == EL
    assert "cần kiểm tra lại" in msg.message_vi
    assert "ô E2" in msg.message_vi and "18" in msg.message_vi and " là 10 " in msg.message_vi
    assert '"Tin, bài, phóng sự"' in msg.message_vi  # the type by its Vietnamese name
    assert sub.status == "accepted_with_warnings"
    assert found(batch["quantity-near-miss"]) == []  # |13 - 10| = 3 = the floor


def test_log_reach_and_cost_against_elements(batch):
    reach = batch["reach-gap"]
    assert found(reach) == [("LOG_REACH_MISMATCH", row_of("LUOT_TIEP_CAN"))]
    assert "1.234.567" in reach.messages[0].message_vi and "2.620" in reach.messages[0].message_vi
    assert "1,234,567" in reach.messages[0].message_en
    assert found(batch["reach-near-miss"]) == []  # 10 % of 2.882
    cost = batch["cost-gap"]
    assert found(cost) == [("LOG_COST_MISMATCH", row_of("KINH_PHI"))]
    assert "12,5" in cost.messages[0].message_vi and "5,5" in cost.messages[0].message_vi
    assert found(batch["cost-near-miss"]) == []  # 1 triệu đồng: the floor


def test_empty_log_is_not_compared(batch):
    assert found(batch["empty-log"]) == []


def test_narrative_number_against_reported_value(batch):
    sub = batch["narrative-gap"]
    assert found(sub) == [("NARRATIVE_NUMBER_MISMATCH", "B1")]  # "Kết quả nổi bật"
    msg = sub.messages[0]
    assert msg.sheet == NAR
    assert '"13 Tin Bài"' in msg.message_vi and "18" in msg.message_vi
    assert f"ô {row_of('TIN_BAI')}" in msg.message_vi and "cần kiểm tra lại" in msg.message_vi
    assert found(batch["narrative-near-miss"]) == []


def test_files_with_errors_get_no_plausibility_warning(batch):
    sub = batch["rejected-no-plausibility"]
    assert sub.status == "rejected" and found(sub) == []


def test_without_a_context_there_are_no_plausibility_checks(tmp_path):
    path = b.build_workbook(tmp_path / "a.xlsx", values={"TIN_BAI": 18})
    sub = read_submission(path, path.name, "a", Settings())
    report = validate_batch([sub], load_catalog(), ValidationContext(now=NOW))
    assert report.apply(sub).messages == []


# --- history and peers: the real intake into a real warehouse ------------------------------------
def intake(settings: Settings, files: list[Path]) -> dict[str, dict]:
    for path in files:
        shutil.copyfile(path, settings.paths.inbox / path.name)
    catalog = load_catalog()
    batch = steps.collect(settings, catalog)
    subs = steps.parse_batch(settings, batch)
    subs = steps.validate_submissions(settings, catalog, batch, subs)
    recorded = steps.record_batch(settings, batch, subs)
    return {r.receipt["file"]: r.receipt for r in recorded}


def workbook(tmp: Path, unit: str, period: str, **kw) -> Path:
    values = {**b.default_values(unit), **kw.pop("values", {})}
    name = f"{period}_{unit}_{len(list(tmp.glob('*')))}.xlsx"
    return b.build_workbook(
        tmp / name,
        unit_code=unit,
        period=period,
        values=values,
        activities=kw.pop("activities", b.default_activities(period)),
        prepared_on=date(2025, 9, 15),
        **kw,
    )


def rules_of(receipt: dict) -> list[tuple]:
    return [(m["rule"], m["cell"]) for m in receipt["messages"]]


def test_stock_that_shrinks_from_the_last_accepted_value(make_settings, tmp_path):
    settings = make_settings()
    intake(settings, [workbook(tmp_path, "S_KHCN", "2025Q1", values={"LANH_DAO_TONG": 12})])
    intake(settings, [workbook(tmp_path, "S_KHCN", "2025Q2", values={"LANH_DAO_TONG": 10})])
    cell = row_of("LANH_DAO_TONG", "S_KHCN")
    near = workbook(tmp_path, "S_KHCN", "2025Q3", values={"LANH_DAO_TONG": 10})
    got = intake(settings, [near])
    assert rules_of(got[near.name]) == [] and got[near.name]["status"] == "accepted"
    shrunk = workbook(tmp_path, "S_KHCN", "2025Q3", values={"LANH_DAO_TONG": 9})
    receipt = intake(settings, [shrunk])[shrunk.name]
    assert rules_of(receipt) == [("STOCK_DECREASED", cell)]
    assert receipt["status"] == "accepted_with_warnings" and receipt["version"] == 2
    text = receipt["messages"][0]["message_vi"]
    assert "từ 10 (số liệu Quý II/2025 của đơn vị) xuống 9" in text  # the last period, not Q1


def _leaders(total: int, briefed: int) -> dict:
    return {"LANH_DAO_TONG": total, "LANH_DAO_DA_PHO_BIEN": briefed}


def test_successor_starts_from_its_predecessors_sum(make_settings, tmp_path):
    settings = make_settings()
    intake(
        settings,
        [
            # briefed leaders: 4 + 4 = the successor's default 8
            workbook(tmp_path, "S_TNMT", "2024Q4", values=_leaders(10, 4)),
            workbook(tmp_path, "S_NNPTNT", "2024Q4", values=_leaders(12, 4)),
        ],
    )
    cell = row_of("LANH_DAO_TONG", "S_NNMT")
    near = workbook(tmp_path, "S_NNMT", "2025Q3", values={"LANH_DAO_TONG": 22})
    assert rules_of(intake(settings, [near])[near.name]) == []
    low = workbook(tmp_path, "S_NNMT", "2025Q3", values={"LANH_DAO_TONG": 20})
    receipt = intake(settings, [low])[low.name]
    assert rules_of(receipt) == [("STOCK_DECREASED", cell)]
    text = receipt["messages"][0]["message_vi"]
    assert "từ 22 (tổng số liệu gần nhất của các đơn vị tiền thân" in text
    assert "S_TNMT (Quý IV/2024)" in text and "S_NNPTNT (Quý IV/2024)" in text


def test_flow_far_from_the_units_median(make_settings, tmp_path):
    settings = make_settings()
    cell = row_of("TIN_BAI", "S_KHCN")

    def q3(n: int) -> Path:  # the log backs the count: only the history can object
        acts = log(tin_bai(n)) if n else log()
        return workbook(tmp_path, "S_KHCN", "2025Q3", values={"TIN_BAI": n}, activities=acts)

    intake(settings, [workbook(tmp_path, "S_KHCN", "2025Q2")])  # TIN_BAI 3
    one_quarter = q3(16)
    assert rules_of(intake(settings, [one_quarter])[one_quarter.name]) == []  # needs 2 quarters
    intake(settings, [workbook(tmp_path, "S_KHCN", "2025Q1")])  # TIN_BAI 3: median 3
    near = q3(15)  # 5 times the median: not beyond
    assert rules_of(intake(settings, [near])[near.name]) == []
    far = q3(16)
    receipt = intake(settings, [far])[far.name]
    assert rules_of(receipt) == [("FLOW_UNUSUAL_CHANGE", cell)]
    text = receipt["messages"][0]["message_vi"]
    assert (
        "là 16 tin/bài" in text
        and "trung vị 3 của 2 quý gần nhất (Quý II/2025, Quý I/2025)" in text
    )
    low = q3(0)  # below median / 5, but |0 - 3| is under the floor of 10
    assert rules_of(intake(settings, [low])[low.name]) == []


PEERS = ["P_HOA_CUONG", "P_THANH_KHE", "P_AN_KHE", "P_AN_HAI", "P_SON_TRA", "P_NGU_HANH_SON"]


def test_value_outside_the_peers_range(make_settings, tmp_path):
    settings = make_settings()
    cell = row_of("TIN_BAI")

    def mine(n: int) -> Path:
        return workbook(
            tmp_path, "P_HAI_CHAU", "2025Q3", values={"TIN_BAI": n}, activities=log(tin_bai(n))
        )

    # four peers are not enough (min_peers: 5): no range yet
    first = intake(settings, [workbook(tmp_path, u, "2025Q3") for u in PEERS[:4]])
    assert all(r["status"] == "accepted" for r in first.values())
    early = mine(100)
    assert rules_of(intake(settings, [early])[early.name]) == []
    intake(settings, [workbook(tmp_path, u, "2025Q3") for u in PEERS[4:]])
    near = mine(13)  # peers all 3: IQR 0, the floor of 10 -> [0; 13]
    assert rules_of(intake(settings, [near])[near.name]) == []
    far = mine(14)
    receipt = intake(settings, [far])[far.name]
    assert rules_of(receipt) == [("VALUE_OUTSIDE_PEERS", cell)]
    assert receipt["status"] == "accepted_with_warnings"
    text = receipt["messages"][0]["message_vi"]
    assert "từ 0 đến 13 của 6 đơn vị cùng loại (UBND phường, xã, đặc khu)" in text
    assert "Quý III/2025" in text and "cần kiểm tra lại" in text


def test_batch_files_are_each_others_peers_and_history_is_read_once(
    make_settings, tmp_path, monkeypatch
):
    """One batch: five peers and the outlier together. History and peers are read by exactly two
    queries for the whole batch."""
    settings = make_settings()
    calls: list[str] = []
    real = warehouse.query

    def counted(con, name, **params):
        calls.append(name)
        return real(con, name, **params)

    monkeypatch.setattr("tasks.intake.plausibility.query", counted)
    outlier = workbook(
        tmp_path, "P_HAI_CHAU", "2025Q3", values={"TIN_BAI": 40}, activities=log(tin_bai(40))
    )
    got = intake(settings, [*(workbook(tmp_path, u, "2025Q3") for u in PEERS[:5]), outlier])
    assert sorted(c for c in calls if c.startswith("plausibility")) == [
        "plausibility_history",
        "plausibility_peers",
    ]
    assert rules_of(got[outlier.name]) == [("VALUE_OUTSIDE_PEERS", row_of("TIN_BAI"))]
    assert all(rules_of(r) == [] for name, r in got.items() if name != outlier.name)


def test_every_plausibility_rule_is_tested():
    assert PLAUSIBILITY == TESTED


def test_activity_types_name_the_element_they_back(tmp_path):
    catalog = load_catalog()
    backing = {a.code: a.element for a in catalog.activity_types}
    assert backing["tin_bai"] == "TIN_BAI" and backing["cuoc_thi"] == "SU_KIEN"
    assert backing["khac"] is None
    shutil.copytree(CATALOG_DIR, tmp_path / "catalog")
    codes = tmp_path / "catalog" / "codes.yaml"
    codes.write_text(
        codes.read_text(encoding="utf-8").replace("element: TIN_BAI", "element: TIN_BAII"),
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path / "catalog")
    assert "TIN_BAII" in str(err.value.args) or "TIN_BAII" in str(err.value)


def test_peer_quartiles_without_the_units_own_value_match_the_statistics_module():
    """The peers' Q1/Q3 come from the sorted values seen without the unit's own one (no copy, no
    sort per submission): the same numbers as statistics.quantiles on the copy."""
    import random
    import statistics

    from tasks.intake.plausibility import _Without, quartiles

    rng = random.Random(9)
    for _ in range(3000):
        n = rng.randint(3, 40)
        values = sorted(
            rng.choice([rng.randint(0, 50), rng.uniform(0, 100), 0.0]) for _ in range(n)
        )
        skip = rng.randrange(n)
        others = values[:skip] + values[skip + 1 :]
        view = _Without(values, skip)
        assert list(view) == others and len(view) == n - 1
        q1, _, q3 = statistics.quantiles(others, n=4, method="inclusive")
        assert quartiles(view) == (q1, q3)
