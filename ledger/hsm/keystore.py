"""The ledger's token-resident signing keys: :class:`HsmKeyStore`.

Why a store object: the handlers only know a key version's record (``Key.versions``); this
object turns it into token operations. It opens the home's token once, on first use (a
ledger that never touches an HSM key never logs in), keeps each key's checked handle
(:meth:`ledger.hsm.signing.HsmSigningKey.open` verifies the object's attributes and public
key once, not at every signature) and releases the session on :meth:`close`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ledger.errors import InvalidInput
from ledger.hsm.config import Pkcs11Config
from ledger.hsm.signing import (
    BACKEND,
    RECORD_VERSION,
    HsmKeyRecord,
    HsmSigningKey,
    destroy_signing_key,
    generate_signing_key,
    supported_algorithms,
)
from ledger.hsm.token import TokenSession

__all__ = ["TOKEN_ALGORITHMS", "TOKEN_USAGES", "HsmKeyStore", "check_token_key", "record_of",
           "token_fields"]

#: What a token-resident key may be: the algorithms :mod:`ledger.hsm.signing` drives, and
#: signing only (its secret never leaves the token, so nothing can unseal it to decrypt).
TOKEN_ALGORITHMS = ("ecdsa-p256", "ecdsa-p384", "ed25519")
TOKEN_USAGES = frozenset({"sign", "verify"})


def check_token_key(algorithm: str, usage: Sequence[str]) -> None:
    """``InvalidInput`` naming the field, unless a token may hold such a key."""
    if algorithm not in TOKEN_ALGORITHMS:
        raise InvalidInput(f"keys on a PKCS#11 token are {', '.join(TOKEN_ALGORITHMS)}, not "
                           f"{algorithm}", field="algorithm")
    if not set(usage) <= TOKEN_USAGES:
        raise InvalidInput("a key on a PKCS#11 token only signs and verifies", field="usage")


class HsmKeyStore:
    """Generates, uses and destroys signing keys on the home's PKCS#11 token."""

    def __init__(self, config: Pkcs11Config) -> None:
        self.config = config
        self._token: TokenSession | None = None
        self._keys: dict[bytes, HsmSigningKey] = {}
        self._lock = threading.Lock()

    def _session(self) -> TokenSession:
        with self._lock:
            if self._token is None:
                self._token = self.config.open()
            return self._token

    def algorithms(self) -> list[str]:
        """The algorithms the token can generate and sign with."""
        return supported_algorithms(self._session())

    def generate(self, algorithm: str, key_id: str, version: int) -> HsmKeyRecord:
        """A new non-extractable key pair on the token, labelled after the ledger's key."""
        return generate_signing_key(self._session(), algorithm,
                                    label=f"skms-{key_id[:36]}-v{version}")

    def _key(self, record: HsmKeyRecord) -> HsmSigningKey:
        token = self._session()
        with self._lock:
            found = self._keys.get(record.object_id)
        if found is not None and found.record == record:
            return found
        opened = HsmSigningKey.open(token, record)
        with self._lock:
            self._keys[record.object_id] = opened
        return opened

    def sign(self, record: HsmKeyRecord, message: bytes) -> bytes:
        return self._key(record).sign(message)

    def sign_many(self, record: HsmKeyRecord, messages: Sequence[bytes]) -> list[bytes]:
        key = self._key(record)
        return [key.sign(message) for message in messages]

    def destroy(self, record: HsmKeyRecord) -> None:
        """Destroy the pair on the token (the ledger's ``DestroyKey``, after it commits)."""
        destroy_signing_key(self._session(), record)
        with self._lock:
            self._keys.pop(record.object_id, None)

    def close(self) -> None:
        with self._lock:
            token, self._token = self._token, None
            self._keys.clear()
        if token is not None:
            token.release()

    def __repr__(self) -> str:
        return f"HsmKeyStore(token={self.config.token_label!r})"


_ATTRIBUTE_NAMES = {"CKA_EXTRACTABLE": "extractable", "CKA_SENSITIVE": "sensitive",
                    "CKA_NEVER_EXTRACTABLE": "never_extractable",
                    "CKA_ALWAYS_SENSITIVE": "always_sensitive", "CKA_LOCAL": "local",
                    "CKA_PRIVATE": "login_required", "CKA_TOKEN": "token",
                    "CKA_MODIFIABLE": "modifiable"}


def token_fields(record: HsmKeyRecord) -> dict[str, Any]:
    """The fields of a ``KeyHeldOnToken`` event for ``record`` (public values only)."""
    attributes = record.attributes.to_dict()
    return {"backend": BACKEND, "token_label": record.token.label,
            "token_serial": record.token.serial,
            "token_manufacturer": record.token.manufacturer, "token_model": record.token.model,
            "object_id": record.object_id, "object_label": record.label,
            "mechanism": record.mechanism,
            "attributes": {short: attributes[name] for name, short in _ATTRIBUTE_NAMES.items()}}


def record_of(algorithm: str, version: Mapping[str, Any]) -> HsmKeyRecord | None:
    """The HSM record of a key version (an entry of ``Key.versions``), None for a sealed one.

    Parsed strictly (:meth:`HsmKeyRecord.from_dict`), so a version whose recorded attributes
    do not prove non-extractability is refused rather than used.
    """
    held = version.get("hsm")
    if held is None:
        return None
    attributes = held["attributes"]
    return HsmKeyRecord.from_dict({
        "version": RECORD_VERSION, "backend": held["backend"], "algorithm": algorithm,
        "public_key": bytes(version["public_key"]).hex(),
        "token": {"label": held["token_label"], "serial": held["token_serial"],
                  "manufacturer": held["token_manufacturer"], "model": held["token_model"]},
        "object_id": bytes(held["object_id"]).hex(), "label": held["object_label"],
        "mechanism": held["mechanism"],
        "attributes": {name: attributes[short] for name, short in _ATTRIBUTE_NAMES.items()}})
