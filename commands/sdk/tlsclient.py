"""TLS client contexts for the SDK: TLS 1.3, a pinned CA, optionally an actor certificate."""

from __future__ import annotations

import os
import secrets
import ssl
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def client_context(ca: Path | str, *, cert_pem: bytes | None = None,
                   private_key: bytes | bytearray | None = None) -> ssl.SSLContext:
    """A TLS 1.3 client context trusting ``ca``, optionally presenting an actor certificate.

    ``private_key`` is the actor's raw Ed25519 seed. :mod:`ssl` loads keys only from files,
    so the key is written encrypted under a one-time random password to a 0600 file in a
    private temporary folder that is deleted right after loading: never on disk in clear.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    if cert_pem is not None and private_key is not None:
        password = secrets.token_bytes(32)
        key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(private_key))
        encrypted = key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(password))
        with tempfile.TemporaryDirectory(prefix="skms-tls-") as folder:
            key_path, cert_path = Path(folder) / "key.pem", Path(folder) / "cert.pem"
            for path, data in ((key_path, encrypted), (cert_path, cert_pem)):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
            context.load_cert_chain(str(cert_path), str(key_path), password=password)
    return context


def private_key_pem(private_key: bytes | bytearray) -> bytes:
    """The actor key as unencrypted PKCS#8 PEM, in memory only (for gRPC credentials)."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(private_key))
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
