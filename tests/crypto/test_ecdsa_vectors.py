"""ECDSA verification against the Wycheproof secp256k1 and P-256 SHA-256 files.

Policies under test (see ``ledger/crypto/_ecdsa_common.py``):

* ``verify`` is standard ECDSA: ``ecdsa_secp256k1_sha256_test.json`` and
  ``ecdsa_secp256r1_sha256_test.json`` list high-S signatures as valid;
* ``verify_low_s`` is the Bitcoin rule: ``ecdsa_secp256k1_sha256_bitcoin_test.json`` lists
  high-S signatures as invalid.

None of these snapshots has an "acceptable" case (checked below); BER-encoded signatures,
which older snapshots marked acceptable, are "invalid" here and we reject them.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidSignature
from tests.vectors import wycheproof_cases

K1_STANDARD = wycheproof_cases("wycheproof/ecdsa_secp256k1_sha256_test.json")
K1_BITCOIN = wycheproof_cases("wycheproof/ecdsa_secp256k1_sha256_bitcoin_test.json")
P256 = wycheproof_cases("wycheproof/ecdsa_secp256r1_sha256_test.json")


def _ids(cases: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str]:
    return [str(case["tcId"]) for _, case in cases]


def _compressed(uncompressed: bytes) -> bytes:
    x, y = uncompressed[1:33], uncompressed[33:]
    return bytes([2 + (y[-1] & 1)]) + x


def _check(scheme_id: str, method: str, group: dict[str, Any], case: dict[str, Any]) -> None:
    assert group["sha"] == "SHA-256"
    assert case["result"] in {"valid", "invalid"}, "no 'acceptable' cases expected"
    scheme = get_scheme(scheme_id)
    verify = getattr(scheme, method)
    public_key = bytes.fromhex(group["publicKey"]["uncompressed"])
    message = bytes.fromhex(case["msg"])
    signature = bytes.fromhex(case["sig"])
    if case["result"] == "valid":
        verify(public_key, message, signature)
        # The same point in compressed form must verify identically.
        verify(_compressed(public_key), message, signature)
    else:
        with pytest.raises(InvalidSignature):
            verify(public_key, message, signature)


@pytest.mark.parametrize(("group", "case"), K1_STANDARD, ids=_ids(K1_STANDARD))
def test_wycheproof_secp256k1_standard(group: dict[str, Any], case: dict[str, Any]) -> None:
    _check("ecdsa-secp256k1", "verify", group, case)


@pytest.mark.parametrize(("group", "case"), K1_BITCOIN, ids=_ids(K1_BITCOIN))
def test_wycheproof_secp256k1_bitcoin(group: dict[str, Any], case: dict[str, Any]) -> None:
    _check("ecdsa-secp256k1", "verify_low_s", group, case)


@pytest.mark.parametrize(("group", "case"), P256, ids=_ids(P256))
def test_wycheproof_p256(group: dict[str, Any], case: dict[str, Any]) -> None:
    _check("ecdsa-p256", "verify", group, case)


def test_bitcoin_file_differs_from_standard_only_by_high_s() -> None:
    """Why two policies: standard verify disagrees with the Bitcoin file on high-S only."""
    scheme = get_scheme("ecdsa-secp256k1")
    disagreements = []
    for group, case in K1_BITCOIN:
        public_key = bytes.fromhex(group["publicKey"]["uncompressed"])
        try:
            scheme.verify(public_key, bytes.fromhex(case["msg"]), bytes.fromhex(case["sig"]))
            accepted = True
        except InvalidSignature:
            accepted = False
        if accepted != (case["result"] == "valid"):
            disagreements.append(case)
    assert disagreements, "the Bitcoin file should contain high-S cases"
    for case in disagreements:
        assert case["result"] == "invalid"
        _, s = decode_dss_signature(bytes.fromhex(case["sig"]))
        assert s > SECP256K1_ORDER // 2
