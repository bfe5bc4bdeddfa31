"""Reminders are tested against a real SMTP server on loopback (aiosmtpd), never a mock, on a small
workspace: its catalogue cut to six units (e-mail addresses given with `catalog add-units`, as an
operator would) and a warehouse built with the DDL and plain SQL (tests/builders/report_db.py)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tasks.catalog.add_units import add_units
from tests.builders.report_db import at, create_db

# 2025Q3: data window 15/06/2025 - 14/09/2025 (Sunday); units' deadline Tuesday 16/09/2025
BEFORE = "2025-09-12T08:00:00+07:00"
AFTER = "2025-09-17T08:00:00+07:00"
KEPT = ("VP_UBND", "S_TTTT", "S_KHCN", "DT_THANH_DOAN", "DT_HOI_LHPN", "B_BAO_DA_NANG")
EMAILS = {
    "VP_UBND": "vanphong@danang.gov.vn; vp.tonghop@danang.gov.vn",
    "DT_THANH_DOAN": "thanhdoan@danang.gov.vn",
    "DT_HOI_LHPN": "hoilhpn@danang.gov.vn",
    # B_BAO_DA_NANG: none (its letter stays in outbox/)
}
REJECTION = "Kỳ báo cáo ghi trong tệp (Quý II/2025) khác kỳ của mẫu biểu đang nhận (Quý III/2025)."
USER, PASSWORD = "dxreport", "mật-khẩu-thư"


@dataclass
class Inbox:
    """What the server received; `refuse[address]`: replies to RCPT TO, one per try ('' accepts),
    or one text refused on every try."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: dict[str, list[str] | str] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        plan = self.refuse.get(address)
        reply = (plan.pop(0) if plan else "") if isinstance(plan, list) else plan
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[bytes]:
        return [data for _, rcpts, data in self.received if address in rcpts]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """aiosmtpd on 127.0.0.1, plain SMTP with AUTH (LOGIN/PLAIN) allowed without TLS."""

    def __init__(self, port: int | None = None):
        self.inbox = Inbox()
        self.port = port or free_port()
        self._controller: Controller | None = None

    def _auth(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        self.inbox.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    def start(self) -> SmtpServer:
        self._controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._auth,
            auth_require_tls=False,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def env(self, monkeypatch, **extra: str) -> None:
        """DXREPORT_SMTP_* for this server (no back-off wait: tests never wait)."""
        values = {
            "DXREPORT_SMTP_HOST": "127.0.0.1",
            "DXREPORT_SMTP_PORT": str(self.port),
            "DXREPORT_SMTP_SECURITY": "none",
            "DXREPORT_SMTP_USER": USER,
            "DXREPORT_SMTP_PASSWORD": PASSWORD,
            "DXREPORT_SMTP_SENDER": "skhcn.cds@danang.gov.vn",
            "DXREPORT_SMTP_RETRY_DELAY_SECONDS": "0",
            "DXREPORT_SMTP_TIMEOUT_SECONDS": "10",
            **extra,
        }
        for k, v in values.items():
            monkeypatch.setenv(k, v)


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


def cut_catalogue(home: Path) -> None:
    """Keep only the KEPT units in the workspace's units.yaml (one-line entries)."""
    path = home / "catalog" / "units.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [
        line
        for line in lines
        if not line.lstrip().startswith("- {code:")
        or line.split("code:", 1)[1].split(",", 1)[0].strip() in KEPT
    ]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def give_emails(settings, tmp_path: Path) -> None:
    """E-mail addresses through `catalog add-units` (the CSV's optional email column)."""
    from tasks.core.workspace import workspace_catalog

    catalog = workspace_catalog(settings)
    rows = ["code,name,type,valid_from,valid_to,successor_of,email"]
    for code, email in EMAILS.items():
        u = catalog.unit(code)
        assert u is not None
        rows.append(f'{u.code},"{u.name}",{u.type},{u.valid_from},,,"{email}"')
    csv = tmp_path / "emails.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    add_units(settings, csv)


def build_warehouse(home: Path) -> None:
    """S_KHCN sent on time; DT_THANH_DOAN sent two files, both rejected; the others nothing."""
    db = create_db(home / "warehouse.duckdb")
    try:
        db.submit("S_KHCN", "2025Q3", at("2025-09-15"), {"TIN_BAI": 4})
        db.reject("DT_THANH_DOAN", "2025Q3", at("2025-09-10"))
        db.reject("DT_THANH_DOAN", "2025Q3", at("2025-09-11", 15))
        messages = [
            (1, "warning", "W_NOTE", "Chỉ tiêu", "E9", "Ghi chú quá dài.", "Note too long."),
            (2, "error", "HEADER_PERIOD", "Thông tin chung", "C5", REJECTION, "Wrong period."),
            (3, "error", "VALUE_NEGATIVE", "Chỉ tiêu", "E7", "Số âm.", "Negative number."),
        ]
        for seq, severity, rule, sheet, cell, vi, en in messages:
            db.con.execute(
                "INSERT INTO arrival_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [db.arrival_no, seq, severity, rule, sheet, cell, vi, en],
            )
        db.con.execute(
            "UPDATE arrivals SET file_name = 'thanh-doan-q3.xlsx' WHERE arrival_no = ?",
            [db.arrival_no],
        )
    finally:
        db.con.close()


@pytest.fixture
def workspace(make_settings, tmp_path):
    """A workspace with the cut catalogue, the units' addresses and the warehouse above."""

    def make(now: str = BEFORE, **kw):
        settings = make_settings(now=now, **kw)
        home = settings.paths.home
        if not (home / "warehouse.duckdb").exists():
            cut_catalogue(home)
            give_emails(settings, tmp_path)
            build_warehouse(home)
        return settings

    return make
