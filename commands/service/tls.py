"""TLS for the service: a development CA, the server certificate, client certificates.

Requirements:

1. TLS 1.3 only: every server context sets both its minimum and maximum version to 1.3, so a
   client offering TLS 1.2 fails the handshake (``tests/service/test_tls.py``).
2. Mutual TLS is optional. When on, a client certificate must chain to the configured client
   CA; the actor is then the registered actor whose Ed25519 identity key *is* the
   certificate's public key (:func:`certificate_public_key`). A certificate therefore names no
   actor by itself: the ledger decides, and revoking the actor revokes the certificate.
3. ``skms serve`` creates the development CA and a server certificate (for ``localhost``,
   ``127.0.0.1`` and ``::1``) under ``<home>/tls/`` on first use and renews the server
   certificate when it is about to expire. Operators bring their own with ``--tls-cert``,
   ``--tls-key`` and ``--client-ca``.

Why the development CA key is written unencrypted (mode 0600): it only vouches for
loopback development servers and for client certificates whose key the ledger already
knows; production deployments are expected to use their own PKI.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import ipaddress
import os
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ledger.errors import ConfigurationError, InvalidInput

TLS_FOLDER = "tls"
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca.key.pem"
SERVER_FILE = "server.pem"
SERVER_KEY_FILE = "server.key.pem"
SERVER_NAMES = ("localhost",)
SERVER_ADDRESSES = ("127.0.0.1", "::1")
SERVER_DAYS = 90
CLIENT_DAYS = 365
CA_DAYS = 3650
RENEW_BEFORE = dt.timedelta(days=7)
ACTOR_URI_PREFIX = "urn:skms:actor:"


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """Paths of the PEM files a server needs; ``client_ca`` is set when mTLS is possible."""

    cert: Path
    key: Path
    ca: Path
    client_ca: Path | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SKMS development"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _load_ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate((folder / CA_FILE).read_bytes())
    key = serialization.load_pem_private_key((folder / CA_KEY_FILE).read_bytes(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ConfigurationError("the development CA key is not an EC key",
                                 field=str(folder / CA_KEY_FILE))
    return cert, key


@contextmanager
def _creating(folder: Path) -> Iterator[None]:
    """Hold ``<home>/tls/.lock`` while TLS files are checked and made.

    Why: servers started together on one home (cluster members, ``make run`` beside a test)
    would each make a CA; the last one written wins, and a server whose certificate the
    losing CA signed is trusted by nobody. The kernel drops the ``flock`` of a dead holder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def ensure_ca(home: Path) -> Path:
    """Create ``<home>/tls/ca.pem`` (and its key) unless present; return the folder."""
    folder = home / TLS_FOLDER
    with _creating(folder):
        return _ensure_ca(folder)


def _ensure_ca(folder: Path) -> Path:
    if (folder / CA_FILE).is_file() and (folder / CA_KEY_FILE).is_file():
        return folder
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    name = _name("SKMS development CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    _write(folder / CA_KEY_FILE, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), 0o600)
    _write(folder / CA_FILE, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return folder


def _server_cert_fresh(path: Path) -> bool:
    if not path.is_file():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_after_utc - RENEW_BEFORE > _now()


def ensure_server_files(home: Path) -> TLSFiles:
    """The development CA plus a fresh loopback server certificate, created when missing."""
    folder = home / TLS_FOLDER
    with _creating(folder):
        return _ensure_server_files(_ensure_ca(folder))


def _ensure_server_files(folder: Path) -> TLSFiles:
    cert_path, key_path = folder / SERVER_FILE, folder / SERVER_KEY_FILE
    if not (_server_cert_fresh(cert_path) and key_path.is_file()):
        ca_cert, ca_key = _load_ca(folder)
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_NAMES]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in SERVER_ADDRESSES]
        cert = (x509.CertificateBuilder().subject_name(_name("localhost"))
                .issuer_name(ca_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        _write(key_path, key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), 0o600)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return TLSFiles(cert=cert_path, key=key_path, ca=folder / CA_FILE,
                    client_ca=folder / CA_FILE)


def issue_client_certificate(home: Path, actor_public_key: bytes, actor_id: str,
                             name: str, *, days: int = CLIENT_DAYS) -> bytes:
    """A client certificate (PEM) for an actor, signed by the development CA.

    Only the actor's *public* identity key is needed: the certificate binds that key, and the
    client proves possession of the matching private key in the TLS handshake.
    """
    if len(actor_public_key) != 32:
        raise InvalidInput("an Ed25519 public key has 32 bytes", field="public_key")
    ca_cert, ca_key = _load_ca(ensure_ca(home))
    public = ed25519.Ed25519PublicKey.from_public_bytes(actor_public_key)
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca_cert.subject)
            .public_key(public).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(ACTOR_URI_PREFIX + actor_id)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def certificate_public_key(der: bytes) -> bytes | None:
    """The raw Ed25519 public key of a DER certificate, or ``None`` for other key types."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    public = cert.public_key()
    if not isinstance(public, ed25519.Ed25519PublicKey):
        return None
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


PEER_CERTIFICATE_KEY = "skms.peer_certificate"
"""The ASGI scope key holding the client certificate (DER) of the request's own connection.

Why in the scope and nowhere else: the certificate belongs to one TLS connection, and only
the protocol object that owns that connection may say what it is. The connection protocols
of ``commands/service/server.py`` read it from their own transport and put it into every
scope they create; nothing maps addresses to certificates (an address outlives its
connection and is shared across destinations, so an address map attributes certificates to
the wrong connection)."""


def transport_certificate(transport: object) -> bytes | None:
    """The client certificate (DER) a TLS transport's peer presented, if any."""
    get_extra_info = getattr(transport, "get_extra_info", None)
    if get_extra_info is None:
        return None
    ssl_object = get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return bytes(der) if der else None


def peer_certificate(scope: Mapping[str, object]) -> bytes | None:
    """The client certificate of the connection this ASGI scope came in on, if any."""
    der = scope.get(PEER_CERTIFICATE_KEY)
    return der if isinstance(der, bytes) and der else None


def server_context(files: TLSFiles, client_auth: str) -> ssl.SSLContext:
    """A TLS 1.3-only server context. ``client_auth``: none, optional or required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(str(files.cert), str(files.key))
    # No TLS 1.3 session tickets. They arrive just after the handshake, and the WebSocket
    # client (websockets' sync client, which the SDK's feed uses) reads them on its receiving
    # thread while its main thread writes the upgrade request on the same SSL object, which
    # is not safe: now and then the request was lost and the client waited for ever (feed
    # opens under CPU load hung every few hundred; none in 7,500 without tickets). Clients
    # here do not resume sessions, so the tickets bought nothing.
    context.num_tickets = 0
    if client_auth != "none":
        if files.client_ca is None:
            raise ConfigurationError("mutual TLS needs a client CA", field="client-ca")
        context.load_verify_locations(cafile=str(files.client_ca))
        context.verify_mode = (ssl.CERT_REQUIRED if client_auth == "required"
                               else ssl.CERT_OPTIONAL)
    return context
