"""A small warehouse for the report tests, built with the DDL and plain SQL (no pipeline code).

`small_catalog()` is the packaged catalogue cut down to a handful of units of different types.
`build_report_db(path)` writes a DuckDB file with known values; the expected numbers are worked out
by hand in tests/report/test_build.py (see the table in `build_report_db`'s docstring).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from schemas import SQL_DIR
from schemas.catalog_model import Catalog, load_catalog
from tasks.core.settings import TZ

DDL = SQL_DIR / "ddl.sql"

SMALL_UNITS = (
    "S_TTTT",  # so_nganh, ended 28/02/2025 (issuer before 01/03/2025)
    "S_KHCN",  # so_nganh (issuer from 01/03/2025)
    "VP_UBND",  # so_nganh
    "Q_HAI_CHAU",  # quan_huyen (until 30/06/2025)
    "P_THANH_BINH",  # phuong_xa (until 30/06/2025)
    "P_THUAN_PHUOC",  # phuong_xa (until 30/06/2025)
    "DT_THANH_DOAN",  # doan_the
    "DT_HOI_LHPN",  # doan_the
    "B_BAO_DA_NANG",  # bao_chi
)

XSS_TEXT = 'Thiếu kinh phí <script>alert("x")</script> <img src="file:///etc/passwd"> & máy móc cũ'
LONG_TEXT = (
    "Đã phối hợp với Đoàn Thanh niên tổ chức chuỗi hoạt động hướng dẫn người dân cài đặt và sử dụng "
    "ứng dụng định danh điện tử VNeID, dịch vụ công trực tuyến, thanh toán không dùng tiền mặt tại "
    "chợ truyền thống và các khu dân cư; duy trì chuyên mục chuyển đổi số trên hệ thống truyền thanh "
    'cơ sở hằng tuần; xây dựng mô hình "Tổ dân phố số" với sự tham gia của các Tổ Công nghệ số cộng '
    "đồng; kết quả có hơn 2.000 lượt người dân được hỗ trợ trực tiếp trong quý."
)


def small_catalog() -> Catalog:
    """The packaged catalogue with only SMALL_UNITS (re-validated, so every check still runs)."""
    full = load_catalog()
    data = full.model_dump()
    data["units"] = [u for u in data["units"] if u["code"] in SMALL_UNITS]
    return Catalog.model_validate(data)


def at(day: str, hour: int = 9) -> datetime:
    """'2025-06-16' -> an aware datetime in Asia/Ho_Chi_Minh."""
    y, m, d = (int(x) for x in day.split("-"))
    return datetime(y, m, d, hour, 0, tzinfo=TZ)


@dataclass
class ReportDb:
    """Inserts arrivals, submissions, values, narratives and activities with plain SQL."""

    con: duckdb.DuckDBPyConnection
    arrival_no: int = 0
    versions: dict[tuple[str, str], int] = field(default_factory=dict)

    def _arrival(
        self,
        unit: str | None,
        period: str | None,
        received: datetime,
        status: str,
        version: int | None,
        timeliness: str | None,
    ) -> tuple[int, str]:
        self.arrival_no += 1
        sha = hashlib.sha256(f"{self.arrival_no}-{unit}-{period}".encode()).hexdigest()
        receipt = f"{self.arrival_no:06d}-{sha[:16]}.json"
        self.con.execute(
            "INSERT INTO arrivals (arrival_no, receipt_name, file_name, sha256, size_bytes, archive_path,"
            " received_at, unit_code, period_id, version, status, timeliness, receipt_json, finished)"
            " VALUES (?, ?, ?, ?, 1000, ?, ?, ?, ?, ?, ?, ?, '{}', TRUE)",
            [
                self.arrival_no,
                receipt,
                f"{unit}-{period}.xlsx",
                sha,
                f"archive/{sha}.xlsx",
                received,
                unit,
                period,
                version,
                status,
                timeliness,
            ],
        )
        return self.arrival_no, sha

    def submit(
        self,
        unit: str,
        period: str,
        received: datetime,
        values: dict[str, float | None],
        *,
        timeliness: str = "on_time",
        narratives: dict[str, str] | None = None,
        activities: list[tuple] = (),
    ) -> int:
        """Add an accepted version (1, 2, ...) with its element values, narratives, activities.

        activities: (activity_date 'YYYY-MM-DD', type, channel, title, quantity, reach, cost).
        """
        version = self.versions.get((unit, period), 0) + 1
        self.versions[(unit, period)] = version
        arrival, sha = self._arrival(unit, period, received, "accepted", version, timeliness)
        self.con.execute(
            "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, NULL, 'Nguyễn Văn A',"
            " '0236 3800 000', 'a@danang.gov.vn', ?, 1)",
            [unit, period, version, arrival, sha, received, timeliness, received.date()],
        )
        for code, value in values.items():
            self.con.execute(
                "INSERT INTO element_values VALUES (?, ?, ?, ?, ?, NULL)",
                [unit, period, version, code, value],
            )
        for section, body in (narratives or {}).items():
            self.con.execute(
                "INSERT INTO narratives VALUES (?, ?, ?, ?, ?)",
                [unit, period, version, section, body],
            )
        for line_no, (day, kind, channel, title, qty, reach, cost) in enumerate(
            activities, start=7
        ):
            self.con.execute(
                "INSERT INTO activities VALUES (?, ?, ?, ?, CAST(? AS DATE), ?, ?, ?, ?, ?, ?, NULL)",
                [unit, period, version, line_no, day, kind, channel, title, qty, reach, cost],
            )
        return version

    def reject(self, unit: str, period: str, received: datetime) -> None:
        """A rejected arrival (no version, nothing loaded)."""
        self._arrival(unit, period, received, "rejected", None, None)


def create_db(path: Path) -> ReportDb:
    con = duckdb.connect(str(path))
    con.execute(DDL.read_text(encoding="utf-8"))
    return ReportDb(con)


def build_report_db(path: Path) -> Path:
    """Write the test warehouse to `path`.

    2025Q2 (window 15/03-14/06/2025, deadline 17/06/2025), expected units: S_KHCN, VP_UBND,
    Q_HAI_CHAU, P_THANH_BINH, P_THUAN_PHUOC, DT_THANH_DOAN, DT_HOI_LHPN, B_BAO_DA_NANG (8):

    | unit           | LD_TONG | LD_PB | TO_TONG | TO_TH | KH | KP | LONG_GHEP | TIN_BAI | LOP_BCV | MO_HINH |
    | S_KHCN         | 10      | 10    |         |       |    |    |           | 20      | 1       | 0       |
    | VP_UBND v2     | 4       | 2     |         |       |    |    |           | 5       |         |         |
    | Q_HAI_CHAU     | 50      | 41    |         |       | 1  | 1  |           | 100     | 1       | 1       |
    | P_THANH_BINH   | 6       | 3     | 8       | 7     | 1  | 0  |           | 10      |         |         |
    | DT_THANH_DOAN  | 5       | 5     |         |       |    |    | 1         | 15      |         |         |
    | B_BAO_DA_NANG  |         |       |         |       |    |    |           | 300     |         |         |
    VP_UBND v1 (on time, superseded) had LD_PB 1 and TIN_BAI 500. P_THANH_BINH is late.
    P_THUAN_PHUOC: one rejected arrival only. DT_HOI_LHPN: nothing.

    2025Q1: S_KHCN (TIN_BAI 10, LOP_BCV 1), Q_HAI_CHAU (TIN_BAI 50, MO_HINH 1), S_TTTT (TIN_BAI 7,
    submitted although it ended on 28/02/2025, before the cut-off).
    2024Q2: Q_HAI_CHAU (TIN_BAI 200). 2024Q4: Q_HAI_CHAU (LD_TONG 50, LD_PB 30, LOP_BCV 1).
    """
    db = create_db(path)
    # --- 2024 -------------------------------------------------------------------------------
    db.submit("Q_HAI_CHAU", "2024Q2", at("2024-06-17"), {"TIN_BAI": 200, "KINH_PHI": 10})
    db.submit(
        "Q_HAI_CHAU",
        "2024Q4",
        at("2024-12-16"),
        {"LANH_DAO_TONG": 50, "LANH_DAO_DA_PHO_BIEN": 30, "LOP_BAO_CAO_VIEN": 1, "TIN_BAI": 80},
        narratives={"ket_qua": "Hoàn thành tập huấn cho lãnh đạo quận."},
    )
    # --- 2025Q1 -------------------------------------------------------------------------------
    db.submit("S_KHCN", "2025Q1", at("2025-03-17"), {"TIN_BAI": 10, "LOP_BAO_CAO_VIEN": 1})
    db.submit("Q_HAI_CHAU", "2025Q1", at("2025-03-17"), {"TIN_BAI": 50, "MO_HINH_MOI": 1})
    db.submit("S_TTTT", "2025Q1", at("2025-03-18"), {"TIN_BAI": 7})
    # --- 2025Q2 -------------------------------------------------------------------------------
    db.submit(
        "S_KHCN",
        "2025Q2",
        at("2025-06-16"),
        {
            "LANH_DAO_TONG": 10,
            "LANH_DAO_DA_PHO_BIEN": 10,
            "TIN_BAI": 20,
            "BAI_MXH": 30,
            "SU_KIEN": 2,
            "LOP_TAP_HUAN": 2,
            "NGUOI_TAP_HUAN": 100,
            "LOP_BAO_CAO_VIEN": 1,
            "MO_HINH_MOI": 0,
            "KINH_PHI": 12.5,
            "LUOT_TIEP_CAN": 15000,
        },
        narratives={
            "ket_qua": 'Tổ chức thành công Hội thảo "Chuyển đổi số - Từ nhận thức đến hành động".',
            "nhiem_vu": "Chuẩn bị các hoạt động hưởng ứng Ngày Chuyển đổi số quốc gia 10/10.",
        },
        activities=[
            (
                "2025-05-20",
                "hoi_nghi_hoi_thao",
                "truc_tiep",
                "Hội thảo chuyển đổi số",
                1,
                300,
                12.5,
            ),
            ("2025-04-02", "tin_bai", "bao_dien_tu", "Tin về Đề án", 20, 5000, None),
        ],
    )
    db.submit(
        "VP_UBND",
        "2025Q2",
        at("2025-06-16"),
        {"LANH_DAO_TONG": 4, "LANH_DAO_DA_PHO_BIEN": 1, "TIN_BAI": 500},
        narratives={"ket_qua": "PHIÊN BẢN CŨ KHÔNG ĐƯỢC DÙNG"},
    )
    db.submit(
        "VP_UBND",
        "2025Q2",
        at("2025-06-20"),
        {"LANH_DAO_TONG": 4, "LANH_DAO_DA_PHO_BIEN": 2, "TIN_BAI": 5},
        timeliness="late",
        narratives={"ket_qua": "Đăng tải tin bài trên Cổng thông tin điện tử thành phố."},
    )
    db.submit(
        "Q_HAI_CHAU",
        "2025Q2",
        at("2025-06-17"),
        {
            "LANH_DAO_TONG": 50,
            "LANH_DAO_DA_PHO_BIEN": 41,
            "CO_KE_HOACH": 1,
            "CO_BO_TRI_KINH_PHI": 1,
            "TIN_BAI": 100,
            "LOP_BAO_CAO_VIEN": 1,
            "MO_HINH_MOI": 1,
            "LUOT_PHAT_TTCS": 240,
            "KINH_PHI": 30,
        },
        narratives={
            "de_xuat": "Đề nghị thành phố bố trí kinh phí tập huấn cho Tổ Công nghệ số cộng đồng.",
            "kho_khan": "Nhân lực làm công tác truyền thông còn kiêm nhiệm.",
        },
    )
    db.submit(
        "P_THANH_BINH",
        "2025Q2",
        at("2025-06-19"),
        {
            "LANH_DAO_TONG": 6,
            "LANH_DAO_DA_PHO_BIEN": 3,
            "TO_CNSCD_TONG": 8,
            "TO_CNSCD_DA_TAP_HUAN": 7,
            "CO_KE_HOACH": 1,
            "CO_BO_TRI_KINH_PHI": 0,
            "TIN_BAI": 10,
        },
        timeliness="late",
        narratives={"kho_khan": XSS_TEXT, "ket_qua": LONG_TEXT},
    )
    db.submit(
        "DT_THANH_DOAN",
        "2025Q2",
        at("2025-06-17"),
        {"LANH_DAO_TONG": 5, "LANH_DAO_DA_PHO_BIEN": 5, "LONG_GHEP_CHUONG_TRINH": 1, "TIN_BAI": 15},
        narratives={
            "nhiem_vu": "Ra quân Chiến dịch tình nguyện hè hỗ trợ người dân sử dụng dịch vụ công trực tuyến."
        },
    )
    db.submit(
        "B_BAO_DA_NANG", "2025Q2", at("2025-06-16"), {"TIN_BAI": 300, "LUOT_TIEP_CAN": 250000}
    )
    db.reject("P_THUAN_PHUOC", "2025Q2", at("2025-06-16"))
    db.con.close()
    return path
