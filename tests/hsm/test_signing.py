"""HSM-resident signing keys on SoftHSM2: generation, records, signatures, refusals.

Signatures are checked three ways: by the project's own scheme (``verify``, and
``verify_low_s`` for ECDSA: the bytes must be what the software scheme emits), by
pyca/cryptography directly (an independent verifier; for Ed25519 the project uses libsodium),
and for Ed25519 the token's mechanism is pinned byte for byte by the RFC 8032 vectors.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pkcs11
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass

from ledger.crypto.ecdsa_p256 import P256_ORDER
from ledger.crypto.ecdsa_p384 import P384_ORDER
from ledger.crypto.schemes import get_scheme
from ledger.errors import CryptoError, InvalidInput, InvalidSignature, UnsupportedAlgorithm
from ledger.hsm.signing import (
    HsmKeyRecord,
    HsmSigningKey,
    destroy_signing_key,
    generate_signing_key,
    supported_algorithms,
)
from ledger.hsm.token import TokenSession, open_token
from tests.hsm.conftest import SoftHSM, SoftToken
from tests.vectors import load_json

ALGORITHMS = ["ecdsa-p256", "ecdsa-p384", "ed25519"]
ORDERS = {"ecdsa-p256": P256_ORDER, "ecdsa-p384": P384_ORDER}
CURVES = {"ecdsa-p256": (ec.SECP256R1(), hashes.SHA256()),
          "ecdsa-p384": (ec.SECP384R1(), hashes.SHA384())}
PUBLIC_SIZES = {"ecdsa-p256": 33, "ecdsa-p384": 49, "ed25519": 32}
ED25519_OID = bytes.fromhex("06032b6570")


@pytest.fixture
def session(token: SoftToken) -> Iterator[TokenSession]:
    with open_token(token.module, token.label, token.pin()) as opened:
        yield opened


def _independent_verify(algorithm: str, public_key: bytes, message: bytes,
                        signature: bytes) -> None:
    """pyca/cryptography, straight from the canonical public key (raises on failure)."""
    if algorithm == "ed25519":
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return
    curve, digest = CURVES[algorithm]
    point = ec.EllipticCurvePublicKey.from_encoded_point(curve, public_key)
    point.verify(signature, message, ec.ECDSA(digest))


def test_softhsm_supports_all_three(session: TokenSession) -> None:
    assert supported_algorithms(session) == ALGORITHMS


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_generate_record_and_sign(session: TokenSession, algorithm: str) -> None:
    record = generate_signing_key(session, algorithm)
    assert record.algorithm == algorithm
    assert len(record.public_key) == PUBLIC_SIZES[algorithm]
    assert record.token == session.info and len(record.object_id) == 16
    assert record.attributes.to_dict() == {
        "CKA_EXTRACTABLE": False, "CKA_SENSITIVE": True, "CKA_NEVER_EXTRACTABLE": True,
        "CKA_ALWAYS_SENSITIVE": True, "CKA_LOCAL": True, "CKA_PRIVATE": True,
        "CKA_TOKEN": True, "CKA_MODIFIABLE": False}
    assert record.mechanism == ("CKM_EDDSA" if algorithm == "ed25519" else "CKM_ECDSA")
    parsed = HsmKeyRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert parsed == record

    key = HsmSigningKey.open(session, parsed)
    scheme = get_scheme(algorithm)
    for index in range(8):
        message = f"invoice {index}".encode()
        signature = key.sign(message)
        scheme.verify(record.public_key, message, signature)
        _independent_verify(algorithm, record.public_key, message, signature)
        if algorithm in ORDERS:
            scheme.verify_low_s(record.public_key, message, signature)  # type: ignore[attr-defined]
            _r, s = decode_dss_signature(signature)
            assert s <= ORDERS[algorithm] // 2
        else:
            assert len(signature) == 64
            assert key.sign(message) == signature  # Ed25519 is deterministic
        with pytest.raises(InvalidSignature):
            scheme.verify(record.public_key, message + b"!", signature)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_private_half_cannot_leave_the_token(session: TokenSession, algorithm: str) -> None:
    record = generate_signing_key(session, algorithm)

    def attempt(raw: Any) -> None:
        private = raw.get_key(object_class=ObjectClass.PRIVATE_KEY, id=record.object_id)
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            private[Attribute.VALUE]
        assert private[Attribute.DECRYPT] is False and private[Attribute.DERIVE] is False
        wrapper = raw.generate_key(KeyType.AES, 256, store=False,
                                   template={Attribute.WRAP: True})
        with pytest.raises(pkcs11.exceptions.KeyUnextractable):
            wrapper.wrap_key(private, mechanism=Mechanism.AES_KEY_WRAP_PAD)
        with pytest.raises(pkcs11.exceptions.PKCS11Error):
            private[Attribute.EXTRACTABLE] = True

    session.call("trying to extract", attempt)


def test_open_refuses_other_tokens_changed_and_missing_keys(softhsm: SoftHSM,
                                                            token: SoftToken) -> None:
    other_token = softhsm.add_token("other")
    with open_token(token.module, token.label, token.pin()) as session, \
            open_token(other_token.module, "other", other_token.pin()) as other:
        record = generate_signing_key(session, "ecdsa-p256")
        with pytest.raises(InvalidInput, match="lives on token"):
            HsmSigningKey.open(other, record)
        second = generate_signing_key(session, "ecdsa-p256")
        swapped = HsmKeyRecord(record.algorithm, second.public_key, record.token,
                               record.object_id, record.label, record.mechanism,
                               record.attributes)
        with pytest.raises(CryptoError, match="differs from the recorded"):
            HsmSigningKey.open(session, swapped)
        destroy_signing_key(session, record)
        with pytest.raises(CryptoError, match="holds no key"):
            HsmSigningKey.open(session, record)
        HsmSigningKey.open(session, second).sign(b"still here")


def test_imported_key_is_not_accepted_as_hsm_born(session: TokenSession) -> None:
    """A key created from a known value is not local: a record claiming so is refused."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    scalar = private_key.private_numbers().private_value.to_bytes(32, "big")
    point = private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
    object_id = os.urandom(16)
    params = bytes.fromhex("06082a8648ce3d030107")

    def plant(raw: Any) -> None:
        raw.create_object({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE:
                           KeyType.EC, Attribute.EC_PARAMS: params, Attribute.VALUE: scalar,
                           Attribute.TOKEN: True, Attribute.PRIVATE: True,
                           Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                           Attribute.SIGN: True, Attribute.ID: object_id,
                           Attribute.LABEL: "planted"})
        raw.create_object({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.KEY_TYPE:
                           KeyType.EC, Attribute.EC_PARAMS: params,
                           Attribute.EC_POINT: bytes([0x04, len(point)]) + point,
                           Attribute.TOKEN: True, Attribute.ID: object_id,
                           Attribute.LABEL: "planted"})

    session.call("planting a key", plant)
    genuine = generate_signing_key(session, "ecdsa-p256")
    claimed = HsmKeyRecord("ecdsa-p256", get_scheme("ecdsa-p256").public_key(
        bytearray(scalar)), session.info, object_id, "planted", "CKM_ECDSA",
        genuine.attributes)
    with pytest.raises(CryptoError, match=r"wrong .*CKA_LOCAL"):
        HsmSigningKey.open(session, claimed)


@pytest.mark.parametrize("vector", load_json("ed25519/rfc8032_ed25519_test_vectors.json")
                         ["vectors"], ids=lambda vector: vector["name"])
def test_token_eddsa_is_pure_ed25519(session: TokenSession, vector: dict[str, Any]) -> None:
    """The premise of our Ed25519 path: CKM_EDDSA without parameters is RFC 8032 Ed25519."""
    object_id = os.urandom(16)

    def sign(raw: Any) -> bytes:
        private = raw.create_object({
            Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.EC_EDWARDS,
            Attribute.EC_PARAMS: ED25519_OID, Attribute.VALUE:
                bytes.fromhex(vector["secret_key"]),
            Attribute.TOKEN: False, Attribute.SIGN: True, Attribute.ID: object_id})
        try:
            return bytes(private.sign(bytes.fromhex(vector["message"]),
                                      mechanism=Mechanism.EDDSA))
        finally:
            private.destroy()

    assert session.call("signing a vector", sign).hex() == vector["signature"]


def test_unsupported_algorithms_and_labels(session: TokenSession) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        generate_signing_key(session, "ecdsa-secp256k1")
    with pytest.raises(InvalidInput, match="label"):
        generate_signing_key(session, "ecdsa-p256", label="x" * 65)
    record = generate_signing_key(session, "ed25519", label="payroll-signer")
    assert record.label == "payroll-signer"


def test_message_must_be_bytes(session: TokenSession) -> None:
    key = HsmSigningKey.open(session, generate_signing_key(session, "ecdsa-p256"))
    with pytest.raises(InvalidInput, match="bytes"):
        key.sign("text")  # type: ignore[arg-type]
    digest_signed = key.sign(hashlib.sha256(b"x").digest())  # any bytes are a message
    get_scheme("ecdsa-p256").verify(key.record.public_key, hashlib.sha256(b"x").digest(),
                                    digest_signed)


# --- the record's strict parser ---------------------------------------------------------------


@pytest.fixture
def record_dict(session: TokenSession) -> dict[str, Any]:
    return generate_signing_key(session, "ecdsa-p384").to_dict()


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.pop("label"), "hsm_key"),
    (lambda d: d.update(extra=1), "hsm_key"),
    (lambda d: d.update(version=2), "hsm_key.version"),
    (lambda d: d.update(backend="tpm"), "hsm_key.version"),
    (lambda d: d.update(algorithm="rsa-pss"), "hsm_key.algorithm"),
    (lambda d: d.update(public_key=d["public_key"].upper()), "hsm_key.public_key"),
    (lambda d: d.update(public_key=d["public_key"][:-2]), "hsm_key.public_key"),
    (lambda d: d.update(public_key="02" + "ff" * 48), "hsm_key.public_key"),  # x >= p
    (lambda d: d.update(object_id="zz" * 16), "hsm_key.object_id"),
    (lambda d: d.update(object_id="00" * 15), "hsm_key.object_id"),
    (lambda d: d.update(label=""), "hsm_key.label"),
    (lambda d: d.update(mechanism="CKM_EDDSA"), "hsm_key.mechanism"),
    (lambda d: d["attributes"].update(CKA_EXTRACTABLE=True), "hsm_key.attributes"),
    (lambda d: d["attributes"].update(CKA_LOCAL=False), "hsm_key.attributes"),
    (lambda d: d["attributes"].pop("CKA_SENSITIVE"), "attributes"),
    (lambda d: d["token"].pop("serial"), "token"),
])
def test_record_parser_refuses(record_dict: dict[str, Any], change: Any, field: str) -> None:
    broken = json.loads(json.dumps(record_dict))
    change(broken)
    with pytest.raises(InvalidInput) as caught:
        HsmKeyRecord.from_dict(broken)
    assert caught.value.field == field
