"""Wycheproof vectors through our modules: AES-256-GCM, HKDF-SHA256, X25519 + HKDF.

Sources (read from the shared folder through ``tests/vectors.py``, never copied):
C2SP/wycheproof ``testvectors_v1/aes_gcm_test.json``, ``hkdf_sha256_test.json`` and
``x25519_test.json``. Every case of every file runs; none is filtered out silently:

* AES-GCM: the 256-bit-key, 96-bit-IV cases run through :func:`gcm_seal`/:func:`gcm_open`;
  every other case must be *refused* by those functions (wrong key or nonce size), which is
  what makes running only those legitimate.
* HKDF: valid cases must match, ``SizeTooLarge`` cases must be refused.
* X25519: :meth:`X25519Kind.derive` never exposes the raw shared secret, so each accepted
  case is checked as ``derive(...) == HKDF-SHA256(shared from the file)``, the HKDF computed
  by the library directly (not by our wrapper). Cases whose shared secret is all zero (the
  file's ``LowOrderPublic``/``ZeroSharedSecret`` cases, "acceptable" to reject per RFC 7748
  §6.1) must be rejected; all other "valid" and "acceptable" cases must be accepted.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.crypto.aes256_gcm import gcm_open, gcm_seal
from ledger.crypto.hkdf import hkdf_sha256
from ledger.crypto.x25519_ecdh import KIND as X25519
from ledger.errors import InvalidCiphertext, InvalidInput
from tests.vectors import wycheproof_cases

AES_CASES = wycheproof_cases("wycheproof/aes_gcm_test.json")
HKDF_CASES = wycheproof_cases("wycheproof/hkdf_sha256_test.json")
X25519_CASES = wycheproof_cases("wycheproof/x25519_test.json")


def _ids(cases: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str]:
    return [str(case["tcId"]) for _, case in cases]


def _in_scope(group: dict[str, Any]) -> bool:
    return group["keySize"] == 256 and group["ivSize"] == 96 and group["tagSize"] == 128


def test_vector_files_are_complete() -> None:
    """Guards against a truncated copy: the counts of this snapshot."""
    assert len(AES_CASES) == 316
    assert sum(_in_scope(g) for g, _ in AES_CASES) == 66
    assert len(HKDF_CASES) == 86
    assert len(X25519_CASES) == 518


@pytest.mark.parametrize(("group", "case"), AES_CASES, ids=_ids(AES_CASES))
def test_wycheproof_aes_gcm(group: dict[str, Any], case: dict[str, Any]) -> None:
    key, iv = bytes.fromhex(case["key"]), bytes.fromhex(case["iv"])
    aad, msg = bytes.fromhex(case["aad"]), bytes.fromhex(case["msg"])
    sealed = bytes.fromhex(case["ct"]) + bytes.fromhex(case["tag"])
    if not _in_scope(group):
        # Our module accepts only AES-256 with 96-bit nonces: it must refuse the case.
        with pytest.raises(InvalidInput):
            gcm_open(key, iv, sealed, aad)
        with pytest.raises(InvalidInput):
            gcm_seal(key, iv, msg, aad)
        return
    if case["result"] == "valid":
        assert gcm_seal(key, iv, msg, aad) == sealed
        opened = gcm_open(key, iv, sealed, aad)
        assert opened == bytearray(msg)
        assert isinstance(opened, bytearray)
    else:
        with pytest.raises(InvalidCiphertext, match="authentication failed"):
            gcm_open(key, iv, sealed, aad)


@pytest.mark.parametrize(("group", "case"), HKDF_CASES, ids=_ids(HKDF_CASES))
def test_wycheproof_hkdf_sha256(group: dict[str, Any], case: dict[str, Any]) -> None:
    ikm, salt, info = (bytes.fromhex(case[k]) for k in ("ikm", "salt", "info"))
    if case["result"] == "valid":
        out = hkdf_sha256(ikm, salt=salt, info=info, length=case["size"])
        assert out == bytearray.fromhex(case["okm"])
    else:
        assert "SizeTooLarge" in case["flags"]
        with pytest.raises(InvalidInput, match="length"):
            hkdf_sha256(ikm, salt=salt, info=info, length=case["size"])


SALT = b"wycheproof salt"
INFO = b"skms x25519 vector check"


@pytest.mark.parametrize(("group", "case"), X25519_CASES, ids=_ids(X25519_CASES))
def test_wycheproof_x25519(group: dict[str, Any], case: dict[str, Any]) -> None:
    assert group["curve"] == "curve25519"
    private, public = bytearray.fromhex(case["private"]), bytes.fromhex(case["public"])
    shared = bytes.fromhex(case["shared"])
    assert case["result"] in ("valid", "acceptable")  # the file has no "invalid" case
    if shared == bytes(32):
        assert "ZeroSharedSecret" in case["flags"] or "LowOrderPublic" in case["flags"]
        with pytest.raises(InvalidInput, match="low-order"):
            X25519.derive(private, public, salt=SALT, info=INFO, length=32)
        return
    expected = HKDF(hashes.SHA256(), 32, SALT, INFO).derive(shared)
    assert X25519.derive(private, public, salt=SALT, info=INFO, length=32) == expected


def test_x25519_zero_cases_are_exactly_the_low_order_ones() -> None:
    zero = {c["tcId"] for _, c in X25519_CASES if c["shared"] == "00" * 32}
    low = {c["tcId"] for _, c in X25519_CASES if "LowOrderPublic" in c["flags"]}
    assert zero == low and len(zero) == 31
