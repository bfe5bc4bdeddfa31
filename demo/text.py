"""What a unit writes besides its numbers: who prepared the workbook, the activity log, the narrative.

The Vietnamese words come from `demo/words.yaml` (see demo/words.py); the tables here are codes of
the catalogue and the weights of the draws. The activity log accounts for the counts (`reconcile`):
the quantities of e.g. `tin_bai` activities sum to TIN_BAI, reach and cost to LUOT_TIEP_CAN and
KINH_PHI, training participants to at most NGUOI_TAP_HUAN.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta

from demo.words import words
from schemas.catalog_model import Catalog, Unit, load_catalog
from tasks.core.periods import Period
from tasks.intake.submission import NARRATIVE_LABELS


# Activity type -> the data element its quantities back (None: no count behind it): `element:` of
# the activity types in the catalogue (schemas/catalog/codes.yaml), as the intake checks it.
def activity_elements(catalog: Catalog) -> dict[str, str | None]:
    return {a.code: a.element for a in catalog.activity_types}


ACTIVITY_ELEMENT = activity_elements(load_catalog())  # of the packaged catalogue
# Activity type -> channel codes to draw from (a code listed twice is drawn twice as often).
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
REACHING = ONLINE | {"hoi_nghi_hoi_thao", "su_kien_ngay_cds", "mo_hinh_moi"}  # may report a reach
COSTING = {  # may report a cost
    "hoi_nghi_hoi_thao",
    "tap_huan",
    "cuoc_thi",
    "su_kien_ngay_cds",
    "pano_ap_phich",
    "mo_hinh_moi",
}
# Elements the narrative's opening sentence counts: True = whenever reported, False = when non-zero.
NARRATIVE_COUNTED = {"TIN_BAI": True, "BAI_MXH": True, "SU_KIEN": True, "LOP_TAP_HUAN": False}


def ascii_fold(text: str) -> str:
    """Vietnamese without accents: "Đà Nẵng" -> "Da Nang"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def _host(unit: Unit) -> str:
    name = unit.name
    for prefix in words().unit_name_prefixes:
        if name.startswith(prefix):
            return ascii_fold(name[len(prefix) :]).lower().replace(" ", "") + ".danang.gov.vn"
    return ascii_fold(unit.code.split("_", 1)[-1]).lower().replace("_", "") + ".danang.gov.vn"


# --- the preparer -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Header:
    preparer: str
    phone: str
    email: str


def header(rng: random.Random, unit: Unit) -> Header:
    w = words()
    surname, middle, given = (
        rng.choice(w.surnames),
        rng.choice(w.middle_names),
        rng.choice(w.given_names),
    )
    initials = f"{ascii_fold(surname)[0]}{ascii_fold(middle)[0]}".lower()
    email = f"{ascii_fold(given).lower()}{initials}@danang.gov.vn"
    if rng.random() < 0.5:
        phone = f"0236 {rng.randint(3500, 3899)} {rng.randint(100, 999)}"
    else:
        phone = f"09{rng.choice('0135')}{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    return Header(f"{surname} {middle} {given}", phone, email)


# --- the activity log -------------------------------------------------------------------------
@dataclass(frozen=True)
class Activity:
    day: date
    type: str
    channel: str
    title: str
    quantity: int
    reach: int | None
    cost: float | None
    url: str | None


def _cds_day(period: Period) -> date | None:
    """Ngày Chuyển đổi số quốc gia (10/10) if it falls in the period's window."""
    day = date(period.window_start.year, 10, 10)
    if not period.in_window(day):
        day = date(period.window_end.year, 10, 10)
    return day if period.in_window(day) else None


def _row(
    rng: random.Random,
    catalog: Catalog,
    unit: Unit,
    period: Period,
    kind: str,
    quantity: int,
    reach: int | None,
    cost: float | None,
) -> Activity:
    """One row of the log: its day, channel, title and link drawn for `kind`."""
    w = words()
    cds_day = _cds_day(period)
    span = (period.window_end - period.window_start).days
    day = (
        cds_day
        if kind == "su_kien_ngay_cds" and cds_day is not None
        else period.window_start + timedelta(days=rng.randint(0, span))
    )
    known_channels = set(catalog.channel_codes)
    channels = [c for c in CHANNELS[kind] if c in known_channels] or sorted(known_channels)
    title = w.titles[kind].format(
        topic=rng.choice(w.topics),
        year=day.year,
        model=rng.choice(w.models),
        audience=rng.choice(w.audiences.get(unit.type, w.audience_fallback)),
    )
    url = None
    if kind in ONLINE or (kind != "khac" and rng.random() < 0.3):
        url = f"https://{_host(unit)}/tin-tuc/chuyen-doi-so-{day:%Y%m%d}-{rng.randint(1000, 99999)}.html"
    return Activity(day, kind, rng.choice(channels), title, quantity, reach, cost, url)


def activities(
    rng: random.Random, catalog: Catalog, unit: Unit, period: Period, values: dict[str, float]
) -> list[Activity]:
    """5 to 15 activities of the period, within what the unit's counts allow, sorted by day."""
    known_types = set(catalog.activity_codes)
    backing = activity_elements(catalog)
    remaining = {code: int(v) for code, v in values.items() if code in backing.values()}
    reach_left = int(values.get("LUOT_TIEP_CAN", 0))
    people_left = int(values.get("NGUOI_TAP_HUAN", 0))
    cost_left = round(values.get("KINH_PHI", 0.0) * 10)  # tenths of a million đồng
    cds_day = _cds_day(period)
    out: list[Activity] = []
    for _ in range(rng.randint(5, 15)):
        candidates = []
        for kind, element in backing.items():
            if kind not in known_types or (kind == "su_kien_ngay_cds" and cds_day is None):
                continue
            if element is None or remaining.get(element, 0) >= 1:
                candidates.append(kind)
        kind = rng.choices(candidates, weights=[TYPE_WEIGHT[c] for c in candidates])[0]
        element = backing[kind]
        if element is None:
            quantity = rng.randint(1, 12) if kind == "pano_ap_phich" else 1
        else:
            left = remaining[element]
            cap = QUANTITY_CAP.get(kind, max(1, left // 3))
            quantity = min(left, 1 + rng.randrange(cap))
            remaining[element] = left - quantity
        reach: int | None = None
        if kind == "tap_huan":  # participants: counted in NGUOI_TAP_HUAN and in the reach
            reach = min(people_left, reach_left, quantity * rng.randint(25, 60)) or None
            people_left -= reach or 0
            reach_left -= reach or 0
        elif kind in REACHING:
            if rng.random() < 0.75:
                reach = min(reach_left, quantity * rng.randint(50, 1500)) or None
                reach_left -= reach or 0
        cost: float | None = None
        if kind in COSTING:
            tenths = min(cost_left, rng.randint(15, 300))
            if tenths > 0:
                cost = tenths / 10
                cost_left -= tenths
        out.append(_row(rng, catalog, unit, period, kind, quantity, reach, cost))
    out.sort(key=lambda a: (a.day, a.type, a.title))
    return out


def _split(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder; equal shares when all are 0)."""
    if not weights:
        return []
    ws = weights if sum(weights) > 0 else [1] * len(weights)
    exact = [total * w / sum(ws) for w in ws]
    parts = [int(x) for x in exact]
    order = sorted(range(len(ws)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def reconcile(
    rng: random.Random,
    catalog: Catalog,
    unit: Unit,
    period: Period,
    rows: list[Activity],
    values: dict[str, float],
) -> list[Activity]:
    """The log made to account for the unit's counts, as a careful unit keeps it.

    The quantities of the types backing an element (`element:` in the catalogue) sum to it; the
    reach of all rows sums to LUOT_TIEP_CAN and their cost to KINH_PHI. A shortfall is added to the
    largest row of an open-ended type (a series of articles) or logged as new rows of a one-per-row
    type (events, classes); a surplus is taken from the largest rows. Rows the counts do not touch
    stay exactly as drawn, so a correction of one figure changes only the rows behind it.
    """
    out = list(rows)
    known_types = set(catalog.activity_codes)
    cds_day = _cds_day(period)
    backing = activity_elements(catalog)
    for element in dict.fromkeys(e for e in backing.values() if e is not None):
        if element not in values:
            continue
        kinds = [
            k
            for k, e in backing.items()
            if e == element
            and k in known_types
            and not (k == "su_kien_ngay_cds" and cds_day is None)
        ]
        idx = [i for i, a in enumerate(out) if a.type in kinds]
        gap = int(values[element]) - sum(out[i].quantity for i in idx)
        while gap < 0:  # take from the largest row; drop it when emptied
            i = max(idx, key=lambda j: (out[j].quantity, -j))
            take = min(-gap, out[i].quantity)
            gap += take
            if take == out[i].quantity:
                out[i] = replace(out[i], quantity=0)
                idx.remove(i)
            else:
                out[i] = replace(out[i], quantity=out[i].quantity - take)
        if gap > 0 and kinds:
            open_ended = [i for i in idx if out[i].type not in QUANTITY_CAP]
            if open_ended:
                i = max(open_ended, key=lambda j: (out[j].quantity, -j))
                out[i] = replace(out[i], quantity=out[i].quantity + gap)
                gap = 0
            new_rows = 0
            while gap > 0:
                kind = rng.choices(kinds, weights=[TYPE_WEIGHT[k] for k in kinds])[0]
                cap = QUANTITY_CAP.get(kind, gap)
                quantity = gap if new_rows >= 12 else min(gap, 1 + rng.randrange(cap))
                out.append(_row(rng, catalog, unit, period, kind, quantity, None, None))
                gap -= quantity
                new_rows += 1
    out = [a for a in out if a.quantity > 0]
    if "LUOT_TIEP_CAN" in values:
        trained = sum(a.reach or 0 for a in out if a.type == "tap_huan")  # participants, as drawn
        target = max(0, int(values["LUOT_TIEP_CAN"]) - trained)
        others = [i for i, a in enumerate(out) if a.type != "tap_huan"]
        weighted = (
            [i for i in others if out[i].reach]
            or [i for i in others if out[i].type in REACHING]
            or others
        )
        shares = _split(target, [out[i].reach or out[i].quantity for i in weighted])
        keep = set(weighted)
        out = [
            replace(a, reach=None) if i not in keep and a.type != "tap_huan" else a
            for i, a in enumerate(out)
        ]
        for i, share in zip(weighted, shares, strict=True):
            out[i] = replace(out[i], reach=share or None)
    if "KINH_PHI" in values:
        tenths = round(values["KINH_PHI"] * 10)
        weighted = (
            [i for i, a in enumerate(out) if a.cost]
            or [i for i, a in enumerate(out) if a.type in COSTING]
            or list(range(len(out)))
        )
        shares = _split(tenths, [round((out[i].cost or 0) * 10) for i in weighted])
        keep = set(weighted)
        out = [replace(a, cost=None) if i not in keep else a for i, a in enumerate(out)]
        for i, share in zip(weighted, shares, strict=True):
            out[i] = replace(out[i], cost=share / 10 if share else None)
    out.sort(key=lambda a: (a.day, a.type, a.title))
    return out


# --- the narrative ----------------------------------------------------------------------------
def narrative(
    rng: random.Random, unit: Unit, period: Period, values: dict[str, float]
) -> dict[str, str]:
    """Section key (NARRATIVE_LABELS) -> text: one or two sentences of the bank per section."""
    w = words()
    texts = {}
    for key in NARRATIVE_LABELS:
        bank = w.narrative_bank[key]
        pool = list(bank["_"]) + list(bank.get(unit.type, ()))
        texts[key] = " ".join(rng.sample(pool, k=min(len(pool), rng.randint(1, 2))))
    people = int(values.get("NGUOI_TAP_HUAN", 0))
    counts = [
        w.narrative_counts[code].format(n=int(values[code]), people=people)
        for code, even_zero in NARRATIVE_COUNTED.items()
        if code in values and (even_zero or values[code])
    ]
    lead = (
        w.narrative_lead.format(period=period.label_vi, unit=unit.name, counts=", ".join(counts))
        if counts
        else ""
    )
    texts["ket_qua"] = (lead + " " + texts["ket_qua"]).strip()
    texts["nhiem_vu"] = w.narrative_next.format(
        next_period=period.next().label_vi, text=texts["nhiem_vu"]
    )
    return texts
