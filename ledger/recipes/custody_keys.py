"""Recipe: the key pairs of custodians and escrow agents, and sealing to them (HPKE).

Requirements:

1. A custodian (who holds one share of a backup) or an escrow agent (who may receive a
   key's material once a release is approved) is known to the ledger by a public key
   document only: ``{"format": PUBLIC_FORMAT, "name", "kem", "public_key"}``. Its private
   half stays with its holder, offline; the ledger never sees it.
2. Two KEMs, both RFC 9180 HPKE in base mode with HKDF-SHA256 and AES-256-GCM, from
   ``cryptography``'s HPKE suites (no combiner of our own):

   * ``mlkem768-x25519`` (the default): the ML-KEM-768 + X25519 hybrid KEM, so a share
     recorded today stays secret if either algorithm holds (harvest now, decrypt later);
     the same construction as the ``mlkem768-x25519`` key kind
     (:mod:`ledger.crypto.mlkem768_x25519`), whose key format this reuses.
   * ``x25519``: DHKEM(X25519, HKDF-SHA256), for custodians whose tools only speak the
     classical suite.

3. :func:`seal_to` binds each blob to a caller's context (a bundle id and share index, an
   escrowed key id and version) through HPKE's ``info``; :func:`open_with` refuses a blob
   moved to another context, another key or another KEM, naming the field.
4. Private key documents (``PRIVATE_FORMAT``) are written 0600 by the CLI and should live
   on offline media; their secret is returned as a ``bytearray`` and wiped by callers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import x25519

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.mlkem768_x25519 import KIND as HYBRID_KIND
from ledger.crypto.mlkem768_x25519 import hpke_private_key, hpke_public_key
from ledger.errors import InvalidCiphertext, InvalidInput

__all__ = [
    "KEMS",
    "PRIVATE_FORMAT",
    "PUBLIC_FORMAT",
    "CustodyKey",
    "generate",
    "key_digest",
    "open_with",
    "parse_private",
    "parse_public",
    "seal_to",
]

PUBLIC_FORMAT = "skms-custody-public-key/v1"
PRIVATE_FORMAT = "skms-custody-private-key/v1"
HYBRID = "mlkem768-x25519"
CLASSIC = "x25519"
KEMS = (HYBRID, CLASSIC)
_LABEL = b"skms/custody-seal/v1\x00"
_X25519_SIZE = 32
_CLASSIC_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_HYBRID_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256,
                           hpke.AEAD.AES_256_GCM)
_PUBLIC_SIZES = {HYBRID: HYBRID_KIND.info.public_key_size, CLASSIC: _X25519_SIZE}
_SECRET_SIZES = {HYBRID: HYBRID_KIND.info.secret_size, CLASSIC: _X25519_SIZE}
MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class CustodyKey:
    """A custodian's or agent's public key, as the ledger records it."""

    name: str
    kem: str
    public_key: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"format": PUBLIC_FORMAT, "name": self.name, "kem": self.kem,
                "public_key": self.public_key.hex()}

    @property
    def digest(self) -> bytes:
        return key_digest(self.kem, self.public_key)


def key_digest(kem: str, public_key: bytes) -> bytes:
    """What events record of a public key: SHA-256 over the KEM name and the key."""
    return hashlib.sha256(kem.encode() + b"\x00" + public_key).digest()


def _name(value: object, field: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME or not value.isprintable():
        raise InvalidInput(f"a name of 1 to {MAX_NAME} printable characters", field=field)
    return value


def _kem(value: object, field: str) -> str:
    if value not in KEMS:
        raise InvalidInput(f"must be one of {', '.join(KEMS)}", field=field)
    return str(value)


def _hex(value: object, field: str, size: int) -> bytes:
    raw: bytes | None = None
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raw = None
    if raw is None or len(raw) != size:
        raise InvalidInput(f"must be {size} bytes of hex", field=field)
    return raw


def _document(value: Mapping[str, Any] | str | bytes, field: str) -> Mapping[str, Any]:
    if isinstance(value, str | bytes | bytearray):
        parsed: Any = None
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        value = parsed if isinstance(parsed, dict) else {}
    if not isinstance(value, Mapping):
        raise InvalidInput("not a key document", field=field)
    return value


def parse_public(value: Mapping[str, Any] | str | bytes, *, field: str = "public_key"
                 ) -> CustodyKey:
    """A public key document (or a private one: its public part), strictly checked."""
    document = _document(value, field)
    if document.get("format") not in (PUBLIC_FORMAT, PRIVATE_FORMAT):
        raise InvalidInput(f"not a {PUBLIC_FORMAT} document", field=field)
    kem = _kem(document.get("kem"), field)
    public_key = _hex(document.get("public_key"), field, _PUBLIC_SIZES[kem])
    _public(kem, public_key, field)  # a key the library refuses is refused here
    return CustodyKey(_name(document.get("name"), field), kem, public_key)


def parse_private(value: Mapping[str, Any] | str | bytes, *, field: str = "private_key"
                  ) -> tuple[CustodyKey, bytearray]:
    """The public key and the secret (a buffer to wipe) of a private key document; the
    secret must match the public key written beside it."""
    document = _document(value, field)
    if document.get("format") != PRIVATE_FORMAT:
        raise InvalidInput(f"not a {PRIVATE_FORMAT} document", field=field)
    public = parse_public(document, field=field)
    secret = bytearray(_hex(document.get("private_key"), field, _SECRET_SIZES[public.kem]))
    if _public_of(public.kem, secret) != public.public_key:
        zeroize(secret)
        raise InvalidInput("the private key does not match its public key", field=field)
    return public, secret


def generate(name: str, kem: str = HYBRID) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh key pair: (public document, private document). The private document holds
    the secret as hex text: write it to offline media and nowhere else."""
    _name(name, "name")
    _kem(kem, "kem")
    seed = random_bytes(_SECRET_SIZES[kem])
    try:
        public_key = _public_of(kem, seed)
        public = CustodyKey(name, kem, public_key).to_dict()
        return public, {**public, "format": PRIVATE_FORMAT, "private_key": seed.hex()}
    finally:
        zeroize(seed)


def _public_of(kem: str, secret: bytes | bytearray) -> bytes:
    if kem == HYBRID:
        return HYBRID_KIND.public_key(secret)
    return x25519.X25519PrivateKey.from_private_bytes(bytes(secret)).public_key() \
        .public_bytes_raw()


def _public(kem: str, public_key: bytes, field: str) -> Any:
    if kem == HYBRID:
        try:
            return hpke_public_key(public_key)
        except InvalidInput:
            raise InvalidInput("not a valid ML-KEM-768+X25519 public key", field=field) from None
    try:
        return x25519.X25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise InvalidInput("not a valid X25519 public key", field=field) from None


def _info(kem: str, context: bytes) -> bytes:
    return _LABEL + kem.encode() + b"\x00" + context


def seal_to(key: CustodyKey, plaintext: bytes | bytearray, *, context: bytes) -> bytes:
    """HPKE-seal ``plaintext`` to ``key``, bound to ``context``: ``enc || ciphertext``."""
    suite = _HYBRID_SUITE if key.kem == HYBRID else _CLASSIC_SUITE
    return suite.encrypt(bytes(plaintext), _public(key.kem, key.public_key, "public_key"),
                         info=_info(key.kem, context))


def open_with(key: CustodyKey, secret: bytes | bytearray, blob: bytes, *,
              context: bytes) -> bytearray:
    """Open what :func:`seal_to` sealed to ``key`` (a buffer to wipe)."""
    private: Any
    if key.kem == HYBRID:
        suite = _HYBRID_SUITE
        private = hpke_private_key(secret)
    else:
        suite = _CLASSIC_SUITE
        private = x25519.X25519PrivateKey.from_private_bytes(bytes(secret))
    plaintext: bytes | None = None
    try:
        plaintext = suite.decrypt(bytes(blob), private, info=_info(key.kem, context))
    except (InvalidTag, ValueError):
        plaintext = None
    if plaintext is None:
        raise InvalidCiphertext("the sealed blob does not open with this key",
                                hint="another custodian's or agent's key, another backup, "
                                     "or tampered data")
    return bytearray(plaintext)
