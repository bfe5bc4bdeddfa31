"""Deterministic synthetic submissions for demos and tests: real templates, filled like units do.

`generate_demo(catalog, periods, out_dir)` writes, for every unit expected in each period, the
workbook the unit would send back, plus the mess of real life, and returns a `DemoPlan` that says
when each batch of files "arrives" and what the intake should make of each file:

- about 8% of the expected units send nothing (missing), about 10% send after the deadline (late);
- exactly one unit per period sends a corrected workbook later (`<period>_<UNIT>_sua.xlsx`);
- four broken files per period, rotating over `BROKEN_KINDS` so that any two consecutive periods
  cover every kind. All but `text_numbers_nfd` must be rejected. The rejected ones are sent by
  units that also sent a valid workbook on time, so the on-time / late / missing sets are not
  affected by them. `text_numbers_nfd` is a late unit's only workbook (valid, with warnings).

Arrival: round 1 on the deadline day at 08:00 (on-time files), round 2 two days later at 09:00
(late files, the correction, the broken files), clamped to the day before the consolidated report
is due. Files go to `<out_dir>/<period id>/round<k>/`.

Values are a function of (seed, unit, period) only, never of which other periods are generated:
flows grow over time with noise; stocks never shrink for a unit (a successor inherits its
predecessors' stocks once they are gone); "briefed"/"trained" never exceed their totals; yes/no
elements switch from 0 to 1 once and stay 1; money has one decimal; the activity log backs the counts
(the quantities of e.g. `tin_bai` activities sum to at most TIN_BAI).
"""

from __future__ import annotations

import math
import random
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from schemas.catalog_model import Catalog, DataElement, Unit
from tasks.core.errors import UsageError
from tasks.core.periods import DE_AN_START, Period, format_date_vi, period_containing
from tasks.core.settings import TZ
from tasks.intake.submission import (
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
)
from tasks.workbook.template import (
    NOTE_COLUMN,
    VALUE_COLUMN,
    template_units,
    workbook_bytes,
    write_template,
)

DEFAULT_SEED = 2780
BROKEN_KINDS = (
    "legacy_xls",  # an old-format .xls (OLE2 bytes): rejected, "use .xlsx"
    "corrupt_zip",  # a truncated .xlsx: rejected, corrupt file
    "missing_sheet",  # "Hoạt động" deleted: rejected, missing required sheet
    "unknown_unit",  # Mã đơn vị mistyped: rejected, unknown unit
    "negative_value",  # a count of -5: rejected, value error
    "non_numeric_value",  # a count "khoảng 20": rejected, value error
    "text_numbers_nfd",  # numbers as text "1.234", labels/sheet names NFD: ACCEPTED with warnings
)
# The rule the intake is expected to report for each broken kind (codes of schemas/rules.yaml).
BROKEN_RULES = {
    "legacy_xls": "FILE_FORMAT_XLS",
    "corrupt_zip": "FILE_CORRUPT",
    "missing_sheet": "SHEET_MISSING",
    "unknown_unit": "UNIT_UNKNOWN",
    "negative_value": "VALUE_NEGATIVE",
    "non_numeric_value": "VALUE_NOT_NUMBER",
    "text_numbers_nfd": "VALUE_AS_TEXT",  # a warning: the file is accepted
}
BROKEN_PER_PERIOD = 4
MISSING_SHARE = 0.08
LATE_SHARE = 0.10

# Activity type -> the data element its quantities back (None: no count behind it).
ACTIVITY_ELEMENT = {
    "tin_bai": "TIN_BAI",
    "chuong_trinh_ptth": "CHUONG_TRINH_PTTH",
    "phat_thanh_co_so": "LUOT_PHAT_TTCS",
    "bai_mxh": "BAI_MXH",
    "hoi_nghi_hoi_thao": "SU_KIEN",
    "cuoc_thi": "SU_KIEN",
    "su_kien_ngay_cds": "SU_KIEN",
    "tap_huan": "LOP_TAP_HUAN",
    "mo_hinh_moi": "MO_HINH_MOI",
    "pano_ap_phich": None,
    "khac": None,
}


# --- the plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoFile:
    """One generated file. `expect`: accepted | accepted_with_warnings | rejected."""

    name: str  # unique within the period
    round: int  # 1 or 2
    sender: str  # the unit that sent it
    kind: str  # "submission" | "correction" | one of BROKEN_KINDS
    expect: str
    rule: str | None = None  # the rule code expected for a broken file (BROKEN_RULES)


@dataclass(frozen=True)
class PeriodExpectation:
    period_id: str
    expected_units: tuple[str, ...]
    on_time: frozenset[str]  # a valid workbook in round 1
    late: frozenset[str]  # first valid workbook in round 2
    missing: frozenset[str]  # no file before the report (one may arrive after it: after_lock)
    corrected: frozenset[str]  # sent a corrected workbook in round 2 (exactly one unit)
    files: tuple[DemoFile, ...]  # every file of the period, by round then name

    @property
    def broken(self) -> dict[str, str]:
        """Broken file name -> expected rule code (includes the valid-with-warnings one)."""
        return {f.name: f.rule for f in self.files if f.kind in BROKEN_KINDS}

    @property
    def rejected(self) -> frozenset[str]:
        return frozenset(f.name for f in self.files if f.expect == "rejected")


@dataclass(frozen=True)
class DemoRound:
    period_id: str
    at: datetime  # aware, Asia/Ho_Chi_Minh
    files: tuple[Path, ...]
    after_report: bool = False  # delivered after the period's final report (the period is locked)


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    out_dir: Path
    rounds: tuple[DemoRound, ...]  # chronological
    report_at: dict[str, datetime]  # period id -> consolidated report due (15:00 local)
    expectations: dict[str, PeriodExpectation]  # period id -> what the intake should find

    @property
    def period_ids(self) -> list[str]:
        return list(self.expectations)

    def rounds_for(self, period_id: str) -> list[DemoRound]:
        return [r for r in self.rounds if r.period_id == period_id]


# --- values ---------------------------------------------------------------------------------------
# Mean quarterly flow per unit type at the Đề án's start (2022Q4), before unit scale and growth.
FLOW_BASE = {
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
UNIT_MULTIPLIER = {
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


def _k(period: Period) -> int:
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


class _Series:
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
        k = _k(period)
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
    return _Series(catalog, seed).values(catalog.unit_by_code[unit_code], period)


# --- people, activities, narrative ---------------------------------------------------------------
SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
]
MIDDLES = ["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Quốc", "Thu", "Hoài", "Đức", "Bảo", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Phúc",
    "Phương",
    "Quân",
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tuấn",
    "Vy",
]

TOPICS = [
    "hướng dẫn cài đặt, kích hoạt tài khoản định danh điện tử VNeID mức 2",
    "sử dụng dịch vụ công trực tuyến toàn trình",
    "thanh toán không dùng tiền mặt tại chợ truyền thống",
    "ứng dụng nền tảng Danang Smart City",
    "phòng, chống lừa đảo trực tuyến và bảo vệ dữ liệu cá nhân",
    "chữ ký số cho hộ kinh doanh và người dân",
    "phong trào Bình dân học vụ số",
    "kỹ năng số cơ bản cho người cao tuổi",
    "chuyển đổi số trong doanh nghiệp nhỏ và vừa",
    "sàn thương mại điện tử cho sản phẩm OCOP",
    "khám bệnh và thanh toán viện phí không dùng tiền mặt",
    "học bạ số và sổ liên lạc điện tử",
]
MODELS = [
    "Chợ 4.0 - thanh toán không dùng tiền mặt",
    "Tổ dân phố số",
    "Zalo tổ dân phố",
    "Gia đình số",
    "Ngày thứ Bảy số",
    "Tuyến phố không dùng tiền mặt",
    "Cà phê số",
    "Hội viên phụ nữ với chuyển đổi số",
    "Thanh niên tình nguyện hỗ trợ công dân số",
]
AUDIENCES = {
    "so_nganh": ["công chức, viên chức", "cán bộ đầu mối chuyển đổi số", "doanh nghiệp"],
    "co_quan_tw": ["công chức, viên chức", "người lao động"],
    "quan_huyen": ["cán bộ phường, xã", "Tổ Công nghệ số cộng đồng", "hộ kinh doanh"],
    "phuong_xa": [
        "Tổ Công nghệ số cộng đồng",
        "người dân tổ dân phố",
        "hộ kinh doanh",
        "người cao tuổi",
    ],
    "doan_the": ["hội viên, đoàn viên", "cán bộ chi hội", "thanh niên tình nguyện"],
    "bao_chi": ["phóng viên, biên tập viên"],
}
TITLES = {
    "tin_bai": "Tin, bài: {topic}",
    "chuong_trinh_ptth": 'Chuyên mục "Chuyển đổi số": {topic}',
    "phat_thanh_co_so": "Phát thanh tuyên truyền: {topic}",
    "bai_mxh": "Bài đăng trang Zalo/Facebook của đơn vị: {topic}",
    "hoi_nghi_hoi_thao": "Hội nghị phổ biến, quán triệt về chuyển đổi số: {topic}",
    "tap_huan": "Tập huấn kỹ năng số cho {audience}: {topic}",
    "cuoc_thi": "Cuộc thi trực tuyến tìm hiểu về chuyển đổi số năm {year}",
    "su_kien_ngay_cds": "Hưởng ứng Ngày Chuyển đổi số quốc gia 10/10/{year}",
    "mo_hinh_moi": 'Ra mắt mô hình "{model}"',
    "pano_ap_phich": "Treo băng rôn, pano tuyên truyền về {topic}",
    "khac": "Phát tờ rơi hướng dẫn {topic}",
}
CHANNELS = {
    "tin_bai": ["bao_dien_tu", "cong_ttdt", "bao_in"],
    "chuong_trinh_ptth": ["truyen_hinh", "phat_thanh"],
    "phat_thanh_co_so": ["truyen_thanh_co_so"],
    "bai_mxh": ["mang_xa_hoi", "zalo", "cong_ttdt"],
    "hoi_nghi_hoi_thao": ["truc_tiep"],
    "tap_huan": ["truc_tiep", "truc_tiep", "khac"],
    "cuoc_thi": ["mang_xa_hoi", "cong_ttdt", "truc_tiep"],
    "su_kien_ngay_cds": ["truc_tiep"],
    "mo_hinh_moi": ["truc_tiep", "zalo", "mang_xa_hoi"],
    "pano_ap_phich": ["truc_tiep", "khac"],
    "khac": ["truc_tiep", "khac"],
}
TYPE_WEIGHT = {
    "tin_bai": 4,
    "bai_mxh": 4,
    "phat_thanh_co_so": 3,
    "chuong_trinh_ptth": 2,
    "hoi_nghi_hoi_thao": 2,
    "tap_huan": 2,
    "cuoc_thi": 1,
    "su_kien_ngay_cds": 3,
    "mo_hinh_moi": 2,
    "pano_ap_phich": 1,
    "khac": 0.5,
}
QUANTITY_CAP = {
    "hoi_nghi_hoi_thao": 1,
    "cuoc_thi": 1,
    "su_kien_ngay_cds": 1,
    "mo_hinh_moi": 1,
    "tap_huan": 2,
    "chuong_trinh_ptth": 3,
}  # events are logged one per row
ONLINE = {"tin_bai", "bai_mxh", "chuong_trinh_ptth", "cuoc_thi"}

NARRATIVE_BANK = {
    "ket_qua": {
        "_": [
            "Công tác truyền thông chuyển đổi số được triển khai thường xuyên, bám sát kế hoạch của thành phố.",
            "Nội dung tuyên truyền tập trung vào dịch vụ công trực tuyến, thanh toán không dùng tiền mặt và kỹ năng số cho người dân.",
        ],
        "so_nganh": [
            "Đã cập nhật chuyên mục chuyển đổi số trên cổng thông tin điện tử của đơn vị.",
            "100% hồ sơ công việc được xử lý trên môi trường mạng; cán bộ, công chức được phổ biến về chuyển đổi số.",
        ],
        "co_quan_tw": ["Phối hợp với Sở trong tuyên truyền về dịch vụ công trực tuyến của ngành."],
        "quan_huyen": [
            "Chỉ đạo các phường, xã đẩy mạnh truyền thông trên hệ thống truyền thanh cơ sở và nhóm Zalo tổ dân phố.",
            "Tổ chức các đợt cao điểm hỗ trợ người dân kích hoạt tài khoản định danh điện tử.",
        ],
        "phuong_xa": [
            "Tổ Công nghệ số cộng đồng đến từng tổ dân phố hướng dẫn người dân cài đặt, sử dụng các ứng dụng số.",
            "Hệ thống loa truyền thanh cơ sở phát tin tuyên truyền về chuyển đổi số hằng tuần.",
        ],
        "doan_the": [
            "Lồng ghép nội dung chuyển đổi số trong sinh hoạt chi hội, chi đoàn.",
            "Hội viên, đoàn viên tích cực tham gia hỗ trợ người dân sử dụng dịch vụ công trực tuyến.",
        ],
        "bao_chi": [
            "Duy trì chuyên trang chuyển đổi số trên báo in và báo điện tử, nhiều bài viết có lượt đọc cao."
        ],
    },
    "kho_khan": {
        "_": [
            "Kinh phí dành cho truyền thông chuyển đổi số còn hạn chế.",
            "Một bộ phận người dân, nhất là người cao tuổi, còn ngại tiếp cận công nghệ số.",
        ],
        "so_nganh": [
            "Cán bộ phụ trách truyền thông kiêm nhiệm nhiều việc, chưa được bồi dưỡng chuyên sâu."
        ],
        "co_quan_tw": ["Việc phối hợp chia sẻ thông tin với địa phương còn chưa thường xuyên."],
        "quan_huyen": [
            "Hệ thống truyền thanh cơ sở ở một số phường, xã xuống cấp, cần đầu tư nâng cấp."
        ],
        "phuong_xa": [
            "Thành viên Tổ Công nghệ số cộng đồng chủ yếu là kiêm nhiệm, chưa có chế độ hỗ trợ.",
            "Sau sắp xếp đơn vị hành chính, địa bàn rộng hơn nên việc tuyên truyền trực tiếp gặp khó khăn.",
        ],
        "doan_the": [
            "Hội viên lớn tuổi chiếm tỷ lệ cao, khả năng tiếp cận thiết bị số còn hạn chế."
        ],
        "bao_chi": ["Nguồn tin, bài chuyên sâu về chuyển đổi số từ các cơ quan chuyên môn còn ít."],
    },
    "de_xuat": {
        "_": [
            "Đề nghị Sở cung cấp bộ tài liệu tuyên truyền mẫu (infographic, video ngắn) để dùng thống nhất.",
            "Đề nghị thành phố bố trí kinh phí riêng cho truyền thông chuyển đổi số năm tới.",
        ],
        "phuong_xa": ["Đề nghị có chế độ hỗ trợ cho thành viên Tổ Công nghệ số cộng đồng."],
        "quan_huyen": [
            "Đề nghị hỗ trợ nâng cấp hệ thống truyền thanh cơ sở ứng dụng công nghệ thông tin - viễn thông."
        ],
        "doan_the": [
            "Đề nghị tổ chức lớp bồi dưỡng báo cáo viên về chuyển đổi số cho cán bộ đoàn thể."
        ],
        "bao_chi": [
            "Đề nghị các sở, ngành chủ động cung cấp thông tin, số liệu về chuyển đổi số cho cơ quan báo chí."
        ],
    },
    "nhiem_vu": {
        "_": [
            "Tiếp tục đẩy mạnh tuyên truyền về dịch vụ công trực tuyến và thanh toán không dùng tiền mặt.",
            "Nhân rộng các mô hình truyền thông chuyển đổi số hiệu quả.",
        ],
        "so_nganh": ["Hoàn thành phổ biến về chuyển đổi số cho 100% cán bộ lãnh đạo của đơn vị."],
        "quan_huyen": [
            "Kiểm tra, đôn đốc các phường, xã thực hiện kế hoạch truyền thông chuyển đổi số."
        ],
        "phuong_xa": ["Tập huấn cho các Tổ Công nghệ số cộng đồng chưa được tập huấn."],
        "doan_the": ["Tổ chức cuộc thi tìm hiểu về chuyển đổi số trong hội viên, đoàn viên."],
        "bao_chi": ["Mở thêm chuyên mục video ngắn về chuyển đổi số trên nền tảng số của báo."],
    },
}


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def _host(unit: Unit) -> str:
    name = unit.name
    for prefix in ("UBND phường ", "UBND xã ", "UBND quận ", "UBND huyện ", "UBND đặc khu "):
        if name.startswith(prefix):
            return _ascii(name[len(prefix) :]).lower().replace(" ", "") + ".danang.gov.vn"
    return _ascii(unit.code.split("_", 1)[-1]).lower().replace("_", "") + ".danang.gov.vn"


@dataclass(frozen=True)
class _Header:
    preparer: str
    phone: str
    email: str


def _header(rng: random.Random, unit: Unit) -> _Header:
    surname, middle, given = rng.choice(SURNAMES), rng.choice(MIDDLES), rng.choice(GIVEN)
    email = f"{_ascii(given).lower()}{_ascii(surname)[0].lower()}{_ascii(middle)[0].lower()}@danang.gov.vn"
    if rng.random() < 0.5:
        phone = f"0236 {rng.randint(3500, 3899)} {rng.randint(100, 999)}"
    else:
        phone = f"09{rng.choice('0135')}{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    return _Header(f"{surname} {middle} {given}", phone, email)


@dataclass(frozen=True)
class _Activity:
    day: date
    type: str
    channel: str
    title: str
    quantity: int
    reach: int | None
    cost: float | None
    url: str | None


def _activities(
    rng: random.Random, catalog: Catalog, unit: Unit, period: Period, values: dict[str, float]
) -> list[_Activity]:
    known_types, known_channels = set(catalog.activity_codes), set(catalog.channel_codes)
    remaining = {code: int(v) for code, v in values.items() if code in ACTIVITY_ELEMENT.values()}
    reach_left = int(values.get("LUOT_TIEP_CAN", 0))
    people_left = int(values.get("NGUOI_TAP_HUAN", 0))
    cost_left = round(values.get("KINH_PHI", 0.0) * 10)  # tenths of a million đồng
    cds_day = date(period.window_start.year, 10, 10)
    if not period.in_window(cds_day):
        cds_day = date(period.window_end.year, 10, 10)
    has_cds_day = period.in_window(cds_day)
    span = (period.window_end - period.window_start).days
    out: list[_Activity] = []
    for _ in range(rng.randint(5, 15)):
        candidates = []
        for kind, element in ACTIVITY_ELEMENT.items():
            if kind not in known_types or (kind == "su_kien_ngay_cds" and not has_cds_day):
                continue
            if element is None or remaining.get(element, 0) >= 1:
                candidates.append(kind)
        kind = rng.choices(candidates, weights=[TYPE_WEIGHT[c] for c in candidates])[0]
        element = ACTIVITY_ELEMENT[kind]
        if element is None:
            quantity = rng.randint(1, 12) if kind == "pano_ap_phich" else 1
        else:
            left = remaining[element]
            cap = QUANTITY_CAP.get(kind, max(1, left // 3))
            quantity = min(left, 1 + rng.randrange(cap))
            remaining[element] = left - quantity
        day = (
            cds_day
            if kind == "su_kien_ngay_cds"
            else period.window_start + timedelta(days=rng.randint(0, span))
        )
        reach: int | None = None
        if kind == "tap_huan":  # participants: counted in NGUOI_TAP_HUAN and in the reach
            reach = min(people_left, reach_left, quantity * rng.randint(25, 60)) or None
            people_left -= reach or 0
            reach_left -= reach or 0
        elif kind in ONLINE or kind in ("hoi_nghi_hoi_thao", "su_kien_ngay_cds", "mo_hinh_moi"):
            if rng.random() < 0.75:
                reach = min(reach_left, quantity * rng.randint(50, 1500)) or None
                reach_left -= reach or 0
        cost: float | None = None
        if kind in (
            "hoi_nghi_hoi_thao",
            "tap_huan",
            "cuoc_thi",
            "su_kien_ngay_cds",
            "pano_ap_phich",
            "mo_hinh_moi",
        ):
            tenths = min(cost_left, rng.randint(15, 300))
            if tenths > 0:
                cost = tenths / 10
                cost_left -= tenths
        channels = [c for c in CHANNELS[kind] if c in known_channels] or sorted(known_channels)
        title = TITLES[kind].format(
            topic=rng.choice(TOPICS),
            year=day.year,
            model=rng.choice(MODELS),
            audience=rng.choice(AUDIENCES.get(unit.type, ["cán bộ, công chức"])),
        )
        url = None
        if kind in ONLINE or (kind != "khac" and rng.random() < 0.3):
            url = f"https://{_host(unit)}/tin-tuc/chuyen-doi-so-{day:%Y%m%d}-{rng.randint(1000, 99999)}.html"
        out.append(_Activity(day, kind, rng.choice(channels), title, quantity, reach, cost, url))
    out.sort(key=lambda a: (a.day, a.type, a.title))
    return out


def _narrative(
    rng: random.Random, unit: Unit, period: Period, values: dict[str, float]
) -> dict[str, str]:
    texts = {}
    for key in NARRATIVE_LABELS:
        bank = NARRATIVE_BANK[key]
        pool = list(bank["_"]) + list(bank.get(unit.type, []))
        texts[key] = " ".join(rng.sample(pool, k=min(len(pool), rng.randint(1, 2))))
    numbers = []
    if "TIN_BAI" in values:
        numbers.append(f"{int(values['TIN_BAI'])} tin, bài")
    if "BAI_MXH" in values:
        numbers.append(f"{int(values['BAI_MXH'])} bài đăng trên mạng xã hội, cổng thông tin")
    if "SU_KIEN" in values:
        numbers.append(f"{int(values['SU_KIEN'])} hội nghị, sự kiện")
    if values.get("LOP_TAP_HUAN"):
        numbers.append(
            f"{int(values['LOP_TAP_HUAN'])} lớp tập huấn với {int(values.get('NGUOI_TAP_HUAN', 0))} lượt người"
        )
    lead = (
        f"Trong {period.label_vi}, {unit.name} đã thực hiện " + ", ".join(numbers) + "."
        if numbers
        else ""
    )
    texts["ket_qua"] = (lead + " " + texts["ket_qua"]).strip()
    texts["nhiem_vu"] = f"{period.next().label_vi}: " + texts["nhiem_vu"]
    return texts


# --- filling a template ---------------------------------------------------------------------------
def _label_rows(ws: Worksheet) -> dict[str, int]:
    return {
        str(ws.cell(r, 1).value): r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value is not None
    }


class _Templates:
    """Real templates (write_template), one per (unit type, period), re-pointed at each unit."""

    def __init__(self, catalog: Catalog, working_days: int, directory: Path):
        self.catalog = catalog
        self.working_days = working_days
        self.directory = directory
        self._bytes: dict[tuple[str, str], bytes] = {}

    def workbook(self, unit: Unit, period: Period) -> Workbook:
        key = (unit.type, period.id)
        if key not in self._bytes:
            path = write_template(
                self.catalog, unit, period, self.directory, working_days=self.working_days
            )
            self._bytes[key] = path.read_bytes()
        wb = load_workbook(BytesIO(self._bytes[key]))
        retarget(wb, unit, period)
        return wb


def retarget(wb: Workbook, unit: Unit, period: Period) -> None:
    """Make a loaded template of another unit of the same type the template of `unit`."""
    info = wb[SHEET_INFO]
    rows = _label_rows(info)
    info.cell(rows[INFO_LABELS["unit_code"]], 2).value = unit.code
    info.cell(rows[INFO_LABELS["unit_name"]], 2).value = unit.name
    wb.properties.title = f"Báo cáo truyền thông chuyển đổi số {period.label_vi} - {unit.name}"
    wb.properties.keywords = (
        f"{period.id} {unit.code} " + (wb.properties.keywords or "").split()[-1]
    )
    for cell in wb[SHEET_ACTIVITIES][1]:  # openpyxl forgets comment box sizes on load
        if cell.comment is not None:
            cell.comment.width, cell.comment.height = 340, 220


def _vn_number_text(value: float, money: bool) -> str:
    """Vietnamese style: 1.234 and 1.234,5."""
    if money:
        whole, frac = f"{value:,.1f}".split(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def _fill(
    wb: Workbook,
    values: dict[str, float],
    header: _Header,
    prepared_on: date,
    activities: list[_Activity],
    narrative: dict[str, str],
    notes: dict[str, str],
) -> None:
    info = wb[SHEET_INFO]
    rows = _label_rows(info)
    info.cell(rows[INFO_LABELS["preparer"]], 2).value = header.preparer
    info.cell(rows[INFO_LABELS["phone"]], 2).value = header.phone
    info.cell(rows[INFO_LABELS["email"]], 2).value = header.email
    info.cell(rows[INFO_LABELS["prepared_on"]], 2).value = prepared_on
    ws = wb[SHEET_ELEMENTS]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, 1).value
        if code in values:
            ws[f"{VALUE_COLUMN}{r}"].value = values[code]
            if code in notes:
                ws[f"{NOTE_COLUMN}{r}"].value = notes[code]
    acts = wb[SHEET_ACTIVITIES]
    for i, a in enumerate(activities, start=1):
        row = i + 1
        acts.cell(row, 1, i)
        acts.cell(row, 2, a.day).number_format = "dd/mm/yyyy"
        acts.cell(row, 3, a.type)
        acts.cell(row, 4, a.channel)
        acts.cell(row, 5, a.title)
        acts.cell(row, 6, a.quantity)
        acts.cell(row, 7, a.reach)
        acts.cell(row, 8, a.cost)
        acts.cell(row, 9, a.url)
    narr = wb[SHEET_NARRATIVE]
    narr_rows = _label_rows(narr)
    for key, label in NARRATIVE_LABELS.items():
        narr.cell(narr_rows[label], 2).value = narrative[key]
    wb.properties.lastModifiedBy = header.preparer


def _nfd(text):
    return unicodedata.normalize("NFD", text) if isinstance(text, str) else text


def _make_text_numbers_nfd(wb: Workbook, period: Period, elements: list[DataElement]) -> None:
    """Numbers typed as text (Vietnamese style), dates as dd/mm/yyyy text, labels and names NFD."""
    kinds = {e.code: e.kind for e in elements}
    ws = wb[SHEET_ELEMENTS]
    for r in range(2, ws.max_row + 1):
        cell = ws[f"{VALUE_COLUMN}{r}"]
        code = ws.cell(r, 1).value
        if isinstance(cell.value, (int, float)):
            cell.value = _vn_number_text(cell.value, kinds.get(code) == "money")
    for c in ws[1]:
        c.value = _nfd(c.value)
    info = wb[SHEET_INFO]
    rows = _label_rows(info)
    day_cell = info.cell(rows[INFO_LABELS["prepared_on"]], 2)
    day_cell.value = format_date_vi(day_cell.value)
    info.cell(rows[INFO_LABELS["period"]], 2).value = _nfd(period.label_vi)  # "Quý III/2025"
    for r in rows.values():
        info.cell(r, 1).value = _nfd(info.cell(r, 1).value)
    acts = wb[SHEET_ACTIVITIES]
    for c in acts[1]:
        c.value = _nfd(c.value)
    for r in range(2, acts.max_row + 1):
        cell = acts.cell(r, 2)
        if isinstance(cell.value, (date, datetime)):
            cell.value = format_date_vi(cell.value)
    narr = wb[SHEET_NARRATIVE]
    for r in range(1, narr.max_row + 1):
        narr.cell(r, 1).value = _nfd(narr.cell(r, 1).value)
    for name in (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE):
        wb[name].title = _nfd(name)


def _legacy_xls_bytes(rng: random.Random) -> bytes:
    """What an 'Excel 97-2003' file looks like to a sniffer: the OLE2 signature and a sector."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + bytes.fromhex("3E000300FEFF0900")
    return header + bytes(rng.randrange(256) for _ in range(512 - len(header))) + bytes(1024)


# --- the generator --------------------------------------------------------------------------------
def _broken_kinds(period: Period) -> list[str]:
    """The period's broken kinds; rotating, so any two consecutive periods cover all of them."""
    start = BROKEN_PER_PERIOD * _k(period)
    return [BROKEN_KINDS[(start + j) % len(BROKEN_KINDS)] for j in range(BROKEN_PER_PERIOD)]


def _round_times(
    period: Period, working_days: int, report_day: int
) -> tuple[datetime, datetime, datetime]:
    deadline = period.deadline(working_days)
    report_at = datetime.combine(period.report_due(report_day), time(15, 0), TZ)
    first = datetime.combine(deadline, time(8, 0), TZ)
    second = datetime.combine(deadline + timedelta(days=2), time(9, 0), TZ)
    if second >= report_at:
        second = datetime.combine(report_at.date() - timedelta(days=1), time(9, 0), TZ)
    if not first < second < report_at:
        raise UsageError(
            f"Kỳ {period.label_vi}: hạn gửi {format_date_vi(deadline)} không còn trước hạn báo cáo "
            f"{format_date_vi(report_at.date())}; không tạo được dữ liệu mẫu.",
            f"Period {period.id}: deadline {deadline:%d/%m/%Y} leaves no time before the report due "
            f"{report_at:%d/%m/%Y}; cannot generate demo data.",
            "Giảm số ngày làm việc được gửi hoặc lùi ngày báo cáo.",
            "Use fewer working days or a later report day.",
        )
    return first, second, report_at


def _unknown_code(catalog: Catalog, code: str) -> str:
    typo = code.replace("_", "", 1)
    while typo in catalog.unit_by_code:
        typo += "X"
    return typo


def generate_demo(
    catalog: Catalog,
    periods: list[Period],
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    working_days: int = 2,
    *,
    report_day: int = 20,
) -> DemoPlan:
    """Write the demo submissions of `periods` under `out_dir` and return the plan (see module doc).

    The period folders `<out_dir>/<period id>/round1|round2` are emptied first, so a re-run with the
    same arguments gives the same files, byte for byte.
    """
    out_dir = Path(out_dir)
    periods = sorted({Period.parse(p) for p in periods})
    series = _Series(catalog, seed)
    rounds: list[DemoRound] = []
    report_at: dict[str, datetime] = {}
    expectations: dict[str, PeriodExpectation] = {}
    with tempfile.TemporaryDirectory(prefix="dxreport-demo-") as tmp:
        templates = _Templates(catalog, working_days, Path(tmp))
        for period in periods:
            first_at, second_at, report_at[period.id] = _round_times(
                period, working_days, report_day
            )
            exp, files_by_round = _generate_period(
                catalog, series, templates, period, out_dir, seed, working_days, second_at.date()
            )
            expectations[period.id] = exp
            rounds.append(DemoRound(period.id, first_at, files_by_round[1]))
            rounds.append(DemoRound(period.id, second_at, files_by_round[2]))
            if files_by_round.get(3):
                third_at = report_at[period.id] + timedelta(days=5)
                rounds.append(DemoRound(period.id, third_at, files_by_round[3], after_report=True))
    rounds.sort(key=lambda r: r.at)
    return DemoPlan(seed, out_dir, tuple(rounds), report_at, expectations)


def _generate_period(
    catalog: Catalog,
    series: _Series,
    templates: _Templates,
    period: Period,
    out_dir: Path,
    seed: int,
    working_days: int,
    second_day: date,
) -> tuple[PeriodExpectation, dict[int, tuple[Path, ...]]]:
    pid = period.id
    rng = random.Random(f"{seed}:{pid}:plan")
    units = sorted(template_units(catalog, period, None), key=lambda u: u.code)
    codes = [u.code for u in units]
    by_code = {u.code: u for u in units}
    shuffled = codes[:]
    rng.shuffle(shuffled)
    n_missing = max(1, round(MISSING_SHARE * len(codes)))
    n_late = max(1, round(LATE_SHARE * len(codes)))
    missing = sorted(shuffled[:n_missing])
    late = sorted(shuffled[n_missing : n_missing + n_late])
    on_time = sorted(shuffled[n_missing + n_late :])
    corrected = rng.choice(on_time)
    kinds = _broken_kinds(period)
    rejecting = [k for k in kinds if k != "text_numbers_nfd"]
    broken_senders = rng.sample([c for c in on_time if c != corrected], len(rejecting))
    nfd_unit = rng.choice(late) if "text_numbers_nfd" in kinds else None

    deadline = period.deadline(working_days)
    round_dirs = {k: out_dir / pid / f"round{k}" for k in (1, 2, 3)}
    for d in round_dirs.values():
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    files: list[DemoFile] = []
    paths: dict[int, list[Path]] = {1: [], 2: [], 3: []}

    def emit(
        name: str,
        data: bytes,
        rnd: int,
        sender: str,
        kind: str,
        expect: str,
        rule: str | None = None,
    ):
        if any(f.name == name for f in files):
            raise AssertionError(f"duplicate demo file name {name}")
        path = round_dirs[rnd] / name
        path.write_bytes(data)
        paths[rnd].append(path)
        files.append(DemoFile(name, rnd, sender, kind, expect, rule))

    def build(
        code: str,
        prepared_on: date,
        *,
        values_override: dict | None = None,
        notes: dict | None = None,
    ) -> tuple[Workbook, list[DataElement]]:
        unit = by_code[code]
        urng = random.Random(f"{seed}:{code}:{pid}:content")
        values = dict(series.values(unit, period))
        header = _header(random.Random(f"{seed}:{code}:person"), unit)
        activities = _activities(urng, catalog, unit, period, values)
        narrative = _narrative(urng, unit, period, values)
        if values_override:
            values.update(values_override)
        elements = catalog.elements_for_type(unit.type)
        wb = templates.workbook(unit, period)
        _fill(wb, values, header, prepared_on, activities, narrative, notes or {})
        return wb, elements

    def stamp(day: date, code: str) -> datetime:
        minute = random.Random(f"{seed}:{code}:{pid}:{day}").randint(0, 8 * 60)
        return datetime.combine(day, time(8, 0)) + timedelta(minutes=minute)

    def prepared_day(code: str, lo: date, hi: date) -> date:
        r = random.Random(f"{seed}:{code}:{pid}:prepared")
        return lo + timedelta(days=r.randint(0, max(0, (hi - lo).days)))

    on_time_days = (period.window_end - timedelta(days=1), deadline)
    late_days = (deadline + timedelta(days=1), second_day)
    valid_bytes: dict[str, bytes] = {}
    for code in on_time:
        day = prepared_day(code, *on_time_days)
        wb, _ = build(code, day)
        data = workbook_bytes(wb, stamp(day, code))
        valid_bytes[code] = data
        emit(f"{pid}_{code}.xlsx", data, 1, code, "submission", "accepted")
    for code in late:
        day = prepared_day(code, *late_days)
        wb, elements = build(code, day)
        if code == nfd_unit:
            _make_text_numbers_nfd(wb, period, elements)
            emit(
                f"{pid}_{code}.xlsx",
                workbook_bytes(wb, stamp(day, code)),
                2,
                code,
                "text_numbers_nfd",
                "accepted_with_warnings",
                BROKEN_RULES["text_numbers_nfd"],
            )
        else:
            emit(
                f"{pid}_{code}.xlsx",
                workbook_bytes(wb, stamp(day, code)),
                2,
                code,
                "submission",
                "accepted",
            )
    # The correction: one more article found after sending (flows only, so stocks stay monotone).
    unit = by_code[corrected]
    original = series.values(unit, period)
    element = (
        "TIN_BAI"
        if "TIN_BAI" in original
        else next(e.code for e in catalog.elements_for_type(unit.type) if e.kind == "flow")
    )
    delta = random.Random(f"{seed}:{pid}:correction").randint(1, 5)
    new_value = original[element] + delta
    wb, _ = build(
        corrected,
        second_day,
        values_override={element: new_value},
        notes={
            element: f"Điều chỉnh: bổ sung {delta} {catalog.element_by_code[element].uom} chưa tổng hợp ở báo cáo trước."
        },
    )
    emit(
        f"{pid}_{corrected}_sua.xlsx",
        workbook_bytes(wb, stamp(second_day, corrected)),
        2,
        corrected,
        "correction",
        "accepted",
    )
    # Broken files, each from an on-time unit (its valid workbook stays the one that counts).
    for kind, code in zip(rejecting, broken_senders, strict=True):
        krng = random.Random(f"{seed}:{pid}:{kind}")
        day = second_day
        rule = BROKEN_RULES[kind]
        if kind == "legacy_xls":
            emit(f"{pid}_{code}.xls", _legacy_xls_bytes(krng), 2, code, kind, "rejected", rule)
            continue
        if kind == "corrupt_zip":
            data = valid_bytes[code]
            emit(
                f"{pid}_{code}_gui_lai.xlsx",
                data[: len(data) // 2],
                2,
                code,
                kind,
                "rejected",
                rule,
            )
            continue
        wb, _ = build(code, day)
        unit = by_code[code]
        if kind == "missing_sheet":
            del wb[SHEET_ACTIVITIES]
            name = f"{pid}_{code}_v2.xlsx"
        elif kind == "unknown_unit":
            info = wb[SHEET_INFO]
            info.cell(_label_rows(info)[INFO_LABELS["unit_code"]], 2).value = _unknown_code(
                catalog, code
            )
            name = f"{pid}_{code}_ban_moi.xlsx"
        else:
            ws = wb[SHEET_ELEMENTS]
            flows = [
                r
                for r in range(2, ws.max_row + 1)
                if catalog.element_by_code[ws.cell(r, 1).value].kind == "flow"
            ]
            r = krng.choice(flows)
            ws[f"{VALUE_COLUMN}{r}"].value = -5 if kind == "negative_value" else "khoảng 20"
            name = f"{pid}_{code}_cap_nhat.xlsx"
        emit(name, workbook_bytes(wb, stamp(day, code)), 2, code, kind, "rejected", rule)

    # A unit resends its on-time file unchanged (same bytes): a duplicate, nothing recorded twice.
    drng = random.Random(f"{seed}:{pid}:duplicate")
    resender = drng.choice([c for c in on_time if c != corrected])
    emit(
        f"{pid}_{resender}_ban_sao.xlsx",
        valid_bytes[resender],
        2,
        resender,
        "duplicate",
        "duplicate",
    )
    # A missing unit sends its report after the period's report was issued: archived, after_lock.
    if missing and len(missing) > 1:
        latecomer = drng.choice(missing)
        day = period.report_due() + timedelta(days=5)
        wb, _ = build(latecomer, day)
        emit(
            f"{pid}_{latecomer}.xlsx",
            workbook_bytes(wb, stamp(day, latecomer)),
            3,
            latecomer,
            "after_lock",
            "rejected",
            "PERIOD_LOCKED",
        )

    files.sort(key=lambda f: (f.round, f.name))
    exp = PeriodExpectation(
        period_id=pid,
        expected_units=tuple(codes),
        on_time=frozenset(on_time),
        late=frozenset(late),
        missing=frozenset(missing),
        corrected=frozenset({corrected}),
        files=tuple(files),
    )
    return exp, {k: tuple(sorted(v)) for k, v in paths.items()}
