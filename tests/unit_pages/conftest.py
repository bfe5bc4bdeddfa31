"""A workspace whose warehouse is filled by the real intake of generated workbooks (no Prefect).

2025Q2 (received 16/06/2025): P_THANH_BINH (TIN_BAI 7) and P_HAI_CHAU_CU (TIN_BAI 11), both
predecessors of phường Hải Châu (P_HAI_CHAU, from 01/07/2025).
2025Q3 (received 16/09/2025, on time):
- P_HAI_CHAU TIN_BAI 20, unit name differing from the catalogue (warning UNIT_NAME_MISMATCH);
- P_HOA_CUONG 30, P_THANH_KHE 50, S_KHCN 40;
- P_AN_HAI 1234: the long case: 7 versions, a duplicate, long file names, a very long unit name
  (quoted in its warning), blank values (VALUE_BLANK warnings), a long narrative;
- P_THANH_BINH 5: sent although no longer expected (ended 30/06/2025, before the cut-off);
- P_SON_TRA: one rejected file (negative TIN_BAI).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace, workspace_catalog
from tasks.intake import steps
from tests.builders import build_workbook

LONG_NAME = (
    "Ủy ban nhân dân phường An Hải <script>alert(1)</script> thành phố Đà Nẵng "
    + "(tên ghi rất dài do đơn vị tự nhập vào biểu mẫu báo cáo) " * 6
)
LONG_NARRATIVE = (
    "Đã tổ chức tuyên truyền sâu rộng về chuyển đổi số trên hệ thống truyền thanh cơ sở, mạng xã "
    "hội và tại các buổi sinh hoạt tổ dân phố; hướng dẫn người dân cài đặt VNeID. "
) * 12
Q3_VALUES = {"P_HAI_CHAU": 20, "P_HOA_CUONG": 30, "P_THANH_KHE": 50, "S_KHCN": 40, "P_AN_HAI": 1234}


def intake(home: Path, now: str, files: list[Path]) -> dict:
    settings = Settings(home=home, now=now)
    ensure_workspace(settings)
    catalog = workspace_catalog(settings)
    for f in files:
        shutil.copyfile(f, settings.paths.inbox / f.name)
    batch = steps.collect(settings, catalog)
    subs = steps.parse_batch(settings, batch)
    subs = steps.validate_submissions(settings, catalog, batch, subs)
    return steps.summarize(batch.recovered + steps.record_batch(settings, batch, subs))


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("unit_pages")
    home, src = root / "home", root / "src"
    q2 = [
        build_workbook(
            src / "q2" / f"2025Q2_{code}.xlsx",
            unit_code=code,
            period="2025Q2",
            prepared_on=date(2025, 6, 15),
            values={"TIN_BAI": value},
        )
        for code, value in (("P_THANH_BINH", 7), ("P_HAI_CHAU_CU", 11))
    ]
    result = intake(home, "2025-06-16T08:00:00+07:00", q2)
    assert all(r["status"].startswith("accepted") for r in result["receipts"]), result
    q3 = [
        build_workbook(
            src / "q3" / f"2025Q3_{code}.xlsx",
            unit_code=code,
            values={"TIN_BAI": value},
            **({"unit_name": "UBND phường Hải Châu (mới)"} if code == "P_HAI_CHAU" else {}),
        )
        for code, value in Q3_VALUES.items()
        if code != "P_AN_HAI"
    ]
    q3.append(
        build_workbook(
            src / "q3" / "2025Q3_P_THANH_BINH.xlsx", unit_code="P_THANH_BINH", values={"TIN_BAI": 5}
        )
    )
    q3.append(
        build_workbook(
            src / "q3" / "2025Q3_P_SON_TRA.xlsx", unit_code="P_SON_TRA", values={"TIN_BAI": -1}
        )
    )
    long_prefix = "bao-cao-quy-III-2025-phuong-an-hai-ban-sua-lan-thu-" + "x" * 80
    for i in range(7):
        q3.append(
            build_workbook(
                src / "q3" / f"{long_prefix}-{i}.xlsx",
                unit_code="P_AN_HAI",
                unit_name=LONG_NAME,
                values={
                    "TIN_BAI": Q3_VALUES["P_AN_HAI"] if i == 6 else 1000 + i,
                    "BAI_MXH": None,
                    "SU_KIEN": None,
                    "LOP_TAP_HUAN": None,
                    "NGUOI_TAP_HUAN": None,
                    "MO_HINH_MOI": None,
                    "LUOT_PHAT_TTCS": None,
                    "CO_KE_HOACH": None,
                    "CO_BO_TRI_KINH_PHI": None,
                },
                narratives={
                    "ket_qua": LONG_NARRATIVE,
                    "kho_khan": "Không.",
                    "de_xuat": "",
                    "nhiem_vu": "",
                },
            )
        )
    # the same bytes again: a duplicate
    dup = src / "q3" / "gui-lai.xlsx"
    shutil.copyfile(q3[-1], dup)
    # arrival order = file name order in the inbox; the duplicate needs its original loaded first
    result = intake(home, "2025-09-16T08:00:00+07:00", q3)
    statuses = {r["file"]: r["status"] for r in result["receipts"]}
    assert statuses["2025Q3_P_SON_TRA.xlsx"] == "rejected", statuses
    intake(home, "2025-09-16T09:00:00+07:00", [dup])
    return home


@pytest.fixture(scope="session")
def settings(workspace) -> Settings:
    return Settings(home=workspace, now="2025-09-18T08:00:00+07:00")


@pytest.fixture(scope="session")
def ws_catalog(settings):
    return workspace_catalog(settings)
