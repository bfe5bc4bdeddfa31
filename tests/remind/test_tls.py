"""STARTTLS and implicit TLS against aiosmtpd with a certificate made for the test: the letters
arrive over an encrypted, verified connection; a certificate not signed by the configured CA is
refused (reported, nothing sent, nothing lost)."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tasks.core.periods import Period
from tasks.core.workspace import workspace_catalog
from tasks.remind.round import send_round, write_round
from tasks.remind.send import SmtpServer as Server
from tests.remind.conftest import BEFORE, Inbox, free_port

Q3 = Period.parse("2025Q3")


def make_cert(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA): (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_letters_go_over_a_verified_tls_connection(workspace, tmp_path, security):
    cert, key = make_cert(tmp_path, "smtp")
    other, _ = make_cert(tmp_path, "other-ca")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    tls = (
        {"tls_context": server_context, "require_starttls": True}
        if security == "starttls"
        else {"ssl_context": server_context}
    )
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **tls)
    controller.start()
    try:
        settings = workspace(now=BEFORE, smtp_retry_delay_seconds=0, smtp_attempts=1)
        catalog = workspace_catalog(settings)

        def server(ca: Path) -> Server:
            return Server(host="127.0.0.1", port=port, security=security, ca_file=str(ca))

        # a certificate the configured CA did not sign: refused, reported, nothing sent
        plan = send_round(settings, write_round(settings, catalog, Q3, "truoc-han"), server(other))
        failed = [r for r in plan.reminders if r.status == "failed"]
        assert len(failed) == 3 and not inbox.received
        assert any("CERTIFICATE_VERIFY_FAILED" in (r.error or "") for r in failed)

        plan = send_round(settings, write_round(settings, catalog, Q3, "truoc-han"), server(cert))
        assert {r.status for r in plan.reminders} == {"sent", "no_email"}
        assert len(inbox.received) == 3
    finally:
        controller.stop()
