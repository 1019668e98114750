"""HSM edges on SoftHSM2: duplicated objects on the token, records that do not match the
object they name, a KEK replaced by an extractable one or checked against another value,
a process already logged in, and the configuration's own checks. Each refusal is the
error class the front ends map, naming its field or what to do."""

from __future__ import annotations

import gc
import hashlib
import os
from dataclasses import replace
from typing import Any

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11 import exceptions as p11

from ledger.crypto.schemes import get_scheme
from ledger.errors import (
    ConfigurationError,
    CryptoError,
    InvalidInput,
    SkmsError,
    UnsupportedAlgorithm,
)
from ledger.hsm import signing
from ledger.hsm.config import Pkcs11Config
from ledger.hsm.keystore import HsmKeyStore, check_token_key
from ledger.hsm.pkcs11_kek import WRAP_AES_GCM, WRAP_AES_KWP, Pkcs11KEK
from ledger.hsm.signing import (
    MAX_MESSAGE,
    HsmKeyRecord,
    HsmSigningKey,
    destroy_signing_key,
    generate_signing_key,
)
from ledger.hsm.token import TokenSession, open_token, token_error
from tests.hsm.conftest import SoftToken

CHECK_AAD = b"skms/pkcs11-kek/check-value/v1"  # the documented check-value binding


def refused(error: type[SkmsError], call: Any, *args: Any, **kwargs: Any) -> SkmsError:
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    assert type(caught.value) is error
    return caught.value


# --- configuration (no token needed) --------------------------------------------------------

def test_config_values_are_checked_by_name() -> None:
    problem = refused(InvalidInput, Pkcs11Config, "", "label", "/pin")
    assert (problem.field, problem.message) == ("module", "module must be non-empty text")
    problem = refused(InvalidInput, Pkcs11Config, "/lib/p.so", "label", "x" * 4097)
    assert problem.field == "pin-file"
    problem = refused(InvalidInput, Pkcs11Config, "lib/p.so", "label", "/pin")
    assert (problem.field, problem.message) == (
        "pkcs11-module", "the PKCS#11 module must be an absolute path")
    problem = refused(InvalidInput, Pkcs11Config, "/lib/p.so", "label", "/pin", "")
    assert (problem.field, problem.message) == (
        "token_serial", "the token serial must be non-empty text")


def test_only_a_bound_config_is_recorded_and_read_back_strictly() -> None:
    unbound = Pkcs11Config("/lib/p.so", "label", "/pin")
    problem = refused(InvalidInput, unbound.to_dict)
    assert (problem.field, problem.message) == (
        "token_serial", "an unbound PKCS#11 config cannot be recorded")
    bound = replace(unbound, token_serial="abc")
    assert Pkcs11Config.from_dict(bound.to_dict()) == bound
    problem = refused(InvalidInput, Pkcs11Config.from_dict, {"module": "/lib/p.so"})
    assert problem.field == "pkcs11" and problem.message.startswith(
        "the pkcs11 config needs exactly module, token_label")
    problem = refused(InvalidInput, Pkcs11Config.from_dict, dict(bound.to_dict(),
                                                                 token_serial=7))
    assert (problem.field, problem.message) == (
        "pkcs11", "pkcs11 config values must be non-empty text")


def test_token_keys_only_sign() -> None:
    check_token_key("ed25519", ["sign", "verify"])
    problem = refused(InvalidInput, check_token_key, "ed25519", ["sign", "encrypt"])
    assert (problem.field, problem.message) == (
        "usage", "a key on a PKCS#11 token only signs and verifies")


@pytest.mark.parametrize(("exception", "error", "words"), [
    (p11.PinLocked(), CryptoError, "signing: the token's PIN is locked"),
    (p11.MechanismInvalid(), UnsupportedAlgorithm,
     "signing: the token does not support it (MechanismInvalid)"),
    (p11.DeviceRemoved(), ConfigurationError, "signing: the token is unavailable (DeviceRemoved)"),
    (p11.GeneralError(), CryptoError, "signing failed on the token (GeneralError)"),
])
def test_pkcs11_failures_map_to_ledger_errors(exception: p11.PKCS11Error,
                                              error: type[SkmsError], words: str) -> None:
    """Failures SoftHSM cannot be made to show (a locked PIN, a removed device)."""
    mapped = token_error(exception, "signing")
    assert type(mapped) is error and mapped.message == words


def test_token_points_are_read_in_either_encoding() -> None:
    spec = signing._ALGORITHMS["ecdsa-p256"]
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
    compressed = private.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.CompressedPoint)
    assert signing._canonical_public_key(spec, point) == compressed  # bare, as some tokens
    assert signing._canonical_public_key(spec, b"\x04\x41" + point) == compressed
    problem = refused(CryptoError, signing._canonical_public_key, spec, point[:-1])
    assert problem.message == "the token returned a 64-byte CKA_EC_POINT, not a point of this curve"
    for bad in (b"\x05" + point[1:], b"\x04" + b"\xff" * 64):
        problem = refused(CryptoError, signing._canonical_public_key, spec, bad)
        assert problem.message == "the token returned a public key that is not on the curve"


# --- signing keys ---------------------------------------------------------------------------

@pytest.fixture
def session(token: SoftToken) -> Any:
    with open_token(token.module, token.label, token.pin()) as opened:
        yield opened


def _private(session: TokenSession, record: HsmKeyRecord) -> Any:
    return session.call("finding", lambda s: s.get_key(
        object_class=ObjectClass.PRIVATE_KEY, id=record.object_id, label=record.label))


def test_a_record_naming_duplicated_objects_is_refused(session: TokenSession) -> None:
    record = generate_signing_key(session, "ecdsa-p256")
    spec = signing._ALGORITHMS["ecdsa-p256"]

    def duplicate(s: pkcs11.Session) -> None:
        parameters = s.create_domain_parameters(KeyType.EC, {Attribute.EC_PARAMS: spec.ec_params},
                                                local=True)
        parameters.generate_keypair(store=True, id=record.object_id, label=record.label)

    session.call("duplicating", duplicate)
    problem = refused(CryptoError, HsmSigningKey.open, session, record)
    assert problem.message == f"several objects match key {record.label!r}"
    assert problem.hint == "remove the duplicate from the token"
    del problem
    gc.collect()  # python-pkcs11's get_key left its search open: end it on a live session


def test_signatures_that_do_not_fit_the_record_are_refused(session: TokenSession) -> None:
    record = generate_signing_key(session, "ecdsa-p256")
    other = generate_signing_key(session, "ecdsa-p256")
    private = _private(session, record)
    # The record of another key: the token's signature does not verify under it.
    swapped = HsmSigningKey(session, replace(record, public_key=other.public_key), private)
    problem = refused(CryptoError, swapped.sign, b"m")
    assert problem.message == "the token's signature does not verify under the recorded key"
    # A P-384 record over a P-256 object: the token's r || s is 64 bytes, not 96.
    p384 = generate_signing_key(session, "ecdsa-p384")
    mislabelled = HsmSigningKey(session, replace(p384, object_id=record.object_id), private)
    problem = refused(CryptoError, mislabelled.sign, b"m")
    assert problem.message == ("the token returned a malformed signature (raw ECDSA "
                               "signature must be 96 bytes (r || s))")
    good = HsmSigningKey.open(session, record)
    signature = good.sign(b"m")
    get_scheme("ecdsa-p256").verify(record.public_key, b"m", signature)
    assert repr(good) == (f"HsmSigningKey(ecdsa-p256, label={record.label!r}, "
                          f"token={record.token.label!r})")


def test_an_ed25519_message_on_the_token_is_bounded(session: TokenSession) -> None:
    key = HsmSigningKey.open(session, generate_signing_key(session, "ed25519"))
    problem = refused(InvalidInput, key.sign, bytes(MAX_MESSAGE + 1))
    assert (problem.field, problem.message) == (
        "message", f"an Ed25519 message on the token is at most {MAX_MESSAGE} bytes")


def test_destroying_on_another_token_and_strict_hex(session: TokenSession) -> None:
    record = generate_signing_key(session, "ed25519")
    elsewhere = replace(record, token=replace(record.token, serial="0000"))
    problem = refused(InvalidInput, destroy_signing_key, session, elsewhere)
    assert (problem.field, problem.message) == (
        "token", f"key {record.label!r} lives on token 0000")
    problem = refused(InvalidInput, HsmKeyRecord.from_dict, dict(record.to_dict(), object_id=7))
    assert (problem.field, problem.message) == ("hsm_key.object_id", "object_id must be hex")


# --- tokens ---------------------------------------------------------------------------------

def test_a_pin_that_is_not_utf8_is_refused(token: SoftToken) -> None:
    problem = refused(InvalidInput, open_token, token.module, token.label, bytearray(b"\xff"))
    assert (problem.field, problem.message) == ("pin", "the PIN is not UTF-8 text")


def test_token_failures_inside_a_call_are_translated(session: TokenSession) -> None:
    assert repr(session).endswith(", open)")
    problem = refused(CryptoError, session.call, "finding a key",
                      lambda s: s.get_key(label="no-such-key"))
    assert problem.message == "finding a key failed on the token (NoSuchKey)"


def test_released_sessions_say_so(token: SoftToken) -> None:
    opened = open_token(token.module, token.label, token.pin())
    opened.release()
    assert repr(opened) == (f"TokenSession(label={token.label!r}, "
                            f"serial={opened.info.serial!r}, released)")


def test_a_login_by_other_code_in_the_process_is_refused(token: SoftToken) -> None:
    # By its resolved path, as ledger.hsm.token loads it (one C_Initialize per library).
    raw = pkcs11.lib(os.path.realpath(token.module)).get_token(token_label=token.label)
    foreign = raw.open(rw=True, user_pin=token.pin().decode())
    try:
        problem = refused(ConfigurationError, open_token, token.module, token.label, token.pin())
        assert problem.message == (f"token {token.label!r} is already logged in by other code "
                                   "in this process")
    finally:
        foreign.close()
    open_token(token.module, token.label, token.pin()).release()  # fine once it is gone


# --- the key store --------------------------------------------------------------------------

def test_key_store_caches_open_keys_and_signs_many(token: SoftToken) -> None:
    store = HsmKeyStore(Pkcs11Config(token.module, token.label, str(token.pin_file)))
    try:
        assert repr(store) == f"HsmKeyStore(token={token.label!r})"
        assert set(store.algorithms()) == {"ecdsa-p256", "ecdsa-p384", "ed25519"}
        record = store.generate("ed25519", "key-1", 1)
        assert record.label == "skms-key-1-v1"
        first = store.sign(record, b"a")
        signatures = store.sign_many(record, [b"a", b"b"])
        assert signatures[0] == first  # Ed25519 is deterministic
        scheme = get_scheme("ed25519")
        for message, signature in zip([b"a", b"b"], signatures, strict=True):
            scheme.verify(record.public_key, message, signature)
        assert store._key(record) is store._key(record)  # opened once
    finally:
        store.close()


# --- KEK ------------------------------------------------------------------------------------

def _import_kek(token: SoftToken, key_id: bytes, label: str, *, extractable: bool,
                method: str) -> None:
    wraps = method == WRAP_AES_KWP
    with open_token(token.module, token.label, token.pin()) as shared:
        shared.call("importing a KEK", lambda s: s.create_object({
            Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.AES,
            Attribute.VALUE: bytes(32), Attribute.TOKEN: True, Attribute.PRIVATE: True,
            Attribute.SENSITIVE: not extractable, Attribute.EXTRACTABLE: extractable,
            Attribute.LABEL: label, Attribute.ID: key_id, Attribute.WRAP: wraps,
            Attribute.UNWRAP: wraps, Attribute.ENCRYPT: not wraps, Attribute.DECRYPT: not wraps}))


def _destroy_keks(token: SoftToken, key_id: bytes) -> None:
    """Every secret key object with this id (the KEK and its duplicates)."""
    def destroy(s: pkcs11.Session) -> None:
        for found in list(s.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY,
                                         Attribute.ID: key_id})):
            found.destroy()

    with open_token(token.module, token.label, token.pin()) as shared:
        shared.call("destroying the KEK", destroy)


# python-pkcs11's get_key leaves its search open when it finds two objects; the refusal's
# traceback keeps it until after from_params has closed the session, so its late clean-up
# fails (SessionHandleInvalid), ignored and reported as unraisable.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("method", [WRAP_AES_KWP, WRAP_AES_GCM])
def test_a_duplicated_or_replaced_kek_is_refused(token: SoftToken, method: str) -> None:
    provider, params = Pkcs11KEK.create(token.module, token.label, token.pin(), method=method)
    provider.close()
    key_id, label = bytes.fromhex(str(params["key_id"])), str(params["key_label"])
    _import_kek(token, key_id, label, extractable=False, method=method)
    problem = refused(CryptoError, Pkcs11KEK.from_params, token.pin(), params)
    assert problem.message == f"several keys match KEK {label!r}"
    _destroy_keks(token, key_id)
    _import_kek(token, key_id, label, extractable=True, method=method)
    problem = refused(CryptoError, Pkcs11KEK.from_params, token.pin(), params)
    assert problem.message == "the token's KEK is extractable or not sensitive"
    gc.collect()  # the duplicate's search ends here, under this test's filter


def test_a_check_value_of_another_plaintext_is_refused(token: SoftToken) -> None:
    provider, params = Pkcs11KEK.create(token.module, token.label, token.pin())
    with provider:
        forged = provider.wrap(bytearray(hashlib.sha256(b"another ledger").digest()), CHECK_AAD)
    problem = refused(CryptoError, Pkcs11KEK.from_params, token.pin(),
                      dict(params, check=forged.hex()))
    assert problem.message == "the token's KEK does not match this ledger's (check value)"
    Pkcs11KEK.from_params(token.pin(), params).close()  # the recorded check still opens it


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"method": 5}, "kek_params.method", "KEK parameter 'method' must be non-empty text"),
    ({"check": "zz"}, "kek_params.check", "KEK parameter 'check' must be hex"),
])
def test_kek_parameters_are_checked_by_name(token: SoftToken, change: dict[str, Any],
                                            field: str, message: str) -> None:
    provider, params = Pkcs11KEK.create(token.module, token.label, token.pin())
    provider.close()
    problem = refused(InvalidInput, Pkcs11KEK.from_params, token.pin(), dict(params, **change))
    assert (problem.field, problem.message) == (field, message)
    problem = refused(InvalidInput, Pkcs11KEK.from_params, token.pin(),
                      [("provider", "pkcs11")])
    assert (problem.field, problem.message) == ("kek_params", "KEK parameters must be a mapping")
