"""Workbooks with the mistakes a reviewer would catch, so the demo shows every new warning.

In PLAUSIBILITY_PERIODS a few on-time units (drawn from the seed among those with nothing else to
do that period) send a round-1 workbook that is accepted with warnings (schemas/rules.yaml):
- `log_mismatch`: the activity log adds up to a third of the reported LUOT_TIEP_CAN and KINH_PHI
  and half the TIN_BAI (LOG_REACH_MISMATCH, LOG_COST_MISMATCH, LOG_QUANTITY_MISMATCH);
- `narrative_stale`: "Kết quả nổi bật" quotes a TIN_BAI figure 5 lower than the reported one
  (NARRATIVE_NUMBER_MISMATCH);
- `flow_spike`: TIN_BAI typed ten times its usual level, log and narrative alike
  (FLOW_UNUSUAL_CHANGE, and VALUE_OUTSIDE_PEERS against the other units of its type);
- `stock_decreased`: LANH_DAO_DA_PHO_BIEN below the unit's figure of a year before (STOCK_DECREASED).
The reported values of `log_mismatch` and `narrative_stale` are the series' own; only the log or the
narrative disagrees with them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.series import Series
from schemas.catalog_model import Catalog
from tasks.core.periods import Period

PLAUSIBILITY_PERIODS = ("2025Q3",)
PLANT_RULES = {
    "log_mismatch": "LOG_REACH_MISMATCH",  # and LOG_QUANTITY_MISMATCH, LOG_COST_MISMATCH
    "narrative_stale": "NARRATIVE_NUMBER_MISMATCH",
    "flow_spike": "FLOW_UNUSUAL_CHANGE",
    "stock_decreased": "STOCK_DECREASED",
}
HISTORY_QUARTERS = 4  # a flow is judged against the unit's last four quarters


@dataclass(frozen=True)
class Plant:
    kind: str  # a key of PLANT_RULES
    values: dict[str, float]  # what the workbook reports
    log_values: dict[str, float]  # what the activity log adds up to
    narrative_values: dict[str, float]  # what the narrative quotes

    @property
    def rule(self) -> str:
        return PLANT_RULES[self.kind]


def plant(kind: str, values: dict[str, float], history: list[dict[str, float]]) -> Plant | None:
    """The planted workbook's figures for a unit whose series gives `values` (`history`: its
    previous quarters, newest first), or None when the unit cannot carry this mistake."""
    v = dict(values)
    previous = history[0] if history else {}
    if (
        kind == "log_mismatch"
        and values.get("LUOT_TIEP_CAN", 0) >= 600
        and values.get("KINH_PHI", 0) >= 3
        and values.get("TIN_BAI", 0) >= 8
    ):
        logged = {
            **v,
            "LUOT_TIEP_CAN": round(v["LUOT_TIEP_CAN"] / 3),
            "KINH_PHI": round(v["KINH_PHI"] / 3, 1),
            "TIN_BAI": v["TIN_BAI"] // 2,
        }
        return Plant(kind, v, logged, v)
    if kind == "narrative_stale" and values.get("TIN_BAI", 0) >= 8:
        return Plant(kind, v, v, {**v, "TIN_BAI": v["TIN_BAI"] - 5})
    if kind == "flow_spike" and values.get("TIN_BAI", 0) >= 3 and previous.get("TIN_BAI", 0) >= 3:
        spiked = {**v, "TIN_BAI": v["TIN_BAI"] * 10}
        return Plant(kind, spiked, spiked, spiked)
    stock = "LANH_DAO_DA_PHO_BIEN"
    # below every value of the last quarters (a stock never shrinks: the oldest is the lowest), so
    # the warning holds whichever of those quarters the unit last had accepted
    oldest = min((h.get(stock, 0) for h in history), default=0)
    if kind == "stock_decreased" and stock in values and oldest >= 2:
        lowered = {**v, stock: oldest - 1}
        return Plant(kind, lowered, lowered, lowered)
    return None


def plants(
    catalog: Catalog, series: Series, period: Period, candidates: list[str], seed: int
) -> dict[str, Plant]:
    """Unit code -> its planted mistake (one unit per kind), for the period's free on-time units."""
    if period.id not in PLAUSIBILITY_PERIODS:
        return {}
    rng = random.Random(f"{seed}:{period.id}:plausibility")
    pool = sorted(candidates)
    rng.shuffle(pool)
    history = [period.prev()]
    for _ in range(HISTORY_QUARTERS - 1):
        history.append(history[-1].prev())
    chosen: dict[str, Plant] = {}
    for kind in PLANT_RULES:
        for code in pool:
            unit = catalog.unit_by_code[code]
            if code in chosen or not all(unit.active_on(p.window_end) for p in history):
                continue
            past = [series.values(unit, p) for p in history]
            made = plant(kind, series.values(unit, period), past)
            if made is not None:
                chosen[code] = made
                break
    return chosen
