"""The demo shows every new plausibility warning: its planted workbooks (demo/plausibility.py),
taken in by the real intake after the quarters before them, are accepted with their warning; the
other valid workbooks carry none of the plausibility rules."""

from __future__ import annotations

import pytest

from demo.generator import generate_demo
from demo.plausibility import PLANT_RULES
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.intake import rules, steps
from tests.builders.intake import take_in

PLAUSIBILITY_RULES = {code for code, r in rules.load_rules().items() if r.check == "plausibility"}
PERIODS = [Period(2025, 1), Period(2025, 2), Period(2025, 3)]  # history enough for a flow's median


@pytest.fixture(scope="module")
def receipts(catalog, tmp_path_factory):
    """The receipts of the last period's files, after every earlier round was taken in (no
    report is issued, so the round-3 latecomers count as late files)."""
    plan = generate_demo(catalog, PERIODS, tmp_path_factory.mktemp("demo-plants"))
    home = tmp_path_factory.mktemp("home")
    got: dict[str, dict] = {}
    for period in PERIODS:
        for rnd in plan.rounds_for(period.id):
            settings = Settings(home=home, now=rnd.at.isoformat())
            ensure_workspace(settings)
            for r in steps.summarize(take_in(settings, catalog, rnd.files))["receipts"]:
                if r["period"] == PERIODS[-1].id:
                    got[r["file"]] = r
    return plan, got


def test_each_planted_workbook_is_accepted_with_its_warning(receipts):
    plan, got = receipts
    exp = plan.expectations[PERIODS[-1].id]
    assert set(exp.warned.values()) == set(PLANT_RULES.values())
    planted = [f for f in exp.files if f.kind == "plausibility"]
    assert {f.sender for f in planted} == set(exp.warned)
    shown = {m["rule"] for f in planted for m in got[f.name]["messages"]}
    assert PLAUSIBILITY_RULES <= shown, (
        PLAUSIBILITY_RULES - shown
    )  # every new warning, at least once
    for f in planted:
        receipt = got[f.name]
        assert receipt["status"] == f.expect == "accepted_with_warnings", f.name
        assert f.rule in {m["rule"] for m in receipt["messages"]}, (f.name, receipt["messages"])
        assert {m["severity"] for m in receipt["messages"]} == {"warning"}


def test_other_valid_workbooks_carry_no_plausibility_warning(receipts):
    """Their logs, narratives, flows and stocks agree. Only a unit unlike its peers may be told to
    check a figure (VALUE_OUTSIDE_PEERS), e.g. the broadcaster DAI_PTTH, catalogued with the
    departments, reaches far more people than they do: what a reviewer would ask about too."""
    plan, got = receipts
    exp = plan.expectations[PERIODS[-1].id]
    others = [f for f in exp.files if f.kind in ("submission", "libreoffice", "correction")]
    assert len(others) >= 20
    found = {
        f.name: {m["rule"] for m in got[f.name]["messages"]} & PLAUSIBILITY_RULES for f in others
    }
    assert {name: rules for name, rules in found.items() if rules - {"VALUE_OUTSIDE_PEERS"}} == {}
    outliers = sorted(name for name, rules in found.items() if rules)
    assert len(outliers) <= len(others) // 5, outliers  # a few natural outliers, not the rule
