"""The 'true' values of every unit and period: a pure function of (seed, unit, period).

Flows grow over time with noise; stocks never shrink for a unit (a successor inherits its
predecessors' stocks once they are gone); "briefed"/"trained" never exceed their totals; yes/no
elements switch from 0 to 1 once and stay 1; money has one decimal.

The number tables below are model parameters. They stay in code, beside the formulas that read
them: they are tuned together with those formulas (a base only means something with its scale,
growth and season), their keys are catalogue codes the code also names, and any change to them
changes the generated files, so they are reviewed as code, not edited as data.
"""

from __future__ import annotations

import math
import random

from schemas.catalog_model import Catalog, Unit
from tasks.core.errors import UsageError
from tasks.core.periods import DE_AN_START, Period, format_date_vi, period_containing

DEFAULT_SEED = 2780

# Mean quarterly flow per unit type at the Đề án's start (2022Q4), before unit scale and growth.
FLOW_BASE: dict[str, dict[str, float]] = {
    "TIN_BAI": {
        "so_nganh": 6,
        "co_quan_tw": 4,
        "quan_huyen": 20,
        "phuong_xa": 5,
        "doan_the": 10,
        "bao_chi": 90,
    },
    "CHUONG_TRINH_PTTH": {"so_nganh": 0.6, "quan_huyen": 2, "doan_the": 0.8, "bao_chi": 6},
    "LUOT_PHAT_TTCS": {"quan_huyen": 40, "phuong_xa": 25},
    "BAI_MXH": {
        "so_nganh": 15,
        "co_quan_tw": 8,
        "quan_huyen": 40,
        "phuong_xa": 14,
        "doan_the": 25,
        "bao_chi": 150,
    },
    "LUOT_TIEP_CAN": {
        "so_nganh": 9000,
        "co_quan_tw": 3000,
        "quan_huyen": 26000,
        "phuong_xa": 4500,
        "doan_the": 15000,
        "bao_chi": 260000,
    },
    "SU_KIEN": {
        "so_nganh": 1.5,
        "co_quan_tw": 1,
        "quan_huyen": 3,
        "phuong_xa": 1.2,
        "doan_the": 2,
        "bao_chi": 1,
    },
    "LOP_TAP_HUAN": {
        "so_nganh": 1,
        "co_quan_tw": 0.6,
        "quan_huyen": 2,
        "phuong_xa": 0.8,
        "doan_the": 1.2,
    },
    "LOP_BAO_CAO_VIEN": {"so_nganh": 0.05, "quan_huyen": 0.2, "doan_the": 0.15},
    "MO_HINH_MOI": {
        "so_nganh": 0.03,
        "co_quan_tw": 0.02,
        "quan_huyen": 0.08,
        "phuong_xa": 0.015,
        "doan_the": 0.06,
        "bao_chi": 0.05,
    },
    "KINH_PHI": {
        "so_nganh": 15,
        "co_quan_tw": 5,
        "quan_huyen": 60,
        "phuong_xa": 8,
        "doan_the": 20,
        "bao_chi": 40,
    },
}
# Unit-specific multipliers (the broadcaster makes programmes, the lead department trains communicators).
UNIT_MULTIPLIER: dict[str, dict[str, float]] = {
    "DAI_PTTH": {"CHUONG_TRINH_PTTH": 30, "TIN_BAI": 6, "LUOT_TIEP_CAN": 20},
    "S_TTTT": {"LOP_BAO_CAO_VIEN": 10, "TIN_BAI": 2, "SU_KIEN": 2},
    "S_KHCN": {"LOP_BAO_CAO_VIEN": 5, "SU_KIEN": 1.5},
    "DT_THANH_DOAN": {"BAI_MXH": 2, "LUOT_TIEP_CAN": 2},
    "DK_HOANG_SA": {"*": 0.1},
}
LEADERS_BASE = {
    "so_nganh": (4, 8),
    "co_quan_tw": (3, 6),
    "quan_huyen": (9, 16),
    "phuong_xa": (4, 7),
    "doan_the": (4, 9),
    "bao_chi": (3, 6),
}
SEASON = {1: 0.85, 2: 1.0, 3: 1.0, 4: 1.2}  # Q1: Tết; Q4: Ngày Chuyển đổi số quốc gia 10/10


def quarter_index(period: Period) -> int:
    """Quarters since the Đề án's first period (2022Q4 -> 0)."""
    return (period.year - Period.first().year) * 4 + period.quarter - Period.first().quarter


def _last_period(unit: Unit) -> Period | None:
    """The last period whose cut-off the unit was active on (None if still active)."""
    if unit.valid_to is None:
        return None
    p = period_containing(unit.valid_to)
    return p.prev() if p.window_end > unit.valid_to else p


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


class Series:
    """The 'true' values of every unit and period, a pure function of (seed, unit, period)."""

    def __init__(self, catalog: Catalog, seed: int):
        self.catalog = catalog
        self.seed = seed
        self._memo: dict[tuple[str, str], dict[str, float]] = {}
        self._profiles: dict[str, dict] = {}
        self._streams: dict[tuple[str, str], tuple[random.Random, list[float]]] = {}

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def _is_new_merger(self, unit: Unit) -> bool:
        return bool(unit.successor_of) and unit.valid_from > DE_AN_START

    def _profile(self, unit: Unit) -> dict:
        if unit.code not in self._profiles:
            rng = self._rng(unit.code, "profile")
            lo, hi = LEADERS_BASE.get(unit.type, (4, 7))
            profile = {
                "scale": 0.0 if self._is_new_merger(unit) else math.exp(rng.gauss(0, 0.3)),
                "growth": rng.uniform(0.02, 0.07),
                "leaders": 0 if self._is_new_merger(unit) else rng.randint(lo, hi),
                "teams": 0 if self._is_new_merger(unit) else rng.randint(6, 20),
                "plan_switch": min(int(rng.expovariate(1 / 3)), 14),
                "programme_switch": min(int(rng.expovariate(1 / 3)), 14),
            }
            profile["funding_switch"] = profile["plan_switch"] + int(rng.expovariate(1 / 2))
            self._profiles[unit.code] = profile
        return self._profiles[unit.code]

    def _stream(self, unit: Unit, name: str, k: int, step) -> float:
        """Cumulative stream value at quarter k: sum of step(rng) for quarters 0..k (prefix-stable)."""
        key = (unit.code, name)
        if key not in self._streams:
            self._streams[key] = (self._rng(unit.code, name), [])
        rng, values = self._streams[key]
        while len(values) <= k:
            values.append((values[-1] if values else 0.0) + step(rng, len(values)))
        return values[k]

    def _inherited(self, unit: Unit, period: Period) -> list[tuple[Unit, Period]]:
        """Predecessors already gone by `period`, with their last period."""
        out = []
        for code in unit.successor_of:
            pred = self.catalog.unit_by_code[code]
            last = _last_period(pred)
            if last is not None and last < period and last >= Period.first():
                out.append((pred, last))
        return out

    def scale(self, unit: Unit, period: Period) -> float:
        own = self._profile(unit)["scale"]
        return own + sum(self.scale(pred, last) for pred, last in self._inherited(unit, period))

    def values(self, unit: Unit, period: Period) -> dict[str, float]:
        key = (unit.code, period.id)
        if key not in self._memo:
            self._memo[key] = self._compute(unit, period)
        return self._memo[key]

    def _compute(self, unit: Unit, period: Period) -> dict[str, float]:
        k = quarter_index(period)
        if k < 0:
            raise UsageError(
                f"Kỳ {period.label_vi} trước khi Đề án bắt đầu ({format_date_vi(DE_AN_START)}).",
                f"Period {period.id} is before the Đề án started ({DE_AN_START:%d/%m/%Y}).",
            )
        profile = self._profile(unit)
        inherited = [self.values(pred, last) for pred, last in self._inherited(unit, period)]
        elements = {e.code: e for e in self.catalog.elements_for_type(unit.type)}
        out: dict[str, float] = {}
        rng = self._rng(unit.code, period.id, "flows")
        scale = self.scale(unit, period)
        growth = (1 + profile["growth"]) ** k
        mult = UNIT_MULTIPLIER.get(unit.code, {})
        for code, element in elements.items():
            if element.kind not in ("flow", "money") or code in ("NGUOI_TAP_HUAN",):
                continue
            base = FLOW_BASE.get(code, {}).get(unit.type, 0.5)
            season = SEASON[period.quarter] * (
                1.6 if code == "SU_KIEN" and period.quarter == 4 else 1.0
            )
            mean = base * scale * growth * season * mult.get(code, 1.0) * mult.get("*", 1.0)
            if element.kind == "money":
                value = (
                    0.0 if rng.random() < 0.06 else round(mean * math.exp(rng.gauss(0, 0.35)), 1)
                )
                out[code] = value
            elif mean > 30:
                out[code] = max(0, round(mean * math.exp(rng.gauss(0, 0.2))))
            else:
                out[code] = _poisson(rng, mean)
        if "NGUOI_TAP_HUAN" in elements:
            classes = out.get("LOP_TAP_HUAN", 0)
            out["NGUOI_TAP_HUAN"] = classes * rng.randint(25, 70) + rng.randint(0, 15)
        if "LUOT_TIEP_CAN" in out:  # reach at least covers what the posts and articles reached
            floor = 40 * (out.get("BAI_MXH", 0) + out.get("TIN_BAI", 0))
            out["LUOT_TIEP_CAN"] = max(out["LUOT_TIEP_CAN"], floor)
        # Stocks: own series plus what the gone predecessors held at their end.
        pairs = (
            ("LANH_DAO_TONG", "LANH_DAO_DA_PHO_BIEN", "leaders", 0.10, (0.2, 0.5), (0.02, 0.12)),
            ("TO_CNSCD_TONG", "TO_CNSCD_DA_TAP_HUAN", "teams", 0.08, (0.05, 0.35), (0.02, 0.10)),
        )
        for total_code, part_code, base_key, p_inc, share0, share_step in pairs:
            if total_code not in elements:
                continue
            own_total = profile[base_key] + int(
                self._stream(
                    unit, base_key, k, lambda r, _i, p=p_inc: 1.0 if r.random() < p else 0.0
                )
            )
            share = min(
                1.0,
                self._stream(
                    unit,
                    base_key + "_share",
                    k,
                    lambda r, i, s0=share0, st=share_step: (
                        r.uniform(*s0) if i == 0 else r.uniform(*st)
                    ),
                ),
            )
            inh_total = sum(v.get(total_code, 0) for v in inherited)
            inh_part = sum(v.get(part_code, 0) for v in inherited)
            total = own_total + inh_total
            own_part = math.floor(share * own_total)
            out[total_code] = total
            if part_code in elements:
                out[part_code] = min(total, max(inh_part + own_part, math.floor(share * total)))
        for code, switch_key in (
            ("CO_KE_HOACH", "plan_switch"),
            ("CO_BO_TRI_KINH_PHI", "funding_switch"),
            ("LONG_GHEP_CHUONG_TRINH", "programme_switch"),
        ):
            if code in elements:
                out[code] = 1 if k >= profile[switch_key] else 0
        return {code: out[code] for code in elements if code in out}


def unit_values(
    catalog: Catalog, unit_code: str, period: Period, seed: int = DEFAULT_SEED
) -> dict[str, float]:
    """The values the demo puts in `unit_code`'s workbook for `period` (before any correction)."""
    return Series(catalog, seed).values(catalog.unit_by_code[unit_code], period)
