"""The PKCS#11 KEK provider on SoftHSM2: lifecycle, binding, tampering, and RFC 5649 interop.

The interop tests put a KEK of *known* value on the token (imported by the test, as an HSM
cluster would import a shared KEK) and check the provider's blobs against pyca/cryptography's
RFC 5649 and AES-GCM, using the blob format documented in ``ledger/crypto/hsm/pkcs11_kek.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pkcs11
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import (
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)
from pkcs11 import Attribute, KeyType, ObjectClass

from ledger.crypto.kek import PassphraseKEK
from ledger.errors import ConfigurationError, CryptoError, InvalidInput
from ledger.hsm.pkcs11_kek import WRAP_AES_GCM, WRAP_AES_KWP, Pkcs11KEK
from ledger.hsm.token import open_token
from ledger.recipes.sealing import seal_private_key, unseal_private_key
from tests.hsm.conftest import SoftToken

METHODS = [WRAP_AES_KWP, WRAP_AES_GCM]
# The documented blob contract (pkcs11_kek module docstring), written out independently.
KWP_BINDING_LABEL = b"skms/pkcs11-kek/kwp-aad/v1\x00"
GCM_AAD_LABEL = b"skms/pkcs11-kek/gcm-aad/v1\x00"
CHECK_PLAINTEXT = hashlib.sha256(b"skms/pkcs11-kek/check/v1").digest()
CHECK_AAD = b"skms/pkcs11-kek/check-value/v1"


@pytest.fixture(params=METHODS)
def kek(request: pytest.FixtureRequest, token: SoftToken) -> Iterator[Pkcs11KEK]:
    provider, _params = Pkcs11KEK.create(token.module, token.label, token.pin(),
                                         method=request.param)
    with provider:
        yield provider


def test_round_trip_and_reopen(token: SoftToken, kek: Pkcs11KEK) -> None:
    data_key = bytearray(os.urandom(32))
    wrapped = kek.wrap(data_key, b"key-1:v1")
    assert kek.unwrap(wrapped, b"key-1:v1") == data_key
    params = kek.describe()
    kek.close()
    with pytest.raises(CryptoError, match="closed"):
        kek.wrap(data_key, b"key-1:v1")
    with Pkcs11KEK.from_params(token.pin(), json.loads(json.dumps(params))) as reopened:
        assert reopened.kek_id == params["kek_id"]
        assert reopened.unwrap(wrapped, b"key-1:v1") == data_key
        assert reopened.describe() == params


def test_describe_holds_public_parameters_only(token: SoftToken, kek: Pkcs11KEK) -> None:
    params = kek.describe()
    pin = token.pin_file.read_text()
    assert set(params) == {"provider", "version", "kek_id", "module", "token_label",
                           "token_serial", "key_label", "key_id", "method", "mechanism",
                           "check"}
    assert params["provider"] == "pkcs11" and params["module"] == token.module
    assert params["kek_id"] == "pkcs11-" + str(params["key_id"])
    assert pin not in json.dumps(params) and pin not in repr(kek)
    assert str(token.pin_file) not in json.dumps(params)  # the caller's business


def test_kek_on_the_token_is_non_extractable(token: SoftToken, kek: Pkcs11KEK) -> None:
    params = kek.describe()
    attributes = kek.key_attributes()
    assert attributes.violations() == [] and not attributes.modifiable
    with open_token(token.module, token.label, token.pin()) as shared:
        def inspect(session: Any) -> None:
            key = session.get_key(object_class=ObjectClass.SECRET_KEY,
                                  id=bytes.fromhex(str(params["key_id"])))
            with pytest.raises(pkcs11.exceptions.AttributeSensitive):
                key[Attribute.VALUE]
            wraps = params["method"] == WRAP_AES_KWP
            assert key[Attribute.WRAP] is wraps and key[Attribute.UNWRAP] is wraps
            assert key[Attribute.DECRYPT] is not wraps and key[Attribute.ENCRYPT] is not wraps
            assert key[Attribute.SIGN] is False and key[Attribute.DERIVE] is False
            assert key[Attribute.VALUE_LEN] == 32
            other = session.generate_key(KeyType.AES, 256, store=False, template={
                Attribute.WRAP: True, Attribute.EXTRACTABLE: True})
            with pytest.raises(pkcs11.exceptions.KeyUnextractable):
                other.wrap_key(key, mechanism=pkcs11.Mechanism.AES_KEY_WRAP_PAD)
            with pytest.raises(pkcs11.exceptions.PKCS11Error):
                key[Attribute.DECRYPT] = True  # not modifiable: no widening later
            assert key[Attribute.DECRYPT] is not wraps
        shared.call("inspecting the KEK", inspect)


def test_context_is_bound_and_tampering_detected(kek: Pkcs11KEK) -> None:
    data_key = bytearray(os.urandom(32))
    wrapped = kek.wrap(data_key, b"key-1:v1")
    with pytest.raises(CryptoError, match="authentication failed"):
        kek.unwrap(wrapped, b"key-1:v2")
    with pytest.raises(CryptoError, match="authentication failed"):
        kek.unwrap(wrapped, b"")
    for position in (1, 5, len(wrapped) // 2, len(wrapped) - 1):
        tampered = bytearray(wrapped)
        tampered[position] ^= 0x01
        with pytest.raises(CryptoError, match="authentication failed"):
            kek.unwrap(bytes(tampered), b"key-1:v1")
    for broken in (wrapped[:-1], wrapped[:-8], wrapped + b"\x00" * 8, wrapped[:1]):
        with pytest.raises(CryptoError):
            kek.unwrap(broken, b"key-1:v1")
    with pytest.raises(CryptoError, match="format"):
        kek.unwrap(bytes([0x07]) + wrapped[1:], b"key-1:v1")
    with pytest.raises(CryptoError):
        kek.unwrap(b"", b"key-1:v1")


def test_inputs_are_checked(kek: Pkcs11KEK) -> None:
    with pytest.raises(InvalidInput, match="data key"):
        kek.wrap(b"\x00" * 32, b"aad")  # type: ignore[arg-type]
    for size in (0, 15, 65):
        with pytest.raises(InvalidInput, match="data key"):
            kek.wrap(bytearray(size), b"aad")
    with pytest.raises(InvalidInput, match="aad"):
        kek.wrap(bytearray(32), "aad")  # type: ignore[arg-type]
    for size in (16, 64):
        value = bytearray(os.urandom(size))
        assert kek.unwrap(kek.wrap(value, b"a"), b"a") == value


def test_another_kek_cannot_unwrap(token: SoftToken, kek: Pkcs11KEK) -> None:
    method = str(kek.describe()["method"])
    other, _ = Pkcs11KEK.create(token.module, token.label, token.pin(), key_label="other",
                                method=method)
    with other:
        wrapped = kek.wrap(bytearray(os.urandom(32)), b"ctx")
        with pytest.raises(CryptoError, match="authentication failed"):
            other.unwrap(wrapped, b"ctx")
    passphrase_kek, _ = PassphraseKEK.create(b"a passphrase", "scrypt")
    with passphrase_kek, pytest.raises(CryptoError):
        passphrase_kek.unwrap(wrapped, b"ctx")


def test_sealing_recipe_through_the_hsm(kek: Pkcs11KEK) -> None:
    secret = bytearray(os.urandom(32))
    sealed = seal_private_key(secret, kek, aad=b"key-9:v1")
    assert unseal_private_key(sealed.sealed_material, sealed.wrapped_data_key, kek,
                              aad=b"key-9:v1") == secret
    with pytest.raises(CryptoError):
        unseal_private_key(sealed.sealed_material, sealed.wrapped_data_key, kek,
                           aad=b"key-9:v2")


def test_create_refuses_a_taken_label_and_unknown_method(token: SoftToken,
                                                        kek: Pkcs11KEK) -> None:
    with pytest.raises(InvalidInput, match="already holds") as caught:
        Pkcs11KEK.create(token.module, token.label, token.pin())
    assert caught.value.field == "key_label"
    with pytest.raises(InvalidInput, match="method"):
        Pkcs11KEK.create(token.module, token.label, token.pin(), key_label="x",
                         method="aes-ecb")
    with pytest.raises(InvalidInput, match="label"):
        Pkcs11KEK.create(token.module, token.label, token.pin(), key_label="")


def test_reopen_refuses_altered_parameters(token: SoftToken, kek: Pkcs11KEK) -> None:
    params = kek.describe()
    kek.close()
    pin = token.pin()
    cases: list[tuple[dict[str, object], type[Exception], str]] = [
        ({**params, "extra": 1}, InvalidInput, "unknown extra"),
        ({k: v for k, v in params.items() if k != "check"}, InvalidInput, "missing check"),
        ({**params, "provider": "passphrase"}, InvalidInput, "not pkcs11"),
        ({**params, "version": 2}, InvalidInput, "version"),
        ({**params, "kek_id": "pkcs11-" + "00" * 16}, InvalidInput, "kek_id"),
        ({**params, "key_id": str(params["key_id"]).upper()}, InvalidInput, "hex"),
        ({**params, "mechanism": "CKM_AES_ECB"}, InvalidInput, "wrapping"),
        ({**params, "token_serial": "ffffffffffffffff"}, ConfigurationError, "serial"),
        ({**params, "token_label": "elsewhere"}, ConfigurationError, "no token"),
        ({**params, "key_label": "renamed"}, CryptoError, "no KEK labelled"),
    ]
    check = bytearray.fromhex(str(params["check"]))
    check[-1] ^= 1
    cases.append(({**params, "check": check.hex()}, CryptoError, "check value"))
    for altered, error, message in cases:
        with pytest.raises(error, match=message):
            Pkcs11KEK.from_params(pin, altered)
    with pytest.raises(CryptoError, match="wrong PIN"):
        Pkcs11KEK.from_params(bytearray(b"bad-pin"), params)
    # Nothing above leaked a session: the good parameters still open (and then close).
    Pkcs11KEK.from_params(pin, params).close()


# --- interop with pyca/cryptography on a KEK of known value --------------------------------


def _import_known_kek(token: SoftToken, value: bytes, method: str, key_id: bytes,
                      label: str) -> None:
    wraps = method == WRAP_AES_KWP
    with open_token(token.module, token.label, token.pin()) as shared:
        shared.call("importing a test KEK", lambda session: session.create_object({
            Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.AES,
            Attribute.VALUE: value, Attribute.TOKEN: True, Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False, Attribute.LABEL: label,
            Attribute.ID: key_id, Attribute.WRAP: wraps, Attribute.UNWRAP: wraps,
            Attribute.ENCRYPT: not wraps, Attribute.DECRYPT: not wraps}))


def _independent_wrap(value: bytes, method: str, data_key: bytes, aad: bytes) -> bytes:
    if method == WRAP_AES_KWP:
        binding = hashlib.sha256(KWP_BINDING_LABEL + aad).digest()
        return b"\x01" + aes_key_wrap_with_padding(value, data_key + binding)
    iv = os.urandom(12)
    return b"\x02" + iv + AESGCM(value).encrypt(iv, data_key, GCM_AAD_LABEL + aad)


@pytest.mark.parametrize("method", METHODS)
def test_blobs_match_pyca_cryptography(token: SoftToken, method: str) -> None:
    value = os.urandom(32)
    key_id = os.urandom(16)
    _import_known_kek(token, value, method, key_id, "known")
    mechanism = "CKM_AES_GCM" if method == WRAP_AES_GCM else "CKM_AES_KEY_WRAP_PAD"
    with open_token(token.module, token.label, token.pin()) as shared:
        serial = shared.info.serial
    params: dict[str, object] = {
        "provider": "pkcs11", "version": 1, "kek_id": "pkcs11-" + key_id.hex(),
        "module": token.module, "token_label": token.label, "token_serial": serial,
        "key_label": "known", "key_id": key_id.hex(), "method": method,
        "mechanism": mechanism,
        "check": _independent_wrap(value, method, CHECK_PLAINTEXT, CHECK_AAD).hex(),
    }
    with Pkcs11KEK.from_params(token.pin(), params) as kek:
        # An imported KEK is accepted (clusters share one) but is not "local".
        assert not kek.key_attributes().local
        data_key = os.urandom(32)
        made_elsewhere = _independent_wrap(value, method, data_key, b"ctx")
        assert kek.unwrap(made_elsewhere, b"ctx") == data_key
        made_here = kek.wrap(bytearray(data_key), b"ctx")
        if method == WRAP_AES_KWP:
            assert made_here == made_elsewhere  # KWP is deterministic: the same bytes
            opened = aes_key_unwrap_with_padding(value, made_here[1:])
            assert opened == data_key + hashlib.sha256(KWP_BINDING_LABEL + b"ctx").digest()
        else:
            assert made_here[0] == 0x02 and len(made_here) == 1 + 12 + 32 + 16
            opened = AESGCM(value).decrypt(made_here[1:13], made_here[13:],
                                           GCM_AAD_LABEL + b"ctx")
            assert opened == data_key


def test_kwp_probe_records_the_rfc5649_mechanism(token: SoftToken) -> None:
    kek, params = Pkcs11KEK.create(token.module, token.label, token.pin())
    kek.close()
    # SoftHSM 2.6 offers only the pre-3.1 name, and implements RFC 5649 under it.
    assert params["method"] == WRAP_AES_KWP
    assert params["mechanism"] == "CKM_AES_KEY_WRAP_PAD"
