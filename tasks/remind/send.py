"""Sending reminders by SMTP (smtplib): STARTTLS, implicit TLS or none; a login when configured.

One connection for a round, opened again after a failure. Each letter is tried up to
`smtp_attempts` times with a doubling back-off; a letter the server refuses does not stop the
others. When the server itself cannot be reached or refuses the login, the remaining letters are
not tried in this run (each would only wait out its own back-off): they stay pending and the next
run of the same round sends them.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tasks.core.settings import Settings

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# failures of the server rather than of one letter
SERVER_ERRORS = (
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPHeloError,
    ConnectionError,
    TimeoutError,
    ssl.SSLError,
)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # starttls | ssl | none
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: str | None = None  # PEM; None: the system's certificates

    @classmethod
    def from_settings(cls, settings: Settings, password: str | None) -> SmtpServer | None:
        """The configured server (None: no smtp_host, letters stay in outbox/)."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=password,
            timeout=settings.smtp_timeout_seconds,
            ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        )

    def describe(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


@dataclass(frozen=True)
class Outcome:
    sent: bool
    attempts: int  # tries in this run (0: not tried)
    error: str | None = None  # the last failure, or the addresses refused when some were accepted
    server_down: bool = False  # the server (not this letter) failed


def describe_error(exc: BaseException) -> str:
    """One line, as the server said it: '550 5.1.1 mailbox unknown (a@b.vn)'."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {_text(msg)} ({addr})" for addr, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class Mailer:
    """An SMTP session, opened on first use and again after any failure."""

    def __init__(self, server: SmtpServer):
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.server
        context = ssl.create_default_context(cafile=s.ca_file)  # verifies the host name
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                _login(smtp, s.user, s.password or "")
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp

    def send(self, sender: str, recipients: tuple[str, ...], data: bytes) -> dict:
        """Send these bytes (the .eml as written); the addresses refused when others were
        accepted ({} when all were)."""
        if self._smtp is None:
            self._smtp = self._open()
        options = ["BODY=8BITMIME"] if self._smtp.has_extn("8bitmime") else []
        return self._smtp.sendmail(sender, list(recipients), data, mail_options=options)

    def reset(self) -> None:
        if self._smtp is not None:
            _quietly_close(self._smtp)
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self.reset()


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login, but for a non-ASCII user or password (a Vietnamese pass phrase) AUTH PLAIN
    in UTF-8 (RFC 4616): smtplib encodes credentials as ASCII and would fail."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, response = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass


def send_with_retries(
    mailer: Mailer,
    sender: str,
    recipients: tuple[str, ...],
    data: bytes,
    attempts: int,
    delay: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Try `attempts` times, waiting `delay`, 2×`delay`, … between tries."""
    error = ""
    server_down = False
    for attempt in range(1, attempts + 1):
        try:
            refused = mailer.send(sender, recipients, data)
        except (smtplib.SMTPException, OSError, ValueError) as exc:  # ValueError: bad encoding
            error = describe_error(exc)
            server_down = isinstance(exc, SERVER_ERRORS) or (
                isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
            )
            mailer.reset()
            if attempt < attempts:
                sleep(delay * 2 ** (attempt - 1))
            continue
        if refused:  # some addresses accepted: sent (trying again would send it twice to those)
            return Outcome(True, attempt, describe_error(smtplib.SMTPRecipientsRefused(refused)))
        return Outcome(True, attempt)
    return Outcome(False, attempts, error, server_down)
