"""Reminders (issue 8, item 2) against a real SMTP server on loopback (aiosmtpd): the letters arrive,
headers and body in UTF-8, to the right recipients; a rerun of the round sends nothing twice; a
failing recipient or server is retried and reported while the others still go; units with only
rejected files are told why."""

from __future__ import annotations

import asyncio
import email
import json
from email.policy import default as default_policy

import duckdb
import pytest

from flows.cli import main
from tasks.core.periods import Period
from tasks.core.workspace import workspace_catalog
from tasks.remind.round import send_round, write_round
from tasks.remind.send import SmtpServer as Server
from tests.remind.conftest import AFTER, BEFORE, PASSWORD, REJECTION, USER, SmtpServer

pytestmark = [
    # aiosmtpd 1.4 sets its own deprecated Session.login_data after a successful AUTH (its server
    # thread); nothing of ours uses it
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning"),
]

Q3 = Period.parse("2025Q3")
VP = ("vanphong@danang.gov.vn", "vp.tonghop@danang.gov.vn")


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=default_policy)  # type: ignore[return-value]


def reminder_rows(home) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT unit_code, round, cause, status, recipients, attempts FROM reminders "
            "ORDER BY unit_code"
        ).fetchall()
    finally:
        con.close()


def artifacts(key: str, run_name: str = "remind-2025Q3-truoc-han") -> list:
    """The artifacts under `key` of this test's runs (the session's Prefect API also holds other
    tests' runs, e.g. the demo's reminder round)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    ids = [r.id for r in flow_runs(run_name)]

    async def read():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=ids)
                )
            )

    return asyncio.run(read())


def flow_runs(name: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    async def read():
        async with get_client() as client:
            return await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]))
            )

    return asyncio.run(read())


def remind(home, *extra: str, now: str = BEFORE) -> tuple[int, dict]:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(
            ["remind", "--period", "2025Q3", "--home", str(home), "--now", now, "--json", *extra]
        )
    return code, json.loads(out.getvalue())


def test_a_round_mails_each_missing_unit_once_in_utf8_and_a_rerun_sends_nothing_twice(
    prefect_harness, workspace, smtp_server, monkeypatch
):
    from prefect.blocks.system import Secret

    # the password from a Prefect Secret block, as an operator would keep it
    Secret(value=PASSWORD).save("dxreport-smtp-test", overwrite=True)
    smtp_server.env(monkeypatch, DXREPORT_SMTP_PASSWORD_BLOCK="dxreport-smtp-test")
    monkeypatch.delenv("DXREPORT_SMTP_PASSWORD")
    settings = workspace(now=BEFORE)
    home = settings.paths.home

    code, result = remind(home)
    assert code == 0, result
    assert (result["round"], result["deadline_vi"], result["expected"]) == (
        "truoc-han",
        "16/09/2025",
        5,
    )
    by_unit = {u["unit"]: u for u in result["units"]}
    # S_KHCN sent an accepted report: not reminded
    assert set(by_unit) == {"VP_UBND", "DT_THANH_DOAN", "DT_HOI_LHPN", "B_BAO_DA_NANG"}
    assert {k: u["status"] for k, u in by_unit.items()} == {
        "VP_UBND": "sent",
        "DT_THANH_DOAN": "sent",
        "DT_HOI_LHPN": "sent",
        "B_BAO_DA_NANG": "no_email",
    }
    assert by_unit["DT_THANH_DOAN"]["cause"] == "rejected"
    assert REJECTION in by_unit["DT_THANH_DOAN"]["reason"]
    assert set(smtp_server.inbox.logins) == {USER}

    inbox = smtp_server.inbox
    assert len(inbox.received) == 3
    assert sorted(tuple(sorted(r)) for _, r, _ in inbox.received) == sorted(
        [tuple(sorted(VP)), ("thanhdoan@danang.gov.vn",), ("hoilhpn@danang.gov.vn",)]
    )
    assert {sender for sender, _, _ in inbox.received} == {"skhcn.cds@danang.gov.vn"}

    (raw,) = inbox.to("thanhdoan@danang.gov.vn")
    # as sent = as written: the bytes the server got are the .eml in outbox/<period>/<round>/
    eml = home / "outbox" / "2025Q3" / "truoc-han" / "DT_THANH_DOAN.eml"
    assert raw == eml.read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head  # UTF-8 encoded words, nothing raw in headers
    msg = parse(raw)
    assert msg["Subject"] == (
        "Đôn đốc gửi báo cáo Quý III/2025 thực hiện Đề án truyền thông Chuyển đổi số "
        "- Thành đoàn Đà Nẵng (Đoàn TNCS Hồ Chí Minh)"
    )
    assert msg["From"].addresses[0].display_name == "Sở Khoa học và Công nghệ"
    assert msg["To"] == "thanhdoan@danang.gov.vn"
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert raw.split(b"\r\n\r\n", 1)[1].decode("utf-8")  # the body's bytes are UTF-8
    for text in (
        "Kính gửi: Thành đoàn Đà Nẵng (Đoàn TNCS Hồ Chí Minh).",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Đà Nẵng, ngày 12 tháng 9 năm 2025",
        "từ ngày 15/06/2025 đến ngày 14/09/2025",
        "Hạn gửi: 16/09/2025.",
        'Tệp "thanh-doan-q3.xlsx" quý cơ quan gửi ngày 11/09/2025 không được tiếp nhận',
        f"{REJECTION} (trang Thông tin chung, ô C5) [mã lỗi HEADER_PERIOD]",
        "và 1 lỗi khác",
        "đã gửi 2 tệp cho kỳ này, đều bị từ chối",
        "Cách gửi: Gửi tệp Excel (.xlsx) đã điền qua thư điện tử công vụ tới skhcn.cds@danang.gov.vn",
        "Lưu: VT, SKHCN.",
    ):
        assert text in body, text
    (vp,) = inbox.to(VP[0])
    assert parse(vp)["To"] == ", ".join(VP)
    assert "chưa nhận được báo cáo Quý III/2025 của quý cơ quan." in parse(vp).get_content()
    # the unit without an address: its letter is written, and the run says so
    assert (home / "outbox" / "2025Q3" / "truoc-han" / "B_BAO_DA_NANG.eml").is_file()
    (summary,) = artifacts("remind-2025q3")
    assert "Nhắc gửi báo cáo Quý III/2025 — đợt truoc-han" in summary.data
    assert "DT_THANH_DOAN.eml" in summary.data and "không có địa chỉ thư" in summary.data
    (table,) = artifacts("remind-2025q3-units")
    rows = {r["đơn vị"]: r for r in json.loads(table.data)}
    assert set(rows) == {"VP_UBND", "DT_THANH_DOAN", "DT_HOI_LHPN", "B_BAO_DA_NANG"}
    assert REJECTION in rows["DT_THANH_DOAN"]["lý do từ chối"]
    assert rows["VP_UBND"]["thư"].endswith("outbox/2025Q3/truoc-han/VP_UBND.eml")
    (run,) = flow_runs("remind-2025Q3-truoc-han")  # the run's name says what ran
    assert run.state.is_completed()
    assert run.state.message.startswith("Quý III/2025 (2025Q3), đợt / round truoc-han: 4/5 đơn vị")

    # the same round again: nothing is sent twice, nothing new is published
    before = len(artifacts("remind-2025q3"))
    code, again = remind(home)
    assert code == 0, again
    assert len(inbox.received) == 3
    assert {u["unit"]: u["status"] for u in again["units"]} == {
        "VP_UBND": "already_sent",
        "DT_THANH_DOAN": "already_sent",
        "DT_HOI_LHPN": "already_sent",
        "B_BAO_DA_NANG": "no_email",
    }
    assert len(artifacts("remind-2025q3")) == before
    assert reminder_rows(home) == [
        ("B_BAO_DA_NANG", "truoc-han", "missing", "no_email", None, 0),
        ("DT_HOI_LHPN", "truoc-han", "missing", "sent", "hoilhpn@danang.gov.vn", 1),
        ("DT_THANH_DOAN", "truoc-han", "rejected", "sent", "thanhdoan@danang.gov.vn", 1),
        ("VP_UBND", "truoc-han", "missing", "sent", ", ".join(VP), 1),
    ]

    # after the deadline: the second round ('sau-han') reminds again, once
    code, late = remind(home, now=AFTER)
    assert code == 0 and late["round"] == "sau-han"
    assert len(inbox.received) == 6
    (letter,) = [parse(d) for d in inbox.to("hoilhpn@danang.gov.vn")[1:]]
    assert "đã quá hạn gửi ngày 16/09/2025" in letter.get_content()


def _server(smtp: SmtpServer) -> Server:
    return Server(host="127.0.0.1", port=smtp.port, security="none", user=USER, password=PASSWORD)


def test_a_refused_recipient_is_retried_and_reported_while_the_others_go(workspace, smtp_server):
    settings = workspace(now=AFTER, smtp_retry_delay_seconds=0, smtp_attempts=3)
    catalog = workspace_catalog(settings)
    inbox = smtp_server.inbox
    inbox.refuse["hoilhpn@danang.gov.vn"] = "550 5.1.1 Hộp thư không tồn tại"
    inbox.refuse["thanhdoan@danang.gov.vn"] = ["451 4.3.0 Try again later", ""]  # once

    plan = send_round(settings, write_round(settings, catalog, Q3, "sau-han"), _server(smtp_server))
    by_unit = {r.unit_code: r for r in plan.reminders}
    assert (by_unit["DT_THANH_DOAN"].status, by_unit["DT_THANH_DOAN"].attempts) == ("sent", 2)
    assert (by_unit["VP_UBND"].status, by_unit["VP_UBND"].attempts) == ("sent", 1)
    failed = by_unit["DT_HOI_LHPN"]
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert "550 5.1.1 Hộp thư không tồn tại (hoilhpn@danang.gov.vn)" in (failed.error or "")
    assert sorted(a for _, rcpts, _ in inbox.received for a in rcpts) == sorted(
        [*VP, "thanhdoan@danang.gov.vn"]
    )

    # the mailbox exists now: the next run of the round sends only the failed letter
    del inbox.refuse["hoilhpn@danang.gov.vn"]
    plan = send_round(settings, write_round(settings, catalog, Q3, "sau-han"), _server(smtp_server))
    assert {r.unit_code: r.status for r in plan.reminders} == {
        "VP_UBND": "already_sent",
        "DT_THANH_DOAN": "already_sent",
        "DT_HOI_LHPN": "sent",
        "B_BAO_DA_NANG": "no_email",
    }
    assert len(inbox.to("hoilhpn@danang.gov.vn")) == 1 and len(inbox.received) == 3
    rows = {r[0]: r for r in reminder_rows(settings.paths.home)}
    assert rows["DT_HOI_LHPN"][3:] == ("sent", "hoilhpn@danang.gov.vn", 4)


def test_a_server_that_does_not_answer_loses_no_letter(workspace):
    settings = workspace(now=BEFORE, smtp_retry_delay_seconds=0, smtp_attempts=2)
    catalog = workspace_catalog(settings)
    down = SmtpServer()  # its port, nothing listening yet
    plan = send_round(settings, write_round(settings, catalog, Q3, "truoc-han"), _server(down))
    statuses = {r.unit_code: (r.status, r.attempts) for r in plan.reminders}
    assert statuses["B_BAO_DA_NANG"] == ("no_email", 0)
    mailed = {k: v for k, v in statuses.items() if k != "B_BAO_DA_NANG"}
    assert {s for s, _ in mailed.values()} == {"failed"}
    # the first letter was tried (and retried); the others wait for the next run, not tried in vain
    assert sorted(a for _, a in mailed.values()) == [0, 0, 2]
    assert all(r.error for r in plan.reminders if r.status == "failed")

    down.start()  # the server is back: the next run sends every letter, once
    try:
        plan = send_round(settings, write_round(settings, catalog, Q3, "truoc-han"), _server(down))
        assert {r.status for r in plan.reminders} == {"sent", "no_email"}
        assert len(down.inbox.received) == 3
    finally:
        down.stop()


def test_without_a_server_the_letters_are_written_and_a_dry_run_writes_nothing(workspace):
    settings = workspace(now=AFTER)
    catalog = workspace_catalog(settings)
    dry = write_round(settings, catalog, Q3, "sau-han", dry_run=True)
    assert {r.status for r in dry.reminders} == {"dry_run"}
    assert not (settings.paths.outbox / "2025Q3").exists()
    plan = send_round(settings, write_round(settings, catalog, Q3, "sau-han"), None)
    assert {r.unit_code: r.status for r in plan.reminders} == {
        "VP_UBND": "written",
        "DT_THANH_DOAN": "written",
        "DT_HOI_LHPN": "written",
        "B_BAO_DA_NANG": "no_email",
    }
    letters = sorted(p.name for p in (settings.paths.outbox / "2025Q3" / "sau-han").iterdir())
    assert letters == ["B_BAO_DA_NANG.eml", "DT_HOI_LHPN.eml", "DT_THANH_DOAN.eml", "VP_UBND.eml"]
