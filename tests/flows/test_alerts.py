"""A failed run tells the operators by mail (real SMTP server on loopback, aiosmtpd) and leaves the
alert in outbox/van-hanh/; without a mail server the alert is only written."""

from email import message_from_bytes
from email.header import decode_header, make_header

from flows.quarterly_report import quarterly_report
from tests.remind.conftest import SmtpServer


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_a_failed_run_mails_the_operators(prefect_harness, make_settings, monkeypatch):
    home = make_settings().paths.home
    home.mkdir(parents=True, exist_ok=True)
    server = SmtpServer().start()
    try:
        server.env(monkeypatch, DXREPORT_OPERATOR_EMAILS="vanhanh@skhcn.vn; truongphong@skhcn.vn")
        state = quarterly_report(period="2025Q9", home=str(home), return_state=True)
    finally:
        server.stop()
    assert state.is_failed() and "Kỳ báo cáo không hợp lệ" in state.message
    ((sender, recipients, raw),) = server.inbox.received
    assert sorted(recipients) == ["truongphong@skhcn.vn", "vanhanh@skhcn.vn"]
    assert _subject(raw).startswith("[dxreport] quarterly-report: lượt chạy")
    body = message_from_bytes(raw).get_payload(decode=True).decode("utf-8")
    assert "Kỳ báo cáo không hợp lệ: '2025Q9'" in body and "[EN]" in body
    assert "/runs/flow-run/" in body
    (written,) = (home / "outbox" / "van-hanh").glob("*.eml")
    assert written.read_bytes() == raw


def test_without_a_mail_server_the_alert_is_written(prefect_harness, make_settings):
    home = make_settings().paths.home
    home.mkdir(parents=True, exist_ok=True)
    state = quarterly_report(period="2025Q9", home=str(home), return_state=True)
    assert state.is_failed()
    (written,) = (home / "outbox" / "van-hanh").glob("*.eml")
    body = message_from_bytes(written.read_bytes()).get_payload(decode=True).decode("utf-8")
    assert "2025Q9" in body
