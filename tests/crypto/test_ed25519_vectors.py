"""Ed25519 against RFC 8032 §7.1 and Wycheproof ``ed25519_test.json``.

Why both: RFC 8032 pins key derivation and signing byte for byte; Wycheproof pins what the
verifier must refuse (malleable S, bad encodings, truncated or padded signatures).
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidSignature
from tests.vectors import load_json, wycheproof_cases

SCHEME = get_scheme("ed25519")

RFC8032 = load_json("ed25519/rfc8032_ed25519_test_vectors.json")["vectors"]
WYCHEPROOF = wycheproof_cases("wycheproof/ed25519_test.json")


@pytest.mark.parametrize("vector", RFC8032, ids=[v["name"] for v in RFC8032])
def test_rfc8032_sign_and_verify(vector: dict[str, Any]) -> None:
    seed = bytearray.fromhex(vector["secret_key"])
    message = bytes.fromhex(vector["message"])
    assert len(message) == vector["message_length"]
    private_key = SCHEME.generate(seed)
    assert SCHEME.public_key(private_key).hex() == vector["public_key"]
    signature = SCHEME.sign(private_key, message)
    assert signature.hex() == vector["signature"]
    SCHEME.verify(bytes.fromhex(vector["public_key"]), message, signature)


@pytest.mark.parametrize(
    ("group", "case"), WYCHEPROOF, ids=[str(case["tcId"]) for _, case in WYCHEPROOF]
)
def test_wycheproof_ed25519(group: dict[str, Any], case: dict[str, Any]) -> None:
    public_key = bytes.fromhex(group["publicKey"]["pk"])
    message = bytes.fromhex(case["msg"])
    signature = bytes.fromhex(case["sig"])
    # The file has no "acceptable" cases; if a future snapshot adds some, decide explicitly.
    assert case["result"] in {"valid", "invalid"}
    if case["result"] == "valid":
        SCHEME.verify(public_key, message, signature)
    else:
        with pytest.raises(InvalidSignature):
            SCHEME.verify(public_key, message, signature)
